//! Round trip through an independent decoder: every rendered PNG must scan
//! back to its payload with `zbarimg` (Debian package `zbar-tools`;
//! `./scripts/test.sh` installs it when missing).

use std::process::Command;

use loyalty_core::card::{
    CardNumber, CheckDigit, EcLevel, LinearBarcode, QrMatrix, ean13_from_body,
};

fn zbar(png: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("code.png");
    std::fs::write(&path, png).unwrap();
    let out = Command::new("zbarimg")
        .args(["--quiet", "--raw"])
        .arg(&path)
        .output()
        .unwrap_or_else(|e| {
            panic!("zbarimg is needed to prove the card scans ({e}); install it with `apt-get install zbar-tools` or run ./scripts/test.sh, which installs it")
        });
    assert!(
        out.status.success(),
        "zbarimg could not decode: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .trim_end_matches('\n')
        .to_string()
}

#[test]
fn qr_codes_scan_back_at_every_ec_level() {
    let payloads = [
        "LOY1:4006381333931:07081804".to_string(),
        // The digits-only template 97{card:13}{totp_value_0}.
        "97400638133393107081804".to_string(),
        "LOY1:12345678:000000".to_string(),
        "W:4111111111111111111:87654321:1700000000000".to_string(),
        "4006381333931".to_string(),
        format!("LOY1:{}:{}", "9".repeat(19), "1".repeat(8)),
    ];
    for payload in &payloads {
        for ec in [EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H] {
            let m = QrMatrix::encode(payload, ec).unwrap();
            assert_eq!(&zbar(&m.png(4).unwrap()), payload, "{ec:?}");
        }
    }
}

#[test]
fn linear_barcodes_scan_back() {
    for body in [
        "400638133393",
        "000000000000",
        "978020137962",
        "590123412345",
    ] {
        let ean = ean13_from_body(body).unwrap();
        let card = CardNumber::parse(&ean, CheckDigit::Ean13).unwrap();
        let code = LinearBarcode::ean13(&card).unwrap();
        assert_eq!(zbar(&code.png(3).unwrap()), ean);
    }
    for text in [
        "12345678",
        "123456789",
        "4111111111111111111",
        "00000000",
        "9876543210987",
        "AB-12 x",
    ] {
        let code = LinearBarcode::code128(text).unwrap();
        assert_eq!(zbar(&code.png(3).unwrap()), text, "code128 {text}");
    }
}

/// A LOY2 code (186 bytes as `92` + 454 digits) fits a version-10 QR code at
/// EC M (57 × 57 modules, numeric mode) and scans back exactly at 4 px a module.
#[test]
fn a_loy2_code_fits_version_10_at_ec_m_and_scans() {
    let bytes: Vec<u8> = (0..loyalty_till::format::PRESENTATION_LEN)
        .map(|i| (i * 151 + 89) as u8)
        .collect();
    let text = loyalty_till::format::to_text(&bytes);
    assert_eq!(text.len(), 2 + 26 * 17 + 10);
    let m = QrMatrix::encode(&text, EcLevel::M).unwrap();
    let version = (m.side - 17) / 4;
    assert!(version <= 10, "QR version {version} ({} modules)", m.side);
    println!(
        "LOY2 text of {} digits: QR version {version} at EC M, {}×{} modules",
        text.len(),
        m.side,
        m.side
    );
    assert_eq!(zbar(&m.png(4).unwrap()), text);
    assert_eq!(
        loyalty_till::format::from_text(&text).as_deref(),
        Some(bytes.as_slice())
    );
}
