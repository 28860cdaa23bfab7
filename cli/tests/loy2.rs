//! The LOY2 journey through the CLI against the dev server: enroll with the
//! wallet's software key, show the code, check it offline with keys fetched
//! earlier while the server is down, once only; then a revocation reaches
//! the till with the next key fetch.

mod common;
use common::{Running, loyalty, ok};
use std::process::Output;

const PROGRAM: &str =
    r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}}, "card": {"format": "loy2"}}"#;

fn refused(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr.clone()).unwrap()
}

#[test]
fn enroll_show_verify_offline_replay_and_revoke() {
    let server_dir = tempfile::tempdir().unwrap();
    let phone = tempfile::tempdir().unwrap();
    let till = tempfile::tempdir().unwrap();
    let keys = till.path().join("keys.json");
    let state = till.path().join("state.json");
    let server = Running::start(server_dir.path(), PROGRAM);

    ok(&loyalty(
        phone.path(),
        &["enroll", "--server", &server.addr],
    ));
    let payload = ok(&loyalty(phone.path(), &["card", "show", "--payload"]));
    let payload = payload.trim().to_string();
    assert!(
        payload.starts_with("92") && payload.len() == 454,
        "{payload}"
    );
    let shown = ok(&loyalty(phone.path(), &["card", "show"]));
    assert!(shown.contains("LOY2"), "{shown}");
    std::fs::write(
        &keys,
        ok(&loyalty(
            till.path(),
            &["pos", "keys", "--server", &server.addr],
        )),
    )
    .unwrap();
    server.stop();

    // The server is down: the till checks the code with the keys it kept.
    let verify = |payload: &str| {
        loyalty(
            till.path(),
            &[
                "pos",
                "verify-offline",
                payload,
                "--keys",
                keys.to_str().unwrap(),
                "--state",
                state.to_str().unwrap(),
            ],
        )
    };
    let accepted = ok(&verify(&payload));
    let card_number = loyalty_core::store::Store::open_dir(phone.path())
        .unwrap()
        .card_number()
        .unwrap()
        .unwrap();
    assert!(
        accepted.starts_with(&format!("accepted card {card_number} step ")),
        "{accepted}"
    );
    assert!(
        accepted.contains("scope identify,earn,redeem_online"),
        "{accepted}"
    );
    assert!(state.exists());
    // Again (a new process: the state file carries the high-water mark).
    assert!(refused(&verify(&payload)).contains("token_replayed"));
    // Not digits, truncated: malformed.
    assert!(refused(&verify("LOY1:123:456")).contains("malformed"));
    assert!(refused(&verify(&payload[..payload.len() - 17])).contains("malformed"));
    // A till clock off by more than a step refuses the code: an hour ahead,
    // expired; two minutes behind, too early; an hour behind, before the
    // credential began.
    let unix = chrono::Utc::now().timestamp();
    let at = |t: i64| {
        loyalty(
            till.path(),
            &[
                "pos",
                "verify-offline",
                &payload,
                "--keys",
                keys.to_str().unwrap(),
                "--unix",
                &t.to_string(),
            ],
        )
    };
    assert!(refused(&at(unix + 3600)).contains("token_expired"));
    assert!(refused(&at(unix - 120)).contains("token_too_early"));
    assert!(refused(&at(unix - 3600)).contains("credential_not_yet_valid"));

    // The server comes back and revokes the credential; the till refetches.
    let server = Running::start(server_dir.path(), PROGRAM);
    let serial: u32 = {
        let store = loyalty_core::store::Store::open_dir(phone.path()).unwrap();
        let c = store.loy2_credential().unwrap().unwrap();
        u32::from_be_bytes(c.bytes[17..21].try_into().unwrap())
    };
    let status = admin_revoke(&server.addr, serial);
    assert_eq!(status, 200);
    std::fs::write(
        &keys,
        ok(&loyalty(
            till.path(),
            &["pos", "keys", "--server", &server.addr],
        )),
    )
    .unwrap();
    assert!(refused(&verify(&payload)).contains("credential_revoked"));
    server.stop();
}

fn admin_revoke(url: &str, serial: u32) -> u16 {
    use std::io::{Read, Write};
    let addr = url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    let body = format!("{{\"serial\": {serial}}}");
    write!(
        s,
        "POST /v1/admin/card/revoke HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    raw.split(' ').nth(1).unwrap().parse().unwrap()
}
