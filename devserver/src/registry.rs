//! The server's registry: members, tokens, cards and pushed messages.
//! (Idempotency keys and the till's replay guard live in each member's store,
//! in the same transaction as their events.)

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

/// A member as the registry knows them.
#[derive(Clone)]
pub struct Member {
    /// Member id.
    pub id: String,
    /// Card number.
    pub card_number: String,
    /// Card secret.
    pub secret: Vec<u8>,
}

/// The registry database.
pub struct Registry {
    pub(crate) conn: Connection,
    /// The boards' joined values in memory, for ranks (kept after each commit).
    pub(crate) ranks: crate::ranks::RankIndex,
}

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS members (
    id          TEXT PRIMARY KEY,
    token       TEXT NOT NULL UNIQUE,
    card_number TEXT NOT NULL UNIQUE,
    secret      BLOB NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    mseq   INTEGER PRIMARY KEY,
    member TEXT NOT NULL,
    body   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_member ON messages (member, mseq);
"#;

fn text(e: rusqlite::Error) -> String {
    format!("registry: {e}")
}

impl Registry {
    /// Opens (creating) the registry.
    pub fn open(path: &Path) -> Result<Self, String> {
        let conn = Connection::open(path).map_err(text)?;
        // rusqlite keeps 16 prepared statements by default; the registry runs more.
        conn.set_prepared_statement_cache_capacity(128);
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(text)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(text)?;
        conn.execute_batch(SCHEMA).map_err(text)?;
        conn.execute_batch(crate::card_keys::SCHEMA).map_err(text)?;
        conn.execute_batch(crate::boards::SCHEMA).map_err(text)?;
        Ok(Self {
            conn,
            ranks: Default::default(),
        })
    }

    /// Creates a member with a fresh EAN-13 card number.
    pub fn create_member(
        &self,
        id: &str,
        token: &str,
        secret: &[u8],
        now_ms: i64,
    ) -> Result<Member, String> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM members", [], |r| r.get(0))
            .map_err(text)?;
        let body = format!("2{:011}", n + 1);
        let card_number =
            loyalty_core::card::ean13_from_body(&body).ok_or("card number overflow")?;
        self.conn
            .execute(
                "INSERT INTO members (id, token, card_number, secret, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, token, card_number, secret, now_ms],
            )
            .map_err(text)?;
        Ok(Member {
            id: id.to_string(),
            card_number,
            secret: secret.to_vec(),
        })
    }

    fn member_where(&self, clause: &str, arg: &str) -> Result<Option<Member>, String> {
        self.conn
            .query_row(
                &format!("SELECT id, card_number, secret FROM members WHERE {clause} = ?1"),
                [arg],
                |r| {
                    Ok(Member {
                        id: r.get(0)?,
                        card_number: r.get(1)?,
                        secret: r.get(2)?,
                    })
                },
            )
            .optional()
            .map_err(text)
    }

    /// The member holding this access token.
    pub fn by_token(&self, token: &str) -> Result<Option<Member>, String> {
        self.member_where("token", token)
    }

    /// The member holding this card.
    pub fn by_card(&self, card: &str) -> Result<Option<Member>, String> {
        self.member_where("card_number", card)
    }

    /// Whether a member id exists.
    pub fn member_exists(&self, id: &str) -> Result<bool, String> {
        self.conn
            .prepare_cached("SELECT 1 FROM members WHERE id = ?1")
            .and_then(|mut s| s.exists([id]))
            .map_err(text)
    }

    /// Every member id.
    pub fn member_ids(&self) -> Result<Vec<String>, String> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM members ORDER BY id")
            .map_err(text)?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(text)?;
        rows.collect::<rusqlite::Result<_>>().map_err(text)
    }

    /// Stores a pushed message for a member; returns its sequence number.
    pub fn add_message(&self, member: &str, body: &str) -> Result<i64, String> {
        self.conn
            .execute(
                "INSERT INTO messages (member, body) VALUES (?1, ?2)",
                params![member, body],
            )
            .map_err(text)?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Messages for a member after `mseq`.
    pub fn messages_after(&self, member: &str, mseq: i64) -> Result<Vec<(i64, String)>, String> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT mseq, body FROM messages WHERE member = ?1 AND mseq > ?2 ORDER BY mseq",
            )
            .map_err(text)?;
        let rows = stmt
            .query_map(params![member, mseq], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(text)?;
        rows.collect::<rusqlite::Result<_>>().map_err(text)
    }
}
