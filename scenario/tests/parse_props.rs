//! The scenario parser never panics: arbitrary text is a scenario or a file error.

use std::path::Path;

use loyalty_scenario::Scenario;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Arbitrary text is parsed or refused, never a panic.
    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        let _ = Scenario::parse(Path::new("x.json"), &text);
    }

    /// Arbitrary values in the money keys of a challenge expectation are parsed or refused.
    #[test]
    fn arbitrary_challenge_figures_never_panic(value in ".{0,24}") {
        let text = format!(
            r#"{{"name":"n","program":{{}},"steps":[{{"at":"2026-01-01T00:00:00Z","tick":{{}},
               "expect":{{"challenges":{{"c":{{"target":{v},"progress":{v}}}}}}}}}]}}"#,
            v = serde_json::Value::String(value)
        );
        let _ = Scenario::parse(Path::new("x.json"), &text);
    }
}
