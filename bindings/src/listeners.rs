//! Change listeners: the UI subscribes and refreshes when the wallet, the
//! inbox, the goals or the card change, without polling. Listeners are called
//! after the change is committed and after every lock is released, so they may
//! call back into the client.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

/// A part of the shopper's data that changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum ChangeArea {
    /// Balance, history, coupons or tier.
    Wallet,
    /// Inbox messages or the unread count.
    Inbox,
    /// Challenges or badges.
    Goals,
    /// The card (enrolled, replaced or removed).
    Card,
}

impl From<loyalty_core::session::ChangeArea> for ChangeArea {
    fn from(a: loyalty_core::session::ChangeArea) -> Self {
        use loyalty_core::session::ChangeArea as Core;
        match a {
            Core::Wallet => Self::Wallet,
            Core::Inbox => Self::Inbox,
            Core::Goals => Self::Goals,
            Core::Card => Self::Card,
        }
    }
}

/// Receives change notifications. Called on the thread that made the change
/// (an app thread or a sync thread): hop to the UI thread before touching views.
/// An exception thrown here is logged and ignored; the listener stays subscribed.
#[uniffi::export(with_foreign)]
pub trait ChangeListener: Send + Sync {
    /// `areas` changed; read them again.
    fn on_change(&self, areas: Vec<ChangeArea>) -> Result<(), crate::LoyaltyError>;
}

type Entry = (u64, Arc<dyn ChangeListener>);

/// The subscribed listeners of one client.
#[derive(Default)]
pub(crate) struct Listeners {
    next: AtomicU64,
    entries: Mutex<Vec<Entry>>,
}

impl Listeners {
    fn entries(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        // The list is only pushed to and filtered; a poisoned lock still holds a valid list.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn add(
        self: &Arc<Self>,
        listener: Arc<dyn ChangeListener>,
    ) -> Arc<ChangeSubscription> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.entries().push((id, listener));
        Arc::new(ChangeSubscription {
            listeners: Arc::downgrade(self),
            id,
        })
    }

    fn remove(&self, id: u64) {
        self.entries().retain(|(i, _)| *i != id);
    }

    /// Calls every listener with `areas`. Takes a copy of the list and
    /// releases the lock first, so a listener may subscribe, unsubscribe or
    /// call the client. A listener that panics is skipped, not propagated.
    pub(crate) fn notify(&self, areas: &[ChangeArea]) {
        if areas.is_empty() {
            return;
        }
        let listeners: Vec<Arc<dyn ChangeListener>> =
            self.entries().iter().map(|(_, l)| Arc::clone(l)).collect();
        for listener in listeners {
            let areas = areas.to_vec();
            let called = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                listener.on_change(areas)
            }));
            if !matches!(called, Ok(Ok(()))) {
                tracing::warn!("a change listener failed; it stays subscribed");
            }
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries().len()
    }
}

/// Every area: what a change made by another process may have touched.
pub(crate) const ALL_AREAS: [ChangeArea; 4] = [
    ChangeArea::Wallet,
    ChangeArea::Inbox,
    ChangeArea::Goals,
    ChangeArea::Card,
];

/// How often a client with listeners looks for changes made by another
/// process (a notification service extension, an FCM service process).
pub const WATCH_INTERVAL: std::time::Duration = std::time::Duration::from_millis(500);

/// A subscription: dropping it (Kotlin `close()`, Swift `deinit`) or calling
/// [`ChangeSubscription::cancel`] unsubscribes. A notification already under way
/// may still arrive once.
#[derive(uniffi::Object)]
pub struct ChangeSubscription {
    listeners: Weak<Listeners>,
    id: u64,
}

#[uniffi::export]
impl ChangeSubscription {
    /// Stops notifications now (calling it again does nothing).
    pub fn cancel(&self) {
        if let Some(listeners) = self.listeners.upgrade() {
            listeners.remove(self.id);
        }
    }
}

impl Drop for ChangeSubscription {
    fn drop(&mut self) {
        self.cancel();
    }
}

impl std::fmt::Debug for ChangeSubscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeSubscription")
            .field("id", &self.id)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    struct Count(AtomicUsize);
    impl ChangeListener for Count {
        fn on_change(&self, areas: Vec<ChangeArea>) -> Result<(), crate::LoyaltyError> {
            self.0.fetch_add(areas.len(), Ordering::SeqCst);
            Ok(())
        }
    }

    #[test]
    fn dropping_the_subscription_unsubscribes() {
        let listeners = Arc::new(Listeners::default());
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let sub = listeners.add(count.clone());
        listeners.notify(&[ChangeArea::Wallet, ChangeArea::Inbox]);
        assert_eq!(count.0.load(Ordering::SeqCst), 2);
        drop(sub);
        assert_eq!(listeners.len(), 0);
        listeners.notify(&[ChangeArea::Wallet]);
        assert_eq!(count.0.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_panicking_listener_does_not_stop_the_others() {
        struct Boom;
        impl ChangeListener for Boom {
            fn on_change(&self, _: Vec<ChangeArea>) -> Result<(), crate::LoyaltyError> {
                panic!("listener bug");
            }
        }
        let listeners = Arc::new(Listeners::default());
        let _boom = listeners.add(Arc::new(Boom));
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let _sub = listeners.add(count.clone());
        listeners.notify(&[ChangeArea::Goals]);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_subscription_outliving_its_client_is_harmless() {
        let listeners = Arc::new(Listeners::default());
        let sub = listeners.add(Arc::new(Count(AtomicUsize::new(0))));
        drop(listeners);
        sub.cancel();
    }
}
