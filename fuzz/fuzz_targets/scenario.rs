//! Scenario files (`Scenario::parse`). Parsing is deterministic, an
//! accepted file's program is an object of rules text that parses as JSON,
//! and a refusal names a line and column inside the text.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use loyalty_scenario::{FileError, Scenario};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("fuzz.json");
    match Scenario::parse(path, text) {
        Ok(s) => {
            let again = Scenario::parse(path, text).expect("parsing is deterministic");
            assert_eq!(format!("{s:?}"), format!("{again:?}"));
            let program: serde_json::Value =
                serde_json::from_str(&s.program).expect("the program is JSON text");
            assert!(program.is_object());
            let _ = loyalty_core::program::Program::from_json(&s.program);
            for step in &s.steps {
                if let loyalty_scenario::Action::Push(p) = &step.action {
                    let _ = loyalty_core::inbox::push::parse_push(p, "loyalty");
                }
            }
        }
        Err(FileError::Parse { line, column, .. }) => {
            let lines = text.split('\n').count().max(1);
            assert!(line <= lines, "line {line} of {lines}");
            let _ = column;
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
