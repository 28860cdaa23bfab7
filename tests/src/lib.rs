//! Test-only crate: see `tests/ffi.rs`.
