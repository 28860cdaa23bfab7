//! JSON from outside the core is read strictly: an object that names a key
//! twice is refused, everywhere. Parsers disagree about which copy wins
//! (`serde_json::Value` keeps the last, a derived struct refuses, other
//! stacks keep the first), so a document whose meaning depends on the
//! parser — a till body, a push, program rules — is never taken at all.

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// Checks that no object in the JSON `text` repeats a key. Returns
/// serde_json's error (with line and column) for the first repeat, or for
/// text that is not JSON at all.
pub fn check_unique_keys(text: &str) -> Result<(), serde_json::Error> {
    check_unique_keys_in(text.as_bytes())
}

/// [`check_unique_keys`] over bytes.
pub fn check_unique_keys_in(bytes: &[u8]) -> Result<(), serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    Unique.deserialize(&mut de)?;
    de.end()
}

/// Walks any JSON value, refusing repeated keys in its objects.
struct Unique;

impl<'de> DeserializeSeed<'de> for Unique {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Unique {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Unique)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                let shown: String = key.chars().take(64).collect();
                return Err(de::Error::custom(format!(
                    "the key \"{shown}\" appears twice in one object; give each key once"
                )));
            }
            map.next_value_seed(Unique)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_are_refused_at_any_depth() {
        assert!(check_unique_keys(r#"{"a": 1, "b": [{"c": 1, "d": {"e": null}}]}"#).is_ok());
        for text in [
            r#"{"a": 1, "a": 2}"#,
            r#"{"x": [{"amount": "1.00", "amount": "999.00"}]}"#,
            r#"[{"k": {"a": true, "b": false, "a": true}}]"#,
        ] {
            let e = check_unique_keys(text).unwrap_err();
            assert!(e.to_string().contains("appears twice"), "{text}: {e}");
            assert!(e.line() >= 1 && e.column() > 1, "{e}");
        }
        // Same key in sibling objects is fine; escaped forms are the same key.
        assert!(check_unique_keys(r#"[{"a": 1}, {"a": 2}]"#).is_ok());
        assert!(check_unique_keys(r#"{"a": 1, "\u0061": 2}"#).is_err());
        assert!(check_unique_keys("{").is_err());
        assert!(check_unique_keys("{} trailing").is_err());
    }
}
