//! `loyalty conformance`: every check passes against the dev server, and
//! the idempotency checks fail against a backend that ignores keys (the
//! dev server behind a proxy that gives every action a fresh key), so the
//! checks can fail.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

mod common;
use common::{Running, loyalty};

const PROGRAM: &str = include_str!("../../tests/programs/sync-program.json");

fn conformance(server: &str, json: bool) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["conformance", "--server", server];
    if json {
        args.push("--json");
    }
    let out = loyalty(dir.path(), &args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn every_check_passes_against_the_dev_server() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(dir.path(), PROGRAM);
    let (ok, text) = conformance(&server.addr, false);
    assert!(ok, "{text}");
    let checks: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("pass ") || l.starts_with("FAIL ") || l.starts_with("skip "))
        .collect();
    assert!(checks.len() >= 15, "{text}");
    assert!(checks.iter().all(|l| l.starts_with("pass ")), "{text}");
    for name in [
        "enroll",
        "unauthorized_without_token",
        "token_refresh_after_401",
        "till_replay_refused",
        "till_duplicate_receipt",
        "idempotency_same_key",
        "idempotency_key_reused",
        "paging_and_cursors",
        "digest_agreement",
    ] {
        assert!(
            checks
                .iter()
                .any(|l| l.starts_with(&format!("pass  {name}:"))),
            "{name} missing: {text}"
        );
    }

    let (ok, text) = conformance(&server.addr, true);
    assert!(ok, "{text}");
    let report: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(report["failed"], 0, "{report:#}");
    assert_eq!(report["passed"].as_u64(), Some(checks.len() as u64));
    assert!(
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["outcome"] == "pass")
    );
    server.stop();
}

#[test]
fn a_backend_that_ignores_idempotency_keys_fails() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(dir.path(), PROGRAM);
    let proxy = key_dropping_proxy(server.addr.trim_start_matches("http://"));
    let (ok, text) = conformance(&proxy, false);
    assert!(!ok, "{text}");
    assert!(text.contains("FAIL  idempotency_same_key:"), "{text}");
    assert!(text.contains("FAIL  idempotency_key_reused:"), "{text}");
    // The other promises still hold, and say so.
    assert!(text.contains("pass  till_replay_refused:"), "{text}");
    assert!(text.contains("pass  digest_agreement:"), "{text}");
    assert!(text.contains("conformance check(s) failed"), "{text}");

    let (ok, text) = conformance(&proxy, true);
    assert!(!ok);
    let json = text
        .lines()
        .take_while(|l| !l.starts_with("error:"))
        .collect::<Vec<_>>()
        .join("\n");
    let report: Value = serde_json::from_str(&json).unwrap();
    let failed: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["outcome"] == "fail")
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(failed.contains(&"idempotency_same_key"), "{report:#}");
    assert_eq!(report["failed"].as_u64(), Some(failed.len() as u64));
    server.stop();
}

#[test]
fn an_unreachable_server_fails_with_a_reason() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (ok, text) = conformance(&format!("http://127.0.0.1:{port}"), false);
    assert!(!ok, "{text}");
    assert!(text.contains("FAIL  enroll:"), "{text}");
}

/// A proxy to `upstream` that suffixes every action's idempotency key with a
/// counter: the backend then sees each retry as a new action. Returns its URL.
fn key_dropping_proxy(upstream: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let upstream = upstream.to_string();
    std::thread::spawn(move || {
        let counter = std::sync::Arc::new(AtomicUsize::new(0));
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let upstream = upstream.clone();
            let counter = counter.clone();
            std::thread::spawn(move || {
                let _ = forward(conn, &upstream, &counter);
            });
        }
    });
    format!("http://{addr}")
}

fn forward(conn: TcpStream, upstream: &str, counter: &AtomicUsize) -> std::io::Result<()> {
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut conn = conn;
    let mut head = Vec::new();
    let mut length = 0usize;
    let mut request_line = String::new();
    if reader.read_line(&mut request_line)? == 0 {
        return Ok(());
    }
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
            continue;
        }
        if lower.starts_with("connection:") {
            continue;
        }
        head.push(line);
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body)?;
    if request_line.contains("/v1/me/actions")
        && let Ok(mut batch) = serde_json::from_slice::<Value>(&body)
    {
        for item in batch["actions"].as_array_mut().into_iter().flatten() {
            if let Some(k) = item["idempotency_key"].as_str() {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                item["idempotency_key"] = Value::from(format!("{k}~{n}"));
            }
        }
        body = batch.to_string().into_bytes();
    }
    let mut up = TcpStream::connect(upstream)?;
    up.write_all(request_line.as_bytes())?;
    for line in &head {
        up.write_all(line.as_bytes())?;
    }
    write!(
        up,
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    up.write_all(&body)?;
    let mut answer = Vec::new();
    up.read_to_end(&mut answer)?;
    conn.write_all(&answer)?;
    // The upstream answered `connection: close`; so does this side.
    Ok(())
}
