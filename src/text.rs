//! Text from etcd (keys, values, member names, error messages) may hold control
//! characters and escape sequences. Nothing of it may reach the terminal raw, so every
//! such string passes through `safe` before it becomes a `Span`.

use std::borrow::Cow;

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Control and bidi characters are drawn as escapes: `\x1b`, `\u{202e}`.
pub fn safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !needs_escape(c) {
            out.push(c);
        } else if (c as u32) < 0x100 {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        }
    }
    Cow::Owned(out)
}

/// Text for a terminal line by line: each line through `safe`, each ended by a newline.
/// For the commands that print to a terminal rather than draw (`decode`, `check`).
pub fn safe_lines(text: &str) -> String {
    text.lines().map(|l| safe(l).into_owned() + "\n").collect()
}

/// `512 B`, `1.5 KiB`, `40.0 MiB`.
pub fn human_size(n: usize) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_bidi_but_keeps_unicode() {
        assert_eq!(safe("plain ünïcode"), "plain ünïcode");
        assert_eq!(safe("\x1b]0;title\x07"), "\\x1b]0;title\\x07");
        assert_eq!(safe("a\tb\nc"), "a\\x09b\\x0ac");
        assert_eq!(safe("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(safe("\u{9b}"), "\\x9b");
        // The Arabic letter mark reorders text like the other bidi controls.
        assert_eq!(safe("a\u{61c}b"), "a\\u{61c}b");
        assert!(!safe("\x1b[2J").chars().any(|c| c.is_control()));
    }

    #[test]
    fn safe_lines_keeps_the_lines_and_escapes_within_them() {
        assert_eq!(
            safe_lines("m1\x1b]0;t\x07 down\nok\u{9b}2J\n"),
            "m1\\x1b]0;t\\x07 down\nok\\x9b2J\n"
        );
    }
}

/// A key or value as bytes, drawn safely: invalid UTF-8 bytes and control characters
/// become `\xNN`, which `:goto` understands when typed back.
pub fn bytes(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    for chunk in b.utf8_chunks() {
        out.push_str(&safe(chunk.valid()));
        for byte in chunk.invalid() {
            out.push_str(&format!("\\x{byte:02x}"));
        }
    }
    out
}

#[cfg(test)]
mod bytes_tests {
    use super::bytes;

    #[test]
    fn invalid_utf8_and_controls_are_escaped() {
        assert_eq!(bytes(b"/app/\xff\xfe-x"), "/app/\\xff\\xfe-x");
        assert_eq!(bytes(b"a\x1bb"), "a\\x1bb");
        assert_eq!(bytes("ü".as_bytes()), "ü");
    }
}
