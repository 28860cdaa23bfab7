//! Push payloads in FCM and APNs shapes (`inbox::push::parse_push`). The
//! same offer must read the same whether it came as a push (the payload
//! text) or on a sync page (parsed into a `Value` with the page, printed
//! again for the inbox): same message, or the same refusal.
#![no_main]

use libfuzzer_sys::fuzz_target;
use loyalty_core::inbox::push::parse_push;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let pushed = parse_push(text, "loyalty");
    // The sync page's path: the whole answer parsed, the message printed again.
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let synced = parse_push(&value.to_string(), "loyalty");
    match (&pushed, &synced) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "push and sync read the message differently"),
        (Err(a), Err(b)) => assert_eq!(a.code(), b.code()),
        // A payload above the size limit may fit once printed compactly;
        // repeated keys are gone from the Value.
        _ => {}
    }
    if let Ok(Some(m)) = &pushed {
        assert!(!m.title.trim().is_empty());
    }
});
