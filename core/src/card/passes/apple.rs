//! Apple Wallet: `pass.json` for a store card. PassKit cannot rotate a
//! barcode, so the pass shows a static one: a LOY2 credential the server
//! signed (`loyalty_till::format`), scoped to identify and earn only — a
//! photo of it can earn points for the member, never spend them. The
//! issuer's signature is the till's to check; this refuses what must never
//! be printed on a pass.
//!
//! <https://developer.apple.com/documentation/walletpasses/pass>,
//! <https://developer.apple.com/documentation/walletpasses/passfields>,
//! <https://developer.apple.com/documentation/walletpasses/passfieldcontent>,
//! <https://developer.apple.com/documentation/walletpasses/pass/barcodes-data.dictionary>.

use chrono::DateTime;
use loyalty_till::format::{
    self, CREDENTIAL_FIELDS_LEN, CREDENTIAL_LEN, Credential, PRESENTATION_LEN, Scope,
};
use serde_json::{Value, json};

use super::{WalletPasses, canonical, rgb};
use crate::kernel::error::{LoyaltyError, Result};

fn refused(reason: impl Into<String>) -> LoyaltyError {
    LoyaltyError::PassTokenRefused {
        reason: reason.into(),
    }
}

/// The scope bits this version knows.
const KNOWN_SCOPE: u8 =
    Scope::IDENTIFY | Scope::EARN | Scope::REDEEM_OFFLINE | Scope::REDEEM_ONLINE;

/// Reads a LOY2 credential text and refuses it unless it is a bare
/// credential of `card`, scoped to identify (and earn) only, and still
/// valid at `at` (Unix seconds). Never echoes the token.
pub(super) fn check_token(token: &str, card: u64, card_last4: &str, at: i64) -> Result<Credential> {
    let bytes = format::from_text(token).ok_or_else(|| {
        refused(
            "it is not a LOY2 text (92 and decimal digits); give the credential the server signed",
        )
    })?;
    if bytes.len() == PRESENTATION_LEN {
        return Err(refused(
            "it is a LOY2 presentation, which expires with its time step; give the bare \
             credential (118 bytes) the server signed",
        ));
    }
    if bytes.len() != CREDENTIAL_LEN {
        let n = bytes.len();
        return Err(refused(format!(
            "it holds {n} byte{}; a LOY2 credential has {CREDENTIAL_LEN}",
            if n == 1 { "" } else { "s" }
        )));
    }
    let mut fields = [0u8; CREDENTIAL_FIELDS_LEN];
    fields.copy_from_slice(&bytes[..CREDENTIAL_FIELDS_LEN]);
    let credential = Credential::from_fields(&fields)
        .ok_or_else(|| refused("it is a credential of an unknown format version"))?;
    let scope = credential.scope;
    if scope.0 & (Scope::REDEEM_OFFLINE | Scope::REDEEM_ONLINE) != 0 {
        return Err(refused(
            "its scope lets it redeem points, and anyone who photographs a static barcode could \
             spend them: issue the pass an identify/earn-only credential",
        ));
    }
    if scope.0 & !KNOWN_SCOPE != 0 {
        return Err(refused(format!(
            "its scope has bits this version does not know ({:#04x}); issue an identify/earn-only credential",
            scope.0
        )));
    }
    if !scope.allows(Scope::IDENTIFY) {
        return Err(refused(
            "its scope does not let it identify the member, so a till could do nothing with it",
        ));
    }
    if credential.device_key != loyalty_till::NO_DEVICE {
        return Err(refused(
            "it is bound to a phone's key, and a till refuses it without that phone's signature: \
             issue the pass a wallet-pass credential (POST /v1/me/card/credential {\"wallet_pass\": true})",
        ));
    }
    if credential.card != card {
        let theirs = credential.card.to_string();
        return Err(refused(format!(
            "it names card …{}, not this card …{card_last4}",
            &theirs[theirs.len().saturating_sub(4)..]
        )));
    }
    if credential.not_after() <= at {
        return Err(refused(
            "it has expired; ask the server for a fresh credential",
        ));
    }
    Ok(credential)
}

/// `#rrggbb` as Apple's CSS-style `rgb(r, g, b)`.
fn css(field: &str, hex: &str) -> Result<String> {
    let [r, g, b] = rgb(field, hex)?;
    Ok(format!("rgb({r}, {g}, {b})"))
}

impl WalletPasses {
    /// `pass.json` of a store card: points first, the member and the tier
    /// next, the card number grouped for reading aloud, and `token_text`
    /// (the server-signed LOY2 credential, `92…`) as its QR code, the pass
    /// expiring with the credential. Refused (`pass_token_refused`) when the
    /// token is not a bare LOY2 credential of this card, can redeem, or has
    /// expired at `issued_at`.
    pub fn apple_pass_json(&self, token_text: &str) -> Result<String> {
        let card: u64 = self
            .number
            .as_str()
            .parse()
            .map_err(|_| refused("the card number does not fit a LOY2 credential"))?;
        let credential = check_token(token_text, card, self.number.last4(), self.input.issued_at)?;
        let expires = DateTime::from_timestamp(credential.not_after(), 0)
            .ok_or(LoyaltyError::Overflow {
                what: "credential expiry",
            })?
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let i = &self.input.issuer;
        let m = &self.input.member;
        let l = &i.labels;
        let mut secondary = Vec::new();
        if let Some(name) = &m.member_name {
            secondary.push(json!({"key": "member", "label": l.member, "value": name}));
        }
        if let Some(tier) = &m.tier {
            secondary.push(json!({"key": "tier", "label": l.tier, "value": tier}));
        }
        let display = self.number.display();
        let mut store_card = json!({
            "primaryFields": [{"key": "points", "label": l.points, "value": m.points}],
            "auxiliaryFields": [{"key": "card", "label": l.card, "value": display}],
        });
        if let (Value::Object(o), false) = (&mut store_card, secondary.is_empty()) {
            o.insert("secondaryFields".into(), Value::Array(secondary));
        }
        Ok(canonical(&json!({
            "formatVersion": 1,
            "passTypeIdentifier": i.pass_type_id,
            "serialNumber": m.object_suffix,
            "teamIdentifier": i.team_id,
            "organizationName": i.issuer_name,
            "description": l.description,
            "logoText": i.program_name,
            "backgroundColor": css("background_color", &i.background_color)?,
            "foregroundColor": css("foreground_color", &i.foreground_color)?,
            "labelColor": css("label_color", &i.label_color)?,
            "expirationDate": expires,
            "storeCard": store_card,
            "barcodes": [{
                "format": "PKBarcodeFormatQR",
                "message": token_text,
                "messageEncoding": "iso-8859-1",
                "altText": display,
            }],
        })))
    }
}
