//! `loyalty scenario run`: runs scenario files and reports per expectation.

use std::path::PathBuf;
use std::process::ExitCode;

use loyalty_scenario::{
    FileError, RunOptions, Scenario, ScenarioReport, collect_files, run as run_one,
};
use serde_json::json;
use std::fmt::Write;

use crate::emit;

/// Runs every scenario under `paths`; exit 0 all hold, 1 an expectation failed, 2 a file is unusable.
pub fn run(paths: &[PathBuf], reopen: bool, as_json: bool) -> ExitCode {
    let mut reports: Vec<ScenarioReport> = Vec::new();
    let mut file_errors: Vec<FileError> = Vec::new();
    match collect_files(paths) {
        Ok(files) => {
            if files.is_empty() {
                file_errors.push(FileError::Invalid {
                    path: paths
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    reason: "no scenario files (*.json) found".into(),
                });
            }
            for file in files {
                match Scenario::load(&file).and_then(|s| run_one(&s, RunOptions { reopen })) {
                    Ok(report) => reports.push(report),
                    Err(e) => file_errors.push(e),
                }
            }
        }
        Err(e) => file_errors.push(e),
    }

    let failed = reports.iter().filter(|r| !r.passed()).count();
    let passed = reports.len() - failed;
    if as_json {
        let doc = json!({
            "passed": passed,
            "failed": failed,
            "file_errors": file_errors.iter().map(|e| json!({"error": e, "message": e.to_string()})).collect::<Vec<_>>(),
            "scenarios": reports,
        });
        emit(&format!("{doc:#}\n"));
    } else {
        let mut out = String::new();
        for r in &reports {
            if r.passed() {
                let _ = writeln!(out, "ok    {} ({} steps) — {}", r.file, r.steps, r.name);
            } else {
                let _ = writeln!(out, "FAIL  {} — {}", r.file, r.name);
                for f in &r.failures {
                    let _ = writeln!(
                        out,
                        "      {}: step {}: {}: expected {}, actual {}",
                        r.file, f.step, f.key, f.expected, f.actual
                    );
                }
            }
        }
        for e in &file_errors {
            let _ = writeln!(out, "ERROR {e}");
        }
        let _ = writeln!(
            out,
            "{passed} passed, {failed} failed{}",
            if file_errors.is_empty() {
                String::new()
            } else {
                format!(", {} file errors", file_errors.len())
            }
        );
        emit(&out);
    }
    if !file_errors.is_empty() {
        ExitCode::from(2)
    } else if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
