//! Migrations that change what a wallet remembers rather than only its
//! layout: the rows before and the answers after.

use rusqlite::Connection;

use super::{Store, inbox, schema, sql};
use crate::inbox::model::MAX_MESSAGES;

/// Schema 15 turns the tombstones of the core's numbered notices into one
/// mark per series (the highest number held or remembered) and keeps every
/// other tombstone; every id known before is known after.
#[test]
fn version_14_notice_tombstones_become_one_mark_per_series() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("v14.sqlite3");
    drop(schema::open_to(&old, 14).unwrap());
    let conn = Connection::open(&old).unwrap();
    conn.execute_batch(
        "INSERT INTO inbox (id, kind, title, body, priority, pinned, revision, received_at, \
           state, generated) VALUES \
           ('challenge:c1:2', 'message', 'T', 'B', 0, 0, 0, 1, 'unread', 1), \
           ('offer-9', 'message', 'T', 'B', 0, 0, 0, 1, 'read', 0); \
         INSERT INTO inbox_gone (id, state) VALUES ('challenge:c1:1', 'read'), \
           ('badge:b:1:3', 'unread'), ('badge:b:1:1', 'read'), ('tier:gold', 'read'), \
           ('offer-1', 'dismissed'), ('challenge:c1:07', 'read');",
    )
    .unwrap();
    drop(conn);

    let store = Store::open(&old).unwrap();
    let rows = |query: &str| -> Vec<(String, i64)> {
        let mut stmt = store.conn.prepare(query).unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    assert_eq!(
        rows("SELECT series, upto FROM notice_marks ORDER BY series"),
        [
            ("badge:b:1:".to_string(), 3),
            ("challenge:c1:".to_string(), 2)
        ]
    );
    assert_eq!(
        rows("SELECT id, 0 FROM inbox_gone ORDER BY id"),
        [
            ("challenge:c1:07".to_string(), 0),
            ("offer-1".to_string(), 0),
            ("tier:gold".to_string(), 0)
        ],
        "a tombstone that is no series number stays"
    );
    let known = |id: &str| sql::message_known(&store.conn, id).unwrap();
    for id in [
        "challenge:c1:1",
        "challenge:c1:2",
        "badge:b:1:1",
        "badge:b:1:2",
        "badge:b:1:3",
        "challenge:c1:07",
        "tier:gold",
        "offer-1",
        "offer-9",
    ] {
        assert!(known(id), "{id} is known");
    }
    for id in ["challenge:c1:3", "badge:b:1:4", "challenge:c2:1", "offer-2"] {
        assert!(!known(id), "{id} is new");
    }

    // A new number of a series moves its mark; the full inbox then evicts
    // the oldest: a tombstone for the push, none for the numbered notices,
    // which stay known through their marks.
    let at = |s: i64| chrono::DateTime::from_timestamp(s, 0).unwrap();
    let write = |id: String, s: i64| {
        inbox::write_generated(&store.conn, id, "T".into(), "B".into(), at(s)).unwrap()
    };
    write("challenge:c1:3".into(), 2);
    assert!(known("challenge:c1:3") && !known("challenge:c1:4"));
    for n in 1..=MAX_MESSAGES as i64 {
        write(format!("challenge:c9:{n}"), 10 + n);
    }
    let held: i64 = store
        .conn
        .query_row(
            "SELECT count(*) FROM inbox WHERE id LIKE 'challenge:c1:%' OR id = 'offer-9'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(held, 0, "the three oldest were evicted");
    assert_eq!(
        rows("SELECT id, 0 FROM inbox_gone ORDER BY id"),
        [
            ("challenge:c1:07".to_string(), 0),
            ("offer-1".to_string(), 0),
            ("offer-9".to_string(), 0),
            ("tier:gold".to_string(), 0)
        ]
    );
    for id in [
        "challenge:c1:2",
        "challenge:c1:3",
        "offer-9",
        "challenge:c9:500",
    ] {
        assert!(known(id), "{id} is still known");
    }
    assert!(!known("challenge:c9:501"));
}
