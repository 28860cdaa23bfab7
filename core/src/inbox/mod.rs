//! The offer inbox: push payloads parsed safely into messages, the message
//! model and states, the inbox's rules (activation, coupon life, retention,
//! purge, expiring-points notices) and the words of the core's own notices.
//! Storage and dedupe are the store's.

pub mod model;
pub mod policy;
pub mod push;
pub mod rules;
pub mod wording;

pub use model::*;
pub use policy::DEFAULT_OFFER_COUPON_DAYS;
pub use push::{parse_push, safe_link};
