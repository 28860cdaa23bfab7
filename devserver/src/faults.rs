//! Deterministic fault injection: a seeded sequence decides, per request,
//! whether to fail before handling (500/503 with Retry-After), fail after
//! applying (the client sees an error but the action happened), delay, or
//! truncate the response body.

/// One injected fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer 500 without doing anything.
    ServerError,
    /// Answer 503 with `Retry-After: 0` without doing anything.
    Unavailable,
    /// Do the work, then answer 500 (a dropped connection after applying).
    FailAfterApply,
    /// Sleep this many milliseconds first.
    Delay(u64),
    /// Do the work and cut the response body in half.
    Truncate,
}

/// The fault sequence.
#[derive(Debug)]
pub struct Faults {
    rate_per_mille: u64,
    state: u64,
}

impl Faults {
    /// `rate` in 0..=1 of requests get a fault; `seed` fixes which.
    pub fn new(rate: f64, seed: u64) -> Self {
        // Rates are configuration, not money: convert once to an integer share.
        let rate_per_mille = (rate.clamp(0.0, 1.0) * 1000.0).round() as u64;
        Self {
            rate_per_mille,
            state: seed ^ 0x9e37_79b9_7f4a_7c15,
        }
    }

    fn next(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.state.max(1);
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// The fault for the next request, if any.
    pub fn draw(&mut self) -> Option<Fault> {
        if self.rate_per_mille == 0 || self.next() % 1000 >= self.rate_per_mille {
            return None;
        }
        Some(match self.next() % 5 {
            0 => Fault::ServerError,
            1 => Fault::Unavailable,
            2 => Fault::FailAfterApply,
            3 => Fault::Delay(50 + self.next() % 200),
            _ => Fault::Truncate,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_and_seed_are_respected() {
        let mut none = Faults::new(0.0, 1);
        assert!((0..1000).all(|_| none.draw().is_none()));
        let mut a = Faults::new(0.3, 7);
        let mut b = Faults::new(0.3, 7);
        let xs: Vec<_> = (0..1000).map(|_| a.draw()).collect();
        let ys: Vec<_> = (0..1000).map(|_| b.draw()).collect();
        assert_eq!(xs, ys);
        let hits = xs.iter().filter(|f| f.is_some()).count();
        assert!((200..400).contains(&hits), "{hits}");
    }
}
