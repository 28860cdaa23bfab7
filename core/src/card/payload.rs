//! Payload templates ("LOY1:{card}:{totp_value_0}", "97{card:13}{totp_value_0}").
//!
//! Placeholders are `{card}` (or `{card:N}`, the card number at a fixed
//! width of N digits) and those of Google Wallet's rotating barcode
//! `valuePattern`: `{totp_value_0}`, `{totp_timestamp_seconds}`,
//! `{totp_timestamp_millis}` (the start of the token's time step). Every
//! placeholder renders ASCII digits, so a template whose literal text is
//! digits too survives a keyboard-wedge scanner on any keyboard layout
//! ([`Template::is_layout_safe`]).
//!
//! A template must read back unambiguously: two placeholders may touch only
//! when the first has a fixed width (`{card:N}`, or `{totp_value_0}` at the
//! TOTP digits), and the literal after a placeholder of variable width may
//! not begin with a digit.

use std::collections::HashMap;

use super::number::CardNumber;
use super::totp::TotpParams;
use crate::kernel::error::{LoyaltyError, Result};

/// Default payload template.
pub const DEFAULT_TEMPLATE: &str = "LOY1:{card}:{totp_value_0}";

/// A template of digits only (prefix `97`, a 13-digit card number, the
/// code): what keyboard-wedge scanners type the same on every layout.
pub const LAYOUT_SAFE_TEMPLATE: &str = "97{card:13}{totp_value_0}";

/// Longest accepted template, and longest payload a verifier reads.
pub const MAX_TEMPLATE_LEN: usize = 256;
/// Longest payload a verifier accepts, in bytes.
pub const MAX_PAYLOAD_LEN: usize = 1024;

/// Steps of clock drift a till accepts either side of its own (a code made
/// one step early or late still verifies).
pub const TILL_SKEW_STEPS: i64 = 1;

/// A placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    /// The card number; `Some(n)`: exactly `n` digits.
    Card(Option<usize>),
    /// The TOTP code (the TOTP digits wide).
    Totp,
    /// The start of the step, Unix seconds.
    Seconds,
    /// The start of the step, Unix milliseconds.
    Millis,
}

impl Field {
    /// The key [`Template::read`] files the value under.
    fn key(self) -> &'static str {
        match self {
            Self::Card(_) => "card",
            Self::Totp => "totp",
            Self::Seconds => "seconds",
            Self::Millis => "millis",
        }
    }

    /// Whether the value always has the same number of digits.
    fn fixed_width(self) -> bool {
        matches!(self, Self::Card(Some(_)) | Self::Totp)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Lit(String),
    Field(Field),
}

/// A validated payload template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    text: String,
    parts: Vec<Part>,
}

fn bad_template(reason: impl Into<String>) -> LoyaltyError {
    LoyaltyError::InvalidCardConfig {
        field: "template".into(),
        reason: reason.into(),
    }
}

/// Reads `{card}`, `{card:N}` or a TOTP placeholder's name.
fn placeholder(name: &str) -> Result<Field> {
    Ok(match name {
        "card" => Field::Card(None),
        "totp_value_0" => Field::Totp,
        "totp_timestamp_seconds" => Field::Seconds,
        "totp_timestamp_millis" => Field::Millis,
        other => {
            let width = other
                .strip_prefix("card:")
                .filter(|w| (1..=2).contains(&w.len()) && w.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|w| w.parse::<usize>().ok());
            match width {
                Some(w) if (8..=19).contains(&w) => Field::Card(Some(w)),
                Some(w) => {
                    return Err(bad_template(format!(
                        "{{card:{w}}}: a card number has 8 to 19 digits"
                    )));
                }
                None => return Err(bad_template(format!("unknown placeholder {{{other}}}"))),
            }
        }
    })
}

impl Template {
    /// Parses a template; it needs `{card}` (or `{card:N}`) once, known
    /// placeholders only, and a shape that reads back unambiguously (see
    /// the module documentation).
    pub fn parse(text: &str) -> Result<Self> {
        if text.len() > MAX_TEMPLATE_LEN {
            return Err(bad_template(format!(
                "longer than {MAX_TEMPLATE_LEN} bytes"
            )));
        }
        let mut parts = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            let (lit, tail) = match rest.find(['{', '}']) {
                None => (rest, ""),
                Some(i) => rest.split_at(i),
            };
            if !lit.is_empty() {
                if let Some(Part::Field(f)) = parts.last()
                    && !f.fixed_width()
                    && lit.starts_with(|c: char| c.is_ascii_digit())
                {
                    return Err(bad_template(format!(
                        "\"{lit}\" after a placeholder of variable width begins with a digit, \
                         so a reader cannot tell where the number ends; give the card a fixed \
                         width ({{card:13}}) or begin the text with a non-digit"
                    )));
                }
                parts.push(Part::Lit(lit.to_string()));
            }
            rest = tail;
            if rest.is_empty() {
                break;
            }
            if rest.starts_with('}') {
                return Err(bad_template("a '}' without its '{'"));
            }
            let close = rest
                .find('}')
                .ok_or_else(|| bad_template("a '{' without its '}'"))?;
            let field = placeholder(&rest[1..close])?;
            if let Some(Part::Field(prev)) = parts.last()
                && !prev.fixed_width()
            {
                return Err(bad_template(
                    "placeholders must be separated by literal text unless the first has a \
                     fixed width ({card:13} or {totp_value_0})",
                ));
            }
            parts.push(Part::Field(field));
            rest = &rest[close + 1..];
        }
        let count = |f: fn(&Field) -> bool| {
            parts
                .iter()
                .filter(|p| matches!(p, Part::Field(x) if f(x)))
                .count()
        };
        if count(|f| matches!(f, Field::Card(_))) != 1 {
            return Err(bad_template("needs {card} exactly once"));
        }
        let totp = count(|f| *f == Field::Totp);
        let seconds = count(|f| *f == Field::Seconds);
        let millis = count(|f| *f == Field::Millis);
        if totp > 1 || seconds > 1 || millis > 1 {
            return Err(bad_template("a TOTP placeholder appears more than once"));
        }
        if totp == 0 && seconds + millis > 0 {
            return Err(bad_template(
                "a timestamp placeholder needs {totp_value_0} too: a timestamp alone is no secret \
                 and anyone could make the code; use {card} alone for a static card",
            ));
        }
        if parts
            .iter()
            .any(|p| matches!(p, Part::Lit(l) if l.chars().any(char::is_control)))
        {
            return Err(bad_template("contains control characters"));
        }
        Ok(Self {
            text: text.to_string(),
            parts,
        })
    }

    /// The template text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the payload changes with time (has a TOTP placeholder).
    pub fn is_rotating(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, Part::Field(Field::Totp | Field::Seconds | Field::Millis)))
    }

    /// Whether every character of a payload is an ASCII digit: its literal
    /// text is digits (every placeholder renders digits). A keyboard-wedge
    /// scanner types such a payload the same under every keyboard layout,
    /// where `:` and letters change (Russian ЙЦУКЕН: `:` is Shift+6).
    pub fn is_layout_safe(&self) -> bool {
        self.parts
            .iter()
            .all(|p| !matches!(p, Part::Lit(l) if !l.bytes().all(|b| b.is_ascii_digit())))
    }

    /// The fixed width of the card number (`{card:N}`), if any.
    pub fn card_width(&self) -> Option<usize> {
        self.parts.iter().find_map(|p| match p {
            Part::Field(Field::Card(w)) => *w,
            _ => None,
        })
    }

    /// Refuses a card number of another length than `{card:N}` asks for.
    pub fn check_card(&self, card: &CardNumber) -> Result<()> {
        match self.card_width() {
            Some(w) if card.as_str().len() != w => Err(LoyaltyError::InvalidCardNumber {
                reason: format!(
                    "the card template {} needs a card number of exactly {w} digits, not {}",
                    self.text,
                    card.as_str().len()
                ),
            }),
            _ => Ok(()),
        }
    }

    /// The literal text before the first placeholder ("LOY1:"): the payload version.
    pub(super) fn version_prefix(&self) -> &str {
        match self.parts.first() {
            Some(Part::Lit(l)) => l,
            _ => "",
        }
    }

    /// Fills the template for time step `step`; a card number of the wrong
    /// width for `{card:N}` is refused (`invalid_card_number`).
    pub fn render(
        &self,
        card: &CardNumber,
        params: &TotpParams,
        secret: &[u8],
        step: i64,
    ) -> Result<String> {
        self.check_card(card)?;
        let mut out = String::with_capacity(64);
        for part in &self.parts {
            match part {
                Part::Lit(l) => out.push_str(l),
                Part::Field(Field::Card(_)) => out.push_str(card.as_str()),
                Part::Field(Field::Totp) => out.push_str(&params.code_string(secret, step)),
                Part::Field(Field::Seconds) => {
                    out.push_str(&(step.saturating_mul(params.period)).to_string())
                }
                Part::Field(Field::Millis) => out.push_str(
                    &(step.saturating_mul(params.period).saturating_mul(1000)).to_string(),
                ),
            }
        }
        Ok(out)
    }

    /// The template with the card number filled in and the TOTP
    /// placeholders left as they are, for a wallet app that computes the
    /// code itself (Google Wallet's `valuePattern` uses the same names).
    pub fn with_card(&self, card: &CardNumber) -> Result<String> {
        self.check_card(card)?;
        let mut out = String::with_capacity(self.text.len() + 19);
        for part in &self.parts {
            match part {
                Part::Lit(l) => out.push_str(l),
                Part::Field(Field::Card(_)) => out.push_str(card.as_str()),
                Part::Field(Field::Totp) => out.push_str("{totp_value_0}"),
                Part::Field(Field::Seconds) => out.push_str("{totp_timestamp_seconds}"),
                Part::Field(Field::Millis) => out.push_str("{totp_timestamp_millis}"),
            }
        }
        Ok(out)
    }

    /// Splits a payload back into its fields; `None` when it does not fit.
    /// A fixed-width field takes exactly its width in digits (`{card:N}`,
    /// and `{totp_value_0}` at `totp_digits`); any other field runs to the
    /// next literal text, or to the end.
    pub(super) fn read<'p>(
        &self,
        payload: &'p str,
        totp_digits: usize,
    ) -> Option<HashMap<&'static str, &'p str>> {
        let mut fields = HashMap::new();
        let mut rest = payload;
        for (i, part) in self.parts.iter().enumerate() {
            match part {
                Part::Lit(l) => rest = rest.strip_prefix(l.as_str())?,
                Part::Field(f) => {
                    let end = match (f, self.parts.get(i + 1)) {
                        (Field::Card(Some(w)), _) => *w,
                        (Field::Totp, _) => totp_digits,
                        (_, Some(Part::Lit(next))) => rest.find(next.as_str())?,
                        _ => rest.len(),
                    };
                    let value = rest.get(..end)?;
                    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                        return None;
                    }
                    fields.insert(f.key(), value);
                    rest = &rest[end..];
                }
            }
        }
        rest.is_empty().then_some(fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::number::CheckDigit;

    const SECRET: &[u8] = b"12345678901234567890";

    fn card() -> CardNumber {
        CardNumber::parse("4006381333931", CheckDigit::Ean13).unwrap()
    }

    #[test]
    fn templates_are_validated() {
        assert!(Template::parse(DEFAULT_TEMPLATE).unwrap().is_rotating());
        assert!(!Template::parse("{card}").unwrap().is_rotating());
        for bad in [
            "LOY1:{totp_value_0}",
            "{card}{totp_value_0}",
            "X:{card}:{nope}",
            "{card",
            "card}",
            "{card}:{card}",
            "{card:13}:{card}",
            "{card}:{totp_value_0}:{totp_value_0}",
            // A timestamp alone is forgeable: anyone can make the code.
            "LOY1:{card}:{totp_timestamp_seconds}",
            "LOY1:{card}:{totp_timestamp_millis}",
            // Widths a card number cannot have, or not a number at all.
            "97{card:7}{totp_value_0}",
            "97{card:20}{totp_value_0}",
            "97{card:}{totp_value_0}",
            "97{card:x}{totp_value_0}",
            "97{card:013}{totp_value_0}",
            "97{card: 13}{totp_value_0}",
            // Variable-width fields must not touch what follows.
            "97{card}{totp_value_0}",
            "97{card:13}{totp_value_0}{totp_timestamp_seconds}{totp_timestamp_millis}",
            // A digit right after a variable-width field is ambiguous.
            "97{card}0{totp_value_0}",
            "97{card:13}{totp_value_0}:{totp_timestamp_seconds}5",
        ] {
            assert_eq!(
                Template::parse(bad).unwrap_err().code(),
                "invalid_card_config",
                "{bad}"
            );
        }
        assert!(Template::parse(&"x".repeat(300)).is_err());
        for good in [
            "G:{card}:{totp_value_0}:{totp_timestamp_seconds}",
            LAYOUT_SAFE_TEMPLATE,
            "{card:13}{totp_value_0}",
            "97{card:8}0{totp_value_0}",
            "97{card:13}{totp_value_0}{totp_timestamp_seconds}",
            "{card}:{totp_value_0}5",
        ] {
            assert!(Template::parse(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn layout_safety_is_digits_only_literals() {
        for (text, safe) in [
            (DEFAULT_TEMPLATE, false),
            ("G:{card}:{totp_value_0}:{totp_timestamp_seconds}", false),
            (LAYOUT_SAFE_TEMPLATE, true),
            ("{card}", true),
            ("{card:13}{totp_value_0}", true),
            ("97{card:13}0{totp_value_0}{totp_timestamp_millis}", true),
            ("97{card:13} {totp_value_0}", false),
            ("٩٧{card:13}{totp_value_0}", false),
        ] {
            assert_eq!(
                Template::parse(text).unwrap().is_layout_safe(),
                safe,
                "{text}"
            );
        }
    }

    #[test]
    fn fixed_width_cards_render_and_read_back() {
        let t = Template::parse(LAYOUT_SAFE_TEMPLATE).unwrap();
        assert_eq!(t.card_width(), Some(13));
        let p = TotpParams::default();
        // RFC 6238 appendix B: 07081804 at 1111111109 (SHA-1, 8 digits).
        let payload = t.render(&card(), &p, SECRET, 1_111_111_109 / 30).unwrap();
        assert_eq!(payload, "97400638133393107081804");
        let fields = t.read(&payload, 8).unwrap();
        assert_eq!(fields["card"], "4006381333931");
        assert_eq!(fields["totp"], "07081804");
        // One digit short or long reads as nothing.
        assert!(t.read(&payload[..payload.len() - 1], 8).is_none());
        assert!(t.read(&format!("{payload}0"), 8).is_none());
        let short = CardNumber::parse("12345678", CheckDigit::None).unwrap();
        let e = t.render(&short, &p, SECRET, 1).unwrap_err();
        assert_eq!(e.code(), "invalid_card_number");
        assert!(e.to_string().contains("exactly 13 digits"), "{e}");
        assert_eq!(
            t.with_card(&short).unwrap_err().code(),
            "invalid_card_number"
        );
    }

    #[test]
    fn with_card_keeps_the_wallet_placeholders() {
        let t = Template::parse("G:{card}:{totp_value_0}:{totp_timestamp_millis}").unwrap();
        assert_eq!(
            t.with_card(&card()).unwrap(),
            "G:4006381333931:{totp_value_0}:{totp_timestamp_millis}"
        );
        let t = Template::parse(LAYOUT_SAFE_TEMPLATE).unwrap();
        assert_eq!(
            t.with_card(&card()).unwrap(),
            "974006381333931{totp_value_0}"
        );
    }

    #[test]
    fn existing_templates_render_as_before() {
        let p = TotpParams::default();
        let t = Template::parse(DEFAULT_TEMPLATE).unwrap();
        assert_eq!(
            t.render(&card(), &p, SECRET, 1_111_111_109 / 30).unwrap(),
            "LOY1:4006381333931:07081804"
        );
        let t = Template::parse("W:{card}:{totp_value_0}:{totp_timestamp_millis}").unwrap();
        assert_eq!(
            t.render(&card(), &p, SECRET, 100).unwrap(),
            format!("W:4006381333931:{}:3000000", p.code_string(SECRET, 100))
        );
    }
}
