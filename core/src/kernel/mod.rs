//! The leaf of the core: what every domain uses and that uses nothing of
//! theirs — time and calendar keys, exact money, ids, coupon benefits, the
//! error type, strict JSON.

pub mod coupon;
pub mod error;
pub mod ids;
pub mod json;
pub(crate) mod json_path;
pub mod money;
pub mod time;
