//! Runs every QA scenario file under `tests/scenarios/`, once straight through
//! and once reopening the database between steps.

use std::path::PathBuf;

use loyalty_scenario::{RunOptions, Scenario, collect_files, run};

fn scenario_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios")
}

fn run_all(reopen: bool) {
    let files = collect_files(&[scenario_dir()]).expect("scenario folder is readable");
    assert!(
        files.len() >= 25,
        "expected at least 25 scenario files, found {}",
        files.len()
    );
    let mut problems = Vec::new();
    for file in &files {
        let scenario = match Scenario::load(file) {
            Ok(s) => s,
            Err(e) => {
                problems.push(e.to_string());
                continue;
            }
        };
        match run(&scenario, RunOptions { reopen }) {
            Ok(report) => {
                for f in &report.failures {
                    problems.push(format!(
                        "{} step {}: {}: expected {}, got {}",
                        report.file, f.step, f.key, f.expected, f.actual
                    ));
                }
            }
            Err(e) => problems.push(e.to_string()),
        }
    }
    assert!(
        problems.is_empty(),
        "scenario failures:\n{}",
        problems.join("\n")
    );
}

#[test]
fn scenarios_hold() {
    run_all(false);
}

#[test]
fn scenarios_hold_across_reopen() {
    run_all(true);
}
