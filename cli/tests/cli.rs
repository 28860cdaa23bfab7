//! The `loyalty` binary end to end: demo, wallet, scenario runner exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn loyalty(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_loyalty"))
        .args(args)
        .output()
        .expect("the loyalty binary runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios")
}

fn write(dir: &Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    path.display().to_string()
}

#[test]
fn shipped_scenarios_pass_with_reopen_and_json() {
    let dir = scenarios_dir().display().to_string();
    let out = loyalty(&["scenario", "run", "--reopen", &dir]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = loyalty(&["scenario", "run", "--json", &dir]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["passed"].as_u64().unwrap() >= 25);
    assert_eq!(report["failed"], 0);
}

#[test]
fn a_failed_expectation_exits_1_and_names_file_step_key_values() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(
        tmp.path(),
        "wrong.json",
        r#"{"name": "wrong balance", "program": {"currency": "RUB", "earn": {"rule": {"percent": "10"}}},
            "steps": [{"at": "2026-01-01T00:00:00Z", "purchase": {"receipt_id": "r1", "lines": [{"sku": "A", "qty": 1, "amount": "100"}]},
                       "expect": {"balance": 11}},
                      {"at": "2026-01-02T00:00:00Z", "bonus": {"kind": "welcome"}, "expect_error": "unknown_reward"}]}"#,
    );
    let out = loyalty(&["scenario", "run", &file]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("wrong.json: step 0: balance: expected 11, actual 10"),
        "{t}"
    );
    assert!(
        t.contains("step 1: error: expected unknown_reward, actual bonus_not_configured"),
        "{t}"
    );

    let out = loyalty(&["scenario", "run", "--json", &file]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let failure = &report["scenarios"][0]["failures"][0];
    assert_eq!(failure["key"], "balance");
    assert_eq!(failure["expected"], "11");
    assert_eq!(failure["actual"], "10");
}

#[test]
fn unreadable_or_malformed_files_exit_2_with_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(
        tmp.path(),
        "broken.json",
        "{\n  \"name\": \"x\",\n  \"steps\": [}\n",
    );
    let out = loyalty(&["scenario", "run", &file]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("broken.json:3:"), "{}", text(&out));

    let bad_program = write(
        tmp.path(),
        "bad_program.json",
        r#"{"name": "x", "program": {"currency": "RUB", "earn": {"rule": {"percent": "1.234"}}}, "steps": []}"#,
    );
    let out = loyalty(&["scenario", "run", &bad_program]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("earn.rule.percent"), "{}", text(&out));

    let out = loyalty(&["scenario", "run", "/definitely/not/here.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("cannot read"), "{}", text(&out));
}

#[test]
fn demo_creates_then_reopens_and_wallet_prints_json() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let d = dir.display().to_string();
    let first = loyalty(&["--data-dir", &d, "demo"]);
    assert!(first.status.success(), "{}", text(&first));
    let t = text(&first);
    for needle in [
        "Created a demo wallet",
        "Balance:",
        "Tier:",
        "Expiring soon:",
        "Recent activity:",
    ] {
        assert!(t.contains(needle), "missing {needle}: {t}");
    }
    let second = loyalty(&["--data-dir", &d, "demo"]);
    assert!(
        text(&second).contains("Reopened the demo wallet"),
        "{}",
        text(&second)
    );

    let out = loyalty(&["--data-dir", &d, "wallet", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let snap: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "balance",
        "lifetime_earned",
        "expired_total",
        "tier",
        "qualifying_spend",
        "coupons",
        "expiring",
    ] {
        assert!(snap.get(key).is_some(), "missing {key}: {snap}");
    }
    assert!(snap["balance"].as_i64().unwrap() > 0);
    let human = loyalty(&["--data-dir", &d, "wallet"]);
    let digits = snap["balance"].as_i64().unwrap().to_string();
    let grouped: String = digits
        .chars()
        .enumerate()
        .flat_map(|(i, c)| {
            let sep = (i > 0 && (digits.len() - i) % 3 == 0).then_some(' ');
            sep.into_iter().chain(std::iter::once(c))
        })
        .collect();
    assert!(
        text(&human).contains(&format!("Balance:         {grouped} points")),
        "{}",
        text(&human)
    );
}

#[test]
fn wallet_errors_are_clear_and_leave_files_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nothing").display().to_string();
    let out = loyalty(&["--data-dir", &missing, "wallet"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("loyalty demo"), "{}", text(&out));

    let db = tmp.path().join("wallet.sqlite3");
    std::fs::write(&db, b"this is not a database, it is a shopping list").unwrap();
    let out = loyalty(&["--data-dir", &tmp.path().display().to_string(), "wallet"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("not_a_database"), "{}", text(&out));
    assert_eq!(
        std::fs::read(&db).unwrap(),
        b"this is not a database, it is a shopping list"
    );
}

#[test]
fn help_documents_every_command() {
    let out = loyalty(&["--help"]);
    let t = text(&out);
    for cmd in ["demo", "wallet", "scenario", "--data-dir"] {
        assert!(t.contains(cmd), "{cmd} missing from --help: {t}");
    }
    let out = loyalty(&["scenario", "run", "--help"]);
    let t = text(&out);
    for flag in ["--reopen", "--json", "Exit status"] {
        assert!(t.contains(flag), "{flag} missing: {t}");
    }
}

const RFC_SECRET: &str = "3132333435363738393031323334353637383930";

#[test]
fn card_totp_render_and_verify() {
    let out = loyalty(&[
        "card",
        "totp",
        "--secret-hex",
        RFC_SECRET,
        "--unix",
        "1111111109",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "07081804",
        "{}",
        text(&out)
    );
    let out = loyalty(&[
        "card",
        "totp",
        "--secret-hex",
        RFC_SECRET,
        "--at",
        "2009-02-13T23:31:30Z",
        "--digits",
        "6",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "005924",
        "{}",
        text(&out)
    );

    let tmp = tempfile::tempdir().unwrap();
    for (format, barcode, file) in [
        ("png", "qr", "c.png"),
        ("svg", "qr", "c.svg"),
        ("text", "qr", "c.txt"),
        ("png", "ean13", "e.png"),
    ] {
        let path = tmp.path().join(file).display().to_string();
        let out = loyalty(&[
            "card",
            "render",
            "--card",
            "4006381333931",
            "--secret-hex",
            RFC_SECRET,
            "--unix",
            "1111111109",
            "--barcode",
            barcode,
            "--format",
            format,
            "--out",
            &path,
        ]);
        assert!(out.status.success(), "{}", text(&out));
        let payload = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let expected = if barcode == "qr" {
            "LOY1:4006381333931:07081804"
        } else {
            "4006381333931"
        };
        assert_eq!(payload, expected);
        assert!(std::fs::metadata(&path).unwrap().len() > 100);
    }
    let out = loyalty(&[
        "card",
        "render",
        "--card",
        "12345",
        "--secret-hex",
        RFC_SECRET,
        "--unix",
        "0",
        "--format",
        "png",
        "--out",
        &tmp.path().join("x.png").display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("invalid_card_number"), "{}", text(&out));
    let out = loyalty(&["card", "totp", "--secret-hex", "abcd", "--unix", "0"]);
    assert!(
        text(&out).contains("invalid_secret") && !text(&out).contains("abcd"),
        "{}",
        text(&out)
    );

    let verify = |payload: &str, unix: &str| {
        loyalty(&[
            "card",
            "verify",
            payload,
            "--secret-hex",
            RFC_SECRET,
            "--unix",
            unix,
            "--card",
            "4006381333931",
        ])
    };
    let ok = verify("LOY1:4006381333931:07081804", "1111111109");
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    assert!(
        text(&ok).contains("valid card 4006381333931 step 37037036"),
        "{}",
        text(&ok)
    );
    for (payload, unix, reason) in [
        ("LOY1:4006381333931:07081804", "1111111200", "token_expired"),
        ("LOY1:4006381333931:07081805", "1111111109", "token_invalid"),
        (
            "LOY9:4006381333931:07081804",
            "1111111109",
            "unknown_version",
        ),
        ("LOY1:12345678:07081804", "1111111109", "wrong_card"),
        ("garbage", "1111111109", "malformed"),
    ] {
        let out = verify(payload, unix);
        assert_eq!(out.status.code(), Some(1), "{payload}");
        assert!(text(&out).contains(reason), "{payload}: {}", text(&out));
    }
}

#[test]
fn demo_card_shows_and_prints_its_payload() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().display().to_string();
    let out = loyalty(&["--data-dir", &d, "demo"]);
    assert!(
        text(&out).contains("Card 4006 3813 3393 1"),
        "{}",
        text(&out)
    );
    let out = loyalty(&["--data-dir", &d, "card", "show"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Code changes in"), "{}", text(&out));
    assert!(text(&out).contains('▀') || text(&out).contains('▄'));
    let out = loyalty(&["--data-dir", &d, "card", "show", "--payload"]);
    let payload = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        payload.starts_with("LOY1:4006381333931:")
            && payload.len() == "LOY1:4006381333931:".len() + 8,
        "{payload}"
    );
}

#[test]
fn challenges_and_badges_are_listed_for_the_demo_wallet() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().display().to_string();
    let demo = loyalty(&["--data-dir", &d, "demo"]);
    assert!(
        text(&demo).contains("Challenges:") && text(&demo).contains("Badges:"),
        "{}",
        text(&demo)
    );
    let out = loyalty(&["--data-dir", &d, "challenges"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Buy 3 sport items"), "{}", text(&out));
    let out = loyalty(&["--data-dir", &d, "challenges", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let statuses: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    // Sorted for display: active first, completed/expired last.
    let rank = |s: &str| {
        ["active", "available", "upcoming", "completed", "expired"]
            .iter()
            .position(|x| *x == s)
            .unwrap()
    };
    assert!(
        statuses.windows(2).all(|w| rank(w[0]) <= rank(w[1])),
        "{statuses:?}"
    );
    let sport = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "sport3")
        .unwrap();
    assert_eq!(
        (
            sport["status"].as_str(),
            sport["progress"].as_i64(),
            sport["target"].as_i64()
        ),
        (Some("completed"), Some(3), Some(3))
    );
    let out = loyalty(&["--data-dir", &d, "badges", "--json"]);
    let badges: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = badges
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == "first")
        .unwrap();
    assert_eq!(first["level"], 1);
    assert!(text(&loyalty(&["--data-dir", &d, "badges"])).contains("First purchase"));
}

#[test]
fn push_and_inbox_commands() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("w").display().to_string();
    assert!(loyalty(&["--data-dir", &d, "demo"]).status.success());
    let payload = tmp.path().join("p.json");
    std::fs::write(
        &payload,
        r#"{"kind":"offer","message_id":"t-1","title":"Test offer","body":"Body","coupon_amount_off":"100.00","coupon_valid_days":"3"}"#,
    )
    .unwrap();
    let p = payload.display().to_string();
    let out = loyalty(&["--data-dir", &d, "push", &p]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "new t-1",
        "{}",
        text(&out)
    );
    let out = loyalty(&["--data-dir", &d, "push", &p]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "duplicate");
    std::fs::write(&payload, r#"{"kind":"offer","message_id":"x","title":"T","body":"B","deep_link":"javascript:alert(1)"}"#).unwrap();
    let out = loyalty(&["--data-dir", &d, "push", &p]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("invalid_push") && text(&out).contains("deep_link"),
        "{}",
        text(&out)
    );

    let list = text(&loyalty(&["--data-dir", &d, "inbox"]));
    assert!(
        list.contains("Test offer") && list.contains("id t-1"),
        "{list}"
    );
    let out = loyalty(&["--data-dir", &d, "inbox", "activate", "t-1"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = loyalty(&["--data-dir", &d, "inbox", "activate", "t-1"]);
    assert!(text(&out).contains("already_activated"), "{}", text(&out));
    let wallet: serde_json::Value =
        serde_json::from_slice(&loyalty(&["--data-dir", &d, "wallet", "--json"]).stdout).unwrap();
    assert!(
        wallet["coupons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "offer:t-1"),
        "{wallet}"
    );
    assert!(
        loyalty(&["--data-dir", &d, "inbox", "dismiss", "t-1"])
            .status
            .success()
    );
    assert!(!text(&loyalty(&["--data-dir", &d, "inbox"])).contains("id t-1"));
    assert!(text(&loyalty(&["--data-dir", &d, "inbox", "--all"])).contains("id t-1"));
    let out = loyalty(&["--data-dir", &d, "inbox", "read", "nope"]);
    assert!(text(&out).contains("unknown_message"), "{}", text(&out));
}

/// `--data-dir file:…` is a folder of that name, never an SQLite URI (which
/// could point the wallet at memory or at another file).
#[test]
fn a_data_dir_named_like_an_sqlite_uri_is_a_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_loyalty"))
        .current_dir(tmp.path())
        .args(["--data-dir", "file:w?mode=memory", "demo"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let wallet = tmp.path().join("file:w?mode=memory").join("wallet.sqlite3");
    assert!(wallet.is_file(), "no wallet at {}", wallet.display());
    assert!(std::fs::metadata(&wallet).unwrap().len() > 0);
}

/// A receipt file naming a key twice (`amount` for one line) is refused
/// before anything is sent: which copy counts would be the parser's choice.
#[test]
fn a_receipt_with_a_repeated_key_is_refused_before_sending() {
    let dir = tempfile::tempdir().unwrap();
    let receipt = write(
        dir.path(),
        "receipt.json",
        r#"{"receipt_id": "r1", "lines": [{"sku": "A", "qty": 1, "amount": "1.00", "amount": "9999.00"}]}"#,
    );
    // Port 9 (discard) on loopback: nothing answers, so reaching it would be a network error.
    let out = loyalty(&[
        "pos",
        "purchase",
        "--server",
        "http://127.0.0.1:9",
        "--payload",
        "LOY1:x",
        "--receipt",
        &receipt,
    ]);
    assert!(!out.status.success());
    let t = text(&out);
    assert!(t.contains("\"amount\" appears twice"), "{t}");
    assert!(!t.contains("network"), "{t}");
}

/// The card secret can come from a file or standard input instead of the
/// command line (where every user of the machine can read it); exactly one
/// source is accepted.
#[test]
fn the_secret_comes_from_a_file_or_standard_input() {
    use std::io::Write;
    let hex = "3132333435363738393031323334353637383930";
    let expected = text(&loyalty(&[
        "card",
        "totp",
        "--secret-hex",
        hex,
        "--unix",
        "59",
    ]));
    assert_eq!(expected.trim(), "94287082", "RFC 6238 vector (8 digits)");
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "secret.hex", &format!("  {hex}\n"));
    let from_file = loyalty(&["card", "totp", "--secret-file", &file, "--unix", "59"]);
    assert!(from_file.status.success(), "{}", text(&from_file));
    assert_eq!(text(&from_file), expected);

    let mut child = Command::new(env!("CARGO_BIN_EXE_loyalty"))
        .args(["card", "totp", "--secret-file", "-", "--unix", "59"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(hex.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected);

    let both = loyalty(&[
        "card",
        "totp",
        "--secret-hex",
        hex,
        "--secret-file",
        &file,
        "--unix",
        "59",
    ]);
    assert!(!both.status.success());
    assert!(
        text(&both).contains("cannot be used with"),
        "{}",
        text(&both)
    );
    let none = loyalty(&["card", "totp", "--unix", "59"]);
    assert!(!none.status.success());
    assert!(
        text(&none).contains("--secret-hex") && text(&none).contains("--secret-file"),
        "{}",
        text(&none)
    );
}

/// Two first runs of `demo` at once on one folder: one creates the wallet,
/// the other reopens it — never two sets of sample purchases, never an error.
#[test]
fn two_first_demo_runs_at_once_make_one_wallet() {
    for round in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let data = data.to_str().unwrap();
        let spawn = || {
            Command::new(env!("CARGO_BIN_EXE_loyalty"))
                .args(["--data-dir", data, "demo"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        assert!(
            a.status.success() && b.status.success(),
            "round {round}: {}\n{}",
            text(&a),
            text(&b)
        );
        let created = [&a, &b]
            .iter()
            .filter(|o| text(o).contains("Created a demo wallet"))
            .count();
        let reopened = [&a, &b]
            .iter()
            .filter(|o| text(o).contains("Reopened the demo wallet"))
            .count();
        assert_eq!(
            (created, reopened),
            (1, 1),
            "round {round}: {}\n{}",
            text(&a),
            text(&b)
        );
        // Exactly one set of sample activity, and no draft left behind.
        let wallet = loyalty(&["--data-dir", data, "wallet", "--json"]);
        let json: serde_json::Value = serde_json::from_slice(&wallet.stdout).unwrap();
        let again = tempfile::tempdir().unwrap();
        let single = again.path().join("data");
        loyalty(&["--data-dir", single.to_str().unwrap(), "demo"]);
        let one = loyalty(&["--data-dir", single.to_str().unwrap(), "wallet", "--json"]);
        let one: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
        assert_eq!(
            json["lifetime_earned"], one["lifetime_earned"],
            "round {round}"
        );
        let names: Vec<String> = std::fs::read_dir(data)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!names.iter().any(|n| n.contains("creating")), "{names:?}");
    }
}
