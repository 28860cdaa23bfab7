//! The joined members' values of each board's current period, sorted in
//! memory beside the registry, so a sync page finds "my rank" by binary
//! search instead of counting every row above me in SQLite (at 100 000
//! members that count walked the whole index, ~10 ms per board).
//!
//! The SQL rows stay the truth: a board period's list is loaded from the
//! rank index the first time it is asked for (one ordered read, then never
//! again while the server runs) and afterwards changed only after the
//! transaction that changed the rows has committed. A list holds positive
//! values only: a member at 0 has nobody below them and never counts as
//! above anyone.

use std::collections::HashMap;

use rusqlite::{Connection, params};

/// Sorted (ascending) positive values of joined members, per board and
/// period start, for the periods asked about since the server started.
#[derive(Debug, Default)]
pub(crate) struct RankIndex {
    lists: HashMap<(String, i64), Vec<i64>>,
}

/// One change of a member's joined value on one board period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RankChange {
    pub board: String,
    pub period_start: i64,
    /// The value that stops counting (when the member had joined).
    pub old: Option<i64>,
    /// The value that starts counting (when the member is joined now).
    pub new: Option<i64>,
}

impl RankIndex {
    /// How many joined members are above `value`, and the lowest value of
    /// those (`None` at rank 1), on `board`'s period starting at `start`.
    pub(crate) fn above(
        &mut self,
        conn: &Connection,
        board: &str,
        start: i64,
        value: i64,
    ) -> rusqlite::Result<(usize, Option<i64>)> {
        let key = (board.to_string(), start);
        if !self.lists.contains_key(&key) {
            let list = load(conn, board, start)?;
            // A board has one current period: an earlier one is never asked for again.
            self.lists.retain(|(b, _), _| b != board);
            self.lists.insert(key.clone(), list);
        }
        let list = self.lists.get(&key).map_or(&[][..], Vec::as_slice);
        let at_or_below = list.partition_point(|v| *v <= value);
        Ok((list.len() - at_or_below, list.get(at_or_below).copied()))
    }

    /// Applies committed changes to the lists already loaded (a list not
    /// loaded yet will read the rows as they are now).
    pub(crate) fn apply(&mut self, changes: &[RankChange]) {
        for change in changes {
            let key = (change.board.clone(), change.period_start);
            let Some(list) = self.lists.get_mut(&key) else {
                continue;
            };
            if let Some(old) = change.old.filter(|v| *v > 0) {
                if let Ok(i) = list.binary_search(&old) {
                    list.remove(i);
                }
            }
            if let Some(new) = change.new.filter(|v| *v > 0) {
                let i = list.partition_point(|v| *v < new);
                list.insert(i, new);
            }
        }
    }
}

fn load(conn: &Connection, board: &str, start: i64) -> rusqlite::Result<Vec<i64>> {
    // Read through the rank index in descending order, reversed once.
    let mut stmt = conn.prepare_cached(
        "SELECT value FROM board_scores \
         WHERE board = ?1 AND period_start = ?2 AND joined = 1 AND value > 0 \
         ORDER BY value DESC",
    )?;
    let mut list = stmt
        .query_map(params![board, start], |r| r.get::<_, i64>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    list.reverse();
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(crate::boards::SCHEMA).unwrap();
        for (m, v, joined) in [
            ("a", 50, 1),
            ("b", 30, 1),
            ("c", 30, 1),
            ("d", 10, 1),
            ("e", 99, 0),
            ("f", 0, 1),
        ] {
            c.execute(
                "INSERT INTO board_scores VALUES ('w', 7, ?1, ?2, 0, ?3)",
                params![m, v, joined],
            )
            .unwrap();
        }
        c
    }

    fn change(old: Option<i64>, new: Option<i64>) -> RankChange {
        RankChange {
            board: "w".into(),
            period_start: 7,
            old,
            new,
        }
    }

    #[test]
    fn counts_joined_members_strictly_above() {
        let c = conn();
        let mut r = RankIndex::default();
        assert_eq!(r.above(&c, "w", 7, 50).unwrap(), (0, None));
        assert_eq!(r.above(&c, "w", 7, 30).unwrap(), (1, Some(50)));
        assert_eq!(r.above(&c, "w", 7, 10).unwrap(), (3, Some(30)));
        assert_eq!(r.above(&c, "w", 7, 0).unwrap(), (4, Some(10)));
        // Another period is another list: nobody there yet.
        assert_eq!(r.above(&c, "w", 8, 0).unwrap(), (0, None));
    }

    #[test]
    fn committed_changes_move_the_loaded_list_like_the_rows() {
        let c = conn();
        let mut r = RankIndex::default();
        r.above(&c, "w", 7, 0).unwrap();
        // d earns 45 (10 → 55); b leaves (30 out); e joins (99 in); f earns its first 5.
        r.apply(&[
            change(Some(10), Some(55)),
            change(Some(30), None),
            change(None, Some(99)),
            change(Some(0), Some(5)),
        ]);
        assert_eq!(r.above(&c, "w", 7, 0).unwrap(), (5, Some(5)));
        assert_eq!(r.above(&c, "w", 7, 50).unwrap(), (2, Some(55)));
        assert_eq!(r.above(&c, "w", 7, 99).unwrap(), (0, None));
        // Changes to a list never loaded are dropped: it loads the rows later.
        r.apply(&[RankChange {
            board: "x".into(),
            period_start: 7,
            old: None,
            new: Some(1),
        }]);
        assert_eq!(r.above(&c, "x", 7, 0).unwrap(), (0, None));
    }
}
