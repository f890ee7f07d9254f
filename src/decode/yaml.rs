//! YAML output in kubectl's style (sigs.k8s.io/yaml over yaml.v2): block style, two-space
//! indent, list items at their key's indent, strings quoted only when they would read back
//! as something else, multi-line strings as literal blocks, and optionally keys in yaml.v2's
//! "natural" order (numbers inside keys compare by value).

use super::k8s::gotime::go_float;
use super::node::Node;

pub fn write(node: &Node, sort_keys: bool) -> String {
    let mut w = Writer {
        out: String::with_capacity(4096),
        sort_keys,
    };
    match node {
        Node::Map(entries) if !entries.is_empty() => w.map(entries, 0, false),
        Node::Seq(items) if !items.is_empty() => w.seq(items, 0, false),
        scalar => {
            w.scalar(scalar, 0);
            w.out.push('\n');
        }
    }
    w.out
}

struct Writer {
    out: String,
    sort_keys: bool,
}

impl Writer {
    fn pad(&mut self, n: usize) {
        for _ in 0..n {
            self.out.push(' ');
        }
    }

    /// `first_inline`: the first entry continues a `- ` already written.
    fn map(&mut self, entries: &[(String, Node)], indent: usize, first_inline: bool) {
        let mut order: Vec<&(String, Node)> = entries.iter().collect();
        if self.sort_keys {
            order.sort_by(|(a, _), (b, _)| natural_cmp(a, b));
        }
        for (i, (k, v)) in order.into_iter().enumerate() {
            if i > 0 || !first_inline {
                self.pad(indent);
            }
            self.key(k);
            self.out.push(':');
            self.after_key(v, indent);
        }
    }

    fn seq(&mut self, items: &[Node], indent: usize, first_inline: bool) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 || !first_inline {
                self.pad(indent);
            }
            self.out.push('-');
            match item {
                Node::Map(entries) if !entries.is_empty() => {
                    self.out.push(' ');
                    self.map(entries, indent + 2, true);
                }
                Node::Seq(inner) if !inner.is_empty() => {
                    self.out.push(' ');
                    self.seq(inner, indent + 2, true);
                }
                scalar => {
                    self.out.push(' ');
                    self.scalar(scalar, indent);
                    self.out.push('\n');
                }
            }
        }
    }

    fn after_key(&mut self, v: &Node, indent: usize) {
        match v {
            Node::Map(entries) if !entries.is_empty() => {
                self.out.push('\n');
                self.map(entries, indent + 2, false);
            }
            Node::Seq(items) if !items.is_empty() => {
                self.out.push('\n');
                self.seq(items, indent, false);
            }
            scalar => {
                self.out.push(' ');
                self.scalar(scalar, indent);
                self.out.push('\n');
            }
        }
    }

    fn key(&mut self, k: &str) {
        if k.contains('\n') {
            double_quoted(k, &mut self.out);
        } else {
            self.string(k, 0);
        }
    }

    fn scalar(&mut self, node: &Node, indent: usize) {
        match node {
            Node::Null => self.out.push_str("null"),
            Node::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Node::Int(i) => self.out.push_str(&i.to_string()),
            Node::UInt(u) => self.out.push_str(&u.to_string()),
            Node::Float(f) => self.out.push_str(&go_float(*f)),
            Node::Number(n) => self.out.push_str(n),
            Node::Str(s) => self.string(s, indent),
            Node::Seq(_) => self.out.push_str("[]"),
            Node::Map(_) => self.out.push_str("{}"),
        }
    }

    fn string(&mut self, s: &str, indent: usize) {
        match style(s) {
            Style::Plain => self.out.push_str(s),
            Style::Single => {
                self.out.push('\'');
                self.out.push_str(&s.replace('\'', "''"));
                self.out.push('\'');
            }
            Style::Double => double_quoted(s, &mut self.out),
            Style::Literal => self.literal(s, indent),
        }
    }

    fn literal(&mut self, s: &str, indent: usize) {
        self.out.push('|');
        if s.starts_with(' ') {
            self.out.push('2');
        }
        let body = s.trim_end_matches('\n');
        match s.len() - body.len() {
            0 => self.out.push('-'),
            1 => {}
            _ => self.out.push('+'),
        }
        self.out.push('\n');
        let content = if s.len() - body.len() > 1 {
            &s[..s.len() - 1]
        } else {
            body
        };
        for line in content.split('\n') {
            if !line.is_empty() {
                self.pad(indent + 2);
                self.out.push_str(line);
            }
            self.out.push('\n');
        }
        // The caller ends the line; a literal block already did.
        self.out.pop();
    }
}

/// JSON's escapes are YAML's too, but JSON lets DEL, the C1 controls and the
/// non-characters through raw while YAML forbids them: those get `\u` escapes, or the
/// text would not read back.
fn double_quoted(s: &str, out: &mut String) {
    let mut json = String::with_capacity(s.len() + 2);
    super::json::quote(s, false, &mut json);
    for c in json.chars() {
        if matches!(
            c,
            '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
        ) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
}

enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

fn style(s: &str) -> Style {
    if s.is_empty() {
        return Style::Double;
    }
    let special = s.chars().any(|c| {
        (c.is_control() && c != '\n')
            || matches!(
                c,
                '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
            )
    });
    if s.contains('\n') {
        let trailing_space = s.ends_with(' ') || s.contains(" \n") || s.contains("\t\n");
        return if special || trailing_space || s.starts_with('\n') {
            Style::Double
        } else {
            Style::Literal
        };
    }
    if special {
        return Style::Double;
    }
    if looks_typed(s) {
        return Style::Double;
    }
    let first = s.chars().next().unwrap_or(' ');
    let plain_ok = !"-?:,[]{}#&*!|>'\"%@`".contains(first)
        && !s.starts_with(' ')
        && !s.ends_with(' ')
        && !s.ends_with(':')
        && !s.contains(": ")
        && !s.contains(" #");
    if plain_ok {
        Style::Plain
    } else {
        Style::Single
    }
}

/// Whether a plain scalar would read back as null, a bool, a number or a timestamp under
/// YAML 1.1 (what Go reads) or 1.2.
fn looks_typed(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
        "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
        ".inf", ".Inf", ".INF", "+.inf", "-.inf", "+.Inf", "-.Inf", ".nan", ".NaN", ".NAN",
    ];
    // Every typed form starts with one of these; most strings stop here.
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !(first.is_ascii_digit() || "+-.~yYnNtTfFoO".contains(first)) {
        return false;
    }
    if s.len() <= 6 && WORDS.contains(&s) {
        return true;
    }
    let b = s.as_bytes();
    // Timestamps: yaml.v2 quotes anything starting like a date.
    if b.len() >= 8
        && b.iter().take(4).all(u8::is_ascii_digit)
        && b.get(4) == Some(&b'-')
        && b.get(5).is_some_and(u8::is_ascii_digit)
    {
        return true;
    }
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    if body.is_empty() {
        return false;
    }
    let digits_us = |t: &str, radix: u32| {
        !t.is_empty()
            && t.chars().all(|c| c == '_' || c.is_digit(radix))
            && t.chars().any(|c| c != '_')
    };
    if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        return digits_us(h, 16);
    }
    if let Some(o) = body.strip_prefix("0o") {
        return digits_us(o, 8);
    }
    if let Some(bin) = body.strip_prefix("0b") {
        return digits_us(bin, 2);
    }
    // Sexagesimal (YAML 1.1): 1:20, 190:20:30.15
    if body.contains(':') {
        let mut parts = body.split(':');
        let head = parts.next().unwrap_or("");
        return digits_us(head, 10)
            && parts.all(|p| {
                let int = p.split('.').next().unwrap_or("");
                !int.is_empty() && int.len() <= 2 && int.chars().all(|c| c.is_ascii_digit())
            });
    }
    // Decimal int or float: digits[.digits][e[+-]digits], underscores allowed.
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((i, f)) => {
            (i.is_empty() || digits_us(i, 10))
                && (f.is_empty() || digits_us(f, 10))
                && !(i.is_empty() && f.is_empty())
        }
        None => digits_us(mantissa, 10),
    };
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.chars().all(|c| c.is_ascii_digit())
    });
    mantissa_ok && exp_ok
}

/// yaml.v2's key order as a total order: letters sort after everything else, runs of
/// digits compare by value, then by length. Comparing token streams lexicographically keeps
/// it a total order (Rust's sort may panic on comparators that are not).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Tok {
    Other(char),
    Num(u128, usize),
    Letter(char),
}

struct Tokens<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
}

impl Iterator for Tokens<'_> {
    type Item = Tok;

    fn next(&mut self) -> Option<Tok> {
        let c = self.chars.next()?;
        Some(if c.is_ascii_digit() {
            let mut value = u128::from(c as u8 - b'0');
            let mut len = 1;
            while let Some(d) = self.chars.peek().copied().filter(char::is_ascii_digit) {
                value = value
                    .saturating_mul(10)
                    .saturating_add(u128::from(d as u8 - b'0'));
                len += 1;
                self.chars.next();
            }
            Tok::Num(value, len)
        } else if c.is_alphabetic() {
            Tok::Letter(c)
        } else {
            Tok::Other(c)
        })
    }
}

fn tokens(s: &str) -> Tokens<'_> {
    Tokens {
        chars: s.chars().peekable(),
    }
}

fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    tokens(a).cmp(tokens(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Node {
        Node::Str(v.to_string())
    }

    #[test]
    fn kubectl_layout() {
        let node = Node::Map(vec![
            (
                "spec".into(),
                Node::Map(vec![
                    ("b".into(), Node::Int(1)),
                    (
                        "a".into(),
                        Node::Seq(vec![
                            s("x"),
                            Node::Map(vec![("k".into(), s("v")), ("j".into(), Node::Bool(true))]),
                        ]),
                    ),
                ]),
            ),
            ("apiVersion".into(), s("v1")),
            ("empty".into(), Node::Map(vec![])),
            ("t".into(), s("2008-01-01T01:01:01Z")),
        ]);
        assert_eq!(
            write(&node, true),
            "apiVersion: v1\nempty: {}\nspec:\n  a:\n  - x\n  - j: true\n    k: v\n  b: 1\nt: \"2008-01-01T01:01:01Z\"\n"
        );
    }

    #[test]
    fn quotes_what_would_read_back_differently() {
        for (input, out) in [
            ("plain", "plain"),
            ("", "\"\""),
            ("true", "\"true\""),
            ("no", "\"no\""),
            ("123", "\"123\""),
            ("1.5", "\"1.5\""),
            ("1e3", "\"1e3\""),
            ("0x1F", "\"0x1F\""),
            ("1:20", "\"1:20\""),
            ("1.2.3", "1.2.3"),
            ("*", "'*'"),
            ("a: b", "'a: b'"),
            ("it's", "it's"),
            ("#x", "'#x'"),
            ("tab\there", "\"tab\\there\""),
            ("~", "\"~\""),
            ("del\u{7f}", "\"del\\u007f\""),
            ("c1\u{85}\u{9b}", "\"c1\\u0085\\u009b\""),
        ] {
            let mut w = Writer {
                out: String::new(),
                sort_keys: false,
            };
            w.string(input, 0);
            assert_eq!(w.out, out, "for {input:?}");
        }
    }

    #[test]
    fn multi_line_strings_are_literal_blocks() {
        let node = Node::Map(vec![
            ("a".into(), s("x\ny\n")),
            ("b".into(), s("x\n\ny")),
            ("c".into(), s(" lead\n")),
        ]);
        assert_eq!(
            write(&node, false),
            "a: |\n  x\n  y\nb: |-\n  x\n\n  y\nc: |2\n   lead\n"
        );
    }

    #[test]
    fn natural_key_order() {
        let mut keys = vec!["a10", "a2", "b", "A", "_x", "a"];
        keys.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(keys, vec!["_x", "A", "a", "a2", "a10", "b"]);
    }
}
