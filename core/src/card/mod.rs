//! The digital loyalty card shown at the till: the card number, the rotating
//! TOTP payload, its QR code (or a linear barcode for old tills), and the
//! verification a till or backend runs.
//!
//! Works offline from the device clock plus a stored server-time offset. The
//! view for one time step is computed once and cached; a new token is
//! computed only when the step changes. Secrets are read through
//! [`SecretStore`] and never logged, printed or put in an error.

pub mod clock;
pub mod loy2;
mod number;
pub mod passes;
mod payload;
mod render;
#[cfg(feature = "software-signer")]
pub mod soft_key;
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

/// Which rotating code the card shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CardFormat {
    /// The TOTP payload of the template (`LOY1:…`): checked by a till that
    /// is online (or holds the member's secret); also Google Wallet's pattern.
    #[default]
    Loy1,
    /// A device-signed presentation of an issuer-signed credential (`92…`):
    /// checked offline with the program's public keys ([`loy2`]). The card
    /// falls back to LOY1 with a notice while it has no usable credential.
    Loy2,
}

/// The `card` section of the program rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardConfig {
    /// Which rotating code the card shows.
    pub format: CardFormat,
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
            format: CardFormat::Loy1,
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
    format: Option<String>,
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
        if let Some(f) = &self.format {
            c.format = match f.as_str() {
                "loy1" => CardFormat::Loy1,
                "loy2" => CardFormat::Loy2,
                _ => return Err(bad("format", format!("\"{f}\" is not loy1 or loy2"))),
            };
        }
        if c.format == CardFormat::Loy2 && c.barcode != BarcodeKind::Qr {
            return Err(bad(
                "format",
                "loy2 codes are shown as a QR code; set barcode to qr".into(),
            ));
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
    /// Which code `payload` is: LOY2 when the program asks for it and the
    /// device's credential is usable, LOY1 otherwise.
    pub format: CardFormat,
    /// Why a LOY2 program's card shows its LOY1 code now (`None` otherwise).
    pub notice: Option<loy2::CardNotice>,
    svg: OnceLock<String>,
    png: Mutex<Option<(u32, Arc<Vec<u8>>)>>,
}

impl std::fmt::Debug for CardFrame {
    /// Omits the number and payload: full card numbers and live tokens are never logged.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardFrame")
            .field("format", &self.format)
            .field("notice", &self.notice)
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
    /// The server's offset and what makes the device clock checkable.
    clock: clock::TrustedClock,
    /// The device's LOY2 credential, when the program uses LOY2 and has issued one.
    credential: Option<loy2::DeviceCredential>,
    /// The LOY2 step the device key failed to sign (shown as LOY1 till the next step).
    signer_failed: Mutex<Option<u32>>,
    /// The frame of the last plan; held while a frame is built, so a step
    /// asks the device key for one signature at most.
    cache: Mutex<Option<(Plan, Arc<CardFrame>)>>,
}

/// What a frame shows: which code, for which step, and why LOY1 on a LOY2 card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Plan {
    format: CardFormat,
    step: Option<i64>,
    notice: Option<loy2::CardNotice>,
    /// Seconds per step of this code.
    period: i64,
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
            clock: clock::TrustedClock {
                offset_ms: server_offset_ms,
                ..clock::TrustedClock::default()
            },
            credential: None,
            signer_failed: Mutex::new(None),
            cache: Mutex::new(None),
        })
    }

    /// The card checking the device clock against what syncs have shown
    /// (see [`clock::TrustedClock`]): the latest server time seen and the
    /// offset a refused sync measured.
    pub fn with_clock_history(
        mut self,
        floor_ms: Option<i64>,
        refused_offset_ms: Option<i64>,
    ) -> Self {
        self.clock.floor_ms = floor_ms;
        self.clock.refused_offset_ms = refused_offset_ms;
        self
    }

    /// The card with the device's LOY2 credential (used when the program's
    /// format is LOY2; without one the card shows LOY1 with a notice).
    pub fn with_credential(mut self, credential: Option<loy2::DeviceCredential>) -> Self {
        self.credential = credential;
        self
    }

    /// The card number.
    pub fn number(&self) -> &CardNumber {
        &self.number
    }

    /// The configuration in force.
    pub fn config(&self) -> &CardConfig {
        &self.config
    }

    /// What to show at trusted time `server_ms`: LOY2 while the credential
    /// is usable, else LOY1 (with the reason when the program asks for LOY2).
    fn plan(&self, server_ms: i64) -> Result<Plan> {
        let server_s = server_ms.div_euclid(1000);
        let mut notice = None;
        if self.config.format == CardFormat::Loy2 {
            let usable = match &self.credential {
                None => Err(loy2::CardNotice::CredentialMissing),
                Some(c) => c.usable_at(server_s),
            };
            let failed = *self.signer_failed.lock().unwrap_or_else(|e| e.into_inner());
            match usable {
                Ok(step) if failed != Some(step) => {
                    return Ok(Plan {
                        format: CardFormat::Loy2,
                        step: Some(i64::from(step)),
                        notice: None,
                        period: loyalty_till::format::STEP_SECONDS,
                    });
                }
                Ok(_) => notice = Some(loy2::CardNotice::SignerFailed),
                Err(n) => notice = Some(n),
            }
        }
        let step = if self.config.template.is_rotating() {
            Some(self.config.totp.step(server_s)?)
        } else {
            None
        };
        Ok(Plan {
            format: CardFormat::Loy1,
            step,
            notice,
            period: self.config.totp.period,
        })
    }

    /// The payload at `now` (device clock).
    pub fn payload(&self, now: DateTime<Utc>) -> Result<String> {
        Ok(self.view(now)?.frame.payload.clone())
    }

    /// The card view at `now`; the frame is reused while the step is
    /// unchanged. `clock_skew` when the device clock is known to be wrong
    /// (set back before a sync's time, or still far ahead as a sync found it).
    pub fn view(&self, now: DateTime<Utc>) -> Result<CardView> {
        let server_ms = self.clock.server_ms(now.timestamp_millis())?;
        let plan = self.plan(server_ms)?;
        let (plan, frame) = {
            let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            match cache.as_ref() {
                Some((p, f)) if *p == plan => (plan, Arc::clone(f)),
                _ => {
                    let (built, fresh) = self.build(plan, server_ms)?;
                    let fresh = Arc::new(fresh);
                    *cache = Some((built, Arc::clone(&fresh)));
                    (built, fresh)
                }
            }
        };
        let up = |ms: i64| (ms.max(0) + 999) / 1000;
        let millis_to_rotation = frame
            .rotates_at
            .map(|r| (r - now).num_milliseconds().max(0));
        let seconds_to_rotation = millis_to_rotation.map(up);
        let grace_ms = plan.period.saturating_mul(1000 * TILL_SKEW_STEPS);
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

    /// The frame of `plan`, and the plan it is cached under: a LOY2 frame
    /// whose signature failed becomes the LOY1 one, noted for the step.
    fn build(&self, plan: Plan, server_ms: i64) -> Result<(Plan, CardFrame)> {
        if plan.format == CardFormat::Loy2 {
            // A LOY2 plan always has a step and a credential; were it not
            // so, LOY1 is shown rather than nothing.
            let step = plan.step.and_then(|s| u32::try_from(s).ok());
            let (Some(step), Some(credential)) = (step, &self.credential) else {
                let step = if self.config.template.is_rotating() {
                    Some(self.config.totp.step(server_ms.div_euclid(1000))?)
                } else {
                    None
                };
                return self.build_loy1(Plan {
                    format: CardFormat::Loy1,
                    step,
                    notice: Some(loy2::CardNotice::CredentialMissing),
                    period: self.config.totp.period,
                });
            };
            match credential.present(step).map_err(|e| (step, e)) {
                Ok(payload) => return Ok((plan, self.frame(plan, payload)?)),
                Err((step, e)) => {
                    tracing::warn!(code = e.code(), "the device key did not sign; showing LOY1");
                    *self.signer_failed.lock().unwrap_or_else(|e| e.into_inner()) = Some(step);
                    let fallback = self.plan(server_ms)?;
                    return self.build_loy1(fallback);
                }
            }
        }
        self.build_loy1(plan)
    }

    fn build_loy1(&self, plan: Plan) -> Result<(Plan, CardFrame)> {
        let payload = match self.config.barcode {
            BarcodeKind::Qr => self.config.template.render(
                &self.number,
                &self.config.totp,
                self.secret.expose(),
                plan.step.unwrap_or(0),
            )?,
            // A linear barcode carries the static card number only.
            BarcodeKind::Ean13 | BarcodeKind::Code128 => self.number.as_str().to_string(),
        };
        Ok((plan, self.frame(plan, payload)?))
    }

    fn frame(&self, plan: Plan, payload: String) -> Result<CardFrame> {
        let rotates_at = match (plan.step, self.config.barcode) {
            (Some(s), BarcodeKind::Qr) => {
                let server_ms = (s + 1)
                    .checked_mul(plan.period * 1000)
                    .and_then(|v| v.checked_sub(self.clock.offset_ms))
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
            step: if rotates_at.is_some() {
                plan.step
            } else {
                None
            },
            rotates_at,
            qr,
            linear,
            format: plan.format,
            notice: plan.notice,
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
mod tests;
