//! Runs a scenario against a real SQLite store in a fresh temporary folder.

use serde::Serialize;

use crate::{Action, Expect, ExpectInbox, Figure, FileError, Scenario};
use loyalty_core::card::{MemorySecretStore, secret_from_hex};
use loyalty_core::goals::Metric;
use loyalty_core::goals::{BadgeView, ChallengeView};
use loyalty_core::kernel::money::{format_minor, parse_hundredths};
use loyalty_core::store::Store;
use loyalty_core::wallet::{Time, WalletSnapshot};

/// How to run scenarios.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// Close and reopen the database between every step.
    pub reopen: bool,
}

/// One expectation that did not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// 0-based step index.
    pub step: usize,
    /// The expectation key (`balance`, `last_purchase.payable`, `error`).
    pub key: String,
    /// What the file expected.
    pub expected: String,
    /// What the wallet produced.
    pub actual: String,
}

/// The outcome of one scenario.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioReport {
    /// File path.
    pub file: String,
    /// Scenario name.
    pub name: String,
    /// Steps run.
    pub steps: usize,
    /// Expectations that did not hold (empty: the scenario passed).
    pub failures: Vec<Failure>,
}

impl ScenarioReport {
    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Default horizon for `expiring` when a step does not name one.
const DEFAULT_EXPIRING_DAYS: i64 = 30;

/// Runs a scenario in a fresh temporary data folder.
pub fn run(scenario: &Scenario, options: RunOptions) -> Result<ScenarioReport, FileError> {
    let shown = scenario.path.display().to_string();
    let setup = |what: &str, e: &dyn std::fmt::Display| FileError::Invalid {
        path: shown.clone(),
        reason: format!("{what}: {e}"),
    };
    validate_expectations(scenario)?;
    let dir = tempfile::Builder::new()
        .prefix("loyalty-scenario-")
        .tempdir()
        .map_err(|e| setup("cannot create a temporary folder", &e))?;
    let mut store = Store::open_dir(dir.path()).map_err(|e| setup("cannot open the store", &e))?;
    store
        .set_program(&scenario.program)
        .map_err(|e| setup("program", &e))?;
    let secrets = MemorySecretStore::default();
    if let Some(member) = &scenario.member {
        let secret = secret_from_hex(&member.card_secret_hex)
            .map_err(|e| setup("member.card_secret_hex", &e))?;
        store
            .enroll_card(
                &member.card_number,
                &secret,
                &secrets,
                scenario
                    .steps
                    .first()
                    .map_or_else(chrono::Utc::now, |s| s.at),
            )
            .map_err(|e| setup("member", &e))?;
    }

    let mut failures = Vec::new();
    for (i, step) in scenario.steps.iter().enumerate() {
        if options.reopen {
            drop(store);
            store =
                Store::open_dir(dir.path()).map_err(|e| setup("cannot reopen the store", &e))?;
        }
        let mut outcome = None;
        let result = match &step.action {
            Action::Event(e) => store.apply(e, step.at).map(|_| ()),
            Action::Push(p) => store
                .ingest_push(p, step.at)
                .map(|o| outcome = Some(o.as_str())),
            Action::InboxRead(id) => store.mark_read(id, step.at),
            Action::InboxDismiss(id) => store.dismiss(id, step.at),
            Action::InboxActivate(id) => store.activate_offer(id, step.at),
        };
        match (&step.expect_error, result) {
            (None, Ok(_)) => {}
            (Some(code), Ok(_)) => failures.push(Failure {
                step: i,
                key: "error".into(),
                expected: code.clone(),
                actual: "no error".into(),
            }),
            (expected, Err(e)) if expected.as_deref() != Some(e.code()) => failures.push(Failure {
                step: i,
                key: "error".into(),
                expected: expected.clone().unwrap_or_else(|| "no error".into()),
                actual: format!("{} ({e})", e.code()),
            }),
            (_, Err(_)) => {}
        }
        if let Some(expect) = &step.expect {
            let days = expect
                .expiring
                .as_ref()
                .map_or(DEFAULT_EXPIRING_DAYS, |x| x.days);
            match store.snapshot(step.at, days, 0) {
                Ok(snap) => compare(i, expect, &snap, &mut failures),
                Err(e) => failures.push(Failure {
                    step: i,
                    key: "snapshot".into(),
                    expected: "a wallet snapshot".into(),
                    actual: format!("{} ({e})", e.code()),
                }),
            }
            if let Some(expected) = &expect.push_outcome {
                let actual = outcome.unwrap_or("no push");
                if expected != actual {
                    failures.push(Failure {
                        step: i,
                        key: "push_outcome".into(),
                        expected: expected.clone(),
                        actual: actual.into(),
                    });
                }
            }
            if let Some(x) = &expect.inbox {
                // The app refreshes the inbox when it shows it.
                if let Err(e) = store.refresh_inbox(step.at) {
                    failures.push(Failure {
                        step: i,
                        key: "inbox".into(),
                        expected: "the inbox".into(),
                        actual: format!("{} ({e})", e.code()),
                    });
                }
                compare_inbox(i, x, &store, step.at, &mut failures);
            }
            if expect.challenges.is_some() || expect.badges.is_some() {
                match store.goal_views(step.at) {
                    Ok((challenges, badges)) => {
                        compare_goals(i, expect, &challenges, &badges, &mut failures)
                    }
                    Err(e) => failures.push(Failure {
                        step: i,
                        key: "challenges".into(),
                        expected: "challenge and badge views".into(),
                        actual: format!("{} ({e})", e.code()),
                    }),
                }
            }
            if let Some(expected) = &expect.card_payload {
                let actual = store
                    .card_service(&secrets)
                    .and_then(|card| card.payload(step.at))
                    .unwrap_or_else(|e| format!("{} ({e})", e.code()));
                if &actual != expected {
                    failures.push(Failure {
                        step: i,
                        key: "card_payload".into(),
                        expected: expected.clone(),
                        actual,
                    });
                }
            }
        }
    }
    Ok(ScenarioReport {
        file: shown,
        name: scenario.name.clone(),
        steps: scenario.steps.len(),
        failures,
    })
}

/// Decimal expectations must themselves be valid decimals: a typo is a file error.
fn validate_expectations(scenario: &Scenario) -> Result<(), FileError> {
    let invalid = |i: usize, key: &str, v: &str| FileError::Invalid {
        path: scenario.path.display().to_string(),
        reason: format!("steps[{i}].expect.{key}: \"{v}\" is not a decimal amount"),
    };
    for (i, step) in scenario.steps.iter().enumerate() {
        let Some(e) = &step.expect else { continue };
        if let Some(v) = &e.qualifying_spend {
            parse_hundredths(v).map_err(|_| invalid(i, "qualifying_spend", v))?;
        }
        if let Some(lp) = &e.last_purchase {
            for (key, v) in [
                ("last_purchase.discount", &lp.discount),
                ("last_purchase.coupon_discount", &lp.coupon_discount),
                ("last_purchase.payable", &lp.payable),
            ] {
                if let Some(v) = v {
                    parse_hundredths(v).map_err(|_| invalid(i, key, v))?;
                }
            }
        }
        for (id, x) in e.challenges.iter().flatten() {
            for (name, figure) in [("progress", &x.progress), ("target", &x.target)] {
                if let Some(Figure::Decimal(v)) = figure {
                    parse_hundredths(v)
                        .map_err(|_| invalid(i, &format!("challenges.{id}.{name}"), v))?;
                }
            }
        }
        if let Some(v) = &e.next_discount_percent {
            parse_hundredths(v).map_err(|_| invalid(i, "next_discount_percent", v))?;
        }
        for (id, x) in e.coupon_scopes.iter().flatten() {
            if let Some(v) = &x.min_spend {
                parse_hundredths(v)
                    .map_err(|_| invalid(i, &format!("coupon_scopes.{id}.min_spend"), v))?;
            }
        }
        if let Some(t) = &e.next_discount_source
            && !(t.is_null() || t.is_string())
        {
            return Err(FileError::Invalid {
                path: scenario.path.display().to_string(),
                reason: format!(
                    "steps[{i}].expect.next_discount_source: must be tier, member, first_purchase or null"
                ),
            });
        }
        if let Some(t) = &e.tier
            && !(t.is_null() || t.is_string())
        {
            return Err(FileError::Invalid {
                path: scenario.path.display().to_string(),
                reason: format!("steps[{i}].expect.tier: must be a tier id or null"),
            });
        }
    }
    Ok(())
}

struct Checker<'a> {
    step: usize,
    failures: &'a mut Vec<Failure>,
}

impl Checker<'_> {
    fn eq(&mut self, key: &str, expected: impl ToString, actual: impl ToString) {
        let (expected, actual) = (expected.to_string(), actual.to_string());
        if expected != actual {
            self.failures.push(Failure {
                step: self.step,
                key: key.to_string(),
                expected,
                actual,
            });
        }
    }

    /// Compares decimal strings by value ("10" equals "10.00").
    fn money(&mut self, key: &str, expected: &str, actual: i64) {
        match parse_hundredths(expected) {
            Ok(v) if v == actual => {}
            _ => self.eq(key, expected, format_minor(actual)),
        }
    }

    /// Compares a challenge figure with the view's value: a number exactly, a
    /// decimal string by value as money (spend goals only, whose views are in
    /// whole currency units).
    fn figure(&mut self, key: &str, expected: &Figure, actual: i64, metric: Metric) {
        match expected {
            Figure::Number(n) => self.eq(key, n, actual),
            // Whole units to minor units (money is hundredths throughout the
            // core); a view value is a minor amount divided by 100, so this
            // cannot overflow, and saturating keeps that true if it changes.
            Figure::Decimal(v) if metric == Metric::Spend => {
                self.money(key, v, actual.saturating_mul(100));
            }
            Figure::Decimal(v) => self.eq(
                key,
                format!("\"{v}\" (a decimal is only for spend goals)"),
                actual,
            ),
        }
    }
}

fn compare(step: usize, e: &Expect, snap: &WalletSnapshot, failures: &mut Vec<Failure>) {
    let mut c = Checker { step, failures };
    if let Some(v) = e.balance {
        c.eq("balance", v, snap.balance);
    }
    if let Some(v) = e.lifetime_earned {
        c.eq("lifetime_earned", v, snap.lifetime_earned);
    }
    if let Some(v) = e.expired_total {
        c.eq("expired_total", v, snap.expired_total);
    }
    if let Some(x) = &e.expiring {
        c.eq("expiring.points", x.points, snap.expiring.points);
    }
    if let Some(t) = &e.tier {
        let actual = snap
            .tier
            .as_ref()
            .map_or("null".to_string(), |t| t.id.clone());
        let expected = t.as_str().map_or("null".to_string(), str::to_string);
        c.eq("tier", expected, actual);
    }
    if let Some(v) = &e.qualifying_spend {
        c.money("qualifying_spend", v, snap.qualifying_spend);
    }
    if let Some(lp) = &e.last_purchase {
        match &snap.last_purchase {
            None => c.eq("last_purchase", "a purchase", "none"),
            Some(r) => {
                if let Some(v) = lp.points_earned {
                    c.eq("last_purchase.points_earned", v, r.points_earned);
                }
                if let Some(v) = &lp.discount {
                    c.money(
                        "last_purchase.discount",
                        v,
                        r.tier_discount.saturating_add(r.coupon_discount),
                    );
                }
                if let Some(v) = &lp.coupon_discount {
                    c.money("last_purchase.coupon_discount", v, r.coupon_discount);
                }
                if let Some(v) = lp.points_paid {
                    c.eq("last_purchase.points_paid", v, r.points_paid);
                }
                if let Some(v) = &lp.payable {
                    c.money("last_purchase.payable", v, r.payable);
                }
            }
        }
    }
    if let Some(expected) = &e.coupons {
        let mut expected = expected.clone();
        expected.sort();
        let mut actual: Vec<String> = snap.coupons.iter().map(|c| c.id.clone()).collect();
        actual.sort();
        c.eq("coupons", format!("{expected:?}"), format!("{actual:?}"));
    }
    compare_rules16(&mut c, e, snap);
}

/// Tier perks, the next purchase's discount and coupon scopes.
fn compare_rules16(c: &mut Checker<'_>, e: &Expect, snap: &WalletSnapshot) {
    if let Some(expected) = &e.tier_perks {
        let actual = snap
            .tier
            .as_ref()
            .map(|t| t.perks.clone())
            .unwrap_or_default();
        c.eq("tier_perks", format!("{expected:?}"), format!("{actual:?}"));
    }
    if let Some(expected) = &e.next_tier_perks {
        let actual = snap
            .tier
            .as_ref()
            .and_then(|t| t.next.as_ref())
            .map(|n| n.perks.clone())
            .unwrap_or_default();
        c.eq(
            "next_tier_perks",
            format!("{expected:?}"),
            format!("{actual:?}"),
        );
    }
    if let Some(v) = &e.next_discount_percent {
        let actual = snap.next_discount.map_or(0, |d| d.percent);
        match parse_hundredths(v) {
            Ok(x) if x == actual => {}
            _ => c.eq(
                "next_discount_percent",
                v,
                loyalty_core::kernel::money::format_percent(actual),
            ),
        }
    }
    if let Some(expected) = &e.next_discount_source {
        let actual = snap
            .next_discount
            .map_or("null", |d| d.source.as_str())
            .to_string();
        let expected = expected.as_str().unwrap_or("null");
        c.eq("next_discount_source", expected, actual);
    }
    for (id, x) in e.coupon_scopes.iter().flatten() {
        let key = format!("coupon_scopes.{id}");
        let Some(coupon) = snap.coupons.iter().find(|k| &k.id == id) else {
            c.eq(&key, "an active coupon", "none");
            continue;
        };
        let expected = format!(
            "category={:?} skus={:?} one_item={} min_spend={:?}",
            x.category,
            x.skus,
            x.one_item,
            x.min_spend
                .as_deref()
                .and_then(|m| parse_hundredths(m).ok())
                .map(format_minor)
        );
        let s = &coupon.scope;
        let actual = format!(
            "category={:?} skus={:?} one_item={} min_spend={:?}",
            s.category,
            s.skus,
            s.one_item,
            s.min_spend.map(format_minor)
        );
        c.eq(&key, expected, actual);
    }
}

fn compare_goals(
    step: usize,
    e: &Expect,
    challenges: &[ChallengeView],
    badges: &[BadgeView],
    failures: &mut Vec<Failure>,
) {
    let mut c = Checker { step, failures };
    if let Some(expected) = &e.challenges {
        for (id, x) in expected {
            let key = |k: &str| format!("challenges.{id}.{k}");
            let Some(v) = challenges.iter().find(|v| &v.id == id) else {
                c.eq(
                    &format!("challenges.{id}"),
                    "a challenge",
                    "no such challenge",
                );
                continue;
            };
            if let Some(s) = &x.status {
                c.eq(&key("status"), s, v.status.as_str());
            }
            if let Some(p) = &x.progress {
                c.figure(&key("progress"), p, v.progress, v.metric);
            }
            if let Some(t) = &x.target {
                c.figure(&key("target"), t, v.target, v.metric);
            }
            if let Some(n) = x.completions {
                c.eq(&key("completions"), n, v.completions);
            }
        }
    }
    if let Some(expected) = &e.badges {
        let actual: std::collections::BTreeMap<&str, u32> = badges
            .iter()
            .filter(|b| b.level > 0)
            .map(|b| (b.id.as_str(), b.level))
            .collect();
        let expected: std::collections::BTreeMap<&str, u32> =
            expected.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        c.eq("badges", format!("{expected:?}"), format!("{actual:?}"));
    }
}

fn compare_inbox(
    step: usize,
    x: &ExpectInbox,
    store: &Store,
    at: Time,
    failures: &mut Vec<Failure>,
) {
    let mut c = Checker { step, failures };
    match (store.list_messages(at, false), store.unread_count(at)) {
        (Ok(list), Ok(unread)) => {
            if let Some(u) = x.unread {
                c.eq("inbox.unread", u, unread);
            }
            if let Some(t) = x.total {
                c.eq("inbox.total", t, list.len());
            }
            if let Some(ids) = &x.ids {
                let actual: Vec<&str> = list.iter().map(|m| m.content.id.as_str()).collect();
                c.eq("inbox.ids", format!("{ids:?}"), format!("{actual:?}"));
            }
        }
        (Err(e), _) | (_, Err(e)) => c.eq("inbox", "the inbox", format!("{} ({e})", e.code())),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// A spend challenge of 1500.00 and a purchase count challenge, one purchase of
    /// 1000.50, then `expect` as given.
    fn run_with(expect: &str) -> Result<ScenarioReport, FileError> {
        let text = format!(
            r#"{{"name": "n",
                "program": {{"currency": "RUB", "earn": {{"rule": {{"percent": "10"}}}},
                  "challenges": [
                    {{"id": "s", "title": "Spend", "goal": {{"metric": "spend", "target": "1500.00"}}, "reward": {{"points": 1}}}},
                    {{"id": "p", "title": "Three", "goal": {{"metric": "purchases", "target": 3}}, "reward": {{"points": 1}}}}]}},
                "steps": [{{"at": "2026-01-02T10:00:00Z",
                  "purchase": {{"receipt_id": "r1", "lines": [{{"sku": "A", "qty": 1, "amount": "1000.50"}}]}},
                  "expect": {{"challenges": {expect}}}}}]}}"#
        );
        run(
            &Scenario::parse(Path::new("t.json"), &text)?,
            RunOptions::default(),
        )
    }

    fn keys(report: &ScenarioReport) -> Vec<(&str, &str, &str)> {
        let f = &report.failures;
        f.iter()
            .map(|f| (f.key.as_str(), f.expected.as_str(), f.actual.as_str()))
            .collect()
    }

    #[test]
    fn spend_figures_as_decimal_strings_compare_by_value() {
        let report = run_with(
            r#"{"s": {"target": "1500.00", "progress": "1000"}, "p": {"target": 3, "progress": 1}}"#,
        )
        .unwrap();
        assert!(report.passed(), "{:?}", report.failures);
        let report = run_with(r#"{"s": {"target": "1500", "progress": "1000.0"}}"#).unwrap();
        assert!(report.passed(), "{:?}", report.failures);
        let report = run_with(r#"{"s": {"target": 1500, "progress": 1000}}"#).unwrap();
        assert!(report.passed(), "{:?}", report.failures);
    }

    #[test]
    fn wrong_decimal_spend_figures_fail() {
        let report = run_with(r#"{"s": {"target": "1500.01", "progress": "999.99"}}"#).unwrap();
        assert_eq!(
            keys(&report),
            [
                ("challenges.s.progress", "999.99", "1000.00"),
                ("challenges.s.target", "1500.01", "1500.00"),
            ]
        );
        // The view floors to whole units: 1000.50 spent shows as 1000.
        let report = run_with(r#"{"s": {"progress": "1000.50"}}"#).unwrap();
        assert_eq!(
            keys(&report),
            [("challenges.s.progress", "1000.50", "1000.00")]
        );
    }

    #[test]
    fn a_decimal_on_a_count_goal_fails() {
        let report = run_with(r#"{"p": {"target": "3"}}"#).unwrap();
        assert_eq!(
            keys(&report),
            [(
                "challenges.p.target",
                "\"3\" (a decimal is only for spend goals)",
                "3"
            )]
        );
    }

    #[test]
    fn a_malformed_decimal_figure_is_a_file_error() {
        let e = run_with(r#"{"s": {"target": "15OO"}}"#).unwrap_err();
        assert!(
            e.to_string()
                .contains("steps[0].expect.challenges.s.target: \"15OO\" is not a decimal"),
            "{e}"
        );
        let e = run_with(r#"{"s": {"target": true}}"#).unwrap_err();
        assert!(matches!(e, FileError::Parse { .. }), "{e}");
        assert!(
            e.to_string()
                .contains("a whole number, or a decimal string"),
            "{e}"
        );
    }
}
