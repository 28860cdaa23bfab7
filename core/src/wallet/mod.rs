//! The points wallet: events a member's wallet accepts, the records it keeps
//! (lots, receipts, coupons, ledger), and the pure engine that turns one event
//! into effects.
//!
//! The engine ([`engine::apply`]) reads current state only through the
//! [`WalletView`] trait and returns [`Effect`]s; it does no I/O and reads no
//! clock. The SQLite store and the in-memory model ([`memory::MemoryWallet`])
//! both implement the view and apply the effects, so the same rules run on the
//! phone, in the CLI and in tests.

pub mod bonus_rules;
pub mod engine;
pub mod memory;
pub mod model;
mod purchase;
mod returns;
pub mod rules;
pub mod snapshot;
pub mod view;

pub use crate::kernel::time::Time;
pub use model::*;
pub use snapshot::{ExpiringPoints, NextDiscount, NextTier, TierStatus, WalletSnapshot, snapshot};
pub use view::{Effect, WalletView};
