//! The member's card in the store: the enrolled number, the server-time
//! offset, and the desktop secret store (a table beside the wallet).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};

use super::{SERVER_OFFSET_KEY, Store, schema, sql};
use crate::card::{CARD_SECRET_KEY, CardConfig, CardNumber, CardService, Secret, SecretStore};
use crate::kernel::error::{LoyaltyError, Result};
use crate::kernel::time::Time;

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
        let recorded = self.conn.execute(
            "INSERT INTO card (id, number, enrolled_at) VALUES (1, ?1, ?2) \
             ON CONFLICT (id) DO UPDATE SET number = excluded.number, enrolled_at = excluded.enrolled_at",
            params![number.as_str(), sql::ms(at)],
        );
        if let Err(e) = recorded {
            let _ = match previous {
                Some(old) => secrets.put(CARD_SECRET_KEY, &old),
                None => secrets.delete(CARD_SECRET_KEY),
            };
            return Err(e.into());
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

    /// Stores the server time offset (set by sync).
    pub fn set_server_offset_ms(&mut self, offset_ms: i64) -> Result<()> {
        Ok(sql::put_meta(
            &self.conn,
            SERVER_OFFSET_KEY,
            &offset_ms.to_string(),
        )?)
    }

    /// The card service for the enrolled card, its secret read from `secrets`.
    pub fn card_service(&self, secrets: &dyn SecretStore) -> Result<CardService> {
        let number = self.card_number()?.ok_or(LoyaltyError::NoCard)?;
        let secret = secrets.get(CARD_SECRET_KEY)?.ok_or(LoyaltyError::NoCard)?;
        CardService::new(
            self.card_config(),
            &number,
            Secret::new(secret)?,
            self.server_offset_ms()?,
        )
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
        self.with(|c| {
            c.execute(
                "INSERT INTO secrets (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, secret],
            )
            .map(|_| ())
        })
    }

    fn delete(&self, key: &str) -> Result<()> {
        self.with(|c| {
            c.execute("DELETE FROM secrets WHERE key = ?1", [key])
                .map(|_| ())
        })
    }
}
