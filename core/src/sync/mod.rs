//! Sync with a loyalty backend over the documented HTTP API (`docs/api.md`).
//!
//! - [`wire`]: the API's bodies as typed structs, shared with the dev server,
//!   and the one rule that tells a rejection from a server failure.
//! - [`client`]: the reqwest client (outbox out, pages in, digest check).
//! - [`card`]: LOY2 keys and credentials (the card's offline-verifiable code).

pub mod card;
pub mod client;
pub mod wire;

pub use client::{MAX_BODY_BYTES, StaticToken, SyncClient, SyncConfig, SyncReport, TokenProvider};
