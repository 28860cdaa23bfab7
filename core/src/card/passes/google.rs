//! Google Wallet: the `LoyaltyClass`, the `LoyaltyObject` with its rotating
//! TOTP barcode, and the claims of a "skinny" save JWT that names the
//! inserted object by id.
//!
//! <https://developers.google.com/wallet/reference/rest/v1/loyaltyclass>,
//! <https://developers.google.com/wallet/reference/rest/v1/loyaltyobject>,
//! <https://developers.google.com/wallet/reference/rest/v1/RotatingBarcode>,
//! <https://developers.google.com/wallet/reference/rest/v1/Jwt>.

use serde_json::{Value, json};

use super::{WalletPasses, bad, canonical};
use crate::card::{Algorithm, BarcodeKind};
use crate::kernel::error::Result;

/// Base16 (RFC 4648: capital hex digits), how Google's `TotpParameters.key` is encoded.
fn base16(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

impl WalletPasses {
    /// The `LoyaltyClass` JSON: the program's name, logo, colour and labels,
    /// `reviewStatus` `UNDER_REVIEW` (a draft class cannot hold objects),
    /// one holder per object on all their devices.
    pub fn google_class(&self) -> String {
        let i = &self.input.issuer;
        canonical(&json!({
            "id": self.class_id(),
            "issuerName": i.issuer_name,
            "programName": i.program_name,
            "programLogo": {"sourceUri": {"uri": i.logo_url}},
            "hexBackgroundColor": i.background_color.to_ascii_lowercase(),
            "accountIdLabel": i.labels.card,
            "accountNameLabel": i.labels.member,
            "reviewStatus": "UNDER_REVIEW",
            "multipleDevicesAndHoldersAllowedStatus": "ONE_USER_ALL_DEVICES",
        }))
    }

    /// The `LoyaltyObject` JSON: the member's card number, name, points and
    /// tier, and a rotating QR code that Google draws from the card's
    /// template and TOTP secret — the same payload the app shows, so one
    /// till rule reads both. No static `barcode`; screenshots refused.
    ///
    /// Holds the card secret: keep it off logs. Refused (`invalid_pass`)
    /// when Google cannot draw the program's code: a linear barcode, a
    /// static template, or a hash other than SHA-1 (Google computes
    /// `TOTP_SHA1` only).
    pub fn google_object(&self) -> Result<String> {
        let card = &self.input.card;
        if card.barcode != BarcodeKind::Qr {
            return Err(bad(
                "card.barcode",
                "the program's card shows a linear barcode of the static number; \
                 Google Wallet rotates QR codes only: set the card's barcode to qr",
            ));
        }
        if !card.template.is_rotating() {
            return Err(bad(
                "card.template",
                format!(
                    "{} has no {{totp_value_0}}: a static card needs no rotating barcode",
                    card.template.as_str()
                ),
            ));
        }
        if card.totp.algorithm != Algorithm::Sha1 {
            return Err(bad(
                "card.algorithm",
                "Google Wallet computes TOTP_SHA1 codes only; the program's card uses another \
                 hash: use sha1 for cards saved to Google Wallet",
            ));
        }
        let m = &self.input.member;
        let l = &self.input.issuer.labels;
        // LoyaltyPointsBalance.int is an int32; larger balances go as text.
        let balance = match i32::try_from(m.points) {
            Ok(n) => json!({"int": n}),
            Err(_) => json!({"string": m.points.to_string()}),
        };
        let mut object = json!({
            "id": self.object_id(),
            "classId": self.class_id(),
            "state": "ACTIVE",
            "accountId": self.number.as_str(),
            "loyaltyPoints": {"label": l.points, "balance": balance},
            "rotatingBarcode": {
                "type": "QR_CODE",
                "valuePattern": card.template.with_card(&self.number)?,
                "totpDetails": {
                    // int64 fields are strings in Google's JSON.
                    "periodMillis": (card.totp.period * 1000).to_string(),
                    "algorithm": "TOTP_SHA1",
                    "parameters": [{
                        "key": base16(self.input.secret.expose()),
                        "valueLength": card.totp.digits,
                    }],
                },
                "alternateText": self.number.display(),
            },
            "passConstraints": {"screenshotEligibility": "INELIGIBLE"},
        });
        if let Value::Object(o) = &mut object {
            if let Some(name) = &m.member_name {
                o.insert("accountName".into(), json!(name));
            }
            if let Some(tier) = &m.tier {
                o.insert(
                    "textModulesData".into(),
                    json!([{"id": "tier", "header": l.tier, "body": tier}]),
                );
            }
        }
        Ok(canonical(&object))
    }

    /// The claims of the save JWT, unsigned: `iss` the service account,
    /// `aud` `google`, `typ` `savetowallet`, `iat`, `origins`, and the
    /// inserted object by id only (a "skinny" JWT: insert the class and the
    /// object through the REST API first, then sign this).
    pub fn google_save_claims(&self) -> String {
        let i = &self.input.issuer;
        canonical(&json!({
            "iss": i.service_account_email,
            "aud": "google",
            "typ": "savetowallet",
            "iat": self.input.issued_at,
            "origins": i.origins,
            "payload": {"loyaltyObjects": [{"id": self.object_id()}]},
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::passes::tests::input;
    use crate::card::{Template, TotpParams};

    fn object(edit: impl FnOnce(&mut super::super::PassInput)) -> Result<Value> {
        let mut i = input();
        edit(&mut i);
        let text = WalletPasses::new(i)?.google_object()?;
        Ok(serde_json::from_str(&text).unwrap())
    }

    #[test]
    fn the_object_rotates_the_programs_code() {
        let o = object(|_| {}).unwrap();
        let b = &o["rotatingBarcode"];
        assert_eq!(b["valuePattern"], "LOY1:4006381333931:{totp_value_0}");
        assert_eq!(b["totpDetails"]["periodMillis"], "30000");
        assert_eq!(
            b["totpDetails"]["parameters"][0]["key"],
            "3132333435363738393031323334353637383930"
        );
        assert_eq!(b["totpDetails"]["parameters"][0]["valueLength"], 8);
        assert_eq!(b["alternateText"], "4006 3813 3393 1");
        assert!(o.get("barcode").is_none());
        assert_eq!(o["loyaltyPoints"]["balance"], json!({"int": 1250}));
        let big = object(|i| i.member.points = 3_000_000_000).unwrap();
        assert_eq!(
            big["loyaltyPoints"]["balance"],
            json!({"string": "3000000000"})
        );
        let bare = object(|i| {
            i.member.member_name = None;
            i.member.tier = None;
        })
        .unwrap();
        assert!(bare.get("accountName").is_none() && bare.get("textModulesData").is_none());
    }

    #[test]
    fn codes_google_cannot_draw_are_refused() {
        let sha256 = object(|i| {
            i.card.totp = TotpParams {
                algorithm: Algorithm::Sha256,
                ..TotpParams::default()
            }
        });
        let e = sha256.unwrap_err();
        assert_eq!(e.code(), "invalid_pass");
        assert!(e.to_string().contains("card.algorithm"), "{e}");
        let e = object(|i| i.card.template = Template::parse("{card}").unwrap()).unwrap_err();
        assert!(e.to_string().contains("card.template"), "{e}");
        let e = object(|i| i.card.barcode = BarcodeKind::Code128).unwrap_err();
        assert!(e.to_string().contains("card.barcode"), "{e}");
        // The class and the claims do not depend on the code.
        let mut i = input();
        i.card.barcode = BarcodeKind::Code128;
        let p = WalletPasses::new(i).unwrap();
        assert!(
            p.google_class()
                .contains("\"reviewStatus\": \"UNDER_REVIEW\"")
        );
        assert!(p.google_save_claims().contains("\"typ\": \"savetowallet\""));
    }

    #[test]
    fn base16_is_capital_hex() {
        assert_eq!(base16(&[0x00, 0xab, 0x7f]), "00AB7F");
    }
}
