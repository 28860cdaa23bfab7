//! The dependency rule of `core/src`, checked on the source itself:
//!
//! kernel ← models ← rules ← program ← engines ← views ← store ← sync ← session
//!
//! A module may import its own layer or layers to its left, never one to its
//! right, and no two modules may import each other. Imports must name the
//! module that defines an item, not a folder's re-export hub (`wallet`,
//! `goals`, `inbox` only re-export, for the crates outside). `sync::wire`, the
//! protocol's types and nothing else, sits with the models. Test modules
//! (`#[cfg(test)]` to the end of a file) are not checked.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const LAYERS: [&str; 9] = [
    "kernel", "models", "rules", "program", "engines", "views", "store", "sync", "session",
];

/// The layer of a module (index into [`LAYERS`]); `None`: a re-export hub or the crate root.
fn layer(module: &str) -> Option<usize> {
    let parts: Vec<&str> = module.split("::").collect();
    let leaf = parts.last().copied().unwrap_or("");
    let l = match parts[0] {
        "" | "wallet" | "goals" | "inbox" | "boards" if parts.len() == 1 => return None,
        "kernel" => 0,
        "program" => 3,
        "card" => 2,
        "store" => 6,
        // The protocol's types are data (ruma's way): the store reads server
        // pages in them and the client and dev server speak them.
        "sync" if module == "sync::wire" => 1,
        "sync" => 7,
        "session" => 8,
        _ => match leaf {
            "model" | "view" => 1,
            "rules" | "bonus_rules" | "push" => 2,
            "engine" | "purchase" | "returns" | "eval" | "measure" | "policy" => 4,
            "views" | "snapshot" | "wording" | "memory" => 5,
            _ => return Some(usize::MAX),
        },
    };
    Some(l)
}

/// Module path of a file under `src` ("wallet/engine.rs" → "wallet::engine").
fn module_of(rel: &str) -> String {
    let rel = rel.trim_end_matches(".rs");
    let rel = rel.strip_suffix("/mod").unwrap_or(rel);
    if rel == "lib" {
        return String::new();
    }
    rel.replace('/', "::")
}

/// The production part of a source file: comments and string literals
/// blanked, `#[cfg(test)]` and everything after it dropped.
fn production(text: &str) -> String {
    let cut = text.find("\n#[cfg(test)]").map_or(text.len(), |i| i + 1);
    let mut out = String::new();
    for line in text[..cut].lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut in_str = false;
        let mut prev = ' ';
        for ch in code.chars() {
            if ch == '"' && prev != '\\' {
                in_str = !in_str;
            } else if !in_str {
                out.push(ch);
            }
            prev = ch;
        }
        out.push('\n');
    }
    out
}

/// Expands a `use` tree ("a::{b, c::{d}}") into full paths.
fn expand(tree: &str, prefix: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head = tree[..open].trim_end_matches("::").trim();
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let base = join(prefix, head);
        let (mut depth, mut start) = (0, 0);
        for (i, ch) in inner.char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&inner[start..i], &base, out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        expand(&inner[start..], &base, out);
    } else if !tree.is_empty() {
        let path = tree.split(" as ").next().unwrap_or(tree).trim();
        out.push(join(prefix, path));
    }
}

fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}::{b}"),
    }
}

/// Every path a module names: its `use` trees and inline `crate::`/`super::` paths.
fn paths_named(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("use ") {
        let before = rest[..i].chars().last().unwrap_or(' ');
        let after = &rest[i + 4..];
        let end = after.find(';').unwrap_or(after.len());
        if !before.is_alphanumeric() && before != '_' {
            expand(&after[..end].replace(['\n', ' '], ""), "", &mut out);
        }
        rest = &after[end.min(after.len())..];
    }
    let bytes = code.as_bytes();
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(i) = code[from..].find(start) {
            let at = from + i;
            let boundary =
                at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b':');
            let len = code[at..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(code.len() - at);
            let use_tree = code[at + len..].starts_with('{');
            if boundary && !use_tree {
                out.push(code[at..at + len].trim_end_matches(':').to_string());
            }
            from = at + len.max(1);
        }
    }
    out
}

/// The module a path points into, resolved from `importer`: the longest
/// known module prefix, and the first segment after it.
fn resolve<'m>(
    path: &str,
    importer: &str,
    modules: &'m BTreeSet<String>,
) -> Option<(&'m String, Option<String>)> {
    let mut segs: Vec<String> = Vec::new();
    let mut parts = path.split("::").peekable();
    match parts.peek().copied() {
        Some("crate") => {
            parts.next();
        }
        Some("super") => {
            let mut base: Vec<&str> = importer.split("::").collect();
            while parts.peek() == Some(&"super") {
                parts.next();
                base.pop();
            }
            segs.extend(base.iter().filter(|s| !s.is_empty()).map(|s| s.to_string()));
        }
        Some("self") => {
            parts.next();
            segs.extend(importer.split("::").map(str::to_string));
        }
        _ => return None,
    }
    let rest: Vec<String> = parts.map(str::to_string).collect();
    let full: Vec<String> = segs.into_iter().chain(rest).collect();
    for n in (0..=full.len()).rev() {
        let candidate = full[..n].join("::");
        if let Some(m) = modules.get(&candidate) {
            return Some((m, full.get(n).cloned()));
        }
    }
    None
}

/// Checks a tree given as (path under src, source text); returns the violations.
fn check(files: &[(String, String)]) -> Vec<String> {
    let modules: BTreeSet<String> = files.iter().map(|(p, _)| module_of(p)).collect();
    let mut problems = Vec::new();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (rel, text) in files {
        let me = module_of(rel);
        let Some(my_layer) = layer(&me) else {
            continue; // the crate root and re-export hubs declare modules
        };
        if my_layer == usize::MAX {
            problems.push(format!(
                "core/src/{rel}: module {me} has no layer; add it to tests/layers.rs"
            ));
            continue;
        }
        for path in paths_named(&production(text)) {
            let Some((target, next)) = resolve(&path, &me, &modules) else {
                continue;
            };
            if *target == me
                || me.starts_with(&format!("{target}::"))
                    && layer(target).is_some()
                    && next.is_none()
            {
                continue;
            }
            let Some(their_layer) = layer(target) else {
                let child = next
                    .as_ref()
                    .is_some_and(|n| modules.contains(&join(target, n)));
                if !child && !target.is_empty() {
                    problems.push(format!(
                        "core/src/{rel}: `{path}` imports through the re-export hub {target}; name the module that defines it"
                    ));
                }
                continue;
            };
            if their_layer > my_layer {
                problems.push(format!(
                    "core/src/{rel}: `{path}` — {me} ({}) imports {target} ({}), a layer to its right",
                    LAYERS[my_layer],
                    LAYERS.get(their_layer).unwrap_or(&"?")
                ));
            }
            edges.entry(me.clone()).or_default().insert(target.clone());
        }
    }
    for (a, targets) in &edges {
        for b in targets {
            if a < b && edges.get(b).is_some_and(|t| t.contains(a)) {
                problems.push(format!("{a} and {b} import each other"));
            }
        }
    }
    problems
}

fn source_tree() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read core/src") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(&src).expect("under src");
                let rel = rel.to_string_lossy().replace('\\', "/");
                files.push((rel, std::fs::read_to_string(&path).expect("read source")));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn core_follows_the_dependency_rule() {
    let files = source_tree();
    assert!(files.len() > 30, "found only {} files", files.len());
    let problems = check(&files);
    assert!(
        problems.is_empty(),
        "dependency rule broken:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_check_finds_right_pointing_imports_cycles_and_hub_imports() {
    let tree = |extra: &[(&str, &str)]| {
        let mut files: Vec<(String, String)> = [
            ("lib.rs", "pub mod kernel; pub mod wallet; pub mod store;"),
            ("kernel/mod.rs", "pub mod time;"),
            ("kernel/time.rs", "pub type Time = u8;"),
            (
                "wallet/mod.rs",
                "pub mod engine; pub mod model; pub use model::*;",
            ),
            ("wallet/model.rs", "use crate::kernel::time::Time;"),
            (
                "wallet/engine.rs",
                "use super::model::Lot;\nuse crate::kernel::time::Time;",
            ),
            ("store/mod.rs", "use crate::wallet::engine::apply;"),
        ]
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
        for (p, t) in extra {
            files.retain(|(q, _)| q != p);
            files.push((p.to_string(), t.to_string()));
        }
        check(&files)
    };
    assert_eq!(tree(&[]), Vec::<String>::new());
    let right = tree(&[("wallet/engine.rs", "use crate::store::Store;")]);
    assert!(
        right
            .iter()
            .any(|p| p.contains("wallet/engine.rs") && p.contains("a layer to its right")),
        "{right:?}"
    );
    let inline = tree(&[("wallet/model.rs", "fn f(s: &crate::store::Store) {}")]);
    assert!(
        inline.iter().any(|p| p.contains("wallet/model.rs")),
        "{inline:?}"
    );
    let cycle = tree(&[("wallet/model.rs", "use super::engine::Tx;")]);
    assert!(
        cycle.iter().any(|p| p.contains("import each other")),
        "{cycle:?}"
    );
    let hub = tree(&[("store/mod.rs", "use crate::wallet::{Lot, engine::apply};")]);
    assert!(hub.iter().any(|p| p.contains("re-export hub")), "{hub:?}");
    let unknown = tree(&[("wallet/extra.rs", "")]);
    assert!(
        unknown.iter().any(|p| p.contains("has no layer")),
        "{unknown:?}"
    );
}
