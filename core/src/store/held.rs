//! Statements a view keeps for its whole life, so that an event — or a sync
//! page of hundreds of events — asks the connection's statement cache for
//! each statement once.
//!
//! `prepare_cached` hashes the statement's text (twice: taking it out of the
//! cache and putting it back) and moves an LRU entry each time; an event
//! runs about fifteen statements, a sync page thousands. A view's statements
//! are named by `&'static str` and found by address, so a second use costs
//! a short pointer scan. They come from (and go back to) the connection's
//! cache, so a view that lives for one event costs what `prepare_cached`
//! did.

use std::cell::RefCell;
use std::ops::{Deref, DerefMut};

use rusqlite::{CachedStatement, Connection, Statement};

/// The statements of one view (see the module's comment).
#[derive(Default)]
pub(crate) struct Held<'c> {
    idle: RefCell<Vec<(&'static str, CachedStatement<'c>)>>,
}

impl<'c> Held<'c> {
    /// The statement for `sql`: one this view used before, or one from
    /// `conn`'s cache. It comes back here when the lease drops; a statement
    /// asked for again while leased is prepared a second time (both kept).
    pub(crate) fn lease<'h>(
        &'h self,
        conn: &'c Connection,
        sql: &'static str,
    ) -> rusqlite::Result<Lease<'h, 'c>> {
        let found = {
            let mut idle = self.idle.borrow_mut();
            idle.iter()
                .position(|(k, _)| std::ptr::eq(*k, sql))
                .map(|i| idle.swap_remove(i).1)
        };
        let stmt = match found {
            Some(s) => s,
            None => conn.prepare_cached(sql)?,
        };
        Ok(Lease {
            held: self,
            sql,
            stmt: Some(stmt),
        })
    }
}

/// A statement leased from a view's [`Held`]; returned to it on drop.
pub(crate) struct Lease<'h, 'c> {
    held: &'h Held<'c>,
    sql: &'static str,
    /// `Some` from construction until `drop` takes it.
    stmt: Option<CachedStatement<'c>>,
}

impl<'c> Deref for Lease<'_, 'c> {
    type Target = Statement<'c>;

    fn deref(&self) -> &Statement<'c> {
        // Invariant: `stmt` is `Some` until `drop` (nothing else takes it).
        self.stmt
            .as_ref()
            .expect("a lease holds its statement until dropped")
    }
}

impl<'c> DerefMut for Lease<'_, 'c> {
    fn deref_mut(&mut self) -> &mut Statement<'c> {
        // Invariant: `stmt` is `Some` until `drop` (nothing else takes it).
        self.stmt
            .as_mut()
            .expect("a lease holds its statement until dropped")
    }
}

impl Drop for Lease<'_, '_> {
    fn drop(&mut self) {
        if let Some(stmt) = self.stmt.take() {
            // Rows and executions reset the statement when they finish, so
            // it goes back ready for its next bindings.
            self.held.idle.borrow_mut().push((self.sql, stmt));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_is_taken_from_the_cache_once_and_reused() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (x INTEGER)").unwrap();
        let held = Held::default();
        const INSERT: &str = "INSERT INTO t (x) VALUES (?1)";
        for x in 0..3 {
            held.lease(&conn, INSERT).unwrap().execute([x]).unwrap();
        }
        assert_eq!(held.idle.borrow().len(), 1, "one statement, reused");
        // Leased twice at once: the second is prepared too, and both answer.
        const COUNT: &str = "SELECT count(*) FROM t WHERE x >= ?1";
        let mut a = held.lease(&conn, COUNT).unwrap();
        let mut b = held.lease(&conn, COUNT).unwrap();
        let n: i64 = a.query_row([1], |r| r.get(0)).unwrap();
        let m: i64 = b.query_row([0], |r| r.get(0)).unwrap();
        assert_eq!((n, m), (2, 3));
        drop((a, b));
        // A query left mid-way is reset when its rows drop: the next use
        // starts from the first row again.
        const ORDERED: &str = "SELECT x FROM t ORDER BY x";
        {
            let mut s = held.lease(&conn, ORDERED).unwrap();
            let mut rows = s.query([]).unwrap();
            assert_eq!(rows.next().unwrap().unwrap().get::<_, i64>(0).unwrap(), 0);
            assert_eq!(rows.next().unwrap().unwrap().get::<_, i64>(0).unwrap(), 1);
        }
        let first: i64 = held
            .lease(&conn, ORDERED)
            .unwrap()
            .query_row([], |r| r.get(0))
            .unwrap();
        assert_eq!(first, 0);
        // A bad statement is an error, not a panic, and nothing is held for it.
        assert!(held.lease(&conn, "SELECT nonsense FROM nowhere").is_err());
    }
}
