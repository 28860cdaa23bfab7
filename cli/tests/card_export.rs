//! `loyalty card export`: the demo member's wallet passes written to files,
//! with the figures of `loyalty wallet --json`; a refused Apple token
//! writes nothing.

use std::path::Path;
use std::process::{Command, Output};

use loyalty_till::format::{self, CREDENTIAL_LEN, Credential, Scope};
use serde_json::Value;

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

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A credential for the demo card valid for the next 30 days, as the server
/// would issue it (its signature is the till's to check: a fixed pattern).
fn credential(scope: u8) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let fields = Credential {
        kid: 1,
        card: 4_006_381_333_931,
        not_before: u32::try_from(now).unwrap() - 60,
        lifetime_hours: 720,
        scope: Scope(scope),
        serial: 3,
        device_key: loyalty_till::NO_DEVICE,
    }
    .fields();
    let mut bytes = [9u8; CREDENTIAL_LEN];
    bytes[..fields.len()].copy_from_slice(&fields);
    format::to_text(&bytes)
}

#[test]
fn export_writes_the_demo_members_passes() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("data").display().to_string();
    assert!(loyalty(&["--data-dir", &d, "demo"]).status.success());
    let file = |name: &str| tmp.path().join(name);
    let paths = [
        file("object.json"),
        file("class.json"),
        file("claims.json"),
        file("pass.json"),
    ];
    let [object, class, claims, pass] = paths.each_ref().map(|p| p.display().to_string());
    let token = credential(Scope::IDENTIFY | Scope::EARN);
    let out = loyalty(&[
        "--data-dir",
        &d,
        "card",
        "export",
        "--google-object",
        &object,
        "--google-class",
        &class,
        "--google-claims",
        &claims,
        "--apple-pass",
        &pass,
        "--apple-token",
        &token,
        "--issuer-id",
        "3388000000012345678",
        "--member-name",
        "Ada Lovelace",
        "--origin",
        "https://shop.example.com",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(text(&out).matches("wrote ").count(), 4, "{}", text(&out));
    assert!(!text(&out).contains("3132") && !text(&out).contains(&token));

    let wallet = loyalty(&["--data-dir", &d, "wallet", "--json"]);
    let snap: Value = serde_json::from_slice(&wallet.stdout).unwrap();
    let balance = snap["balance"].as_i64().unwrap();

    let (object, class, claims, pass) = (
        read(&paths[0]),
        read(&paths[1]),
        read(&paths[2]),
        read(&paths[3]),
    );
    assert_eq!(class["id"], "3388000000012345678.loyalty");
    assert_eq!(object["classId"], class["id"]);
    assert_eq!(object["id"], "3388000000012345678.4006381333931");
    assert_eq!(object["accountName"], "Ada Lovelace");
    assert_eq!(object["loyaltyPoints"]["balance"]["int"], balance);
    assert_eq!(
        object["rotatingBarcode"]["valuePattern"],
        "LOY1:4006381333931:{totp_value_0}"
    );
    assert_eq!(object["textModulesData"][0]["body"], snap["tier"]);
    assert_eq!(
        claims["payload"]["loyaltyObjects"][0]["id"], object["id"],
        "the claims name the object"
    );
    assert_eq!(claims["origins"][0], "https://shop.example.com");
    assert_eq!(pass["barcodes"][0]["message"], token.as_str());
    assert_eq!(pass["storeCard"]["primaryFields"][0]["value"], balance);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&paths[0]).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o077,
            0,
            "the object holds the card secret: {mode:o}"
        );
    }
}

#[test]
fn a_refused_token_or_a_bad_option_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("data").display().to_string();
    let object = tmp.path().join("object.json");
    let pass = tmp.path().join("pass.json");
    let (o, p) = (object.display().to_string(), pass.display().to_string());

    let out = loyalty(&["--data-dir", &d, "card", "export", "--google-object", &o]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("no wallet"), "{}", text(&out));

    assert!(loyalty(&["--data-dir", &d, "demo"]).status.success());
    let redeeming = credential(Scope::IDENTIFY | Scope::EARN | Scope::REDEEM_OFFLINE);
    let out = loyalty(&[
        "--data-dir",
        &d,
        "card",
        "export",
        "--google-object",
        &o,
        "--apple-pass",
        &p,
        "--apple-token",
        &redeeming,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("[pass_token_refused]") && text(&out).contains("redeem"),
        "{}",
        text(&out)
    );
    assert!(!text(&out).contains(&redeeming), "the token is not echoed");
    assert!(!object.exists() && !pass.exists(), "nothing written");

    let out = loyalty(&[
        "--data-dir",
        &d,
        "card",
        "export",
        "--google-object",
        &o,
        "--background",
        "navy",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("[invalid_pass]") && text(&out).contains("background_color"),
        "{}",
        text(&out)
    );
    assert!(!object.exists());

    // No output asked for: a usage error. An Apple pass without its token
    // asks the server, and this wallet has none: an error naming the way out.
    assert_eq!(
        loyalty(&["--data-dir", &d, "card", "export"]).status.code(),
        Some(2)
    );
    let out = loyalty(&["--data-dir", &d, "card", "export", "--apple-pass", &p]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("--apple-token"), "{}", text(&out));
    assert!(text(&out).contains("no_server"), "{}", text(&out));
    assert!(!std::path::Path::new(&p).exists());
}
