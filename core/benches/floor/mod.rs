//! Floors: what the hardware and SQLite allow for a path, measured in the
//! same run as the path itself, and the ratio of the two medians printed
//! after criterion's own report (issue 18 asks for both side by side).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use criterion::Criterion;

/// A bench's `main`: runs `benches` as criterion's harness would (command
/// line options included), then prints each `(path, floor)` pair's medians
/// and ratio.
pub fn run(benches: fn(&mut Criterion), pairs: &[(&str, &str)]) {
    let since = SystemTime::now();
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c);
    c.final_summary();
    report(since, pairs);
}

/// Where criterion writes its estimates: `CRITERION_HOME`, or `criterion/`
/// in the target directory this bench was built into (what criterion itself
/// picks when `CARGO_TARGET_DIR` is the same at build and run time).
fn criterion_home() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return Path::new(&dir).join("criterion");
    }
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap_or(Path::new("target"))
        .join("criterion")
}

/// The median of `id` ("group/function", as given to `bench_function`) in
/// nanoseconds, if it ran since `since` (not filtered out, not a figure left
/// by an earlier run).
fn median_ns(id: &str, since: SystemTime) -> Option<f64> {
    // Criterion keeps a function named "a/b" in the folder "a_b".
    let (group, function) = id.split_once('/')?;
    let file = criterion_home()
        .join(group)
        .join(function.replace('/', "_"))
        .join("new")
        .join("estimates.json");
    if std::fs::metadata(&file).ok()?.modified().ok()? < since {
        return None;
    }
    let text = std::fs::read_to_string(file).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["median"]["point_estimate"].as_f64()
}

fn human(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

/// Prints each path's median beside its floor's and the ratio, for the
/// pairs `(path id, floor id)` that both ran since `since` (this process's
/// start).
fn report(since: SystemTime, pairs: &[(&str, &str)]) {
    let mut printed = false;
    for (path, floor) in pairs {
        let (Some(p), Some(f)) = (median_ns(path, since), median_ns(floor, since)) else {
            continue;
        };
        if !printed {
            println!("\nmedian vs floor (same run):");
            printed = true;
        }
        println!(
            "  {path}: {} | floor {floor}: {} | ratio {:.2}×",
            human(p),
            human(f),
            p / f
        );
    }
}
