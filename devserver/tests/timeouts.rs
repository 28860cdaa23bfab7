//! Slow clients: a connection that never finishes its request head, or its
//! body, is cut off in seconds, while other clients are served meanwhile;
//! and stopping the server does not wait for them.

mod common;
use common::Server;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use loyalty_devserver::LimitsConfig;
use serde_json::{Value, json};

const PROGRAM: &str = r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}}}"#;
const HEADERS: Duration = Duration::from_secs(2);
const REQUEST: Duration = Duration::from_secs(3);
/// How long the test waits for the server to hang up before calling it stuck.
const PATIENCE: Duration = Duration::from_secs(15);

fn server() -> Server {
    Server::start_with_limits(
        PROGRAM,
        LimitsConfig {
            header_read_timeout: HEADERS,
            request_timeout: REQUEST,
            ..LimitsConfig::default()
        },
    )
}

fn open(server: &Server, sent: &[u8]) -> TcpStream {
    let mut s = TcpStream::connect_timeout(&server.addr, Duration::from_secs(5)).unwrap();
    s.set_read_timeout(Some(PATIENCE)).unwrap();
    s.write_all(sent).unwrap();
    s
}

/// Reads until the server hangs up; what it sent, and when it hung up.
/// Panics if it is still connected after `PATIENCE`.
fn until_hung_up(mut s: TcpStream, since: Instant) -> (String, Duration) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                panic!("still connected after {PATIENCE:?}")
            }
            // A reset is a hang-up too.
            Err(_) => break,
        }
    }
    (String::from_utf8_lossy(&got).into_owned(), since.elapsed())
}

/// A connection kept alive after one answered enroll.
fn kept_alive(server: &Server) -> TcpStream {
    let mut s = open(
        server,
        b"POST /v1/enroll HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
    );
    // Read exactly the answer (its head, then content-length bytes).
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "closed after {got:?}");
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            assert!(head.starts_with("HTTP/1.1 201"), "{head}");
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(str::to_string)
                })
                .unwrap()
                .parse()
                .unwrap();
            if body.len() >= length {
                return s;
            }
        }
    }
}

#[test]
fn stalled_clients_are_cut_off_while_others_are_served() {
    let server = server();
    let start = Instant::now();
    // Half a request head, then nothing (slowloris).
    let half_head = open(&server, b"GET /v1/me/sync HTTP/1.1\r\nHost: x\r\n");
    // A connection that says nothing at all.
    let silent = open(&server, b"");
    // A connection kept alive after its answer, then idle.
    let idle_after_answer = kept_alive(&server);
    // A whole head, then a body that stops short of its length.
    let half_body = open(
        &server,
        b"POST /v1/admin/bonuses HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"member_id\"",
    );

    // Meanwhile other clients are served at once.
    let (status, me) = server.json("POST", "/v1/enroll", None, Some(&json!({})));
    assert_eq!(status, 201, "{me}");
    let (status, page) = server.json("GET", "/v1/me/sync", me["access_token"].as_str(), None);
    assert_eq!(status, 200, "{page}");
    assert!(start.elapsed() < HEADERS, "{:?}", start.elapsed());

    // The stalled heads are dropped without an answer, after the header
    // timeout, and so is the idle connection (it waits for a head too).
    for s in [half_head, silent, idle_after_answer] {
        let (sent, after) = until_hung_up(s, start);
        assert_eq!(sent, "", "no answer to half a request");
        assert!(after >= HEADERS - Duration::from_millis(100), "{after:?}");
        assert!(after < HEADERS + Duration::from_secs(3), "{after:?}");
    }
    // The stalled body gets 408 in the error shape, then the line is closed.
    let (sent, after) = until_hung_up(half_body, start);
    assert!(sent.starts_with("HTTP/1.1 408"), "{sent}");
    let body: Value = serde_json::from_str(sent.split_once("\r\n\r\n").unwrap().1).unwrap();
    assert_eq!(body["error"]["code"], "request_timeout", "{body}");
    assert!(after >= REQUEST - Duration::from_millis(100), "{after:?}");
    assert!(after < REQUEST + Duration::from_secs(3), "{after:?}");

    // And the server still serves.
    let (status, _) = server.json("POST", "/v1/enroll", None, Some(&json!({})));
    assert_eq!(status, 201);
}

#[test]
fn stopping_does_not_wait_for_a_stalled_client() {
    let server = server();
    let stalled = open(&server, b"GET /v1/me/sync HTTP/1.1\r\nHost: x\r\n");
    let idle_after_answer = kept_alive(&server);
    let start = Instant::now();
    let (stopped, stop) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        drop(server);
        let _ = stopped.send(());
    });
    stop.recv_timeout(HEADERS + Duration::from_secs(3))
        .expect("the server did not stop: it waits for a stalled client");
    for s in [stalled, idle_after_answer] {
        until_hung_up(s, start);
    }
}
