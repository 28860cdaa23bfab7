//! The digital loyalty card shown at the till: the card number, the rotating
//! TOTP payload, its QR code (or a linear barcode for old tills), and the
//! verification a till or backend runs.
//!
//! Works offline from the device clock plus a stored server-time offset. The
//! view for one time step is computed once and cached; a new token is
//! computed only when the step changes. Secrets are read through
//! [`SecretStore`] and never logged, printed or put in an error.

pub mod loy2;
mod number;
pub mod passes;
mod payload;
mod render;
mod totp;
mod verify;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Utc};
use serde::Deserialize;

pub use number::{CardNumber, CheckDigit, ean13_check_digit, ean13_valid, luhn_valid};
pub use payload::{
    DEFAULT_TEMPLATE, LAYOUT_SAFE_TEMPLATE, MAX_PAYLOAD_LEN, TILL_SKEW_STEPS, Template,
};
pub use render::{EcLevel, LinearBarcode, LinearKind, QR_QUIET_ZONE, QrMatrix, ean13_from_body};
pub use totp::{Algorithm, MIN_SECRET_LEN, TotpParams, check_secret, secret_from_hex};
pub use verify::{ReplayGuard, Verified, Verifier, VerifyFailure};

use crate::kernel::error::{LoyaltyError, Result};

/// Which barcode the card screen shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BarcodeKind {
    /// QR code with the (rotating) payload.
    #[default]
    Qr,
    /// EAN-13 of the static card number.
    Ean13,
    /// Code 128 of the static card number.
    Code128,
}

impl BarcodeKind {
    /// Parses `qr`, `ean13` or `code128`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "qr" => Some(Self::Qr),
            "ean13" => Some(Self::Ean13),
            "code128" => Some(Self::Code128),
            _ => None,
        }
    }
}

/// The `card` section of the program rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardConfig {
    /// Payload template.
    pub template: Template,
    /// TOTP parameters.
    pub totp: TotpParams,
    /// Barcode on the card screen.
    pub barcode: BarcodeKind,
    /// QR error correction.
    pub ec_level: EcLevel,
    /// Check digit of card numbers.
    pub check: CheckDigit,
}

impl Default for CardConfig {
    fn default() -> Self {
        Self {
            // The default template is a constant known to parse.
            template: Template::parse(DEFAULT_TEMPLATE)
                .unwrap_or_else(|_| unreachable!("default template parses")),
            totp: TotpParams::default(),
            barcode: BarcodeKind::Qr,
            ec_level: EcLevel::M,
            check: CheckDigit::None,
        }
    }
}

/// The `card` section as written in rules JSON; every field optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCardConfig {
    #[serde(default)]
    template: Option<String>,
    #[serde(default)]
    algorithm: Option<String>,
    #[serde(default)]
    digits: Option<u32>,
    #[serde(default)]
    period_seconds: Option<i64>,
    #[serde(default)]
    barcode: Option<String>,
    #[serde(default)]
    ec_level: Option<String>,
    #[serde(default)]
    check: Option<String>,
}

impl RawCardConfig {
    /// Validates into a [`CardConfig`].
    pub fn validate(&self) -> Result<CardConfig> {
        let bad = |field: &str, reason: String| LoyaltyError::InvalidCardConfig {
            field: field.into(),
            reason,
        };
        let mut c = CardConfig::default();
        if let Some(t) = &self.template {
            c.template = Template::parse(t)?;
        }
        if let Some(a) = &self.algorithm {
            c.totp.algorithm = Algorithm::parse(a)?;
        }
        if let Some(d) = self.digits {
            c.totp.digits = d;
        }
        if let Some(p) = self.period_seconds {
            c.totp.period = p;
        }
        c.totp.validate()?;
        if let Some(b) = &self.barcode {
            c.barcode = BarcodeKind::parse(b)
                .ok_or_else(|| bad("barcode", format!("\"{b}\" is not qr, ean13 or code128")))?;
        }
        if let Some(e) = &self.ec_level {
            c.ec_level = EcLevel::parse(e)
                .ok_or_else(|| bad("ec_level", format!("\"{e}\" is not L, M, Q or H")))?;
        }
        if let Some(k) = &self.check {
            c.check = CheckDigit::parse(k)
                .ok_or_else(|| bad("check", format!("\"{k}\" is not none, luhn or ean13")))?;
        }
        if c.check == CheckDigit::Ean13
            && let Some(w) = c.template.card_width()
            && w != 13
        {
            return Err(bad(
                "template",
                format!("{{card:{w}}} cannot hold an EAN-13 card number (13 digits)"),
            ));
        }
        Ok(c)
    }
}

/// A card secret; its `Debug` never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// Wraps secret bytes after checking their length.
    pub fn new(bytes: Vec<u8>) -> Result<Self> {
        check_secret(&bytes)?;
        Ok(Self(bytes))
    }

    /// The bytes (for HMAC).
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Where the platform keeps card secrets (Android Keystore, iOS Keychain, or
/// the desktop's SQLite store).
pub trait SecretStore: Send + Sync {
    /// The secret stored under `key`, if any.
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>>;
    /// Stores (or replaces) the secret under `key`.
    fn put(&self, key: &str, secret: &[u8]) -> Result<()>;
    /// Removes the secret under `key`.
    fn delete(&self, key: &str) -> Result<()>;
}

/// A secret store in memory (tests, previews).
#[derive(Default)]
pub struct MemorySecretStore {
    secrets: Mutex<HashMap<String, Vec<u8>>>,
}

impl std::fmt::Debug for MemorySecretStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MemorySecretStore(<redacted>)")
    }
}

impl SecretStore for MemorySecretStore {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .secrets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned())
    }
    fn put(&self, key: &str, secret: &[u8]) -> Result<()> {
        self.secrets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.to_string(), secret.to_vec());
        Ok(())
    }
    fn delete(&self, key: &str) -> Result<()> {
        self.secrets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
        Ok(())
    }
}

/// The key a member's card secret is stored under.
pub const CARD_SECRET_KEY: &str = "card_secret";

/// Everything the card screen draws for one time step; shared, immutable, cached.
pub struct CardFrame {
    /// Card number grouped for reading aloud.
    pub display_number: String,
    /// What the barcode encodes.
    pub payload: String,
    /// TOTP time step (`None` for a static payload).
    pub step: Option<i64>,
    /// Device-clock instant the payload changes (`None` for a static payload).
    pub rotates_at: Option<DateTime<Utc>>,
    /// The QR matrix, when the card shows a QR code.
    pub qr: Option<QrMatrix>,
    /// The linear barcode, when the card shows one.
    pub linear: Option<LinearBarcode>,
    svg: OnceLock<String>,
    png: Mutex<Option<(u32, Arc<Vec<u8>>)>>,
}

impl std::fmt::Debug for CardFrame {
    /// Omits the number and payload: full card numbers and live tokens are never logged.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardFrame")
            .field("step", &self.step)
            .field("rotates_at", &self.rotates_at)
            .finish_non_exhaustive()
    }
}

/// The card screen at an instant.
#[derive(Debug, Clone)]
pub struct CardView {
    /// The cached frame for the current step.
    pub frame: Arc<CardFrame>,
    /// Whole seconds until the payload rotates (rounded up; `None` when static).
    pub seconds_to_rotation: Option<i64>,
    /// Milliseconds until the payload rotates (`None` when static).
    pub millis_to_rotation: Option<i64>,
    /// Whole seconds until a till refuses this payload (rounded up; `None`
    /// when static): [`TILL_SKEW_STEPS`] steps after it rotates, because a
    /// till accepts the neighbouring step for clock drift. This — not the
    /// rotation — is when a screenshot of the card stops working; and a code
    /// pays only once, whenever that is.
    pub seconds_until_refused: Option<i64>,
}

/// The card of one member: renders views and verifies nothing.
#[derive(Debug)]
pub struct CardService {
    config: CardConfig,
    number: CardNumber,
    secret: Secret,
    server_offset_ms: i64,
    cache: Mutex<Option<Arc<CardFrame>>>,
}

impl CardService {
    /// A card for `number` with `secret`, its device clock off the server's by `server_offset_ms`.
    pub fn new(
        config: CardConfig,
        number: &str,
        secret: Secret,
        server_offset_ms: i64,
    ) -> Result<Self> {
        let number = CardNumber::parse(number, config.check)?;
        config.template.check_card(&number)?;
        if config.barcode == BarcodeKind::Ean13 && !number.is_ean13() {
            return Err(LoyaltyError::InvalidCardConfig {
                field: "barcode".into(),
                reason: "ean13 needs a 13-digit card number with a valid EAN check digit".into(),
            });
        }
        Ok(Self {
            config,
            number,
            secret,
            server_offset_ms,
            cache: Mutex::new(None),
        })
    }

    /// The card number.
    pub fn number(&self) -> &CardNumber {
        &self.number
    }

    /// The configuration in force.
    pub fn config(&self) -> &CardConfig {
        &self.config
    }

    fn step_at(&self, now: DateTime<Utc>) -> Result<Option<i64>> {
        if !self.config.template.is_rotating() {
            return Ok(None);
        }
        let server_ms = now
            .timestamp_millis()
            .checked_add(self.server_offset_ms)
            .ok_or(LoyaltyError::Overflow {
                what: "server time",
            })?;
        Ok(Some(self.config.totp.step(server_ms.div_euclid(1000))?))
    }

    /// The payload at `now` (device clock).
    pub fn payload(&self, now: DateTime<Utc>) -> Result<String> {
        Ok(self.view(now)?.frame.payload.clone())
    }

    /// The card view at `now`; the frame is reused while the step is unchanged.
    pub fn view(&self, now: DateTime<Utc>) -> Result<CardView> {
        let step = self.step_at(now)?;
        let cached = self.cache.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let frame = match cached {
            Some(f) if f.step == step => f,
            _ => {
                let fresh = Arc::new(self.build(step)?);
                *self.cache.lock().unwrap_or_else(|e| e.into_inner()) = Some(fresh.clone());
                fresh
            }
        };
        let up = |ms: i64| (ms.max(0) + 999) / 1000;
        let millis_to_rotation = frame
            .rotates_at
            .map(|r| (r - now).num_milliseconds().max(0));
        let seconds_to_rotation = millis_to_rotation.map(up);
        let grace_ms = self
            .config
            .totp
            .period
            .saturating_mul(1000 * TILL_SKEW_STEPS);
        let seconds_until_refused = frame
            .rotates_at
            .map(|r| up((r - now).num_milliseconds().saturating_add(grace_ms)));
        Ok(CardView {
            frame,
            seconds_to_rotation,
            millis_to_rotation,
            seconds_until_refused,
        })
    }

    fn build(&self, step: Option<i64>) -> Result<CardFrame> {
        let totp = self.config.totp;
        let payload = match self.config.barcode {
            BarcodeKind::Qr => self.config.template.render(
                &self.number,
                &totp,
                self.secret.expose(),
                step.unwrap_or(0),
            )?,
            // A linear barcode carries the static card number only.
            BarcodeKind::Ean13 | BarcodeKind::Code128 => self.number.as_str().to_string(),
        };
        let rotates_at = match (step, self.config.barcode) {
            (Some(s), BarcodeKind::Qr) => {
                let server_ms = (s + 1)
                    .checked_mul(totp.period * 1000)
                    .and_then(|v| v.checked_sub(self.server_offset_ms))
                    .ok_or(LoyaltyError::Overflow {
                        what: "rotation time",
                    })?;
                DateTime::from_timestamp_millis(server_ms)
            }
            _ => None,
        };
        let (qr, linear) = match self.config.barcode {
            BarcodeKind::Qr => (
                Some(QrMatrix::encode(&payload, self.config.ec_level)?),
                None,
            ),
            BarcodeKind::Ean13 => (None, Some(LinearBarcode::ean13(&self.number)?)),
            BarcodeKind::Code128 => (None, Some(LinearBarcode::code128(self.number.as_str())?)),
        };
        Ok(CardFrame {
            display_number: self.number.display(),
            payload,
            step: if rotates_at.is_some() { step } else { None },
            rotates_at,
            qr,
            linear,
            svg: OnceLock::new(),
            png: Mutex::new(None),
        })
    }

    /// SVG of the card's barcode at `now` (cached per step).
    pub fn svg(&self, now: DateTime<Utc>) -> Result<String> {
        let view = self.view(now)?;
        let frame = &view.frame;
        Ok(frame
            .svg
            .get_or_init(|| match (&frame.qr, &frame.linear) {
                (Some(q), _) => q.svg(),
                (_, Some(l)) => l.svg(),
                _ => String::new(),
            })
            .clone())
    }

    /// PNG of the card's barcode at `now`, `scale` pixels per module (cached per step and scale).
    pub fn png(&self, now: DateTime<Utc>, scale: u32) -> Result<Arc<Vec<u8>>> {
        let view = self.view(now)?;
        let frame = &view.frame;
        if let Some((s, bytes)) = frame.png.lock().unwrap_or_else(|e| e.into_inner()).as_ref()
            && *s == scale
        {
            return Ok(bytes.clone());
        }
        let bytes = Arc::new(match (&frame.qr, &frame.linear) {
            (Some(q), _) => q.png(scale)?,
            (_, Some(l)) => l.png(scale)?,
            _ => Vec::new(),
        });
        *frame.png.lock().unwrap_or_else(|e| e.into_inner()) = Some((scale, bytes.clone()));
        Ok(bytes)
    }

    /// The linear barcode of the static card number: EAN-13 when it is a valid EAN, Code 128 otherwise.
    pub fn linear_barcode(&self) -> Result<LinearBarcode> {
        if self.number.is_ean13() {
            LinearBarcode::ean13(&self.number)
        } else {
            LinearBarcode::code128(self.number.as_str())
        }
    }

    /// A verifier for this card's payload format.
    pub fn verifier(&self) -> Verifier {
        Verifier::new(
            self.config.template.clone(),
            self.config.totp,
            self.config.check,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn service(offset: i64) -> CardService {
        let secret = Secret::new(b"12345678901234567890".to_vec()).unwrap();
        CardService::new(CardConfig::default(), "4006381333931", secret, offset).unwrap()
    }

    #[test]
    fn view_is_cached_within_a_step_and_rotates() {
        let card = service(0);
        let a = card.view(t("2005-03-18T01:58:29Z")).unwrap(); // unix 1111111109
        assert_eq!(a.frame.payload, "LOY1:4006381333931:07081804");
        assert_eq!(a.frame.display_number, "4006 3813 3393 1");
        assert_eq!(a.seconds_to_rotation, Some(1));
        assert_eq!(a.millis_to_rotation, Some(1000));
        assert_eq!(a.frame.rotates_at, Some(t("2005-03-18T01:58:30Z")));
        let b = card.view(t("2005-03-18T01:58:29.500Z")).unwrap();
        assert!(
            Arc::ptr_eq(&a.frame, &b.frame),
            "same step reuses the frame"
        );
        let c = card.view(t("2005-03-18T01:58:31Z")).unwrap();
        assert!(!Arc::ptr_eq(&a.frame, &c.frame));
        assert_eq!(c.seconds_to_rotation, Some(29));
        assert_eq!(
            card.svg(t("2005-03-18T01:58:31Z")).unwrap(),
            card.svg(t("2005-03-18T01:58:32Z")).unwrap()
        );
    }

    /// What the card screen says about screenshots is what a till does: the
    /// code is taken until `seconds_until_refused` (one step past the
    /// rotation) and refused from then on.
    #[test]
    fn a_code_is_refused_exactly_when_the_view_says() {
        let card = service(0);
        let shown = t("2005-03-18T01:58:21Z");
        let v = card.view(shown).unwrap();
        assert_eq!(
            (v.seconds_to_rotation, v.seconds_until_refused),
            (Some(9), Some(39))
        );
        let secret = b"12345678901234567890";
        let verifier = Verifier::new(
            Template::parse(DEFAULT_TEMPLATE).unwrap(),
            TotpParams::default(),
            CheckDigit::None,
        );
        let check = |at: DateTime<Utc>| {
            verifier.verify(&v.frame.payload, secret, at.timestamp(), TILL_SKEW_STEPS)
        };
        let refused_at = shown + chrono::Duration::seconds(39);
        assert!(check(refused_at - chrono::Duration::seconds(1)).is_ok());
        assert_eq!(check(refused_at).unwrap_err(), VerifyFailure::TokenExpired);
        let fixed = CardService::new(
            CardConfig {
                template: Template::parse("{card}").unwrap(),
                ..CardConfig::default()
            },
            "4006381333931",
            Secret::new(secret.to_vec()).unwrap(),
            0,
        )
        .unwrap();
        assert_eq!(fixed.view(shown).unwrap().seconds_until_refused, None);
    }

    #[test]
    fn server_offset_shifts_the_step() {
        // Device 60 s behind the server: the device at 1111111049 shows the server's 1111111109 code.
        let card = service(60_000);
        let v = card.view(t("2005-03-18T01:57:29Z")).unwrap();
        assert_eq!(v.frame.payload, "LOY1:4006381333931:07081804");
        assert_eq!(v.frame.rotates_at, Some(t("2005-03-18T01:57:30Z")));
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let card = service(0);
        let view = card.view(t("2026-01-01T00:00:00Z")).unwrap();
        let text = format!("{card:?} {view:?}");
        assert!(!text.contains(&view.frame.payload), "{text}");
        assert!(!text.contains("1234567890"), "{text}");
        assert!(!text.contains("4006381333931"), "{text}");
        assert_eq!(
            Secret::new(vec![1; 15]).unwrap_err().code(),
            "invalid_secret"
        );
    }

    #[test]
    fn config_section_is_validated() {
        let raw: RawCardConfig = serde_json::from_str(
            r#"{"template":"{card}","barcode":"code128","ec_level":"H","digits":6}"#,
        )
        .unwrap();
        let c = raw.validate().unwrap();
        assert!(!c.template.is_rotating());
        for bad in [
            r#"{"algorithm":"md5"}"#,
            r#"{"digits":9}"#,
            r#"{"period_seconds":0}"#,
            r#"{"barcode":"pdf417"}"#,
            r#"{"ec_level":"X"}"#,
            r#"{"template":"{nope}"}"#,
            r#"{"check":"mod97"}"#,
        ] {
            let raw: RawCardConfig = serde_json::from_str(bad).unwrap();
            assert_eq!(
                raw.validate().unwrap_err().code(),
                "invalid_card_config",
                "{bad}"
            );
        }
        assert!(serde_json::from_str::<RawCardConfig>(r#"{"colour":"red"}"#).is_err());
    }

    #[test]
    fn static_and_linear_cards() {
        let secret = Secret::new(vec![7; 20]).unwrap();
        let mut config = CardConfig {
            barcode: BarcodeKind::Ean13,
            ..CardConfig::default()
        };
        let card = CardService::new(config.clone(), "4006381333931", secret.clone(), 0).unwrap();
        let v = card.view(t("2026-01-01T00:00:00Z")).unwrap();
        assert_eq!(v.frame.payload, "4006381333931");
        assert_eq!(v.seconds_to_rotation, None);
        assert_eq!(v.frame.linear.as_ref().unwrap().kind, LinearKind::Ean13);
        assert!(CardService::new(config.clone(), "12345678", secret.clone(), 0).is_err());
        config.barcode = BarcodeKind::Code128;
        let card = CardService::new(config, "12345678", secret, 0).unwrap();
        assert_eq!(card.linear_barcode().unwrap().kind, LinearKind::Code128);
    }
}
