//! The open member stores: a bounded cache, least recently used out first.
//!
//! Each open store holds three file handles (the database, its WAL and its
//! shared-memory index), so keeping every member's store open forever ran
//! the server out of handles after a few hundred members. The cache closes
//! the least recently used store that no request holds when it is full.
//!
//! A store is shared as an `Arc`, and every clone of it is made here, under
//! the cache's lock. So a store whose `Arc` count is 1 under that lock has no
//! user and none can appear: closing it then never leaves a request with a
//! store that another request reopened beside it, and one member never has
//! two stores open at once (a store in use is never closed; when every store
//! is in use the cache holds more than its bound until they are released).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use loyalty_core::store::Store;

/// A member's store as the handlers share it.
pub(crate) type Shared = Arc<Mutex<Store>>;

struct Slot {
    store: Shared,
    /// When it was last handed out, in the cache's own ticks.
    used: u64,
}

/// Open member stores by member id, at most `capacity` of them idle.
pub(crate) struct MemberStores {
    capacity: usize,
    ticks: u64,
    open: HashMap<String, Slot>,
}

impl MemberStores {
    /// An empty cache keeping at most `capacity` stores open (at least 1).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            ticks: 0,
            open: HashMap::new(),
        }
    }

    /// The member's store, opened with `open` if it is not open; the least
    /// recently used idle stores are closed first to make room for it.
    pub(crate) fn get_or_open(
        &mut self,
        member_id: &str,
        open: impl FnOnce() -> Result<Store, String>,
    ) -> Result<Shared, String> {
        self.ticks += 1;
        if let Some(slot) = self.open.get_mut(member_id) {
            slot.used = self.ticks;
            return Ok(slot.store.clone());
        }
        // Close before opening: at the handle limit the new store needs the room.
        self.make_room();
        let store = Arc::new(Mutex::new(open()?));
        self.open.insert(
            member_id.to_string(),
            Slot {
                store: store.clone(),
                used: self.ticks,
            },
        );
        Ok(store)
    }

    /// Closes the member's store if no request holds it; whether it is closed
    /// (or was not open).
    pub(crate) fn close(&mut self, member_id: &str) -> bool {
        match self.open.get(member_id) {
            Some(slot) if Arc::strong_count(&slot.store) > 1 => false,
            _ => {
                self.open.remove(member_id);
                true
            }
        }
    }

    /// How many stores are open.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.open.len()
    }

    fn make_room(&mut self) {
        while self.open.len() >= self.capacity {
            let idle = self
                .open
                .iter()
                // Only this cache holds it (see the module's comment).
                .filter(|(_, slot)| Arc::strong_count(&slot.store) == 1)
                .min_by_key(|(_, slot)| slot.used)
                .map(|(id, _)| id.clone());
            match idle {
                Some(id) => {
                    // Dropping the last Arc closes the store's connection.
                    self.open.remove(&id);
                }
                // Every open store is in use: go over the bound for now.
                None => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory() -> Result<Store, String> {
        Store::open_in_memory().map_err(|e| e.to_string())
    }

    fn is_open(cache: &MemberStores, id: &str) -> bool {
        cache.open.contains_key(id)
    }

    #[test]
    fn the_least_recently_used_idle_store_goes_first() {
        let mut cache = MemberStores::new(2);
        let a = cache.get_or_open("a", memory).unwrap();
        drop(cache.get_or_open("b", memory).unwrap());
        drop(a);
        // "a" was used again after "b": "b" is the one to close.
        drop(cache.get_or_open("a", memory).unwrap());
        drop(cache.get_or_open("c", memory).unwrap());
        assert!(is_open(&cache, "a") && is_open(&cache, "c") && !is_open(&cache, "b"));
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn a_store_in_use_is_never_closed_or_opened_twice() {
        let mut cache = MemberStores::new(1);
        let held = cache.get_or_open("a", memory).unwrap();
        // Full of stores in use: the cache goes over its bound rather than close one.
        let b = cache.get_or_open("b", memory).unwrap();
        assert_eq!(cache.len(), 2);
        assert!(!cache.close("a"));
        // The member's store is the very one the first request holds.
        let again = cache
            .get_or_open("a", || panic!("a is open: no second store"))
            .unwrap();
        assert!(Arc::ptr_eq(&held, &again));
        drop((held, again, b));
        // Once released, the next open brings the cache back to its bound.
        drop(cache.get_or_open("c", memory).unwrap());
        assert_eq!(cache.len(), 1);
        assert!(cache.close("c") && cache.len() == 0);
    }

    #[test]
    fn a_failed_open_keeps_nothing() {
        let mut cache = MemberStores::new(4);
        let err = cache
            .get_or_open("a", || Err("disk full".into()))
            .err()
            .unwrap();
        assert_eq!(err, "disk full");
        assert_eq!(cache.len(), 0);
    }
}
