//! The member's life on the device — enrollment, offline actions, sign-out:
//! what a phone does by itself, with the ids and idempotency keys the server
//! dedupes on. The CLI and the bindings both call these, so the rules for
//! keys, ids and wiping live in one place.

use rusqlite::params;

use super::{ACCESS_TOKEN_KEY, Store, schema, sql};
use crate::card::{CARD_SECRET_KEY, CardNumber, Secret, SecretStore};
use crate::kernel::error::{LoyaltyError, Result};
use crate::kernel::time::Time;
use crate::wallet::model::Event;

/// The meta key of the server this wallet is enrolled with.
pub const SERVER_URL_KEY: &str = "server_url";

/// A member as the server enrolled them.
#[derive(Clone, PartialEq, Eq)]
pub struct Enrollment {
    /// The server's member id.
    pub member_id: String,
    /// The card number.
    pub card_number: String,
    /// The card's TOTP secret.
    pub card_secret: Vec<u8>,
    /// The access token for the sync API.
    pub access_token: String,
}

impl std::fmt::Debug for Enrollment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let last4: String = self.card_number.chars().rev().take(4).collect();
        f.debug_struct("Enrollment")
            .field("member_id", &self.member_id)
            .field("card_last4", &last4.chars().rev().collect::<String>())
            .finish_non_exhaustive()
    }
}

/// Twelve random hex digits: unique enough for coupon ids and action keys.
fn random_tag() -> Result<String> {
    let mut r = [0u8; 6];
    getrandom::fill(&mut r).map_err(|e| LoyaltyError::Storage {
        reason: format!("no randomness for an action id: {e}"),
    })?;
    Ok(r.iter().map(|b| format!("{b:02x}")).collect())
}

impl Store {
    /// Redeems `reward_id` on the device at once and queues it for the
    /// server; returns the new coupon's id (`<reward>-<12 hex digits>`, the
    /// reward id shortened if needed to stay within the id length limit).
    pub fn redeem_offline(&mut self, reward_id: &str, at: Time) -> Result<String> {
        crate::wallet::engine::check_id("reward_id", reward_id)?;
        let tag = random_tag()?;
        let room = crate::kernel::ids::MAX_ID_LEN - tag.len() - 1;
        let mut prefix = reward_id;
        while prefix.len() > room {
            // Shorten on a character boundary.
            let mut end = room;
            while !prefix.is_char_boundary(end) {
                end -= 1;
            }
            prefix = &prefix[..end];
        }
        let coupon_id = format!("{prefix}-{tag}");
        let event = Event::RedeemReward {
            reward_id: reward_id.to_string(),
            coupon_id: coupon_id.clone(),
        };
        self.queue_action(&format!("redeem:{tag}"), &event, at)?;
        Ok(coupon_id)
    }

    /// Joins an opt-in challenge on the device at once and queues it for the server.
    pub fn join_offline(&mut self, challenge_id: &str, at: Time) -> Result<()> {
        let key = format!("join:{}", random_tag()?);
        let event = Event::JoinChallenge {
            challenge_id: challenge_id.to_string(),
        };
        self.queue_action(&key, &event, at)?;
        Ok(())
    }

    /// The one enrollment rule (the bindings, the CLI and
    /// [`Store::enroll_member`] all ask it): a member can enroll only into a
    /// wallet that holds nobody — no card, no server it is enrolled with, no
    /// event in the log, no server event and no pending action. A program
    /// alone (the app's configured rules) does not count. Refused with
    /// `already_enrolled`; sign out first (or use another data folder).
    pub fn ensure_can_enroll(&self) -> Result<()> {
        let held: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM card) OR EXISTS (SELECT 1 FROM events)
                 OR EXISTS (SELECT 1 FROM server_events) OR EXISTS (SELECT 1 FROM pending_actions)
                 OR EXISTS (SELECT 1 FROM meta WHERE key = ?1)",
            [SERVER_URL_KEY],
            |r| r.get(0),
        )?;
        if held {
            return Err(LoyaltyError::AlreadyEnrolled);
        }
        Ok(())
    }

    /// The server this wallet is enrolled with, if any.
    pub fn server_url(&self) -> Result<Option<String>> {
        self.meta(SERVER_URL_KEY)
    }

    /// Records a member the server just enrolled into this (empty) wallet:
    /// the access token and card secret into `secrets`, the card number and
    /// the server URL into the store in one transaction. Refused with
    /// `already_enrolled` by [`Store::ensure_can_enroll`]. Nothing changes on
    /// error: the secret store gets its previous entries back.
    pub fn enroll_member(
        &mut self,
        member: &Enrollment,
        server_url: &str,
        secrets: &dyn SecretStore,
        at: Time,
    ) -> Result<()> {
        self.ensure_can_enroll()?;
        let card = self.program().map(|p| p.card.clone()).unwrap_or_default();
        let number = CardNumber::parse(&member.card_number, card.check)?;
        card.template.check_card(&number)?;
        let secret = Secret::new(member.card_secret.clone())?;
        let previous_token = secrets.get(ACCESS_TOKEN_KEY)?;
        let previous_secret = secrets.get(CARD_SECRET_KEY)?;
        let restore = |secrets: &dyn SecretStore| {
            for (key, old) in [
                (ACCESS_TOKEN_KEY, &previous_token),
                (CARD_SECRET_KEY, &previous_secret),
            ] {
                let _ = match old {
                    Some(v) => secrets.put(key, v),
                    None => secrets.delete(key),
                };
            }
        };
        let written = secrets
            .put(ACCESS_TOKEN_KEY, member.access_token.as_bytes())
            .and_then(|()| secrets.put(CARD_SECRET_KEY, secret.expose()))
            .and_then(|()| {
                self.write(|tx| {
                    tx.execute(
                        "INSERT INTO card (id, number, enrolled_at) VALUES (1, ?1, ?2)",
                        params![number.as_str(), sql::ms(at)],
                    )?;
                    tx.execute(
                        "DELETE FROM meta WHERE key IN (?1, ?2)",
                        [
                            super::card::LOY2_CREDENTIAL_KEY,
                            super::card::LOY2_REVOKED_KEY,
                        ],
                    )?;
                    Ok(sql::put_meta(tx, SERVER_URL_KEY, server_url)?)
                })
            });
        if let Err(e) = written {
            restore(secrets);
            return Err(e);
        }
        tracing::info!(card_last4 = number.last4(), "member enrolled");
        Ok(())
    }

    /// Signs the member out: every trace of them leaves this device — wallet,
    /// inbox, queues, server log, card number, settings, program — and the
    /// card secret and access token leave the platform secret store. Another
    /// member can then enroll into the same data folder.
    pub fn sign_out(&mut self, secrets: &dyn SecretStore) -> Result<()> {
        // A second connection reading the file (another process, a backup)
        // would keep the member's pages in the WAL after the wipe: refuse
        // before anything is removed.
        if !self.checkpoint()? {
            return Err(LoyaltyError::Storage {
                reason: "another program has the wallet file open (a second copy of the app, a \
                         backup or a viewer), so its journal cannot be emptied; close it and sign \
                         out again — nothing was removed"
                    .into(),
            });
        }
        // Platform secrets go first (the desktop store shares this file, so it
        // cannot run inside our transaction); if anything after fails, they
        // are put back, so a failed sign-out changes nothing.
        let keys = [
            crate::card::CARD_SECRET_KEY,
            ACCESS_TOKEN_KEY,
            crate::card::loy2::DEVICE_KEY,
        ];
        let mut saved = Vec::new();
        for key in keys {
            saved.push((key, secrets.get(key)?));
        }
        let restore = |secrets: &dyn SecretStore| {
            for (key, old) in &saved {
                if let Some(v) = old {
                    let _ = secrets.put(key, v);
                }
            }
        };
        let wiped = keys
            .iter()
            .try_for_each(|k| secrets.delete(k))
            .and_then(|()| {
                // Deleted rows are overwritten with zeros, not just unlinked.
                self.conn.pragma_update(None, "secure_delete", true)?;
                self.write(|tx| schema::wipe(tx))
            });
        if let Err(e) = wiped {
            restore(secrets);
            return Err(e);
        }
        self.program = None;
        self.program_id = 0;
        // With secure_delete the freed pages are already zeroed; VACUUM gives
        // the space back and the checkpoint empties the WAL of old page
        // images (its result is checked: a reader that arrived meanwhile
        // keeps them, so it is retried for a moment). None of this can undo
        // the wipe, so a failure is logged, loudly.
        if let Err(e) = self.conn.execute_batch("VACUUM;") {
            tracing::warn!(error = %e, "vacuum after sign-out failed; the data is wiped regardless");
        }
        let mut emptied = false;
        for _ in 0..20 {
            emptied = self.checkpoint().unwrap_or(false);
            if emptied {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        if !emptied {
            tracing::error!(
                "signed out, but another program holds the wallet file: old pages stay in its journal until it closes"
            );
        }
        let _ = self.conn.pragma_update(None, "secure_delete", false);
        tracing::info!("member signed out; local data wiped");
        Ok(())
    }

    /// Closes the wallet with its journal folded into the database file, so
    /// the file alone holds everything (to move or copy it whole). Refused
    /// with `storage` while another connection keeps the journal in use.
    pub fn close(self) -> Result<()> {
        if !self.checkpoint()? {
            return Err(LoyaltyError::Storage {
                reason: "another connection is using the wallet file; close it and try again"
                    .into(),
            });
        }
        self.conn.close().map_err(|(_, e)| LoyaltyError::from(e))
    }

    /// Moves the WAL into the database and truncates it; `false` when another
    /// connection kept it from finishing.
    fn checkpoint(&self) -> Result<bool> {
        let busy: i64 = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
        Ok(busy == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::MemorySecretStore;
    use chrono::Utc;

    const PROGRAM: &str = r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}},
      "rewards": [{"id": "free", "cost": 1, "coupon": {"percent": "5", "valid_days": 30}}],
      "challenges": [{"id": "j", "title": "Join", "opt_in": true, "goal": {"metric": "purchases", "target": 3}}]}"#;

    /// A wallet with the program and 100 points from one purchase.
    fn wallet(program: &str) -> Store {
        let mut s = Store::open_in_memory().unwrap();
        s.set_program(program).unwrap();
        let buy: Event = serde_json::from_str(
            r#"{"purchase": {"receipt_id": "r1", "lines": [{"sku": "A", "qty": 1, "amount": "1000.00"}]}}"#,
        )
        .unwrap();
        s.apply(&buy, Utc::now()).unwrap();
        s
    }

    fn member() -> Enrollment {
        Enrollment {
            member_id: "m-1".into(),
            card_number: "2000000000015".into(),
            card_secret: b"12345678901234567890".to_vec(),
            access_token: "tok".into(),
        }
    }

    #[test]
    fn offline_actions_get_unique_keys_and_ids() {
        let mut s = wallet(PROGRAM);
        let a = s.redeem_offline("free", Utc::now()).unwrap();
        let b = s.redeem_offline("free", Utc::now()).unwrap();
        assert!(
            a.starts_with("free-") && a.len() == "free-".len() + 12,
            "{a}"
        );
        assert_ne!(a, b);
        s.join_offline("j", Utc::now()).unwrap();
        assert_eq!(
            s.join_offline("j", Utc::now()).unwrap_err().code(),
            "already_joined"
        );
        assert_eq!(s.pending_actions().unwrap().len(), 3);
        assert_eq!(
            s.redeem_offline("nope", Utc::now()).unwrap_err().code(),
            "unknown_reward"
        );
        assert_eq!(
            s.redeem_offline(&"x".repeat(129), Utc::now())
                .unwrap_err()
                .code(),
            "invalid_id"
        );
    }

    #[test]
    fn a_long_reward_id_still_gives_a_valid_coupon_id() {
        let long = "r".repeat(128);
        let program = PROGRAM.replace("\"free\"", &format!("\"{long}\""));
        let mut s = wallet(&program);
        let id = s.redeem_offline(&long, Utc::now()).unwrap();
        assert_eq!(id.len(), 128);
    }

    #[test]
    fn enrollment_is_all_or_nothing() {
        struct NoSecret(MemorySecretStore);
        impl SecretStore for NoSecret {
            fn get(&self, k: &str) -> Result<Option<Vec<u8>>> {
                self.0.get(k)
            }
            fn put(&self, k: &str, v: &[u8]) -> Result<()> {
                if k == CARD_SECRET_KEY {
                    return Err(LoyaltyError::SecretStore {
                        reason: "full".into(),
                    });
                }
                self.0.put(k, v)
            }
            fn delete(&self, k: &str) -> Result<()> {
                self.0.delete(k)
            }
        }
        let mut s = Store::open_in_memory().unwrap();
        let failing = NoSecret(MemorySecretStore::default());
        let e = s
            .enroll_member(&member(), "http://127.0.0.1:1", &failing, Utc::now())
            .unwrap_err();
        assert_eq!(e.code(), "secret_store");
        assert_eq!(failing.get(ACCESS_TOKEN_KEY).unwrap(), None);
        assert_eq!(s.card_number().unwrap(), None);
        assert_eq!(s.meta(SERVER_URL_KEY).unwrap(), None);

        let secrets = MemorySecretStore::default();
        s.enroll_member(&member(), "http://127.0.0.1:1", &secrets, Utc::now())
            .unwrap();
        assert_eq!(s.card_number().unwrap().as_deref(), Some("2000000000015"));
        assert_eq!(
            s.meta(SERVER_URL_KEY).unwrap().as_deref(),
            Some("http://127.0.0.1:1")
        );
        assert_eq!(
            secrets.get(ACCESS_TOKEN_KEY).unwrap().as_deref(),
            Some(&b"tok"[..])
        );
        let e = s
            .enroll_member(&member(), "http://127.0.0.1:1", &secrets, Utc::now())
            .unwrap_err();
        assert_eq!(e.code(), "already_enrolled");
        let mut bad = member();
        bad.card_number = "12".into();
        let mut fresh = Store::open_in_memory().unwrap();
        assert_eq!(
            fresh
                .enroll_member(&bad, "x", &secrets, Utc::now())
                .unwrap_err()
                .code(),
            "invalid_card_number"
        );
        assert!(!format!("{:?}", member()).contains("2000000000015"));
    }
}

#[cfg(test)]
mod sign_out_tests {
    use super::*;
    use crate::card::MemorySecretStore;
    use chrono::Utc;

    /// A wallet on disk with an enrolled member, and its secret store.
    fn enrolled() -> (tempfile::TempDir, Store, MemorySecretStore) {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open_dir(dir.path()).unwrap();
        let secrets = MemorySecretStore::default();
        let member = Enrollment {
            member_id: "m".into(),
            card_number: "2000000000015".into(),
            card_secret: b"12345678901234567890".to_vec(),
            access_token: "tok".into(),
        };
        s.enroll_member(&member, "http://127.0.0.1:1", &secrets, Utc::now())
            .unwrap();
        (dir, s, secrets)
    }

    /// Another connection holding a read transaction keeps old pages in the
    /// WAL: sign-out is refused before anything is removed, and succeeds once
    /// that connection is gone.
    #[test]
    fn sign_out_with_another_reader_is_refused_and_changes_nothing() {
        let (dir, mut s, secrets) = enrolled();
        let other = rusqlite::Connection::open(dir.path().join(crate::store::DB_FILE)).unwrap();
        other.execute("BEGIN", []).unwrap();
        let _: i64 = other
            .query_row("SELECT count(*) FROM card", [], |r| r.get(0))
            .unwrap();
        // A write after the reader's snapshot: the WAL now holds frames it needs.
        s.set_program(r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}}}"#)
            .unwrap();
        let err = s.sign_out(&secrets).unwrap_err();
        assert_eq!(err.code(), "storage", "{err}");
        assert!(err.to_string().contains("nothing was removed"), "{err}");
        assert_eq!(s.card_number().unwrap().as_deref(), Some("2000000000015"));
        assert!(secrets.get(CARD_SECRET_KEY).unwrap().is_some());
        assert!(secrets.get(ACCESS_TOKEN_KEY).unwrap().is_some());
        drop(other);
        s.sign_out(&secrets).unwrap();
        assert_eq!(s.card_number().unwrap(), None);
        assert_eq!(secrets.get(ACCESS_TOKEN_KEY).unwrap(), None);
    }

    #[test]
    fn sign_out_empties_the_wal_and_a_failure_puts_the_secrets_back() {
        let (dir, mut s, secrets) = enrolled();
        // Rows in every kind of table: wallet, goals, inbox, outbox, queue, server keys.
        s.set_program(
            r#"{"currency": "RUB", "earn": {"rule": {"percent": "10"}}, "expiry": {"months": 12},
              "rewards": [{"id": "free", "cost": 1, "coupon": {"percent": "5", "valid_days": 30}}],
              "badges": [{"id": "b", "title": "B", "goal": {"metric": "week_streak", "target": 2}}]}"#,
        )
        .unwrap();
        let now = Utc::now();
        let buy = |id: &str| {
            crate::wallet::model::Event::Purchase(crate::wallet::model::PurchaseInput {
                receipt_id: id.into(),
                lines: vec![crate::wallet::model::LineInput {
                    sku: "A".into(),
                    category: None,
                    qty: 1,
                    amount: "100.00".into(),
                }],
                coupon: None,
                pay_points: None,
            })
        };
        s.apply(&buy("r1"), now).unwrap();
        s.apply_keyed("server-key", "r2", &buy("r2"), now).unwrap();
        s.redeem_offline("free", now).unwrap();
        s.ingest_push(
            r#"{"kind":"message","message_id":"m1","title":"T","body":"B"}"#,
            now,
        )
        .unwrap();
        s.mark_read("m1", now).unwrap();
        for t in [
            "action_keys",
            "pending_actions",
            "outbox",
            "inbox",
            "goal_periods",
            "lots",
        ] {
            let n: i64 = s
                .conn
                .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .unwrap();
            assert!(n > 0, "the test meant {t} to hold rows before sign-out");
        }

        struct NoDelete<'a>(&'a MemorySecretStore);
        impl SecretStore for NoDelete<'_> {
            fn get(&self, k: &str) -> Result<Option<Vec<u8>>> {
                self.0.get(k)
            }
            fn put(&self, k: &str, v: &[u8]) -> Result<()> {
                self.0.put(k, v)
            }
            fn delete(&self, k: &str) -> Result<()> {
                if k == ACCESS_TOKEN_KEY {
                    return Err(LoyaltyError::SecretStore {
                        reason: "locked".into(),
                    });
                }
                self.0.delete(k)
            }
        }
        // The token cannot be deleted: the card secret deleted just before comes back.
        assert_eq!(
            s.sign_out(&NoDelete(&secrets)).unwrap_err().code(),
            "secret_store"
        );
        assert!(secrets.get(CARD_SECRET_KEY).unwrap().is_some());
        assert_eq!(s.card_number().unwrap().as_deref(), Some("2000000000015"));

        s.sign_out(&secrets).unwrap();
        assert_eq!(s.card_number().unwrap(), None);
        assert_eq!(secrets.get(CARD_SECRET_KEY).unwrap(), None);
        // Every table of the schema is empty but the totals' single, zeroed row.
        let tables: Vec<String> = s
            .conn
            .prepare(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(tables.len() >= 20, "{tables:?}");
        for t in &tables {
            let n: i64 = s
                .conn
                .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .unwrap();
            assert_eq!(n, i64::from(t == "summary"), "table {t} after sign-out");
        }
        let totals: (i64, i64, i64, Option<i64>) = s
            .conn
            .query_row(
                "SELECT live_points, debt, lifetime_earned, last_event_at FROM summary",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(totals, (0, 0, 0, None));
        let wal = dir.path().join(format!("{}-wal", crate::store::DB_FILE));
        let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        assert_eq!(wal_len, 0, "the WAL keeps no page images of the member");
    }
}
