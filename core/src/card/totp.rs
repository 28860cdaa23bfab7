//! RFC 6238 time-based one-time passwords (HMAC-SHA1, SHA-256, SHA-512;
//! 6–8 digits; T0 = 0).

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};

use crate::kernel::error::{LoyaltyError, Result};

/// The HMAC hash of a TOTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    /// HMAC-SHA1 (the RFC 6238 default).
    #[default]
    Sha1,
    /// HMAC-SHA256.
    Sha256,
    /// HMAC-SHA512.
    Sha512,
}

impl Algorithm {
    /// Parses `sha1`, `sha256` or `sha512`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "sha1" => Ok(Self::Sha1),
            "sha256" => Ok(Self::Sha256),
            "sha512" => Ok(Self::Sha512),
            other => Err(LoyaltyError::InvalidCardConfig {
                field: "algorithm".into(),
                reason: format!("\"{other}\" is not sha1, sha256 or sha512"),
            }),
        }
    }
}

/// TOTP parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TotpParams {
    /// HMAC hash.
    pub algorithm: Algorithm,
    /// Code length, 6 to 8.
    pub digits: u32,
    /// Step length in seconds (> 0).
    pub period: i64,
}

impl Default for TotpParams {
    fn default() -> Self {
        Self {
            algorithm: Algorithm::Sha1,
            digits: 8,
            period: 30,
        }
    }
}

/// Shortest accepted secret, in bytes (RFC 4226 recommends 160 bits; 128 is the minimum).
pub const MIN_SECRET_LEN: usize = 16;

/// Checks a secret's length without ever echoing it.
pub fn check_secret(secret: &[u8]) -> Result<()> {
    if secret.len() < MIN_SECRET_LEN {
        return Err(LoyaltyError::InvalidSecret {
            reason: format!(
                "the card secret has {} bytes; at least {MIN_SECRET_LEN} are needed",
                secret.len()
            ),
        });
    }
    if secret.len() > 1024 {
        return Err(LoyaltyError::InvalidSecret {
            reason: "the card secret is longer than 1024 bytes".into(),
        });
    }
    Ok(())
}

/// Decodes a hex secret (even length, 0-9a-fA-F) without echoing it in errors.
pub fn secret_from_hex(hex: &str) -> Result<Vec<u8>> {
    let bad = |reason: &str| LoyaltyError::InvalidSecret {
        reason: reason.into(),
    };
    if hex.len() % 2 != 0 {
        return Err(bad("the hex secret has an odd number of characters"));
    }
    let nibble = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    };
    let bytes = hex.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() / 2);
    for pair in bytes.chunks_exact(2) {
        match (nibble(pair[0]), nibble(pair[1])) {
            (Some(h), Some(l)) => out.push(h << 4 | l),
            _ => return Err(bad("the hex secret has a character outside 0-9 and a-f")),
        }
    }
    check_secret(&out)?;
    Ok(out)
}

impl TotpParams {
    /// Validates digits and period.
    pub fn validate(&self) -> Result<()> {
        if !(6..=8).contains(&self.digits) {
            return Err(LoyaltyError::InvalidCardConfig {
                field: "digits".into(),
                reason: format!("{} is not between 6 and 8", self.digits),
            });
        }
        if !(1..=86_400).contains(&self.period) {
            return Err(LoyaltyError::InvalidCardConfig {
                field: "period_seconds".into(),
                reason: format!("{} is not between 1 and 86400", self.period),
            });
        }
        Ok(())
    }

    /// The time step containing `unix_seconds` (which must not be before 1970).
    pub fn step(&self, unix_seconds: i64) -> Result<i64> {
        if unix_seconds < 0 || self.period <= 0 {
            return Err(LoyaltyError::InvalidCardConfig {
                field: "time".into(),
                reason: "TOTP needs a time at or after 1970-01-01 and a positive period".into(),
            });
        }
        Ok(unix_seconds / self.period)
    }

    /// The code for a time step as a number.
    pub fn code_at_step(&self, secret: &[u8], step: i64) -> u32 {
        let msg = step.to_be_bytes();
        macro_rules! hmac {
            ($hash:ty) => {
                match Hmac::<$hash>::new_from_slice(secret) {
                    Ok(mut m) => {
                        m.update(&msg);
                        m.finalize().into_bytes().to_vec()
                    }
                    // HMAC accepts keys of any length; this arm cannot be reached.
                    Err(_) => Vec::new(),
                }
            };
        }
        let digest: Vec<u8> = match self.algorithm {
            Algorithm::Sha1 => hmac!(sha1::Sha1),
            Algorithm::Sha256 => hmac!(sha2::Sha256),
            Algorithm::Sha512 => hmac!(sha2::Sha512),
        };
        let offset = usize::from(digest.last().copied().unwrap_or(0) & 0x0f);
        let bin = digest
            .get(offset..offset + 4)
            .map(|b| u32::from_be_bytes([b[0] & 0x7f, b[1], b[2], b[3]]))
            .unwrap_or(0);
        bin % 10u32.pow(self.digits)
    }

    /// The zero-padded code for a time step.
    pub fn code_string(&self, secret: &[u8], step: i64) -> String {
        format!(
            "{:0width$}",
            self.code_at_step(secret, step),
            width = self.digits as usize
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B.
    #[test]
    fn rfc6238_vectors() {
        let s1 = b"12345678901234567890".to_vec();
        let s256 = b"12345678901234567890123456789012".to_vec();
        let s512 = b"1234567890123456789012345678901234567890123456789012345678901234".to_vec();
        let table: [(i64, &str, &str, &str); 6] = [
            (59, "94287082", "46119246", "90693936"),
            (1111111109, "07081804", "68084774", "25091201"),
            (1111111111, "14050471", "67062674", "99943326"),
            (1234567890, "89005924", "91819424", "93441116"),
            (2000000000, "69279037", "90698825", "38618901"),
            (20000000000, "65353130", "77737706", "47863826"),
        ];
        for (t, c1, c256, c512) in table {
            for (alg, secret, want) in [
                (Algorithm::Sha1, &s1, c1),
                (Algorithm::Sha256, &s256, c256),
                (Algorithm::Sha512, &s512, c512),
            ] {
                let p = TotpParams {
                    algorithm: alg,
                    digits: 8,
                    period: 30,
                };
                let step = p.step(t).unwrap();
                assert_eq!(p.code_string(secret, step), want, "{alg:?} at {t}");
            }
        }
    }

    #[test]
    fn secrets_and_params_are_validated() {
        assert!(secret_from_hex("3132333435363738393031323334353637383930").is_ok());
        for bad in ["abc", "zz00112233445566778899aabbccddeeff", "00112233", ""] {
            let e = secret_from_hex(bad).unwrap_err();
            assert_eq!(e.code(), "invalid_secret");
            assert!(!e.to_string().contains(bad) || bad.is_empty());
        }
        assert!(
            TotpParams {
                digits: 5,
                ..Default::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            TotpParams {
                digits: 9,
                ..Default::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            TotpParams {
                period: 0,
                ..Default::default()
            }
            .validate()
            .is_err()
        );
        assert!(TotpParams::default().step(-1).is_err());
        assert_eq!(
            Algorithm::parse("md5").unwrap_err().code(),
            "invalid_card_config"
        );
    }
}
