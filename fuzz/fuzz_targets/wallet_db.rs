//! A mutated wallet database file opened by the store (`Store::open`): the
//! fuzz bytes are written to a wallet file first. Whatever the file holds,
//! opening it does not panic; a file the store refuses is byte-identical
//! afterwards; a file found damaged opens for reading only, every write is
//! refused, and it too stays byte-identical.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use loyalty_core::store::Store;

/// One folder per process, on tmpfs where there is one (each run writes a file).
fn folder() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = Path::new("/dev/shm");
        let base = if base.is_dir() {
            base.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("loyalty-fuzz-wallet-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        dir
    })
}

fn clear(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

const RULES: &str =
    r#"{"currency":"RUB","earn":{"rule":{"percent":"10"}},"bonuses":{"welcome":5}}"#;

/// A small wallet as the store makes it (512-byte pages keep the seed small).
fn seeds() -> Vec<(String, Vec<u8>)> {
    let dir = folder().join("seed");
    std::fs::create_dir_all(&dir).expect("a seed folder");
    clear(&dir);
    let path = dir.join("wallet.sqlite3");
    {
        let conn = rusqlite::Connection::open(&path).expect("a new file");
        conn.execute_batch("PRAGMA page_size = 512; VACUUM;")
            .expect("page size");
    }
    let mut store = Store::open(&path).expect("a new wallet");
    store.set_program(RULES).expect("fixed rules");
    store.set_server_offset_ms(1500).expect("a meta write");
    store.close().expect("a clean close");
    let wallet = std::fs::read(&path).expect("the wallet file");
    let mut newer = wallet.clone();
    // user_version (offset 60) one above what this build writes.
    newer[60..64].copy_from_slice(&99u32.to_be_bytes());
    let mut foreign = wallet.clone();
    foreign[68..72].copy_from_slice(&0x1234_5678u32.to_be_bytes());
    let mut old = wallet.clone();
    old[60..64].copy_from_slice(&3u32.to_be_bytes());
    clear(&dir);
    vec![
        ("core-wallet".into(), wallet),
        ("core-wallet-newer".into(), newer),
        ("core-wallet-foreign".into(), foreign),
        ("core-wallet-v3".into(), old),
    ]
}

fuzz_target!(
    init: {
        loyalty_fuzz::write_seeds(seeds);
    },
    |data: &[u8]| {
    let dir = folder();
    clear(dir);
    let path = dir.join("wallet.sqlite3");
    std::fs::write(&path, data).expect("the wallet file is written");
    match Store::open(&path) {
        Err(e) => {
            assert!(!e.code().is_empty());
            let after = std::fs::read(&path).expect("the refused file is still there");
            assert!(after == data, "opening a refused file changed it ({})", e.code());
        }
        Ok(mut store) => {
            let damaged = dir.join("wallet.sqlite3-damaged").exists();
            let _ = store.meta("sync_cursor");
            let _ = store.events();
            if damaged {
                assert!(store.set_server_offset_ms(7).is_err(), "a damaged file took a write");
                assert!(store.mark_loy2_revoked().is_err(), "a damaged file took a write");
                assert!(store.set_program(RULES).is_err(), "a damaged file took a write");
                drop(store);
                let after = std::fs::read(&path).expect("the damaged file is still there");
                assert!(after == data, "a damaged file changed");
            }
        }
    }
});
