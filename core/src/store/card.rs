//! The member's card in the store: the enrolled number, the server-time
//! offset, and the desktop secret store (a table beside the wallet).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};

use loyalty_till::format::CREDENTIAL_LEN;

use super::{REFUSED_OFFSET_KEY, SERVER_OFFSET_KEY, Store, TRUSTED_FLOOR_KEY, schema, sql};
use crate::card::loy2::{DeviceCredential, DeviceSigner};
use crate::card::{
    CARD_SECRET_KEY, CardConfig, CardFormat, CardNumber, CardService, Secret, SecretStore,
};
use crate::kernel::error::{LoyaltyError, Result};
use crate::kernel::time::Time;

/// The meta key of the device's LOY2 credential (hex; not a secret: it
/// is shown in every code).
pub const LOY2_CREDENTIAL_KEY: &str = "loy2_credential";
/// The meta key set while the stored credential is revoked.
pub const LOY2_REVOKED_KEY: &str = "loy2_revoked";

/// The device's LOY2 credential as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCredential {
    /// The 118 credential bytes.
    pub bytes: [u8; CREDENTIAL_LEN],
    /// The program revoked it (the sync saw its serial in the key set).
    pub revoked: bool,
}

impl Store {
    fn card_config(&self) -> CardConfig {
        self.program().map(|p| p.card.clone()).unwrap_or_default()
    }

    /// Enrolls the member's card: validates the number (with the program's
    /// check digit rule) and the secret, keeps the number here and the secret
    /// in `secrets`. Nothing changes on error.
    pub fn enroll_card(
        &mut self,
        number: &str,
        secret: &[u8],
        secrets: &dyn SecretStore,
        at: Time,
    ) -> Result<()> {
        let config = self.card_config();
        let number = CardNumber::parse(number, config.check)?;
        config.template.check_card(&number)?;
        let secret = Secret::new(secret.to_vec())?;
        // The platform store may share this database file (desktop), so it is
        // written outside our transaction; if recording the number then fails,
        // the previous secret is put back.
        let previous = secrets.get(CARD_SECRET_KEY)?;
        secrets.put(CARD_SECRET_KEY, secret.expose())?;
        // A credential binds the card number: another card needs a new one.
        let recorded = self.write(|tx| {
            tx.execute(
                "INSERT INTO card (id, number, enrolled_at) VALUES (1, ?1, ?2) \
                 ON CONFLICT (id) DO UPDATE SET number = excluded.number, enrolled_at = excluded.enrolled_at",
                params![number.as_str(), sql::ms(at)],
            )?;
            tx.execute(
                "DELETE FROM meta WHERE key IN (?1, ?2)",
                [LOY2_CREDENTIAL_KEY, LOY2_REVOKED_KEY],
            )?;
            Ok(())
        });
        if let Err(e) = recorded {
            let _ = match previous {
                Some(old) => secrets.put(CARD_SECRET_KEY, &old),
                None => secrets.delete(CARD_SECRET_KEY),
            };
            return Err(e);
        }
        tracing::info!(card_last4 = number.last4(), "card enrolled");
        Ok(())
    }

    /// The enrolled card number, if any.
    pub fn card_number(&self) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT number FROM card WHERE id = 1", [], |r| r.get(0))
            .optional()?)
    }

    /// Server time minus device time, in milliseconds (0 until sync sets it).
    pub fn server_offset_ms(&self) -> Result<i64> {
        match self.meta(SERVER_OFFSET_KEY)? {
            None => Ok(0),
            Some(t) => t.parse().map_err(|_| LoyaltyError::Corrupt {
                reason: "stored server time offset is not a number".into(),
            }),
        }
    }

    /// What the card checks the device clock against: the latest server time
    /// a sync showed, and the offset a refused sync measured (see
    /// [`crate::card::clock::TrustedClock`]).
    pub fn clock_history(&self) -> Result<(Option<i64>, Option<i64>)> {
        let read = |key: &str| -> Result<Option<i64>> {
            match self.meta(key)?.filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => v.parse().map(Some).map_err(|_| LoyaltyError::Corrupt {
                    reason: format!("stored {key} is not a number"),
                }),
            }
        };
        Ok((read(TRUSTED_FLOOR_KEY)?, read(REFUSED_OFFSET_KEY)?))
    }

    /// Records a sync refused because the device clock is `offset_ms` off
    /// the server's (`server_ms` then): ahead, the offset is kept until an
    /// accepted sync; behind by at most
    /// [`crate::card::clock::FLOOR_FROM_REFUSED_MS`], the server's time
    /// raises the floor.
    pub fn record_refused_clock(&mut self, offset_ms: i64, server_ms: i64) -> Result<()> {
        let (floor, _) = self.clock_history()?;
        self.write(|tx| {
            if offset_ms < 0 {
                sql::put_meta(tx, REFUSED_OFFSET_KEY, &offset_ms.to_string())?;
            } else if offset_ms <= crate::card::clock::FLOOR_FROM_REFUSED_MS {
                let floor = floor.map_or(server_ms, |f| f.max(server_ms));
                sql::put_meta(tx, TRUSTED_FLOOR_KEY, &floor.to_string())?;
            }
            Ok(())
        })
    }

    /// Stores the server time offset (set by sync).
    pub fn set_server_offset_ms(&mut self, offset_ms: i64) -> Result<()> {
        self.write(|tx| {
            Ok(sql::put_meta(
                tx,
                SERVER_OFFSET_KEY,
                &offset_ms.to_string(),
            )?)
        })
    }

    /// The device's LOY2 credential and whether the program revoked it.
    pub fn loy2_credential(&self) -> Result<Option<StoredCredential>> {
        let Some(hex) = self.meta(LOY2_CREDENTIAL_KEY)? else {
            return Ok(None);
        };
        let bytes: [u8; CREDENTIAL_LEN] = loyalty_till::keys::from_hex(&hex)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| LoyaltyError::Corrupt {
                reason: "the stored LOY2 credential is not 118 bytes of hex".into(),
            })?;
        Ok(Some(StoredCredential {
            bytes,
            revoked: self.meta(LOY2_REVOKED_KEY)?.is_some(),
        }))
    }

    /// Keeps a credential the program issued for this device (no longer revoked).
    pub fn set_loy2_credential(&mut self, bytes: &[u8; CREDENTIAL_LEN]) -> Result<()> {
        let hex = loyalty_till::keys::to_hex(bytes);
        self.write(|tx| {
            sql::put_meta(tx, LOY2_CREDENTIAL_KEY, &hex)?;
            tx.execute("DELETE FROM meta WHERE key = ?1", [LOY2_REVOKED_KEY])?;
            Ok(())
        })
    }

    /// Notes that the program revoked the stored credential (the card shows
    /// LOY1 until a new one comes).
    pub fn mark_loy2_revoked(&mut self) -> Result<()> {
        self.write(|tx| Ok(sql::put_meta(tx, LOY2_REVOKED_KEY, "1")?))
    }

    /// `card` with the stored LOY2 credential presented by `signer`, when the
    /// program uses LOY2. A credential that cannot be read or a signer that
    /// cannot be had leaves the card on LOY1 with a notice (logged).
    pub fn attach_credential(
        &self,
        card: CardService,
        signer: impl FnOnce() -> Result<std::sync::Arc<dyn DeviceSigner>>,
    ) -> CardService {
        if card.config().format != CardFormat::Loy2 {
            return card;
        }
        let attached = self.loy2_credential().and_then(|stored| match stored {
            None => Ok(None),
            Some(stored) => {
                DeviceCredential::new(stored.bytes, stored.revoked, signer()?).map(Some)
            }
        });
        match attached {
            Ok(c) => card.with_credential(c),
            Err(e) => {
                tracing::warn!(
                    code = e.code(),
                    "the LOY2 credential is unusable; showing LOY1"
                );
                card
            }
        }
    }

    /// The card service for the enrolled card, its secret read from `secrets`.
    pub fn card_service(&self, secrets: &dyn SecretStore) -> Result<CardService> {
        let number = self.card_number()?.ok_or(LoyaltyError::NoCard)?;
        let secret = secrets.get(CARD_SECRET_KEY)?.ok_or(LoyaltyError::NoCard)?;
        let (floor, refused) = self.clock_history()?;
        Ok(CardService::new(
            self.card_config(),
            &number,
            Secret::new(secret)?,
            self.server_offset_ms()?,
        )?
        .with_clock_history(floor, refused))
    }
}

/// The desktop's secret store: the `secrets` table of the wallet database,
/// through its own connection.
pub struct SqliteSecretStore {
    conn: Mutex<Connection>,
    path: PathBuf,
}

impl std::fmt::Debug for SqliteSecretStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteSecretStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteSecretStore {
    /// Opens the secret table of the wallet database at `path` (created and migrated as needed).
    pub fn open(path: &Path) -> Result<Self> {
        let conn = schema::open(path)?;
        // This connection deletes secrets: their pages are overwritten with zeros.
        conn.pragma_update(None, "secure_delete", true)?;
        Ok(Self {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
        })
    }

    fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        f(&conn).map_err(|e| LoyaltyError::SecretStore {
            reason: e.to_string(),
        })
    }
}

impl SqliteSecretStore {
    /// A write through the store's checked path (`sql::write`): refused on
    /// a file found damaged or moved, like every other write to the wallet.
    fn write(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<()>) -> Result<()> {
        let mut conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        sql::write(&mut conn, |tx| {
            f(tx).map_err(|e| LoyaltyError::SecretStore {
                reason: e.to_string(),
            })
        })
    }
}

impl SecretStore for SqliteSecretStore {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        self.with(|c| {
            c.query_row("SELECT value FROM secrets WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
        })
    }

    fn put(&self, key: &str, secret: &[u8]) -> Result<()> {
        self.write(|c| {
            c.execute(
                "INSERT INTO secrets (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, secret],
            )
            .map(|_| ())
        })
    }

    fn delete(&self, key: &str) -> Result<()> {
        self.write(|c| {
            c.execute("DELETE FROM secrets WHERE key = ?1", [key])
                .map(|_| ())
        })
    }
}
