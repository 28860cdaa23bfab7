//! The stored goal record: every challenge's and badge's state in one row
//! of `goal_state`, written whole by each event that touches a goal.
//!
//! Stored as compact bytes (the layout below): with 100 goals the JSON
//! earlier builds wrote was about 6.4 KB — two overflow pages in every
//! event's commit — and a tenth of a purchase's instructions to encode.
//! The bytes are about 1 KB. A record written as JSON still reads.
//!
//! Layout, every integer a LEB128 varint (signed ones zigzag-mapped), every
//! text its byte length then its UTF-8 bytes:
//!
//! ```text
//! "G1"  referrals
//!       challenges: count, then per challenge in id order:
//!         id  flags  progress  [period]  [completed_period]  completions
//!         coupons_issued  [reward points  [reward coupon id]]
//!       badges: count, then per badge in id order:
//!         id  flags  progress  level  [earned_at_ms]
//! ```
//!
//! A bracketed field is present when its flag is set; a record must end
//! exactly after its last badge.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::goals::model::{BadgeState, ChallengeState, GivenReward, GoalState};
use crate::kernel::error::{LoyaltyError, Result};

/// The first bytes of a record in this layout (a JSON record starts with `{`).
const TAG: &[u8; 2] = b"G1";

// Challenge flags.
const JOINED: u8 = 1;
const PERIOD: u8 = 2;
const COMPLETED_PERIOD: u8 = 4;
const REWARD: u8 = 8;
const REWARD_COUPON: u8 = 16;
const CHALLENGE_FLAGS: u8 = JOINED | PERIOD | COMPLETED_PERIOD | REWARD | REWARD_COUPON;
// Badge flags.
const EARNED_AT: u8 = 1;

/// `state` as the record's bytes.
pub(crate) fn encode(state: &GoalState) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + 12 * (state.challenges.len() + state.badges.len()));
    out.extend_from_slice(TAG);
    put_signed(&mut out, state.referrals);
    put_len(&mut out, state.challenges.len());
    for (id, c) in &state.challenges {
        put_text(&mut out, id);
        let reward = c.reward.as_ref();
        let flags = flag(c.joined, JOINED)
            | flag(c.period.is_some(), PERIOD)
            | flag(c.completed_period.is_some(), COMPLETED_PERIOD)
            | flag(reward.is_some(), REWARD)
            | flag(reward.is_some_and(|r| r.coupon_id.is_some()), REWARD_COUPON);
        out.push(flags);
        put_signed(&mut out, c.progress);
        if let Some(p) = c.period {
            put_signed(&mut out, p);
        }
        if let Some(p) = c.completed_period {
            put_signed(&mut out, p);
        }
        put_signed(&mut out, c.completions);
        put_signed(&mut out, c.coupons_issued);
        if let Some(r) = reward {
            put_signed(&mut out, r.points);
            if let Some(coupon) = &r.coupon_id {
                put_text(&mut out, coupon);
            }
        }
    }
    put_len(&mut out, state.badges.len());
    for (id, b) in &state.badges {
        put_text(&mut out, id);
        out.push(flag(b.earned_at_ms.is_some(), EARNED_AT));
        put_signed(&mut out, b.progress);
        put_unsigned(&mut out, u64::from(b.level));
        if let Some(at) = b.earned_at_ms {
            put_signed(&mut out, at);
        }
    }
    out
}

/// The state a stored record holds: bytes in this module's layout, or the
/// JSON of earlier builds. Anything else is a `corrupt` error.
pub(crate) fn decode(bytes: &[u8]) -> Result<GoalState> {
    if bytes.first() == Some(&b'{') {
        return serde_json::from_slice(bytes)
            .map_err(|e| corrupt(format!("goal state does not decode: {e}")));
    }
    let mut r = Reader { rest: bytes };
    if r.take(TAG.len())? != TAG {
        return Err(corrupt("goal state is in an unknown format"));
    }
    let referrals = r.signed()?;
    let mut challenges = BTreeMap::new();
    for _ in 0..r.count()? {
        let id = r.text()?;
        let flags = r.byte()?;
        if flags & !CHALLENGE_FLAGS != 0 || (flags & REWARD_COUPON != 0 && flags & REWARD == 0) {
            return Err(corrupt(format!(
                "goal state: challenge {id} has flags {flags:#x}"
            )));
        }
        let progress = r.signed()?;
        let period = r.signed_if(flags & PERIOD != 0)?;
        let completed_period = r.signed_if(flags & COMPLETED_PERIOD != 0)?;
        let completions = r.signed()?;
        let coupons_issued = r.signed()?;
        let reward = if flags & REWARD != 0 {
            let points = r.signed()?;
            let coupon_id = if flags & REWARD_COUPON != 0 {
                Some(r.text()?)
            } else {
                None
            };
            Some(GivenReward { points, coupon_id })
        } else {
            None
        };
        let state = ChallengeState {
            joined: flags & JOINED != 0,
            progress,
            period,
            completed_period,
            completions,
            coupons_issued,
            reward,
        };
        if challenges.insert(id.clone(), state).is_some() {
            return Err(corrupt(format!("goal state: challenge {id} appears twice")));
        }
    }
    let mut badges = BTreeMap::new();
    for _ in 0..r.count()? {
        let id = r.text()?;
        let flags = r.byte()?;
        if flags & !EARNED_AT != 0 {
            return Err(corrupt(format!(
                "goal state: badge {id} has flags {flags:#x}"
            )));
        }
        let progress = r.signed()?;
        let level = u32::try_from(r.unsigned()?)
            .map_err(|_| corrupt(format!("goal state: badge {id} level is out of range")))?;
        let earned_at_ms = r.signed_if(flags & EARNED_AT != 0)?;
        let state = BadgeState {
            progress,
            level,
            earned_at_ms,
        };
        if badges.insert(id.clone(), state).is_some() {
            return Err(corrupt(format!("goal state: badge {id} appears twice")));
        }
    }
    if !r.rest.is_empty() {
        return Err(corrupt("goal state has bytes after its last badge"));
    }
    Ok(GoalState {
        challenges,
        badges,
        referrals,
    })
}

thread_local! {
    /// The record this thread last decoded or wrote, with its value: a memo
    /// of a pure function (bytes → state), so it is right whatever
    /// connection, process or rolled-back transaction the bytes came from —
    /// other bytes are decoded afresh. Every event reads the whole record;
    /// comparing the bytes and sharing the value costs a fraction of decoding.
    static MEMO: std::cell::RefCell<Option<(Vec<u8>, Arc<GoalState>)>> =
        const { std::cell::RefCell::new(None) };
}

/// The state of the stored record `bytes`, from the memo when they are the
/// bytes last seen.
pub(crate) fn decode_shared(bytes: &[u8]) -> Result<Arc<GoalState>> {
    MEMO.with(|memo| {
        if let Some((seen, state)) = &*memo.borrow()
            && seen.as_slice() == bytes
        {
            return Ok(Arc::clone(state));
        }
        let state = Arc::new(decode(bytes)?);
        *memo.borrow_mut() = Some((bytes.to_vec(), Arc::clone(&state)));
        Ok(state)
    })
}

/// `state` as the record's bytes, remembered for the next read.
pub(crate) fn encode_shared(state: &Arc<GoalState>) -> Vec<u8> {
    let bytes = encode(state);
    MEMO.with(|memo| *memo.borrow_mut() = Some((bytes.clone(), Arc::clone(state))));
    bytes
}

fn corrupt(reason: impl Into<String>) -> LoyaltyError {
    LoyaltyError::Corrupt {
        reason: reason.into(),
    }
}

fn flag(on: bool, bit: u8) -> u8 {
    if on { bit } else { 0 }
}

fn put_unsigned(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        // The low seven bits, with the continuation bit set.
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_signed(out: &mut Vec<u8>, v: i64) {
    // Zigzag: 0, -1, 1, -2, … → 0, 1, 2, 3, … (small magnitudes, few bytes).
    put_unsigned(out, ((v << 1) ^ (v >> 63)) as u64);
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    put_unsigned(out, n as u64);
}

fn put_text(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

/// Reads a record front to back; every read refuses what is cut short.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.rest.len() {
            return Err(corrupt("goal state is cut short"));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn byte(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn unsigned(&mut self) -> Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            let bits = u64::from(b & 0x7f);
            // The tenth byte carries one bit; more would overflow.
            if shift == 63 && bits > 1 {
                break;
            }
            v |= bits << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(corrupt("goal state holds a number too long"))
    }

    fn signed(&mut self) -> Result<i64> {
        let z = self.unsigned()?;
        Ok(((z >> 1) as i64) ^ -((z & 1) as i64))
    }

    fn signed_if(&mut self, present: bool) -> Result<Option<i64>> {
        if present {
            Ok(Some(self.signed()?))
        } else {
            Ok(None)
        }
    }

    /// A count of entries, each at least two bytes: a count the rest cannot
    /// hold is refused before anything is built for it.
    fn count(&mut self) -> Result<usize> {
        let n = self.unsigned()?;
        match usize::try_from(n) {
            Ok(n) if n <= self.rest.len() / 2 => Ok(n),
            _ => Err(corrupt(format!(
                "goal state counts {n} entries it cannot hold"
            ))),
        }
    }

    fn text(&mut self) -> Result<String> {
        let n = usize::try_from(self.unsigned()?)
            .map_err(|_| corrupt("goal state holds a text too long"))?;
        let bytes = self.take(n)?;
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| corrupt("goal state holds a text that is not UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> GoalState {
        let mut state = GoalState {
            referrals: 3,
            ..GoalState::default()
        };
        state.challenges.insert(
            "c1".into(),
            ChallengeState {
                progress: 2,
                ..ChallengeState::default()
            },
        );
        state.challenges.insert(
            "c2".into(),
            ChallengeState {
                joined: true,
                progress: -7,
                period: Some(107_352),
                completed_period: Some(-1),
                completions: i64::MAX,
                coupons_issued: 12_734,
                reward: Some(GivenReward {
                    points: 25,
                    coupon_id: Some("c2#1".into()),
                }),
            },
        );
        state.challenges.insert(
            "вызов".into(),
            ChallengeState {
                completions: 1,
                reward: Some(GivenReward::default()),
                ..ChallengeState::default()
            },
        );
        state.badges.insert("b1".into(), BadgeState::default());
        state.badges.insert(
            "b2".into(),
            BadgeState {
                progress: i64::MIN,
                level: u32::MAX,
                earned_at_ms: Some(2_791_098_000_000),
            },
        );
        state
    }

    #[test]
    fn a_record_reads_back_as_written_and_is_small() {
        let state = sample();
        let bytes = encode(&state);
        assert_eq!(decode(&bytes).unwrap(), state);
        assert_eq!(&bytes[..2], b"G1");
        assert!(bytes.len() < 120, "{} bytes", bytes.len());
        let empty = encode(&GoalState::default());
        assert_eq!(empty, b"G1\0\0\0");
        assert_eq!(decode(&empty).unwrap(), GoalState::default());
    }

    #[test]
    fn json_records_of_earlier_builds_still_read() {
        let mut state = GoalState::default();
        state.challenges.insert(
            "c1".into(),
            ChallengeState {
                progress: 2,
                ..ChallengeState::default()
            },
        );
        state.challenges.insert(
            "c2".into(),
            ChallengeState {
                joined: true,
                completions: 1,
                reward: Some(GivenReward {
                    points: 25,
                    coupon_id: None,
                }),
                ..ChallengeState::default()
            },
        );
        state.badges.insert("b1".into(), BadgeState::default());
        // Defaults left out (the last JSON builds) and every field present
        // (the first ones).
        let short = r#"{"challenges":{"c1":{"progress":2},"c2":{"joined":true,"completions":1,"reward":{"points":25}}},"badges":{"b1":{}}}"#;
        let whole = r#"{"challenges":{"c1":{"joined":false,"progress":2,"period":null,"completed_period":null,"completions":0,"coupons_issued":0,"reward":null},"c2":{"joined":true,"progress":0,"period":null,"completed_period":null,"completions":1,"coupons_issued":0,"reward":{"points":25,"coupon_id":null}}},"badges":{"b1":{"progress":0,"level":0,"earned_at_ms":null}},"referrals":0}"#;
        assert_eq!(decode(short.as_bytes()).unwrap(), state);
        assert_eq!(decode(whole.as_bytes()).unwrap(), state);
        assert_eq!(decode(&encode(&state)).unwrap(), state);
        assert_eq!(
            decode(b"{\"challenges\":").unwrap_err().code(),
            "corrupt_store"
        );
    }

    #[test]
    fn damaged_records_are_refused_not_misread() {
        let bytes = encode(&sample());
        // Cut anywhere, or one byte too many.
        for n in 0..bytes.len() {
            let e = decode(&bytes[..n]).unwrap_err();
            assert_eq!(e.code(), "corrupt_store", "cut at {n}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(
            decode(&longer)
                .unwrap_err()
                .to_string()
                .contains("after its last badge")
        );
        // Unknown layout, unknown flags, a coupon without its reward.
        for bad in [
            &b"G2\0\0\0"[..],
            b"G1\0\x01\x02c1\x20\0\0\0\0",
            b"G1\0\x01\x02c1\x10\0\0\0\0",
            b"G1\0\0\x01\x02b1\x02\0\0",
        ] {
            assert_eq!(decode(bad).unwrap_err().code(), "corrupt_store", "{bad:?}");
        }
        // The same id twice; text that is not UTF-8; a count larger than
        // the record; a number longer than 64 bits; a level beyond u32.
        let twice = b"G1\0\x02\x02c1\0\0\0\0\x02c1\0\0\0\0\0";
        assert!(decode(twice).unwrap_err().to_string().contains("twice"));
        assert_eq!(
            decode(b"G1\0\x01\x02\xff\xfe\0\0\0\0\0")
                .unwrap_err()
                .code(),
            "corrupt_store"
        );
        assert_eq!(decode(b"G1\0\x7f\0").unwrap_err().code(), "corrupt_store");
        let long = b"G1\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02\0\0";
        assert!(decode(long).unwrap_err().to_string().contains("too long"));
        let level = b"G1\0\0\x01\x02b1\0\0\x80\x80\x80\x80\x10";
        assert!(decode(level).unwrap_err().to_string().contains("level"));
    }

    #[test]
    fn the_memo_answers_only_for_the_same_bytes() {
        let a = Arc::new(GoalState::default());
        let b = Arc::new(sample());
        let a_bytes = encode_shared(&a);
        let b_bytes = encode_shared(&b);
        // The memo holds b now; each record still gives its own value.
        assert_eq!(decode_shared(&a_bytes).unwrap(), a);
        assert_eq!(decode_shared(&b_bytes).unwrap(), b);
        assert_eq!(decode_shared(&b_bytes).unwrap(), b);
        assert_eq!(decode_shared(&a_bytes).unwrap(), a);
        // Bytes that do not decode are an error right after good ones.
        assert!(decode_shared(&b_bytes[..b_bytes.len() - 1]).is_err());
        assert_eq!(decode_shared(&a_bytes).unwrap(), a);
    }

    fn challenge() -> impl Strategy<Value = ChallengeState> {
        (
            any::<bool>(),
            any::<i64>(),
            proptest::option::of(any::<i64>()),
            proptest::option::of(any::<i64>()),
            (any::<i64>(), any::<i64>()),
            proptest::option::of((any::<i64>(), proptest::option::of("\\PC{0,12}"))),
        )
            .prop_map(
                |(
                    joined,
                    progress,
                    period,
                    completed_period,
                    (completions, coupons_issued),
                    reward,
                )| {
                    ChallengeState {
                        joined,
                        progress,
                        period,
                        completed_period,
                        completions,
                        coupons_issued,
                        reward: reward.map(|(points, coupon_id)| GivenReward { points, coupon_id }),
                    }
                },
            )
    }

    fn badge() -> impl Strategy<Value = BadgeState> {
        (
            any::<i64>(),
            any::<u32>(),
            proptest::option::of(any::<i64>()),
        )
            .prop_map(|(progress, level, earned_at_ms)| BadgeState {
                progress,
                level,
                earned_at_ms,
            })
    }

    proptest! {
        #[test]
        fn any_state_reads_back_as_written(
            challenges in proptest::collection::btree_map("\\PC{0,16}", challenge(), 0..20),
            badges in proptest::collection::btree_map("\\PC{0,16}", badge(), 0..20),
            referrals in any::<i64>(),
        ) {
            let state = GoalState { challenges, badges, referrals };
            prop_assert_eq!(decode(&encode(&state)).unwrap(), state);
        }

        #[test]
        fn any_bytes_decode_or_are_refused_without_panicking(
            tail in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let mut bytes = b"G1".to_vec();
            bytes.extend(tail);
            if let Err(e) = decode(&bytes) {
                prop_assert_eq!(e.code(), "corrupt_store");
            }
        }
    }
}
