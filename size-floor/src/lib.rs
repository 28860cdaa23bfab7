//! One export that touches each fixed dependency once, so the linker keeps
//! what a library using them at all must carry. Not shipped; measured only.

uniffi::setup_scaffolding!();

/// A row read back from SQLite and printed as JSON.
#[derive(serde::Serialize, serde::Deserialize)]
struct Row {
    id: i64,
    text: String,
}

/// Errors of [`floor`].
#[derive(Debug, uniffi::Error)]
pub enum FloorError {
    /// Anything failed; the text says what.
    Failed {
        /// What failed.
        reason: String,
    },
}

impl std::fmt::Display for FloorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Failed { reason } => f.write_str(reason),
        }
    }
}

fn failed(e: impl std::fmt::Display) -> FloorError {
    FloorError::Failed {
        reason: e.to_string(),
    }
}

/// Stores `text` in an in-memory SQLite database, reads it back as JSON,
/// draws it as a QR code, and fetches `url` over HTTPS on a tokio runtime;
/// returns the JSON, the QR's width, the time and the answer's status.
#[uniffi::export]
pub fn floor(text: String, url: String) -> Result<String, FloorError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let conn = rusqlite::Connection::open_in_memory().map_err(failed)?;
    conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
        .map_err(failed)?;
    conn.execute("INSERT INTO t (text) VALUES (?1)", [&text])
        .map_err(failed)?;
    let row = conn
        .query_row("SELECT id, text FROM t", [], |r| {
            Ok(Row {
                id: r.get(0)?,
                text: r.get(1)?,
            })
        })
        .map_err(failed)?;
    let json = serde_json::to_string(&row).map_err(failed)?;
    let back: Row = serde_json::from_str(&json).map_err(failed)?;
    let qr = qrcode::QrCode::new(back.text.as_bytes()).map_err(failed)?;
    tracing::info!(width = qr.width(), "drawn");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(failed)?;
    let status = runtime.block_on(async {
        let client = reqwest::Client::builder().build().map_err(failed)?;
        let answer = client.get(&url).send().await.map_err(failed)?;
        let value: serde_json::Value = answer.json().await.map_err(failed)?;
        Ok::<_, FloorError>(value.to_string())
    })?;
    Ok(format!(
        "{json} {} {} {status}",
        qr.width(),
        chrono::Utc::now().to_rfc3339()
    ))
}
