//! The device clock moved under the wallet: set back a day, forward a year
//! and back again between operations, and the program's `utc_offset`
//! changing by sync. The card follows trusted time and refuses a code while
//! the clock is known to be wrong; the wallet's figures never run backwards
//! or count twice, and the phone and the server agree at the end.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use loyalty_core::kernel::time::{FixedClock, Time};
use loyalty_core::session::Session;
use loyalty_core::store::Store;
use loyalty_core::wallet::model::{BonusKind, Event};

mod common;
mod phone;
use common::Server;
use phone::purchase_event;

const PROGRAM: &str = r#"{"currency": "RUB", "utc_offset": "+03:00", "earn": {"rule": {"percent": "10"}},
  "rewards": [{"id": "c1", "cost": 1, "coupon": {"percent": "5", "valid_days": 30}}],
  "challenges": [{"id": "weekly", "title": "A purchase a week", "goal": {"metric": "purchases", "target": 1},
                  "reward": {"points": 5}, "repeat": "weekly"}]}"#;

/// The server's clock and the device's, both set by the test.
struct Clocks {
    server: Arc<FixedClock>,
    device: Arc<FixedClock>,
}

impl Clocks {
    fn new(server: &Server) -> Self {
        let clocks = Self {
            server: Arc::new(FixedClock::new(Utc::now())),
            device: Arc::new(FixedClock::new(Utc::now())),
        };
        server.app.set_clock(clocks.server.clone());
        clocks
    }

    /// The server's time now.
    fn real(&self) -> Time {
        use loyalty_core::kernel::time::Clock;
        self.server.now()
    }

    /// Both clocks move on by `d` (time passes).
    fn pass(&self, d: Duration) {
        use loyalty_core::kernel::time::Clock;
        self.server.set(self.server.now() + d);
        self.device.set(self.device.now() + d);
    }
}

/// A till purchase 30 s (one code step) after the last, so two purchases
/// never present the same code.
fn till_purchase(server: &Server, s: &Session, clocks: &Clocks, receipt: &str) {
    clocks.pass(Duration::seconds(30));
    phone::till_purchase(server, s, receipt, "1000.00");
}

/// A member enrolled and synced with the device and server clocks of the
/// test, one till purchase in the wallet.
async fn enrolled(server: &Server) -> (tempfile::TempDir, Clocks, Session) {
    let url = format!("http://{}", server.addr);
    let dir = tempfile::tempdir().unwrap();
    let clocks = Clocks::new(server);
    let s = phone::session_on(dir.path(), &url, Some(clocks.device.clone()));
    s.enroll().await.result.unwrap();
    s.sync().await.result.unwrap();
    till_purchase(server, &s, &clocks, "r1");
    s.sync().await.result.unwrap();
    (dir, clocks, s)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_card_refuses_a_code_while_the_device_clock_is_known_wrong() {
    let server = Server::start(PROGRAM, 0.0);
    let (_dir, clocks, s) = enrolled(&server).await;
    let balance = s.wallet_snapshot(30, 5).unwrap().snapshot.balance;
    assert_eq!(
        balance, 105,
        "100 for the purchase, 5 for the weekly challenge"
    );

    // Back a day and an hour: before the time the last sync showed, so no code.
    clocks.device.set(clocks.real() - Duration::hours(25));
    let err = s.card_view().unwrap_err();
    assert_eq!(err.code(), "clock_skew", "{err}");
    // A redeem meanwhile is dated no earlier than the last event.
    s.redeem_reward("c1").result.unwrap();
    let history = s.wallet_snapshot(30, 5).unwrap().snapshot.history;
    assert!(
        history.windows(2).all(|w| w[0].at >= w[1].at),
        "history runs backwards: {history:?}"
    );
    // The sync measures more than the day it accepts and refuses its page:
    // still no code.
    let err = s.sync().await.result.unwrap_err();
    assert_eq!(err.code(), "clock_skew", "{err}");
    assert_eq!(s.card_view().unwrap_err().code(), "clock_skew");

    // Forward a year: offline there is no telling (the till would refuse
    // the code); the first sync tells, and from then on no code.
    clocks.device.set(clocks.real() + Duration::days(365));
    assert!(s.card_view().is_ok());
    assert_eq!(s.sync().await.result.unwrap_err().code(), "clock_skew");
    let err = s.card_view().unwrap_err();
    assert!(
        matches!(err, loyalty_core::LoyaltyError::ClockSkew { hours } if hours <= -365 * 24),
        "{err:?}"
    );

    // Set right again: the card shows at once, offline, and the next sync
    // sends the redeem once; phone and server agree.
    clocks.device.set(clocks.real());
    let view = s.card_view().unwrap();
    assert!(!view.frame.payload.is_empty());
    let report = s.sync().await.result.unwrap();
    assert!(report.report.mismatches.is_empty(), "{:?}", report.report);
    assert_eq!(report.report.actions_sent, 1);
    let snapshot = s.wallet_snapshot(30, 5).unwrap().snapshot;
    assert_eq!(snapshot.balance, balance - 1);
    assert_eq!(snapshot.coupons.len(), 1);
    // The till takes the code shown now.
    till_purchase(&server, &s, &clocks, "r2");
    let report = s.sync().await.result.unwrap();
    assert!(report.report.mismatches.is_empty(), "{:?}", report.report);

    // Back exactly a day: no code until a sync measures the offset (a day
    // is still accepted); then the card follows the server's clock and the
    // till takes its code although the device clock is a day behind.
    clocks.device.set(clocks.real() - Duration::days(1));
    assert_eq!(s.card_view().unwrap_err().code(), "clock_skew");
    s.sync().await.result.unwrap();
    till_purchase(&server, &s, &clocks, "r3");
    let report = s.sync().await.result.unwrap();
    assert_eq!(report.report.events_applied, 1);
    assert!(report.report.mismatches.is_empty(), "{:?}", report.report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_utc_offset_by_sync_keeps_phone_and_server_in_agreement() {
    let mut server = Server::start(PROGRAM, 0.0);
    let (_dir, clocks, s) = enrolled(&server).await;
    let completed = |s: &Session| {
        s.goals()
            .unwrap()
            .0
            .iter()
            .map(|c| c.completions)
            .sum::<i64>()
    };
    assert_eq!(completed(&s), 1);

    // The program moves from Moscow time to UTC+14: week boundaries move.
    server = server.restart(&PROGRAM.replace("+03:00", "+14:00"));
    server.app.set_clock(clocks.server.clone());
    let report = s.sync().await.result.unwrap();
    assert!(report.program_updated);
    assert!(report.report.mismatches.is_empty(), "{:?}", report.report);
    // What was completed stays completed once; the next purchase counts
    // under the new week, on both sides alike.
    assert_eq!(completed(&s), 1);
    till_purchase(&server, &s, &clocks, "r2");
    let report = s.sync().await.result.unwrap();
    assert!(report.report.mismatches.is_empty(), "{:?}", report.report);
    assert!((1..=2).contains(&completed(&s)));
    assert!(s.card_view().is_ok());
}

fn at(s: &str) -> Time {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

/// On a wallet without a server (the device clock is all it has): lots,
/// birthday bonuses, weekly challenges and streak windows under a clock that
/// jumps a year ahead and back — dated events never go back, nothing is
/// granted or completed twice, expired points stay expired, and the log
/// rebuilds to the same wallet.
#[test]
fn a_clock_jumping_ahead_and_back_never_counts_twice_or_runs_backwards() {
    let program = r#"{"currency": "RUB", "utc_offset": "+03:00", "earn": {"rule": {"percent": "10"}},
      "expiry": {"months": 12}, "bonuses": {"birthday": 200},
      "challenges": [{"id": "weekly", "title": "A purchase a week", "goal": {"metric": "purchases", "target": 1},
                      "reward": {"points": 5}, "repeat": "weekly"},
                     {"id": "streak", "title": "3 weeks in a row", "goal": {"metric": "week_streak", "target": 3},
                      "reward": {"points": 50}}]}"#;
    let mut store = Store::open_in_memory().unwrap();
    store.set_program(program).unwrap();
    let birthday = || Event::Bonus {
        kind: BonusKind::Birthday,
        key: None,
    };
    let t0 = at("2026-03-02T10:00:00Z");
    store.apply(&purchase_event("r1", "1000.00"), t0).unwrap();
    store.apply(&birthday(), t0).unwrap();
    let year_on = t0 + Duration::days(365);
    // A year ahead: last year's lots expire, this year's birthday is new.
    store
        .apply(&purchase_event("r2", "1000.00"), year_on)
        .unwrap();
    store.apply(&birthday(), year_on).unwrap();
    let ahead = store.snapshot(year_on, 30, 50).unwrap();
    assert_eq!(ahead.expired_total, 305, "100 + 5 + 200 from a year before");
    // Back to the first date: events are dated at the latest time seen, so
    // the birthday is not granted again, the challenge not completed again
    // in the old week, the expired points not back.
    let birthday_again = store.apply(&birthday(), t0).unwrap_err();
    assert_eq!(birthday_again.code(), "bonus_already_granted");
    let applied = store
        .apply(&purchase_event("r3", "1000.00"), t0 + Duration::hours(1))
        .unwrap();
    assert_eq!(applied.at, year_on, "dated no earlier than the last event");
    let back = store.snapshot(t0 + Duration::hours(1), 30, 50).unwrap();
    assert_eq!(back.expired_total, 305);
    assert_eq!(
        back.balance,
        ahead.balance + 100,
        "r3 earns, nothing returns"
    );
    let events = store.events().unwrap();
    assert!(events.windows(2).all(|w| w[0].at <= w[1].at));
    let weekly = store
        .goal_views(t0 + Duration::hours(1))
        .unwrap()
        .0
        .into_iter()
        .find(|g| g.id == "weekly")
        .unwrap();
    assert_eq!(
        weekly.completions, 2,
        "the year-ahead week once, the first week once"
    );
    // The log rebuilds to exactly this wallet.
    let rebuilt = store.rebuild().unwrap();
    let at = t0 + Duration::hours(1);
    let from_log =
        loyalty_core::wallet::snapshot(store.program().unwrap(), &rebuilt, at, 30, 50).unwrap();
    assert_eq!(from_log, back);
}
