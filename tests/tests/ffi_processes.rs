//! A client hears what another process wrote to its wallet: the app's
//! listeners fire when a notification service extension (iOS) or an FCM
//! service process (Android) ingests a push into the same folder — by the
//! half-second look while anyone is subscribed, and at once on the app's
//! next read. The other process is this test binary run again with a role.

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use loyalty_ffi::{
    ChangeArea, ChangeListener, ClientConfig, LoyaltyClient, LoyaltyError, MemorySecretStore,
    PushOutcome,
};

const PROGRAM: &str = r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}}}"#;
const ROLE: &str = "LOYALTY_TEST_FFI_PUSH";
const DIR: &str = "LOYALTY_TEST_FFI_DIR";

fn client(dir: &str) -> Arc<LoyaltyClient> {
    LoyaltyClient::new(ClientConfig {
        data_dir: dir.to_string(),
        server_url: None,
        program_json: Some(PROGRAM.into()),
        deep_link_scheme: None,
        secret_store: MemorySecretStore::new(),
        token_provider: None,
        log_sink: None,
        log_level: None,
        clock: None,
        device_signer: None,
    })
    .unwrap()
}

#[derive(Default)]
struct Heard(Mutex<Vec<Vec<ChangeArea>>>);

impl ChangeListener for Heard {
    fn on_change(&self, areas: Vec<ChangeArea>) -> Result<(), LoyaltyError> {
        self.0.lock().unwrap().push(areas);
        Ok(())
    }
}

impl Heard {
    fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

/// Not a test of its own: the push process when the role is set.
#[test]
fn push_process_entry_point() {
    let (Ok(id), Ok(dir)) = (std::env::var(ROLE), std::env::var(DIR)) else {
        return;
    };
    let c = client(&dir);
    let payload =
        format!(r#"{{"kind": "message", "message_id": "{id}", "title": "T", "body": "B"}}"#);
    let outcome = c.ingest_push(payload).unwrap();
    assert!(matches!(outcome, PushOutcome::New { .. }), "{outcome:?}");
}

/// Runs the push process for message `id` to completion.
fn push_from_another_process(dir: &str, id: &str) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "push_process_entry_point", "--test-threads=1"])
        .env(ROLE, id)
        .env(DIR, dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the push process failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn listeners_hear_pushes_another_process_ingested() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path().display().to_string();
    let app = client(&dir);
    let heard = Arc::new(Heard::default());
    let _subscription = Arc::clone(&app).subscribe(heard.clone());

    // Nothing happened: the look every half second stays quiet.
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(heard.count(), 0, "a notification without a change");

    // Without the app calling anything, the watch notices within a second.
    push_from_another_process(&dir, "m1");
    let started = Instant::now();
    while heard.count() == 0 && started.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let first = heard.0.lock().unwrap().first().cloned();
    assert!(
        first
            .as_ref()
            .is_some_and(|a| a.contains(&ChangeArea::Inbox)),
        "the listener did not hear the other process: {first:?}"
    );
    assert_eq!(app.unread_count().unwrap(), 1);
    let after_first = heard.count();
    assert_eq!(after_first, 1, "one change, one notification");

    // The app's next read notices at once, before the watch's next look.
    push_from_another_process(&dir, "m2");
    let inbox = app.inbox(false).unwrap();
    assert_eq!(inbox.len(), 2);
    assert_eq!(heard.count(), after_first + 1, "the read told the listener");
}
