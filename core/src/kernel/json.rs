//! JSON from outside the core is read strictly: an object that names a key
//! twice is refused, everywhere. Parsers disagree about which copy wins
//! (`serde_json::Value` keeps the last, a derived struct refuses, other
//! stacks keep the first), so a document whose meaning depends on the
//! parser — a till body, a push, program rules — is never taken at all.

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

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

/// Parses the JSON `text` into a value, refusing an object that repeats a
/// key: [`check_unique_keys`] and `serde_json::from_str` in one pass (the
/// value's own map finds the repeat). Errors are serde_json's, with line
/// and column.
pub fn parse_unique(text: &str) -> Result<Value, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = UniqueValue.deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// The error for `key` given twice in one object.
fn repeated<E: de::Error>(key: &str) -> E {
    let shown: String = key.chars().take(64).collect();
    E::custom(format!(
        "the key \"{shown}\" appears twice in one object; give each key once"
    ))
}

/// Builds any JSON value as `serde_json::Value` does, refusing repeated keys.
struct UniqueValue;

impl<'de> DeserializeSeed<'de> for UniqueValue {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for UniqueValue {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        // As serde_json's own value: a number JSON cannot hold is null.
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element_seed(UniqueValue)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(repeated(&key));
            }
            let value = map.next_value_seed(UniqueValue)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
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
            if seen.contains(&key) {
                return Err(repeated(&key));
            }
            seen.insert(key);
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

    #[test]
    fn parsing_in_one_pass_gives_serde_json_value_and_refuses_what_the_check_refuses() {
        for text in [
            r#"{"a": 1, "b": [{"c": -1, "d": {"e": null}}], "f": 1.5, "g": "x\u00e9", "h": true}"#,
            r#"[1, 18446744073709551615, -9223372036854775808, 2.5e-300, "", {}, []]"#,
            r#"  "plain"  "#,
            r#"{"a": 1, "\u0062": 2}"#,
        ] {
            let ours = parse_unique(text).unwrap();
            let theirs: Value = serde_json::from_str(text).unwrap();
            assert_eq!(ours, theirs, "{text}");
        }
        for text in [
            r#"{"a": 1, "a": 2}"#,
            r#"{"x": [{"amount": "1.00", "amount": "999.00"}]}"#,
            r#"{"a": 1, "\u0061": 2}"#,
        ] {
            let e = parse_unique(text).unwrap_err();
            assert!(e.to_string().contains("appears twice"), "{text}: {e}");
            assert!(e.line() >= 1 && e.column() > 1, "{e}");
            assert!(check_unique_keys(text).is_err());
        }
        // Beyond f64 both refuse; neither takes it as null.
        assert!(serde_json::from_str::<Value>("1e400").is_err());
        assert!(parse_unique("1e400").is_err());
        assert!(parse_unique("{").is_err());
        assert!(parse_unique("{} trailing").is_err());
        assert!(parse_unique("").is_err());
    }
}
