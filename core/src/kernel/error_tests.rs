//! Tests of the error codes: every variant has one stable snake_case code,
//! `ALL_CODES` lists them, SQLite results are classified.

use super::*;

/// Every variant of the enum, read from this file's source: the list
/// cannot fall behind when a variant is added.
fn variants(source: &str) -> Vec<String> {
    let start = source.find("pub enum LoyaltyError {").expect("the enum");
    let body = &source[start..];
    let end = body.find("\n}\n").expect("end of the enum");
    body[..end]
        .lines()
        .filter_map(|l| {
            let l = l.strip_prefix("    ")?;
            let name: String = l.chars().take_while(char::is_ascii_alphanumeric).collect();
            (!name.is_empty() && name.starts_with(|c: char| c.is_ascii_uppercase())).then_some(name)
        })
        .collect()
}

#[test]
fn sqlite_results_are_classified_by_code() {
    let sqlite = |code: i32| {
        LoyaltyError::from(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(code),
            None,
        ))
        .code()
    };
    assert_eq!(sqlite(rusqlite::ffi::SQLITE_FULL), "storage_full");
    assert_eq!(sqlite(rusqlite::ffi::SQLITE_CORRUPT), "corrupt_store");
    assert_eq!(sqlite(rusqlite::ffi::SQLITE_NOTADB), "not_a_database");
    for code in [
        rusqlite::ffi::SQLITE_READONLY,
        rusqlite::ffi::SQLITE_IOERR,
        rusqlite::ffi::SQLITE_CANTOPEN,
        rusqlite::ffi::SQLITE_PERM,
        rusqlite::ffi::SQLITE_BUSY,
    ] {
        assert_eq!(sqlite(code), "storage", "{code}");
    }
    let ro = LoyaltyError::from(rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_READONLY),
        None,
    ));
    assert!(ro.to_string().contains("read-only"), "{ro}");
}

#[test]
fn every_variant_has_one_snake_case_code_and_codes_are_unique() {
    let source = include_str!("error.rs");
    let all = variants(source);
    assert!(all.len() >= 45, "found only {} variants", all.len());
    let code_fn = &source[source.find("pub fn code(&self)").expect("code()")..];
    let code_fn = &code_fn[..code_fn.find("\n    }\n").expect("end of code()")];
    let mut codes = std::collections::BTreeMap::new();
    for variant in &all {
        let arm = format!("Self::{variant} ");
        let arms: Vec<&str> = code_fn
            .lines()
            .filter(|l| {
                l.trim_start().starts_with(&arm)
                    || l.trim_start() == format!("Self::{variant} => ").trim_end()
            })
            .collect();
        let arm_line = code_fn
            .lines()
            .find(|l| {
                let t = l.trim_start();
                t.starts_with(&arm) || t.starts_with(&format!("Self::{variant} =>"))
            })
            .unwrap_or_else(|| panic!("{variant} has no arm in code()"));
        assert!(arms.len() <= 1, "{variant} has {} arms", arms.len());
        let code = arm_line
            .split('"')
            .nth(1)
            .unwrap_or_else(|| panic!("{variant}'s code is not a literal"));
        assert!(
            !code.is_empty() && code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "{variant}: {code} is not snake_case"
        );
        if let Some(other) = codes.insert(code.to_string(), variant.clone()) {
            panic!("{variant} and {other} share the code {code}");
        }
    }
    assert_eq!(codes.len(), all.len());
    let listed: std::collections::BTreeSet<&str> = ALL_CODES.iter().copied().collect();
    let found: std::collections::BTreeSet<&str> = codes.keys().map(String::as_str).collect();
    assert_eq!(
        listed, found,
        "ALL_CODES must list exactly the codes of code()"
    );
    assert_eq!(listed.len(), ALL_CODES.len(), "ALL_CODES repeats a code");
    assert_eq!(
        LoyaltyError::amount("lines[0].amount", "x").code(),
        "invalid_amount"
    );
    assert_eq!(
        LoyaltyError::Corrupt { reason: "x".into() }.code(),
        "corrupt_store"
    );
    assert_eq!(LoyaltyError::rules("a", "b").code(), "invalid_rules");
}
