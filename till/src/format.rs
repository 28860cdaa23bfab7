//! The LOY2 wire format: a credential the issuer signs (118 bytes), a
//! presentation the device signs every time step (+68 bytes), and the text
//! a QR code carries: `92` and decimal digits, which every keyboard-wedge
//! scanner delivers intact on every keyboard layout.

/// The credential format version this crate reads and writes.
pub const VERSION: u8 = 1;
/// Bytes of a credential: the signed fields and the issuer's signature.
pub const CREDENTIAL_LEN: usize = 118;
/// Bytes of the signed fields of a credential.
pub const CREDENTIAL_FIELDS_LEN: usize = CREDENTIAL_LEN - 64;
/// Bytes of a whole presentation: the credential, the step, the device's signature.
pub const PRESENTATION_LEN: usize = CREDENTIAL_LEN + 4 + 64;
/// What the text starts with.
pub const TEXT_PREFIX: &str = "92";
/// Seconds per time step.
pub const STEP_SECONDS: i64 = 30;

/// What the issuer signs is prefixed with this (domain separation).
pub const ISSUER_DOMAIN: &[u8] = b"LOY2 credential v1\0";
/// What the device signs is prefixed with this (domain separation).
pub const DEVICE_DOMAIN: &[u8] = b"LOY2 presentation v1\0";

/// What a credential lets its holder do at a till.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scope(pub u8);

impl Scope {
    /// Identify the member.
    pub const IDENTIFY: u8 = 1;
    /// Earn points.
    pub const EARN: u8 = 2;
    /// Pay with points offline, up to a cap.
    pub const REDEEM_OFFLINE: u8 = 4;
    /// Pay with points when the till is online.
    pub const REDEEM_ONLINE: u8 = 8;

    /// Whether every bit of `what` is granted.
    pub fn allows(self, what: u8) -> bool {
        self.0 & what == what
    }
}

/// The signed fields of a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Credential {
    /// Which of the program's keys signed it.
    pub kid: u8,
    /// The member's card number.
    pub card: u64,
    /// Valid from (Unix seconds).
    pub not_before: u32,
    /// Valid for this many hours from `not_before`.
    pub lifetime_hours: u16,
    /// What it allows.
    pub scope: Scope,
    /// Its serial: what a revocation names.
    pub serial: u32,
    /// The device's P-256 public key, SEC1 compressed.
    pub device_key: [u8; 33],
}

impl Credential {
    /// The signed fields, in order: version, kid, card, not-before,
    /// lifetime, scope, serial, device key (54 bytes, big-endian numbers).
    pub fn fields(&self) -> [u8; CREDENTIAL_FIELDS_LEN] {
        let mut out = [0u8; CREDENTIAL_FIELDS_LEN];
        out[0] = VERSION;
        out[1] = self.kid;
        out[2..10].copy_from_slice(&self.card.to_be_bytes());
        out[10..14].copy_from_slice(&self.not_before.to_be_bytes());
        out[14..16].copy_from_slice(&self.lifetime_hours.to_be_bytes());
        out[16] = self.scope.0;
        out[17..21].copy_from_slice(&self.serial.to_be_bytes());
        out[21..54].copy_from_slice(&self.device_key);
        out
    }

    /// Reads the signed fields; `None` for another version.
    pub fn from_fields(b: &[u8; CREDENTIAL_FIELDS_LEN]) -> Option<Self> {
        if b[0] != VERSION {
            return None;
        }
        let mut device_key = [0u8; 33];
        device_key.copy_from_slice(&b[21..54]);
        Some(Self {
            kid: b[1],
            card: u64::from_be_bytes(b[2..10].try_into().ok()?),
            not_before: u32::from_be_bytes(b[10..14].try_into().ok()?),
            lifetime_hours: u16::from_be_bytes(b[14..16].try_into().ok()?),
            scope: Scope(b[16]),
            serial: u32::from_be_bytes(b[17..21].try_into().ok()?),
            device_key,
        })
    }

    /// The first second it is no longer valid.
    pub fn not_after(&self) -> i64 {
        i64::from(self.not_before) + i64::from(self.lifetime_hours) * 3600
    }
}

/// The bytes the issuer signs: the domain prefix and the fields.
pub fn issuer_message(fields: &[u8; CREDENTIAL_FIELDS_LEN]) -> Vec<u8> {
    [ISSUER_DOMAIN, fields.as_slice()].concat()
}

/// The bytes the device signs: the domain prefix, the whole credential, the step.
pub fn device_message(credential: &[u8; CREDENTIAL_LEN], step: u32) -> Vec<u8> {
    [DEVICE_DOMAIN, credential.as_slice(), &step.to_be_bytes()].concat()
}

/// Digits a block of `k` bytes (1..=7) takes: enough for its largest value.
const DIGITS: [usize; 8] = [0, 3, 5, 8, 10, 13, 15, 17];

/// Bytes as the QR text: `92`, then each 7-byte block as 17 decimal digits
/// (a shorter last block as the fewest digits that hold it).
pub fn to_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(TEXT_PREFIX.len() + bytes.len() / 7 * 17 + 17);
    out.push_str(TEXT_PREFIX);
    for block in bytes.chunks(7) {
        let value = block.iter().fold(0u64, |v, b| (v << 8) | u64::from(*b));
        out.push_str(&format!("{value:0width$}", width = DIGITS[block.len()]));
    }
    out
}

/// The bytes of a QR text; `None` unless it is `92` and well-formed digits
/// (each block's value must fit its bytes).
pub fn from_text(text: &str) -> Option<Vec<u8>> {
    let digits = text.strip_prefix(TEXT_PREFIX)?;
    if !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let tail = digits.len() % 17;
    let tail_bytes = DIGITS.iter().position(|d| *d == tail)?;
    let mut out = Vec::with_capacity(digits.len() / 17 * 7 + tail_bytes);
    let mut rest = digits;
    while !rest.is_empty() {
        let (n, k) = if rest.len() >= 17 {
            (17, 7)
        } else {
            (tail, tail_bytes)
        };
        let (block, next) = rest.split_at(n);
        let value: u64 = block.parse().ok()?;
        if k < 8 && value >> (8 * k) != 0 {
            return None;
        }
        out.extend_from_slice(&value.to_be_bytes()[8 - k..]);
        rest = next;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_and_refuses_what_is_not_ours() {
        for len in 0..40 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 73 + 255) as u8).collect();
            let text = to_text(&bytes);
            assert!(text.bytes().all(|c| c.is_ascii_digit()));
            assert_eq!(from_text(&text).as_deref(), Some(bytes.as_slice()), "{len}");
        }
        assert_eq!(to_text(&[0xff; 7]), format!("92{}", u64::MAX >> 8));
        assert_eq!(to_text(&[0; PRESENTATION_LEN]).len(), 2 + 26 * 17 + 10);
        assert_eq!(from_text("93000"), None);
        assert_eq!(from_text("92256"), None, "a 1-byte block above 255");
        assert_eq!(from_text("9212"), None, "2 digits are no block");
        assert_eq!(from_text("92 12"), None);
        assert_eq!(from_text("92١٢٣"), None, "only ASCII digits");
    }

    #[test]
    fn credential_fields_round_trip() {
        let c = Credential {
            kid: 3,
            card: 2_000_000_000_015,
            not_before: 1_796_112_000,
            lifetime_hours: 720,
            scope: Scope(Scope::IDENTIFY | Scope::EARN),
            serial: 77,
            device_key: [2; 33],
        };
        let f = c.fields();
        assert_eq!(Credential::from_fields(&f), Some(c));
        let mut other = f;
        other[0] = 2;
        assert_eq!(Credential::from_fields(&other), None);
        assert_eq!(c.not_after(), 1_796_112_000 + 720 * 3600);
        assert!(c.scope.allows(Scope::EARN) && !c.scope.allows(Scope::REDEEM_ONLINE));
    }
}
