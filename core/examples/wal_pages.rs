//! Which tables a purchase dirties: the WAL frames one purchase writes,
//! counted per table or index. Every frame is a 4 KiB page write (and, at
//! the next checkpoint, a page the database file takes back), so the count
//! is the purchase's I/O on a phone, measured without a noisy clock.
//!
//! ```text
//! cargo bench -p loyalty-core --bench wallet -- goals/   # builds the bench wallets
//! cargo run --release -p loyalty-core --example wal_pages -- \
//!     target/tmp/bench-wallets/v14-goals-events-100000 [WARM] [MEASURED]
//! ```
//!
//! The wallet is copied to a temporary directory and opened 20 hours after
//! its last event, as the goals benchmark does. WARM purchases (default 300)
//! run first, a second apart (the first purchases after the gap settle
//! expiries and periods); then the WAL is checkpointed and truncated,
//! MEASURED purchases (default 25: below the 1 000-page autocheckpoint) run,
//! and each frame's page number is mapped to its table through SQLite's
//! `dbstat` view. Page 1 (the file header: page count, free list) shows as
//! `sqlite_schema`.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Duration};
use loyalty_core::store::Store;
use loyalty_core::wallet::model::{Event, LineInput, PurchaseInput};

/// The goals benchmark's purchase: two lines, one of them food.
fn purchase(i: u64) -> Event {
    Event::Purchase(PurchaseInput {
        receipt_id: format!("wal-pages-{i}"),
        lines: vec![
            LineInput {
                sku: "A".into(),
                category: Some("food".into()),
                qty: 2,
                amount: format!("{}.{:02}", 200 + i % 900, i % 100),
            },
            LineInput {
                sku: "T".into(),
                category: Some("tobacco".into()),
                qty: 1,
                amount: "150.00".into(),
            },
        ],
        coupon: None,
        pay_points: None,
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let Some(source) = args.get(1).map(Path::new) else {
        return Err("usage: wal_pages BENCH_WALLET_DIR [WARM] [MEASURED]".into());
    };
    let warm: u64 = args.get(2).map_or(Ok(300), |a| a.parse())?;
    let measured: u64 = args.get(3).map_or(Ok(25), |a| a.parse())?;
    if measured == 0 {
        return Err("MEASURED must be at least 1".into());
    }

    let tmp = tempfile::tempdir()?;
    let db = tmp.path().join("wallet.sqlite3");
    std::fs::copy(source.join("wallet.sqlite3"), &db)?;
    let last = std::fs::read_to_string(source.join("last_event"))?;
    let now = DateTime::parse_from_rfc3339(last.trim())?.to_utc() + Duration::hours(20);

    let mut store = Store::open(&db)?;
    let mut n = 0u64;
    let mut next = |store: &mut Store| {
        n += 1;
        store.apply(&purchase(n), now + Duration::seconds(n as i64))
    };
    for _ in 0..warm {
        next(&mut store)?;
    }
    let side = rusqlite::Connection::open(&db)?;
    side.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
        r.get::<_, i64>(0)
    })?;
    for _ in 0..measured {
        next(&mut store)?;
    }

    // The WAL as the purchases left it: a 32-byte header, then frames of a
    // 24-byte header (page number first, big-endian) and one page.
    let wal = std::fs::read(format!("{}-wal", db.display()))?;
    let word = |at: usize| {
        wal.get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    let page_size = word(8).ok_or("the WAL has no header")? as usize;
    let mut frames = Vec::new();
    let mut commits = 0u64;
    let mut at = 32;
    while at + 24 + page_size <= wal.len() {
        frames.push(word(at).ok_or("a frame header is cut off")?);
        if word(at + 4).is_some_and(|size| size != 0) {
            commits += 1;
        }
        at += 24 + page_size;
    }

    // Which b-tree owns each page, from the file as the purchases left it
    // (closing the store checkpoints the WAL into it).
    let roots: Vec<(String, u32)> = side
        .prepare("SELECT name, rootpage FROM sqlite_schema WHERE rootpage > 0")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    drop(side);
    drop(store);
    let file = std::fs::read(&db)?;
    let mut owner: BTreeMap<u32, String> = BTreeMap::new();
    for (name, root) in std::iter::once(("sqlite_schema".to_string(), 1)).chain(roots) {
        walk(&file, page_size, root, &name, &mut owner);
    }
    let mut per_table: BTreeMap<&str, u64> = BTreeMap::new();
    for page in &frames {
        let name = owner
            .get(page)
            .map_or("(overflow, free or new page)", String::as_str);
        *per_table.entry(name).or_default() += 1;
    }
    let mut rows: Vec<(&str, u64)> = per_table.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));

    let per_op = |count: u64| count as f64 / measured as f64;
    println!(
        "{} frames in {commits} commits over {measured} purchases: {:.1} per purchase",
        frames.len(),
        per_op(frames.len() as u64)
    );
    for (name, count) in rows {
        println!("{:7.2}  {name}", per_op(count));
    }
    Ok(())
}

/// Marks every page of the b-tree rooted at `page` as `name`'s (interior
/// pages and leaves; overflow pages are not followed).
fn walk(file: &[u8], page_size: usize, page: u32, name: &str, owner: &mut BTreeMap<u32, String>) {
    let start = (page as usize).saturating_sub(1) * page_size;
    let Some(bytes) = file.get(start..start + page_size) else {
        return;
    };
    if owner.insert(page, name.to_string()).is_some() {
        return; // a damaged file's cycle
    }
    let header = if page == 1 { 100 } else { 0 };
    let u16_at = |at: usize| {
        bytes
            .get(at..at + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
    };
    let u32_at = |at: usize| {
        bytes
            .get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    // Interior pages (0x02 index, 0x05 table): a child page number opens
    // every cell, and the right-most child follows the cell count.
    if !matches!(bytes.get(header), Some(0x02 | 0x05)) {
        return;
    }
    let cells = u16_at(header + 3).unwrap_or(0) as usize;
    let mut children: Vec<u32> = (0..cells)
        .filter_map(|i| u16_at(header + 12 + 2 * i))
        .filter_map(|cell| u32_at(cell as usize))
        .collect();
    children.extend(u32_at(header + 8));
    for child in children {
        walk(file, page_size, child, name, owner);
    }
}
