//! # loyalty-core
//!
//! Everything a retail loyalty app knows about one shopper, in plain Rust:
//!
//! - [`program`]: the program rules (JSON), parsed and validated.
//! - [`goals`]: challenges and badges, one goal language evaluated on every event.
//! - [`inbox`]: push payloads, offers and messages, read state.
//! - [`card`]: the digital card: rotating TOTP payload, QR and linear barcodes, verification.
//! - [`wallet`]: the pure rules engine (events in, effects out) and the wallet's records.
//! - [`store`]: the SQLite store that applies events transactionally and answers screens.
//! - [`sync`]: the sync API's wire types (shared with the dev server) and its HTTP client.
//! - [`session`]: enroll, sync and sign-out, the card cache and change areas: what the apps
//!   and the CLI run, written once.
//! - [`kernel`]: time and calendar keys, exact money, ids, coupons, the error type.
//!
//! Money is `i64` minor units, points are `i64`, arithmetic is checked, and no
//! float is ever used for either. Time is UTC and always passed in.
//!
//! The QA scenario-file runner lives in its own crate, `loyalty-scenario`
//! (`scenario/`), over this crate's public API, so that the mobile library
//! built from `loyalty-ffi` carries none of it.

#![warn(missing_docs)]

pub mod boards;
pub mod card;
pub mod goals;
pub mod inbox;
pub mod kernel;
pub mod program;
pub mod session;
pub mod store;
pub mod sync;
pub mod wallet;

pub use kernel::error::{LoyaltyError, Result};
