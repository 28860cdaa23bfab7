//! `loyalty leaderboard` against the dev server: two phones join (offline
//! first, sent with `sync`), a taken name is refused, purchases rank them,
//! the boards show from the data folder with the server stopped, and
//! leaving removes the member.

mod common;
use common::{Running, loyalty, ok};

const PROGRAM: &str = r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}}, "card": {"template": "{card}"},
  "leaderboards": [{"id": "week", "title": "Points this week", "metric": "points_earned", "period": "week", "top": 5},
                   {"id": "spend", "title": "Big spenders", "metric": "spend", "period": "month", "top": 5}]}"#;

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
    let server = Running::start(server_dir.path(), PROGRAM);
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
