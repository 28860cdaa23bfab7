//! Wallet passes for the member's card, unsigned: the app sends them to its
//! server, which signs them (the Google save JWT, the Apple `.pkpass`) and
//! hands back what the phone opens. Forwarded to
//! `loyalty_core::session::Session::wallet_passes`.

use loyalty_core::card::passes::{PassIssuer, PassLabels};

use crate::Result;
use crate::client::{LoyaltyClient, shield};

/// The words a pass shows beside the figures, in the member's language.
#[derive(Debug, Clone, uniffi::Record)]
pub struct WalletPassLabels {
    /// Beside the points balance ("Points").
    pub points: String,
    /// Beside the tier ("Tier").
    pub tier: String,
    /// Beside the member's name ("Member").
    pub member: String,
    /// Beside the card number ("Card").
    pub card: String,
    /// What the pass is, for accessibility ("Loyalty card").
    pub description: String,
}

/// Who issues the passes and how they look (the same for every member),
/// and the member's name if the pass shows one.
#[derive(Debug, Clone, uniffi::Record)]
pub struct WalletPassConfig {
    /// Google Wallet issuer id (digits).
    pub issuer_id: String,
    /// The Google class id after `issuer_id.` (letters, digits, `.`, `_`, `-`).
    pub class_suffix: String,
    /// The Google object id after `issuer_id.`, and Apple's serial number;
    /// the card number when null.
    pub object_suffix: Option<String>,
    /// The issuer's name.
    pub issuer_name: String,
    /// The program's name.
    pub program_name: String,
    /// The program logo, an `https://` URL.
    pub logo_url: String,
    /// Background colour, `#rrggbb`.
    pub background_color: String,
    /// Text colour, `#rrggbb`.
    pub foreground_color: String,
    /// Label colour, `#rrggbb`.
    pub label_color: String,
    /// Apple pass type identifier (`pass.com.example.loyalty`).
    pub pass_type_id: String,
    /// Apple Developer team id (10 capital letters and digits).
    pub team_id: String,
    /// The Google Cloud service account that signs the save JWT.
    pub service_account_email: String,
    /// Web origins allowed to show the save button (`https://…`).
    pub origins: Vec<String>,
    /// The member's name, if the pass shows it.
    pub member_name: Option<String>,
    /// The words on the pass.
    pub labels: WalletPassLabels,
}

/// The member's Google Wallet pass, unsigned. `object_json` holds the card
/// secret (Google draws the rotating code from it): send it to your server
/// over TLS and never log it.
#[derive(Clone, uniffi::Record)]
pub struct GoogleWalletPass {
    /// `issuer_id.class_suffix`.
    pub class_id: String,
    /// `issuer_id.object_suffix`.
    pub object_id: String,
    /// The `LoyaltyClass` to insert.
    pub class_json: String,
    /// The `LoyaltyObject` to insert (holds the card secret).
    pub object_json: String,
    /// The save JWT's claims naming the object, for the server to sign.
    pub claims_json: String,
}

impl std::fmt::Debug for GoogleWalletPass {
    /// Omits the JSON: the object holds the card secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GoogleWalletPass")
            .field("class_id", &self.class_id)
            .field("object_id", &self.object_id)
            .finish_non_exhaustive()
    }
}

impl WalletPassConfig {
    fn issuer(&self) -> PassIssuer {
        let l = &self.labels;
        PassIssuer {
            issuer_id: self.issuer_id.clone(),
            class_suffix: self.class_suffix.clone(),
            issuer_name: self.issuer_name.clone(),
            program_name: self.program_name.clone(),
            logo_url: self.logo_url.clone(),
            background_color: self.background_color.clone(),
            foreground_color: self.foreground_color.clone(),
            label_color: self.label_color.clone(),
            pass_type_id: self.pass_type_id.clone(),
            team_id: self.team_id.clone(),
            service_account_email: self.service_account_email.clone(),
            origins: self.origins.clone(),
            labels: PassLabels {
                points: l.points.clone(),
                tier: l.tier.clone(),
                member: l.member.clone(),
                card: l.card.clone(),
                description: l.description.clone(),
            },
        }
    }
}

impl LoyaltyClient {
    fn passes(
        &self,
        config: &WalletPassConfig,
    ) -> Result<loyalty_core::card::passes::WalletPasses> {
        Ok(self.session.wallet_passes(
            config.issuer(),
            config.object_suffix.clone(),
            config.member_name.clone(),
        )?)
    }
}

#[uniffi::export]
impl LoyaltyClient {
    /// The member's Google Wallet pass now (points, tier, the rotating code
    /// of the program's card), for the server to insert and sign. Refused
    /// with `no_card` before a card is enrolled, `invalid_pass` for
    /// `config` a pass cannot take or a card Google cannot draw (its codes
    /// must be SHA-1 QR codes).
    pub fn google_wallet_pass(&self, config: WalletPassConfig) -> Result<GoogleWalletPass> {
        shield(|| {
            let p = self.passes(&config)?;
            Ok(GoogleWalletPass {
                class_id: p.class_id(),
                object_id: p.object_id(),
                class_json: p.google_class(),
                object_json: p.google_object()?,
                claims_json: p.google_save_claims(),
            })
        })
    }

    /// The member's Apple Wallet `pass.json` now, its barcode `token_text`:
    /// the LOY2 credential (`92…`) the server signed for this card with the
    /// identify and earn scope only. Refused with `pass_token_refused` for
    /// any other token, `no_card` before a card is enrolled, `invalid_pass`
    /// for `config` a pass cannot take.
    pub fn apple_wallet_pass(
        &self,
        config: WalletPassConfig,
        token_text: String,
    ) -> Result<String> {
        shield(|| Ok(self.passes(&config)?.apple_pass_json(&token_text)?))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use loyalty_till::format::{self, Credential, Scope};

    use super::*;
    use crate::{ClientConfig, MemorySecretStore};

    fn config() -> WalletPassConfig {
        WalletPassConfig {
            issuer_id: "3388000000012345678".into(),
            class_suffix: "loyalty".into(),
            object_suffix: None,
            issuer_name: "Shop".into(),
            program_name: "Club".into(),
            logo_url: "https://example.com/logo.png".into(),
            background_color: "#000000".into(),
            foreground_color: "#ffffff".into(),
            label_color: "#cccccc".into(),
            pass_type_id: "pass.com.example.club".into(),
            team_id: "ABCDE12345".into(),
            service_account_email: "w@p.iam.gserviceaccount.com".into(),
            origins: vec![],
            member_name: Some("Ada".into()),
            labels: WalletPassLabels {
                points: "Баллы".into(),
                tier: "Уровень".into(),
                member: "Участник".into(),
                card: "Карта".into(),
                description: "Карта лояльности".into(),
            },
        }
    }

    /// A credential for the test card, valid for the next 30 days (the
    /// signature is the till's to check, so it is a fixed pattern here).
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
            serial: 1,
            device_key: loyalty_till::NO_DEVICE,
        }
        .fields();
        let mut bytes = [7u8; format::CREDENTIAL_LEN];
        bytes[..fields.len()].copy_from_slice(&fields);
        format::to_text(&bytes)
    }

    fn client(dir: &tempfile::TempDir) -> Arc<LoyaltyClient> {
        LoyaltyClient::new(ClientConfig {
            data_dir: dir.path().display().to_string(),
            server_url: None,
            program_json: Some(
                r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}}}"#.into(),
            ),
            deep_link_scheme: None,
            secret_store: MemorySecretStore::new(),
            token_provider: None,
            log_sink: None,
            log_level: None,
            clock: None,
            device_signer: None,
        })
        .unwrap()
    }

    #[test]
    fn passes_come_from_the_enrolled_card() {
        let dir = tempfile::tempdir().unwrap();
        let c = client(&dir);
        let e = c.google_wallet_pass(config()).unwrap_err();
        assert_eq!(e.code(), "no_card");
        c.enroll_card(
            "4006381333931".into(),
            "3132333435363738393031323334353637383930".into(),
        )
        .unwrap();
        let g = c.google_wallet_pass(config()).unwrap();
        assert_eq!(g.object_id, "3388000000012345678.4006381333931");
        assert!(
            g.object_json
                .contains("\"valuePattern\": \"LOY1:4006381333931:{totp_value_0}\"")
        );
        assert!(g.object_json.contains("\"label\": \"Баллы\""));
        assert!(g.claims_json.contains(&g.object_id));
        assert!(!format!("{g:?}").contains("3132333435"), "{g:?}");
        let mut bad = config();
        bad.logo_url = "logo.png".into();
        assert_eq!(
            c.google_wallet_pass(bad).unwrap_err().code(),
            "invalid_pass"
        );
        let e = c.apple_wallet_pass(config(), "92123".into()).unwrap_err();
        assert_eq!(e.code(), "pass_token_refused");
        let token = credential(Scope::IDENTIFY | Scope::EARN);
        let pass = c.apple_wallet_pass(config(), token.clone()).unwrap();
        assert!(
            pass.contains(&format!("\"message\": \"{token}\"")),
            "{pass}"
        );
        let e = c
            .apple_wallet_pass(config(), credential(Scope::IDENTIFY | Scope::REDEEM_ONLINE))
            .unwrap_err();
        assert_eq!(e.code(), "pass_token_refused");
    }
}
