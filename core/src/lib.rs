//! # loyalty-core
//!
//! Everything a retail loyalty app knows about one shopper, in plain Rust:
//!
//! - [`program`]: the program rules (JSON), parsed and validated.
//! - [`challenges`], [`badges`], [`goals`]: one goal language, evaluated on every event.
//! - [`inbox`]: push payloads, offers and messages, read state.
//! - [`card`]: the digital card: rotating TOTP payload, QR and linear barcodes, verification.
//! - [`wallet`]: the pure rules engine (events in, effects out) and the wallet's records.
//! - [`store`]: the SQLite store that applies events transactionally and answers screens.
//! - [`sync`]: the sync API's wire types (shared with the dev server) and its HTTP client.
//! - [`session`]: enroll, sync and sign-out, the card cache and change areas: what the apps
//!   and the CLI run, written once.
//! - [`scenario`]: the QA scenario-file runner.
//! - [`money`], [`clock`], [`error`]: exact decimals, injectable time, stable error codes.
//!
//! Money is `i64` minor units, points are `i64`, arithmetic is checked, and no
//! float is ever used for either. Time is UTC and always passed in.

#![warn(missing_docs)]

pub mod badges;
pub mod card;
pub mod challenges;
pub mod clock;
pub mod error;
pub mod goals;
pub mod inbox;
mod json_path;
pub mod money;
pub mod program;
pub mod scenario;
pub mod session;
pub mod store;
pub mod sync;
pub mod wallet;

pub use error::{LoyaltyError, Result};
