//! Exact decimal strings for money and percents.
//!
//! Money travels as decimal strings ("1500.50") and lives as `i64` minor units
//! (kopecks, cents). Percents live as `i64` hundredths of a percent ("12.5" →
//! 1250). No floating point is ever involved.

use super::error::{LoyaltyError, Result};

/// 100 % in hundredths of a percent.
pub const PERCENT_SCALE: i64 = 10_000;

/// Largest accepted decimal value in major units (10^13).
pub const MAX_MAJOR: i64 = 10_000_000_000_000;

/// Parses a non-negative decimal string with at most two fraction digits into
/// hundredths ("1500.5" → 150050). Returns a human reason on failure.
pub fn parse_hundredths(text: &str) -> Result<i64, String> {
    if text.is_empty() {
        return Err("empty string; write a decimal such as \"1500.00\"".into());
    }
    let (int_part, frac_part) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text, None),
    };
    if int_part.is_empty() || !int_part.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "\"{text}\" is not a non-negative decimal (digits, optionally '.' and up to 2 fraction digits)"
        ));
    }
    let frac = match frac_part {
        None => 0,
        Some(f) if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) => {
            return Err(format!("\"{text}\" has a malformed fraction"));
        }
        Some(f) if f.len() > 2 => {
            return Err(format!(
                "\"{text}\" has {} fraction digits; at most 2 are allowed",
                f.len()
            ));
        }
        Some(f) => {
            let v: i64 = f.parse().map_err(|_| format!("\"{text}\" is malformed"))?;
            if f.len() == 1 { v * 10 } else { v }
        }
    };
    let digits = int_part.trim_start_matches('0');
    if digits.len() > 14 {
        return Err(format!("\"{text}\" is larger than 10^13"));
    }
    let major: i64 = if digits.is_empty() {
        0
    } else {
        digits
            .parse()
            .map_err(|_| format!("\"{text}\" is malformed"))?
    };
    if major > MAX_MAJOR || (major == MAX_MAJOR && frac > 0) {
        return Err(format!("\"{text}\" is larger than 10^13"));
    }
    Ok(major * 100 + frac)
}

/// Formats minor units as a decimal string with two fraction digits ("1500.00", "-0.50").
pub fn format_minor(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Formats hundredths of a percent compactly ("5", "12.5", "0.25").
pub fn format_percent(hundredths: i64) -> String {
    let whole = hundredths / 100;
    let frac = hundredths % 100;
    match frac {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole}.{}", f / 10),
        f => format!("{whole}.{f:02}"),
    }
}

/// A money amount in rules JSON, as minor units.
pub fn rules_money(field: &str, text: &str) -> Result<i64> {
    parse_hundredths(text).map_err(|r| LoyaltyError::rules(field, r))
}

/// A percent in rules JSON (at most 100), as hundredths of a percent.
pub fn rules_percent(field: &str, text: &str) -> Result<i64> {
    let v = parse_hundredths(text).map_err(|r| LoyaltyError::rules(field, r))?;
    if v > PERCENT_SCALE {
        return Err(LoyaltyError::rules(
            field,
            format!("\"{text}\" is over 100 percent"),
        ));
    }
    Ok(v)
}

/// Checked-arithmetic helpers that turn overflow into [`LoyaltyError::Overflow`].
pub(crate) trait Checked: Sized {
    fn add_or(self, rhs: Self, what: &'static str) -> Result<Self>;
    fn sub_or(self, rhs: Self, what: &'static str) -> Result<Self>;
    fn mul_or(self, rhs: Self, what: &'static str) -> Result<Self>;
}

impl Checked for i64 {
    fn add_or(self, rhs: Self, what: &'static str) -> Result<Self> {
        self.checked_add(rhs).ok_or(LoyaltyError::Overflow { what })
    }
    fn sub_or(self, rhs: Self, what: &'static str) -> Result<Self> {
        self.checked_sub(rhs).ok_or(LoyaltyError::Overflow { what })
    }
    fn mul_or(self, rhs: Self, what: &'static str) -> Result<Self> {
        self.checked_mul(rhs).ok_or(LoyaltyError::Overflow { what })
    }
}

/// `floor(a * b / c)` for non-negative `a`, `b` and positive `c`, exact through i128.
pub(crate) fn mul_div_floor(a: i64, b: i64, c: i64, what: &'static str) -> Result<i64> {
    if c <= 0 {
        return Err(LoyaltyError::Overflow { what });
    }
    let wide = (a as i128)
        .checked_mul(b as i128)
        .ok_or(LoyaltyError::Overflow { what })?
        .div_euclid(c as i128);
    i64::try_from(wide).map_err(|_| LoyaltyError::Overflow { what })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_valid_decimals() {
        assert_eq!(parse_hundredths("1000"), Ok(100_000));
        assert_eq!(parse_hundredths("1500.50"), Ok(150_050));
        assert_eq!(parse_hundredths("2.5"), Ok(250));
        assert_eq!(parse_hundredths("0"), Ok(0));
        assert_eq!(parse_hundredths("0.01"), Ok(1));
        assert_eq!(parse_hundredths("007.10"), Ok(710));
        assert_eq!(parse_hundredths("10000000000000"), Ok(MAX_MAJOR * 100));
    }

    #[test]
    fn rejects_bad_decimals() {
        for bad in [
            "",
            "-1",
            "+1",
            "1.005",
            "1e3",
            "1.",
            ".5",
            " 1",
            "1 ",
            "1,5",
            "abc",
            "1.2.3",
            "10000000000000.01",
            "99999999999999999999999",
            "NaN",
            "١٢",
        ] {
            assert!(parse_hundredths(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn formats_minor_units() {
        assert_eq!(format_minor(150_050), "1500.50");
        assert_eq!(format_minor(0), "0.00");
        assert_eq!(format_minor(-50), "-0.50");
        assert_eq!(format_minor(i64::MIN), "-92233720368547758.08");
        assert_eq!(format_percent(500), "5");
        assert_eq!(format_percent(1250), "12.5");
        assert_eq!(format_percent(25), "0.25");
    }

    #[test]
    fn mul_div_floor_is_exact_for_large_values() {
        assert_eq!(mul_div_floor(i64::MAX, 100, 100, "t").unwrap(), i64::MAX);
        assert_eq!(mul_div_floor(7, 1, 2, "t").unwrap(), 3);
        assert!(mul_div_floor(i64::MAX, 3, 1, "t").is_err());
        assert!(mul_div_floor(1, 1, 0, "t").is_err());
    }
}
