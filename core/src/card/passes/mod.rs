//! Wallet passes for the member's card, unsigned (the server signs them):
//! Google Wallet's `LoyaltyClass`, `LoyaltyObject` and save-JWT claims, and
//! Apple Wallet's `pass.json` for a store card.
//!
//! Pure and deterministic: the same [`PassInput`] gives the same bytes (JSON
//! objects with their keys sorted, two-space indent, a final newline). The
//! Google object carries the card's TOTP secret (Google draws the rotating
//! code from it), so treat it as a secret: send it to your server over TLS
//! and never log it. The Apple pass carries a static barcode, so it holds a
//! server-signed LOY2 credential that can identify and earn but not redeem.
//!
//! References the field names are checked against (`core/tests/passes.rs`):
//! <https://developers.google.com/wallet/reference/rest/v1/loyaltyclass>,
//! <https://developers.google.com/wallet/reference/rest/v1/loyaltyobject>,
//! <https://developers.google.com/wallet/reference/rest/v1/Jwt>,
//! <https://developer.apple.com/documentation/walletpasses/pass>.

mod apple;
mod google;

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

use super::number::CardNumber;
use super::{CardConfig, Secret};
use crate::kernel::error::{LoyaltyError, Result};

/// The words a pass shows beside the figures, in the member's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassLabels {
    /// Beside the points balance ("Points").
    pub points: String,
    /// Beside the tier ("Tier").
    pub tier: String,
    /// Beside the member's name ("Member").
    pub member: String,
    /// Beside the card number ("Card").
    pub card: String,
    /// What the pass is, for accessibility (Apple's `description`: "Loyalty card").
    pub description: String,
}

impl Default for PassLabels {
    fn default() -> Self {
        Self {
            points: "Points".into(),
            tier: "Tier".into(),
            member: "Member".into(),
            card: "Card".into(),
            description: "Loyalty card".into(),
        }
    }
}

/// The program's side of a pass: the same for every member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassIssuer {
    /// Google Wallet issuer id (digits, from the Google Pay & Wallet console).
    pub issuer_id: String,
    /// The class id after `issuer_id.` (letters, digits, `.`, `_`, `-`).
    pub class_suffix: String,
    /// The issuer's name (Google `issuerName`, Apple `organizationName`).
    pub issuer_name: String,
    /// The program's name (Google `programName`, Apple `logoText`).
    pub program_name: String,
    /// The program logo, an `https://` URL (Google `programLogo`).
    pub logo_url: String,
    /// Background colour, `#rrggbb`.
    pub background_color: String,
    /// Text colour, `#rrggbb` (Apple `foregroundColor`).
    pub foreground_color: String,
    /// Label colour, `#rrggbb` (Apple `labelColor`).
    pub label_color: String,
    /// Apple pass type identifier (`pass.com.example.loyalty`).
    pub pass_type_id: String,
    /// Apple Developer team id (10 letters and digits).
    pub team_id: String,
    /// The Google Cloud service account that signs the save JWT (its `iss`).
    pub service_account_email: String,
    /// Web origins allowed to show the save button (the JWT's `origins`), `https://…`.
    pub origins: Vec<String>,
    /// The words on the pass.
    pub labels: PassLabels,
}

/// The member's side of a pass.
#[derive(Clone, PartialEq, Eq)]
pub struct PassMember {
    /// The object id after `issuer_id.` (Google), and Apple's `serialNumber`.
    pub object_suffix: String,
    /// The card number (digits).
    pub card_number: String,
    /// The member's name, if the pass shows it.
    pub member_name: Option<String>,
    /// The points balance.
    pub points: i64,
    /// The tier's name, if the program has tiers.
    pub tier: Option<String>,
}

impl std::fmt::Debug for PassMember {
    /// Shows the last four digits of the card only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = &self.card_number;
        f.debug_struct("PassMember")
            .field("object_suffix", &self.object_suffix)
            .field("card_last4", &&n[n.len().saturating_sub(4)..])
            .field("points", &self.points)
            .finish_non_exhaustive()
    }
}

/// Everything a pass is made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassInput {
    /// The program's side.
    pub issuer: PassIssuer,
    /// The member's side.
    pub member: PassMember,
    /// The program's card rules: template, TOTP parameters, check digit.
    pub card: CardConfig,
    /// The card's TOTP secret (Google draws the rotating code from it).
    pub secret: Secret,
    /// When the save JWT is issued (its `iat`), Unix seconds.
    pub issued_at: i64,
}

/// Checked pass input: every pass of the member's card from it.
pub struct WalletPasses {
    input: PassInput,
    number: CardNumber,
}

impl std::fmt::Debug for WalletPasses {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WalletPasses")
            .field("member", &self.input.member)
            .finish_non_exhaustive()
    }
}

fn bad(field: &str, reason: impl Into<String>) -> LoyaltyError {
    LoyaltyError::InvalidPass {
        field: field.into(),
        reason: reason.into(),
    }
}

/// Text shown on a pass: not blank, at most 200 characters, no control characters.
fn check_text(field: &str, text: &str) -> Result<()> {
    if text.trim().is_empty() {
        return Err(bad(field, "is empty"));
    }
    if text.chars().count() > 200 {
        return Err(bad(field, "is longer than 200 characters"));
    }
    if text.chars().any(char::is_control) {
        return Err(bad(field, "contains control characters"));
    }
    Ok(())
}

/// A Google id part: 1 to 100 of letters, digits, `.`, `_`, `-`.
fn check_id_part(field: &str, id: &str) -> Result<()> {
    let ok = (1..=100).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(bad(
            field,
            format!("\"{id}\" must be 1 to 100 of letters, digits, '.', '_' or '-'"),
        ))
    }
}

/// An absolute URL with one of `schemes` and a host.
fn check_url(field: &str, text: &str, schemes: &[&str]) -> Result<()> {
    let url = url::Url::parse(text).map_err(|e| bad(field, format!("\"{text}\": {e}")))?;
    if !schemes.contains(&url.scheme()) || url.host_str().is_none_or(str::is_empty) {
        return Err(bad(
            field,
            format!(
                "\"{text}\" must be a {} URL with a host",
                schemes.join(" or ")
            ),
        ));
    }
    Ok(())
}

/// `#rrggbb` as its three bytes.
pub(super) fn rgb(field: &str, text: &str) -> Result<[u8; 3]> {
    let hex = text
        .strip_prefix('#')
        .filter(|h| h.len() == 6 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| bad(field, format!("\"{text}\" is not a colour like #1a237e")))?;
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| bad(field, "hex"));
    Ok([byte(0)?, byte(2)?, byte(4)?])
}

impl PassIssuer {
    fn check(&self) -> Result<()> {
        if !(1..=19).contains(&self.issuer_id.len())
            || !self.issuer_id.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad(
                "issuer_id",
                "must be the digits of the Google Wallet issuer id (the console shows it)",
            ));
        }
        check_id_part("class_suffix", &self.class_suffix)?;
        check_text("issuer_name", &self.issuer_name)?;
        check_text("program_name", &self.program_name)?;
        check_url("logo_url", &self.logo_url, &["https"])?;
        for (field, colour) in [
            ("background_color", &self.background_color),
            ("foreground_color", &self.foreground_color),
            ("label_color", &self.label_color),
        ] {
            rgb(field, colour)?;
        }
        let segments: Vec<&str> = self.pass_type_id.split('.').collect();
        if segments.len() < 3
            || segments[0] != "pass"
            || self.pass_type_id.len() > 255
            || segments
                .iter()
                .any(|s| s.is_empty() || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        {
            return Err(bad(
                "pass_type_id",
                format!(
                    "\"{}\" is not a pass type identifier like pass.com.example.loyalty",
                    self.pass_type_id
                ),
            ));
        }
        if self.team_id.len() != 10
            || !self
                .team_id
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            return Err(bad(
                "team_id",
                "must be the 10 capital letters and digits of the Apple Developer team id",
            ));
        }
        let email = &self.service_account_email;
        let well_formed = email.len() <= 254
            && email.split('@').count() == 2
            && email
                .split_once('@')
                .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.starts_with('.'))
            && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        if !well_formed {
            return Err(bad(
                "service_account_email",
                "must be the service account's email address (name@project.iam.gserviceaccount.com)",
            ));
        }
        for origin in &self.origins {
            check_url("origins", origin, &["https", "http"])?;
        }
        let l = &self.labels;
        for (field, text) in [
            ("labels.points", &l.points),
            ("labels.tier", &l.tier),
            ("labels.member", &l.member),
            ("labels.card", &l.card),
            ("labels.description", &l.description),
        ] {
            check_text(field, text)?;
        }
        Ok(())
    }
}

impl WalletPasses {
    /// Checks `input`: ids, names, URLs, colours and the card number (its
    /// check digit, and the width the template asks for). Refused with
    /// `invalid_pass` (naming the field) or `invalid_card_number`.
    pub fn new(input: PassInput) -> Result<Self> {
        input.issuer.check()?;
        let m = &input.member;
        check_id_part("object_suffix", &m.object_suffix)?;
        if let Some(name) = &m.member_name {
            check_text("member_name", name)?;
        }
        if let Some(tier) = &m.tier {
            check_text("tier", tier)?;
        }
        if input.issued_at < 0 {
            return Err(bad("issued_at", "must not be before 1970"));
        }
        let number = CardNumber::parse(&m.card_number, input.card.check)?;
        input.card.template.check_card(&number)?;
        Ok(Self { input, number })
    }

    /// The Google class id: `issuer_id.class_suffix`.
    pub fn class_id(&self) -> String {
        let i = &self.input.issuer;
        format!("{}.{}", i.issuer_id, i.class_suffix)
    }

    /// The Google object id: `issuer_id.object_suffix`.
    pub fn object_id(&self) -> String {
        format!(
            "{}.{}",
            self.input.issuer.issuer_id, self.input.member.object_suffix
        )
    }
}

/// Serialises a JSON value with every object's keys in sorted order,
/// whatever map type `serde_json` was built with.
struct Sorted<'a>(&'a Value);

impl Serialize for Sorted<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                let mut out = s.serialize_map(Some(keys.len()))?;
                for k in keys {
                    out.serialize_entry(k, &Sorted(&map[k]))?;
                }
                out.end()
            }
            Value::Array(items) => {
                let mut out = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    out.serialize_element(&Sorted(item))?;
                }
                out.end()
            }
            other => other.serialize(s),
        }
    }
}

/// `value` as pretty JSON with sorted keys and a final newline.
pub(super) fn canonical(value: &Value) -> String {
    // Writing a `Value` to a String cannot fail: every key is a string.
    let mut text = serde_json::to_string_pretty(&Sorted(value)).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::card::Template;

    /// A complete, valid input (also used by the Google and Apple tests).
    pub(crate) fn input() -> PassInput {
        PassInput {
            issuer: PassIssuer {
                issuer_id: "3388000000012345678".into(),
                class_suffix: "loyalty".into(),
                issuer_name: "Coffee & Co".into(),
                program_name: "Beans".into(),
                logo_url: "https://example.com/logo.png".into(),
                background_color: "#1A237E".into(),
                foreground_color: "#ffffff".into(),
                label_color: "#c5cae9".into(),
                pass_type_id: "pass.com.example.loyalty".into(),
                team_id: "ABCDE12345".into(),
                service_account_email: "wallet@project.iam.gserviceaccount.com".into(),
                origins: vec!["https://example.com".into()],
                labels: PassLabels::default(),
            },
            member: PassMember {
                object_suffix: "member-42".into(),
                card_number: "4006381333931".into(),
                member_name: Some("Ada Lovelace".into()),
                points: 1250,
                tier: Some("gold".into()),
            },
            card: CardConfig::default(),
            secret: Secret::new(b"12345678901234567890".to_vec()).unwrap(),
            issued_at: 1_800_000_000,
        }
    }

    #[test]
    fn bad_input_names_its_field() {
        type Edit = fn(&mut PassInput);
        let cases: [(&str, Edit); 16] = [
            ("issuer_id", |i| i.issuer.issuer_id = "33x8".into()),
            ("issuer_id", |i| i.issuer.issuer_id = String::new()),
            ("class_suffix", |i| i.issuer.class_suffix = "a b".into()),
            ("object_suffix", |i| i.member.object_suffix = "x/y".into()),
            ("issuer_name", |i| i.issuer.issuer_name = "  ".into()),
            ("program_name", |i| i.issuer.program_name = "a\nb".into()),
            ("logo_url", |i| {
                i.issuer.logo_url = "http://example.com/l.png".into()
            }),
            ("logo_url", |i| i.issuer.logo_url = "logo.png".into()),
            ("background_color", |i| {
                i.issuer.background_color = "#12345".into()
            }),
            ("label_color", |i| i.issuer.label_color = "red".into()),
            ("pass_type_id", |i| {
                i.issuer.pass_type_id = "com.example.loyalty".into()
            }),
            ("team_id", |i| i.issuer.team_id = "abcde12345".into()),
            ("service_account_email", |i| {
                i.issuer.service_account_email = "wallet".into()
            }),
            ("origins", |i| i.issuer.origins = vec!["ftp://x.org".into()]),
            ("member_name", |i| {
                i.member.member_name = Some(String::new())
            }),
            ("issued_at", |i| i.issued_at = -1),
        ];
        for (field, edit) in cases {
            let mut i = input();
            edit(&mut i);
            let e = WalletPasses::new(i).unwrap_err();
            assert_eq!(e.code(), "invalid_pass", "{field}");
            assert!(e.to_string().contains(&format!("{field}:")), "{field}: {e}");
        }
        let mut i = input();
        i.member.card_number = "4006381333932".into();
        i.card.check = crate::card::CheckDigit::Ean13;
        assert_eq!(
            WalletPasses::new(i).unwrap_err().code(),
            "invalid_card_number"
        );
        let mut i = input();
        i.card.template = Template::parse("97{card:16}{totp_value_0}").unwrap();
        assert_eq!(
            WalletPasses::new(i).unwrap_err().code(),
            "invalid_card_number"
        );
    }

    #[test]
    fn ids_colours_and_debug() {
        let p = WalletPasses::new(input()).unwrap();
        assert_eq!(p.class_id(), "3388000000012345678.loyalty");
        assert_eq!(p.object_id(), "3388000000012345678.member-42");
        assert_eq!(rgb("c", "#1A237e").unwrap(), [0x1a, 0x23, 0x7e]);
        let text = format!("{p:?} {:?}", input());
        assert!(!text.contains("4006381333931"), "{text}");
        assert!(!text.contains("1234567890"), "{text}");
        assert!(text.contains("3931"), "{text}");
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let v = serde_json::json!({"b": [{"z": 1, "a": 2}], "a": {"y": true, "x": null}});
        assert_eq!(
            canonical(&v),
            "{\n  \"a\": {\n    \"x\": null,\n    \"y\": true\n  },\n  \"b\": [\n    {\n      \"a\": 2,\n      \"z\": 1\n    }\n  ]\n}\n"
        );
    }
}
