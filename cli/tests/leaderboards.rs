//! `loyalty leaderboard` against the dev server: two phones join (offline
//! first, sent with `sync`), a taken name is refused, purchases rank them,
//! the boards show from the data folder with the server stopped, and
//! leaving removes the member.

use std::process::{Command, Output};
use std::time::Duration;

use loyalty_devserver::{App, Config, serve};

const PROGRAM: &str = r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}}, "card": {"template": "{card}"},
  "leaderboards": [{"id": "week", "title": "Points this week", "metric": "points_earned", "period": "week", "top": 5},
                   {"id": "spend", "title": "Big spenders", "metric": "spend", "period": "month", "top": 5}]}"#;

struct Running {
    addr: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    fn start(dir: &std::path::Path) -> Self {
        let app = App::open(Config {
            data_dir: dir.to_path_buf(),
            program_json: PROGRAM.into(),
            fault_rate: 0.0,
            fault_seed: 1,
        })
        .unwrap();
        let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx
                    .send(listener.local_addr().unwrap().to_string())
                    .unwrap();
                serve(listener, app, async {
                    let _ = stop_rx.await;
                })
                .await
                .unwrap();
            });
        });
        let addr = addr_rx.recv_timeout(Duration::from_secs(10)).unwrap();
        Self {
            addr: format!("http://{addr}"),
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.thread.take().unwrap().join().unwrap();
    }
}

fn loyalty(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_loyalty"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn buy(server: &Running, phone: &std::path::Path, receipt: &str, amount: &str) {
    let payload = ok(&loyalty(phone, &["card", "show", "--payload"]));
    let file = phone.join(format!("{receipt}.json"));
    std::fs::write(
        &file,
        format!(r#"{{"receipt_id": "{receipt}", "lines": [{{"sku": "A", "qty": 1, "amount": "{amount}"}}]}}"#),
    )
    .unwrap();
    ok(&loyalty(
        phone,
        &[
            "pos",
            "purchase",
            "--server",
            &server.addr,
            "--payload",
            payload.trim(),
            "--receipt",
            file.to_str().unwrap(),
        ],
    ));
}

#[test]
fn join_rank_show_offline_and_leave() {
    let server_dir = tempfile::tempdir().unwrap();
    let [anna, boris] = [(); 2].map(|()| tempfile::tempdir().unwrap());
    let server = Running::start(server_dir.path());
    for phone in [&anna, &boris] {
        ok(&loyalty(
            phone.path(),
            &["enroll", "--server", &server.addr],
        ));
    }
    // Bad input never leaves the phone.
    let bad = loyalty(anna.path(), &["leaderboard", "join", "a"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("[invalid_display_name]"));

    let joined = ok(&loyalty(anna.path(), &["leaderboard", "join", "  Anna  "]));
    assert!(joined.contains("\"Anna\""), "{joined}");
    assert!(ok(&loyalty(anna.path(), &["leaderboard"])).contains("waiting for the next sync"));
    ok(&loyalty(anna.path(), &["sync"]));
    ok(&loyalty(boris.path(), &["leaderboard", "join", "anna"]));
    ok(&loyalty(boris.path(), &["sync"]));
    let refused = ok(&loyalty(boris.path(), &["inbox"]));
    assert!(refused.contains("name_taken"), "{refused}");
    ok(&loyalty(boris.path(), &["leaderboard", "join", "Boris"]));

    buy(&server, anna.path(), "a1", "120.00");
    buy(&server, boris.path(), "b1", "300.00");
    ok(&loyalty(boris.path(), &["sync"]));
    ok(&loyalty(anna.path(), &["sync"]));
    server.stop();

    // The server is down: the boards show from the data folder.
    let text = ok(&loyalty(anna.path(), &["leaderboard"]));
    assert!(text.contains("as \"Anna\""), "{text}");
    assert!(text.contains("2 participants"), "{text}");
    assert!(
        text.contains("  1. Boris  30") && text.contains("  2. Anna  12"),
        "{text}"
    );
    assert!(
        text.contains("you: #2 with 12 — 19 more to move up"),
        "{text}"
    );
    assert!(text.contains("1. Boris  300.00"), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(&loyalty(anna.path(), &["leaderboard", "--json"]))).unwrap();
    assert_eq!(json["me"]["name"], "Anna");
    assert_eq!(json["boards"][0]["standing"]["me"]["rank"], 2);
    assert_eq!(json["boards"][0]["standing"]["top"][0]["name"], "Boris");
    assert!(json["boards"][0]["standing"]["computed_at"].is_string());

    // Leaving takes my rank off at once (the leave waits for the next sync).
    ok(&loyalty(anna.path(), &["leaderboard", "leave"]));
    let json: serde_json::Value =
        serde_json::from_str(&ok(&loyalty(anna.path(), &["leaderboard", "--json"]))).unwrap();
    assert_eq!(json["me"]["joined"], false);
    assert!(json["boards"][0]["standing"]["me"].is_null());
}
