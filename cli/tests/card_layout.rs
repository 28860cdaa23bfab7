//! `loyalty card render` and `loyalty card verify` with the digits-only
//! template `97{card:13}{totp_value_0}`.

use std::process::{Command, Output};

const RFC_SECRET: &str = "3132333435363738393031323334353637383930";
const TEMPLATE: &str = "97{card:13}{totp_value_0}";

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

#[test]
fn render_and_verify_a_layout_safe_payload() {
    let tmp = tempfile::tempdir().unwrap();
    let out_file = tmp.path().join("c.svg").display().to_string();
    let render = |card: &str| {
        loyalty(&[
            "card",
            "render",
            "--card",
            card,
            "--secret-hex",
            RFC_SECRET,
            "--unix",
            "1111111109",
            "--template",
            TEMPLATE,
            "--format",
            "svg",
            "--out",
            &out_file,
        ])
    };
    let out = render("4006381333931");
    assert!(out.status.success(), "{}", text(&out));
    // RFC 6238 appendix B: 07081804 at 1111111109 (SHA-1, 8 digits).
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "97400638133393107081804"
    );

    let out = render("12345678");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("invalid_card_number") && text(&out).contains("exactly 13 digits"),
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
            "--template",
            TEMPLATE,
        ])
    };
    let ok = verify("97400638133393107081804", "1111111109");
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    assert!(
        text(&ok).contains("valid card 4006381333931 step 37037036"),
        "{}",
        text(&ok)
    );
    for (payload, unix, reason) in [
        ("97400638133393107081804", "1111111200", "token_expired"),
        ("97400638133393107081805", "1111111109", "token_invalid"),
        ("9712345678901207081804", "1111111109", "malformed"),
        ("LOY1:4006381333931:07081804", "1111111109", "malformed"),
    ] {
        let out = verify(payload, unix);
        assert_eq!(out.status.code(), Some(1), "{payload}");
        assert!(text(&out).contains(reason), "{payload}: {}", text(&out));
    }
    let bad = loyalty(&[
        "card",
        "verify",
        "1",
        "--secret-hex",
        RFC_SECRET,
        "--unix",
        "0",
        "--template",
        "97{card}{totp_value_0}",
    ]);
    assert!(text(&bad).contains("fixed width"), "{}", text(&bad));
}
