//! Card numbers: digits only, 8–19 long, optionally ending in a Luhn or EAN-13
//! check digit; grouped in fours for reading aloud.

use serde::{Deserialize, Serialize};

use crate::kernel::error::{LoyaltyError, Result};

/// Which check digit a card number carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckDigit {
    /// No check digit.
    #[default]
    None,
    /// Luhn (mod 10), as on payment cards.
    Luhn,
    /// EAN-13: exactly 13 digits with the GS1 check digit.
    Ean13,
}

impl CheckDigit {
    /// Parses `none`, `luhn` or `ean13`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "none" => Some(Self::None),
            "luhn" => Some(Self::Luhn),
            "ean13" => Some(Self::Ean13),
            _ => None,
        }
    }
}

/// A validated card number.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CardNumber(String);

impl std::fmt::Debug for CardNumber {
    /// Shows only the last four digits: full card numbers are never logged.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CardNumber(…{})", self.last4())
    }
}

fn invalid(reason: impl Into<String>) -> LoyaltyError {
    LoyaltyError::InvalidCardNumber {
        reason: reason.into(),
    }
}

impl CardNumber {
    /// Validates `digits` against the length rule and the check digit.
    pub fn parse(digits: &str, check: CheckDigit) -> Result<Self> {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid("a card number has digits only"));
        }
        if !(8..=19).contains(&digits.len()) {
            return Err(invalid(format!(
                "a card number has 8 to 19 digits, not {}",
                digits.len()
            )));
        }
        match check {
            CheckDigit::None => {}
            CheckDigit::Luhn if !luhn_valid(digits) => {
                return Err(invalid("the Luhn check digit is wrong"));
            }
            CheckDigit::Ean13 if digits.len() != 13 => {
                return Err(invalid("an EAN-13 card number has exactly 13 digits"));
            }
            CheckDigit::Ean13 if !ean13_valid(digits) => {
                return Err(invalid("the EAN-13 check digit is wrong"));
            }
            _ => {}
        }
        Ok(Self(digits.to_string()))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last four digits (for logs and masked display).
    pub fn last4(&self) -> &str {
        &self.0[self.0.len().saturating_sub(4)..]
    }

    /// Groups of four for reading aloud: "4006 3813 3393 1".
    pub fn display(&self) -> String {
        let mut out = String::with_capacity(self.0.len() + self.0.len() / 4);
        for (i, ch) in self.0.chars().enumerate() {
            if i > 0 && i % 4 == 0 {
                out.push(' ');
            }
            out.push(ch);
        }
        out
    }

    /// Whether these digits form a valid EAN-13.
    pub fn is_ean13(&self) -> bool {
        self.0.len() == 13 && ean13_valid(&self.0)
    }
}

/// Luhn check over a digit string (the last digit is the check digit).
pub fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, b) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

/// The EAN-13 check digit for the first 12 digits.
pub fn ean13_check_digit(first12: &[u8]) -> u8 {
    let sum: u32 = first12
        .iter()
        .enumerate()
        .map(|(i, d)| u32::from(*d) * if i % 2 == 1 { 3 } else { 1 })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// Whether a 13-digit string carries a correct EAN-13 check digit.
pub fn ean13_valid(digits: &str) -> bool {
    let d: Vec<u8> = digits.bytes().map(|b| b.wrapping_sub(b'0')).collect();
    d.len() == 13 && d.iter().all(|x| *x <= 9) && ean13_check_digit(&d[..12]) == d[12]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_and_groups() {
        let n = CardNumber::parse("4006381333931", CheckDigit::Ean13).unwrap();
        assert_eq!(n.display(), "4006 3813 3393 1");
        assert!(n.is_ean13());
        assert_eq!(format!("{n:?}"), "CardNumber(…3931)");
        assert!(CardNumber::parse("4111111111111111", CheckDigit::Luhn).is_ok());
        assert!(CardNumber::parse("4111111111111112", CheckDigit::Luhn).is_err());
        assert!(CardNumber::parse("4006381333932", CheckDigit::Ean13).is_err());
        assert!(CardNumber::parse("12345678", CheckDigit::Ean13).is_err());
        for bad in [
            "",
            "1234567",
            "12345678901234567890",
            "1234 5678",
            "12345678a",
            "١٢٣٤٥٦٧٨",
        ] {
            let e = CardNumber::parse(bad, CheckDigit::None).unwrap_err();
            assert_eq!(e.code(), "invalid_card_number", "{bad}");
        }
    }
}
