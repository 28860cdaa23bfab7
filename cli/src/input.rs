//! Reading a file (or standard input, `-`) that a command takes, at most a
//! bounded size: `/dev/zero` or a huge file is refused after `limit + 1`
//! bytes instead of filling memory.

use std::io::Read;

/// Largest push payload file read (the inbox refuses more than 4 KiB anyway;
/// this leaves room for whitespace around it).
pub const PUSH_LIMIT: u64 = 64 * 1024;
/// Largest receipt file read (the till API takes bodies up to 2 MiB).
pub const RECEIPT_LIMIT: u64 = 2 * 1024 * 1024;

/// The text of `source` (a path, or `-` for standard input), refused when it
/// is longer than `limit` bytes or not UTF-8.
pub fn read_text(source: &str, limit: u64) -> Result<String, String> {
    let (shown, reader): (String, Box<dyn Read>) = if source == "-" {
        ("standard input".into(), Box::new(std::io::stdin()))
    } else {
        let file =
            std::fs::File::open(source).map_err(|err| format!("cannot read {source}: {err}"))?;
        (source.to_string(), Box::new(file))
    };
    read_bounded(reader, limit, &shown)
}

fn read_bounded(reader: impl Read, limit: u64, shown: &str) -> Result<String, String> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|err| format!("cannot read {shown}: {err}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "{shown} is larger than {limit} bytes; give the file the command expects"
        ));
    }
    String::from_utf8(bytes).map_err(|_| format!("{shown} is not UTF-8 text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_input_is_refused_after_the_limit() {
        let endless = std::io::repeat(b'x');
        let err = read_bounded(endless, 1024, "zeros").unwrap_err();
        assert!(err.contains("larger than 1024 bytes"), "{err}");
        assert_eq!(read_bounded(&b"abc"[..], 3, "f").unwrap(), "abc");
        assert!(read_bounded(&b"abcd"[..], 3, "f").is_err());
        assert!(
            read_bounded(&[0xff, 0xfe][..], 3, "f")
                .unwrap_err()
                .contains("UTF-8")
        );
    }
}
