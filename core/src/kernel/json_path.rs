//! Names the JSON field a parse error is about: given the text and the
//! line/column serde_json reports, walks the text up to that point and
//! returns the path of the value being read there (`earn.rule.percent`,
//! `rewards[0].cost`, `.` for the document itself). Used for the program
//! rules, so every rules error names its field without a second serde pass.

enum Frame {
    Object {
        key: Option<String>,
        expect_key: bool,
        /// The key's `:` was read, so its value is being read.
        in_value: bool,
    },
    Array {
        index: usize,
        started: bool,
    },
}

/// The byte offset of 1-based `line` / `column` (serde_json counts columns in bytes).
fn offset(text: &str, line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(n) => start += n + 1,
            None => return text.len(),
        }
    }
    (start + column).min(text.len())
}

/// The path of the value at `line`/`column` of `text`. `unknown_field`: the
/// error is serde's "unknown field" (reported right after the key, which is
/// then part of the path; an unknown enum variant's key is not).
pub(crate) fn path_at(text: &str, line: usize, column: usize, unknown_field: bool) -> String {
    let end = offset(text, line, column);
    let bytes = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < end {
        match bytes[i] {
            b'{' => {
                start_value(&mut stack);
                stack.push(Frame::Object {
                    key: None,
                    expect_key: true,
                    in_value: false,
                });
            }
            b'[' => {
                start_value(&mut stack);
                stack.push(Frame::Array {
                    index: 0,
                    started: false,
                });
            }
            b'}' | b']' => {
                if i + 1 < end {
                    stack.pop();
                } else {
                    // The error is about the container just closed (a missing
                    // field), not about its last member.
                    match stack.last_mut() {
                        Some(Frame::Object { in_value, .. }) => *in_value = false,
                        Some(Frame::Array { started, .. }) => *started = false,
                        None => {}
                    }
                }
            }
            b':' => {
                if let Some(Frame::Object { in_value, .. }) = stack.last_mut() {
                    *in_value = true;
                }
            }
            b',' => match stack.last_mut() {
                Some(Frame::Array { index, .. }) => *index += 1,
                Some(Frame::Object {
                    key,
                    expect_key,
                    in_value,
                }) => {
                    *key = None;
                    *expect_key = true;
                    *in_value = false;
                }
                None => {}
            },
            b'"' => {
                let mut j = i + 1;
                let mut s = Vec::new();
                while j < bytes.len() && bytes[j] != b'"' {
                    if bytes[j] == b'\\' {
                        j += 1;
                    }
                    if let Some(b) = bytes.get(j) {
                        s.push(*b);
                    }
                    j += 1;
                }
                match stack.last_mut() {
                    Some(Frame::Object {
                        key, expect_key, ..
                    }) if *expect_key => {
                        *key = Some(String::from_utf8_lossy(&s).into_owned());
                        *expect_key = false;
                    }
                    _ => start_value(&mut stack),
                }
                i = j;
            }
            b' ' | b'\t' | b'\n' | b'\r' => {}
            _ => start_value(&mut stack),
        }
        i += 1;
    }
    // serde_json reports a container of the wrong type at its opening
    // bracket, before it is read: that value has started too.
    let next = bytes[end..].iter().find(|b| !b.is_ascii_whitespace());
    if matches!(next, Some(b'{' | b'[')) {
        start_value(&mut stack);
    }
    let last = stack.len().saturating_sub(1);
    let mut path = String::new();
    for (n, frame) in stack.iter().enumerate() {
        match frame {
            Frame::Object {
                key: Some(k),
                in_value,
                ..
            } if *in_value || (unknown_field && n == last) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
            }
            Frame::Object { .. } => {}
            Frame::Array { index, started } => {
                if *started {
                    path.push_str(&format!("[{index}]"));
                }
            }
        }
    }
    if path.is_empty() { ".".into() } else { path }
}

/// Marks that a value started in the innermost array (so its index counts).
fn start_value(stack: &mut [Frame]) {
    if let Some(Frame::Array { started, .. }) = stack.last_mut() {
        *started = true;
    }
}

#[cfg(test)]
mod tests {
    use super::path_at;
    use crate::program::RawProgramForTests as Raw;
    use serde_json::Value;

    /// The path serde_path_to_error gives, and ours, for one text.
    fn both(text: &str) -> Option<(String, String)> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let err = serde_path_to_error::deserialize::<_, Raw>(de).err()?;
        let theirs = err.path().to_string();
        let inner = err.into_inner();
        let unknown = inner.to_string().starts_with("unknown field");
        Some((theirs, path_at(text, inner.line(), inner.column(), unknown)))
    }

    /// Every way of breaking one value: wrong types, bad decimals, unknown keys.
    fn mutations(v: &Value, out: &mut Vec<Value>, root: &Value, at: &mut Vec<PathStep>) {
        let bad: [Value; 5] = [
            Value::String("x".into()),
            Value::from(-1),
            Value::Bool(true),
            Value::Array(vec![]),
            Value::Object(Default::default()),
        ];
        for b in &bad {
            if b != v {
                out.push(replace(root, at, b.clone()));
            }
        }
        match v {
            Value::Object(m) => {
                let mut extra = m.clone();
                extra.insert("bogus_field".into(), Value::from(1));
                out.push(replace(root, at, Value::Object(extra)));
                for (k, child) in m {
                    let mut missing = m.clone();
                    missing.remove(k);
                    out.push(replace(root, at, Value::Object(missing)));
                    at.push(PathStep::Key(k.clone()));
                    mutations(child, out, root, at);
                    at.pop();
                }
            }
            Value::Array(a) => {
                for (i, child) in a.iter().enumerate() {
                    at.push(PathStep::Index(i));
                    mutations(child, out, root, at);
                    at.pop();
                }
            }
            _ => {}
        }
    }

    #[derive(Clone)]
    enum PathStep {
        Key(String),
        Index(usize),
    }

    fn replace(root: &Value, at: &[PathStep], with: Value) -> Value {
        let mut copy = root.clone();
        let mut cur = &mut copy;
        for step in at {
            cur = match step {
                PathStep::Key(k) => &mut cur[k.as_str()],
                PathStep::Index(i) => &mut cur[*i],
            };
        }
        *cur = with;
        copy
    }

    #[test]
    fn agrees_with_serde_path_to_error_on_every_broken_program() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/scenarios");
        let mut programs = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            let doc: Value = serde_json::from_str(&text).unwrap();
            if doc["program"].is_object() {
                programs.push(doc["program"].clone());
            }
        }
        assert!(programs.len() > 50);
        let (mut checked, mut differ) = (0, Vec::new());
        for program in &programs {
            let mut broken = Vec::new();
            mutations(program, &mut broken, program, &mut Vec::new());
            for b in broken {
                for text in [b.to_string(), serde_json::to_string_pretty(&b).unwrap()] {
                    if let Some((theirs, ours)) = both(&text) {
                        checked += 1;
                        if theirs != ours {
                            differ.push(format!("{theirs} vs {ours}: {text}"));
                        }
                    }
                }
            }
        }
        assert!(checked > 1000, "{checked}");
        assert!(
            differ.is_empty(),
            "{} of {checked} differ, e.g. {:#?}",
            differ.len(),
            &differ[..differ.len().min(8)]
        );
    }
}
