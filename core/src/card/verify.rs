//! Verifying payloads as a till or backend does: the card number read
//! back from the template, the TOTP code matched against nearby steps, and
//! the reason when it is refused (expired, too early, invalid, malformed).

use std::collections::HashMap;

use subtle::ConstantTimeEq;

use super::number::{CardNumber, CheckDigit};
use super::payload::{MAX_PAYLOAD_LEN, Template};
use super::totp::TotpParams;

/// Steps before the skew window searched to tell "expired" from "invalid".
const LOOKBACK_STEPS: i64 = 240;

/// Why a payload was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VerifyFailure {
    /// Not in the shape of the template (or too long).
    Malformed,
    /// A payload of another version ("LOY2:…").
    UnknownVersion,
    /// A valid payload for a different card than the one expected.
    WrongCard,
    /// The token belongs to a time step before the allowed skew.
    TokenExpired,
    /// The token belongs to a time step after the allowed skew.
    TokenTooEarly,
    /// The token does not match any nearby step.
    TokenInvalid,
    /// The step was already accepted for this card (replay guard).
    TokenReplayed,
}

impl VerifyFailure {
    /// Stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::UnknownVersion => "unknown_version",
            Self::WrongCard => "wrong_card",
            Self::TokenExpired => "token_expired",
            Self::TokenTooEarly => "token_too_early",
            Self::TokenInvalid => "token_invalid",
            Self::TokenReplayed => "token_replayed",
        }
    }

    /// A sentence for people.
    pub fn reason(self) -> &'static str {
        match self {
            Self::Malformed => "the payload is not a loyalty card payload",
            Self::UnknownVersion => "the payload is of an unknown version",
            Self::WrongCard => "the payload is for another card",
            Self::TokenExpired => "the token has expired (old screenshot?)",
            Self::TokenTooEarly => "the token is from the future (device clock ahead?)",
            Self::TokenInvalid => "the token is not valid for this card",
            Self::TokenReplayed => "this token was already used",
        }
    }
}

/// An accepted payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The card number read from it.
    pub card: CardNumber,
    /// The matched time step (`None` for static payloads).
    pub step: Option<i64>,
}

/// Verifies payloads as a till or backend would.
#[derive(Debug, Clone)]
pub struct Verifier {
    template: Template,
    params: TotpParams,
    check: CheckDigit,
}

impl Verifier {
    /// A verifier for payloads made with this template and TOTP parameters.
    pub fn new(template: Template, params: TotpParams, check: CheckDigit) -> Self {
        Self {
            template,
            params,
            check,
        }
    }

    /// Reads the card number out of a payload without checking the token
    /// (to look up the member's secret before [`Verifier::verify`]).
    pub fn card_of(&self, payload: &str) -> Result<CardNumber, VerifyFailure> {
        if payload.len() > MAX_PAYLOAD_LEN {
            return Err(VerifyFailure::Malformed);
        }
        let prefix = self.template.version_prefix();
        if !payload.starts_with(prefix) {
            let head = |s: &str| s.split_once(':').map(|(h, _)| h.to_string());
            return Err(match (head(prefix), head(payload)) {
                (Some(a), Some(b)) if a != b && !b.is_empty() && b.len() <= 16 => {
                    VerifyFailure::UnknownVersion
                }
                _ => VerifyFailure::Malformed,
            });
        }
        let fields = self
            .template
            .read(payload, self.params.digits as usize)
            .ok_or(VerifyFailure::Malformed)?;
        let digits = fields.get("card").ok_or(VerifyFailure::Malformed)?;
        CardNumber::parse(digits, self.check).map_err(|_| VerifyFailure::Malformed)
    }

    /// Like [`Verifier::verify`], but for a known card: another card's payload is `WrongCard`.
    pub fn verify_card(
        &self,
        payload: &str,
        expected: &CardNumber,
        secret: &[u8],
        unix_seconds: i64,
        skew: i64,
    ) -> Result<Verified, VerifyFailure> {
        if self.card_of(payload)? != *expected {
            return Err(VerifyFailure::WrongCard);
        }
        self.verify(payload, secret, unix_seconds, skew)
    }

    /// Checks a payload at `unix_seconds` with `skew` steps of tolerance either side.
    pub fn verify(
        &self,
        payload: &str,
        secret: &[u8],
        unix_seconds: i64,
        skew: i64,
    ) -> Result<Verified, VerifyFailure> {
        let card = self.card_of(payload)?;
        let fields = self
            .template
            .read(payload, self.params.digits as usize)
            .ok_or(VerifyFailure::Malformed)?;
        if !self.template.is_rotating() {
            return Ok(Verified { card, step: None });
        }
        let now = self
            .params
            .step(unix_seconds)
            .map_err(|_| VerifyFailure::Malformed)?;
        let skew = skew.clamp(0, 100);
        let period = self.params.period;
        // A step claimed by a timestamp placeholder must be a step boundary.
        let claimed = match (fields.get("seconds"), fields.get("millis")) {
            (Some(s), _) => Some(canonical(s).filter(|v| v % period == 0).map(|v| v / period)),
            (None, Some(ms)) => Some(
                canonical(ms)
                    .filter(|v| v % (period * 1000) == 0)
                    .map(|v| v / (period * 1000)),
            ),
            _ => None,
        };
        let token = fields.get("totp").copied();
        if let Some(t) = token
            && t.len() != self.params.digits as usize
        {
            return Err(VerifyFailure::Malformed);
        }
        let matches = |step: i64| -> bool {
            match token {
                Some(t) => {
                    let code = self.params.code_string(secret, step);
                    bool::from(code.as_bytes().ct_eq(t.as_bytes()))
                }
                None => true,
            }
        };
        let classify = |step: i64| -> Result<Verified, VerifyFailure> {
            if step < now - skew {
                Err(VerifyFailure::TokenExpired)
            } else if step > now + skew {
                Err(VerifyFailure::TokenTooEarly)
            } else {
                Ok(Verified {
                    card: card.clone(),
                    step: Some(step),
                })
            }
        };
        match claimed {
            Some(None) => Err(VerifyFailure::Malformed),
            Some(Some(step)) => {
                if step < 0 || !matches(step) {
                    return Err(VerifyFailure::TokenInvalid);
                }
                classify(step)
            }
            None => {
                // Accept the newest matching step in the window; otherwise look
                // a little further to tell an old screenshot from garbage.
                for step in (now - skew..=now + skew).rev() {
                    if step >= 0 && matches(step) {
                        return classify(step);
                    }
                }
                for step in (now - skew - LOOKBACK_STEPS..now - skew).rev() {
                    if step >= 0 && matches(step) {
                        return Err(VerifyFailure::TokenExpired);
                    }
                }
                for step in now + skew + 1..=now + skew + 2 {
                    if matches(step) {
                        return Err(VerifyFailure::TokenTooEarly);
                    }
                }
                Err(VerifyFailure::TokenInvalid)
            }
        }
    }
}

/// A timestamp field's value, only in the form the card renders it (no
/// leading zeros): "0001796119200" is another text for the same step, and a
/// payload is accepted only as the card shows it, so that re-rendering an
/// accepted payload gives the same text (a till comparing or logging codes
/// sees one text per code).
fn canonical(digits: &str) -> Option<i64> {
    digits
        .parse::<i64>()
        .ok()
        .filter(|v| v.to_string() == digits)
}

/// Remembers the newest accepted step per card and refuses it (and older ones) again.
#[derive(Debug, Default)]
pub struct ReplayGuard {
    accepted: HashMap<String, i64>,
}

impl ReplayGuard {
    /// An empty guard.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `verified`; fails if its step is not newer than the last accepted one.
    pub fn accept(&mut self, verified: &Verified) -> Result<(), VerifyFailure> {
        let Some(step) = verified.step else {
            return Ok(());
        };
        let entry = self
            .accepted
            .entry(verified.card.as_str().to_string())
            .or_insert(i64::MIN);
        if step <= *entry {
            return Err(VerifyFailure::TokenReplayed);
        }
        *entry = step;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::payload::DEFAULT_TEMPLATE;

    const SECRET: &[u8] = b"12345678901234567890";

    /// A timestamp with leading zeros names the same step in another text:
    /// refused (`malformed`), so an accepted payload re-renders to itself.
    /// (A fuzzing finding; the `card_loy1` target asserts the re-render.)
    #[test]
    fn a_timestamp_with_leading_zeros_is_refused() {
        let v = verifier("LOY1:{card}:{totp_timestamp_seconds}:{totp_value_0}");
        let ms = verifier("LOY1:{card}:{totp_timestamp_millis}:{totp_value_0}");
        let params = TotpParams::default();
        let t = 1_796_119_221;
        let step = t / 30;
        let code = params.code_string(SECRET, step);
        let ok = format!("LOY1:4006381333931:{}:{code}", step * 30);
        assert_eq!(v.verify(&ok, SECRET, t, 1).unwrap().step, Some(step));
        let padded = format!("LOY1:4006381333931:0{}:{code}", step * 30);
        assert_eq!(
            v.verify(&padded, SECRET, t, 1),
            Err(VerifyFailure::Malformed)
        );
        let ok_ms = format!("LOY1:4006381333931:{}:{code}", step * 30_000);
        assert!(ms.verify(&ok_ms, SECRET, t, 1).is_ok());
        let padded_ms = format!("LOY1:4006381333931:00{}:{code}", step * 30_000);
        assert_eq!(
            ms.verify(&padded_ms, SECRET, t, 1),
            Err(VerifyFailure::Malformed)
        );
    }

    fn verifier(t: &str) -> Verifier {
        Verifier::new(
            Template::parse(t).unwrap(),
            TotpParams::default(),
            CheckDigit::None,
        )
    }

    fn card() -> CardNumber {
        CardNumber::parse("4006381333931", CheckDigit::Ean13).unwrap()
    }

    #[test]
    fn renders_and_verifies_with_reasons() {
        let v = verifier(DEFAULT_TEMPLATE);
        let p = TotpParams::default();
        let t = 1_111_111_109; // RFC vector: 07081804
        let payload = v
            .template
            .render(&card(), &p, SECRET, p.step(t).unwrap())
            .unwrap();
        assert_eq!(payload, "LOY1:4006381333931:07081804");
        let ok = v.verify(&payload, SECRET, t, 1).unwrap();
        assert_eq!((ok.card.as_str(), ok.step), ("4006381333931", Some(t / 30)));
        assert_eq!(
            v.verify(&payload, SECRET, t + 30, 1).unwrap().step,
            Some(t / 30)
        );
        assert_eq!(
            v.verify(&payload, SECRET, t + 60, 1),
            Err(VerifyFailure::TokenExpired)
        );
        assert_eq!(
            v.verify(&payload, SECRET, t - 60, 1),
            Err(VerifyFailure::TokenTooEarly)
        );
        assert_eq!(
            v.verify("LOY1:4006381333931:07081805", SECRET, t, 1),
            Err(VerifyFailure::TokenInvalid)
        );
        assert_eq!(
            v.verify("LOY2:4006381333931:07081804", SECRET, t, 1),
            Err(VerifyFailure::UnknownVersion)
        );
        assert_eq!(
            v.verify("hello", SECRET, t, 1),
            Err(VerifyFailure::Malformed)
        );
        assert_eq!(
            v.verify("LOY1:4006381333931:0708180", SECRET, t, 1),
            Err(VerifyFailure::Malformed)
        );
        assert_eq!(
            v.verify(&"9".repeat(10_240), SECRET, t, 1),
            Err(VerifyFailure::Malformed)
        );
        assert_eq!(
            v.verify(&payload, b"another secret of 20b", t, 1),
            Err(VerifyFailure::TokenInvalid)
        );
        let other = CardNumber::parse("12345678", CheckDigit::None).unwrap();
        assert_eq!(
            v.verify_card(&payload, &other, SECRET, t, 1),
            Err(VerifyFailure::WrongCard)
        );
        assert!(v.verify_card(&payload, &card(), SECRET, t, 1).is_ok());
    }

    #[test]
    fn timestamp_placeholders_claim_their_step() {
        let v = verifier("W:{card}:{totp_value_0}:{totp_timestamp_millis}");
        let p = TotpParams::default();
        let payload = v.template.render(&card(), &p, SECRET, 100).unwrap();
        assert_eq!(
            payload,
            format!("W:4006381333931:{}:3000000", p.code_string(SECRET, 100))
        );
        assert_eq!(v.verify(&payload, SECRET, 3000, 0).unwrap().step, Some(100));
        assert_eq!(
            v.verify(&payload, SECRET, 3000 + 90, 1),
            Err(VerifyFailure::TokenExpired)
        );
        let misaligned = payload.replace(":3000000", ":3000001");
        assert_eq!(
            v.verify(&misaligned, SECRET, 3000, 1),
            Err(VerifyFailure::Malformed)
        );
    }

    /// The digits-only template round-trips and keeps every reason apart; a
    /// card number of another length never reads as a card.
    #[test]
    fn the_layout_safe_template_verifies_with_reasons() {
        let v = verifier(crate::card::payload::LAYOUT_SAFE_TEMPLATE);
        let p = TotpParams::default();
        let t = 1_111_111_109; // RFC 6238: 07081804
        let payload = v.template.render(&card(), &p, SECRET, t / 30).unwrap();
        assert_eq!(payload, "97400638133393107081804");
        let ok = v.verify_card(&payload, &card(), SECRET, t, 1).unwrap();
        assert_eq!((ok.card.as_str(), ok.step), ("4006381333931", Some(t / 30)));
        assert_eq!(
            v.verify(&payload, SECRET, t + 60, 1),
            Err(VerifyFailure::TokenExpired)
        );
        assert_eq!(
            v.verify(&payload, SECRET, t - 60, 1),
            Err(VerifyFailure::TokenTooEarly)
        );
        assert_eq!(
            v.verify("97400638133393107081805", SECRET, t, 1),
            Err(VerifyFailure::TokenInvalid)
        );
        for malformed in [
            // A 12- and a 14-digit card number with a valid-looking code.
            "9740063813339307081804",
            "9740063813339310070818045",
            // The code one digit short or long, the old shape, another prefix.
            "9740063813339310708180",
            "974006381333931070818041",
            "LOY1:4006381333931:07081804",
            "98400638133393107081804",
            "",
        ] {
            assert_eq!(
                v.verify(malformed, SECRET, t, 1),
                Err(VerifyFailure::Malformed),
                "{malformed}"
            );
        }
        let other = CardNumber::parse("4006381333948", CheckDigit::Ean13).unwrap();
        assert_eq!(
            v.verify_card(&payload, &other, SECRET, t, 1),
            Err(VerifyFailure::WrongCard)
        );
        // A 6-digit code at 13 digits of card number reads back as well.
        let six = Verifier::new(
            Template::parse("97{card:13}{totp_value_0}{totp_timestamp_seconds}").unwrap(),
            TotpParams {
                digits: 6,
                ..TotpParams::default()
            },
            CheckDigit::None,
        );
        let payload = six
            .template
            .render(&card(), &six.params, SECRET, t / 30)
            .unwrap();
        assert_eq!(payload, format!("974006381333931081804{}", t / 30 * 30));
        assert_eq!(
            six.verify(&payload, SECRET, t, 1).unwrap().step,
            Some(t / 30)
        );
    }

    #[test]
    fn replay_guard_refuses_a_step_twice() {
        let v = verifier(DEFAULT_TEMPLATE);
        let p = TotpParams::default();
        let payload = v.template.render(&card(), &p, SECRET, 1000).unwrap();
        let ok = v.verify(&payload, SECRET, 30_000, 1).unwrap();
        let mut guard = ReplayGuard::new();
        assert!(guard.accept(&ok).is_ok());
        assert_eq!(guard.accept(&ok), Err(VerifyFailure::TokenReplayed));
    }
}
