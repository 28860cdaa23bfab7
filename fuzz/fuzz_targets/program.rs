//! Program rules JSON (`Program::from_json`), as a rules file or a server's
//! `program.rules` arrives. Accepted rules must mean the same after being
//! re-serialised (compact and pretty) — the sync path hands the parser a
//! `serde_json::Value` printed again (`Program::from_value`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use loyalty_core::program::Program;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Program::from_json(text) {
        Ok(program) => {
            let value: serde_json::Value =
                serde_json::from_str(text).expect("accepted rules are JSON");
            let again = Program::from_value(&value).expect("re-serialised rules parse");
            assert_eq!(program, again, "compact re-serialisation changed the rules");
            let pretty = serde_json::to_string_pretty(&value).expect("a Value prints");
            let again = Program::from_json(&pretty).expect("pretty rules parse");
            assert_eq!(program, again, "pretty re-serialisation changed the rules");
        }
        Err(e) => {
            assert!(!e.code().is_empty());
            assert!(!e.to_string().is_empty());
        }
    }
});
