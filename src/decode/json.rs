//! A small JSON reader that keeps key order and numbers exactly as written, and a writer for
//! both plain pretty-printing and kubectl's `-o json` (Go's `json.MarshalIndent`).

use super::k8s::gotime::go_float;
use super::node::Node;

/// Deeper nesting is refused rather than risking the stack on hostile input.
const MAX_DEPTH: u32 = 512;

pub fn parse(text: &str) -> Result<Node, String> {
    let mut p = Parser {
        text,
        b: text.as_bytes(),
        pos: 0,
    };
    p.ws();
    let node = p.value(0)?;
    p.ws();
    if p.pos != p.b.len() {
        return Err(format!("trailing characters at byte {}", p.pos));
    }
    Ok(node)
}

struct Parser<'a> {
    text: &'a str,
    b: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("{what} at byte {}", self.pos))
    }

    fn lit(&mut self, word: &str, node: Node) -> Result<Node, String> {
        if self.b.get(self.pos..self.pos + word.len()) == Some(word.as_bytes()) {
            self.pos += word.len();
            Ok(node)
        } else {
            self.err("invalid literal")
        }
    }

    fn value(&mut self, depth: u32) -> Result<Node, String> {
        if depth > MAX_DEPTH {
            return self.err("nesting too deep");
        }
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => Ok(Node::Str(self.string()?)),
            Some(b't') => self.lit("true", Node::Bool(true)),
            Some(b'f') => self.lit("false", Node::Bool(false)),
            Some(b'n') => self.lit("null", Node::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => self.err("expected a value"),
        }
    }

    fn object(&mut self, depth: u32) -> Result<Node, String> {
        self.pos += 1;
        let mut entries = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Node::Map(entries));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return self.err("expected a key");
            }
            let key = self.string()?;
            self.ws();
            if self.peek() != Some(b':') {
                return self.err("expected ':'");
            }
            self.pos += 1;
            self.ws();
            let value = self.value(depth + 1)?;
            entries.push((key, value));
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Node::Map(entries));
                }
                _ => return self.err("expected ',' or '}'"),
            }
        }
    }

    fn array(&mut self, depth: u32) -> Result<Node, String> {
        self.pos += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Node::Seq(items));
        }
        loop {
            self.ws();
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Node::Seq(items));
                }
                _ => return self.err("expected ',' or ']'"),
            }
        }
    }

    fn number(&mut self) -> Result<Node, String> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let s = p.pos;
            while matches!(p.peek(), Some(b'0'..=b'9')) {
                p.pos += 1;
            }
            p.pos > s
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        if self.peek() == Some(b'0') {
            self.pos += 1;
        } else if !digits(self) {
            return self.err("invalid number");
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !digits(self) {
                return self.err("invalid number");
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !digits(self) {
                return self.err("invalid number");
            }
        }
        let text = String::from_utf8_lossy(self.b.get(start..self.pos).unwrap_or(&[]));
        Ok(Node::Number(text.into_owned()))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self
            .b
            .get(self.pos..self.pos + 4)
            .ok_or("truncated \\u escape")?;
        let s = std::str::from_utf8(digits).map_err(|_| "bad \\u escape")?;
        let v = u32::from_str_radix(s, 16).map_err(|_| "bad \\u escape")?;
        self.pos += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<String, String> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            // Copy the run up to the next quote or backslash in one go.
            let start = self.pos;
            while let Some(c) = self.peek() {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            // Runs end only at ASCII bytes, so they are whole characters of valid input.
            out.push_str(self.text.get(start..self.pos).ok_or("invalid UTF-8")?);
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let esc = self.peek().ok_or("truncated escape")?;
                    self.pos += 1;
                    match esc {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let mut cp = self.hex4()?;
                            if (0xd800..0xdc00).contains(&cp)
                                && self.b.get(self.pos..self.pos + 2) == Some(b"\\u")
                            {
                                let save = self.pos;
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if (0xdc00..0xe000).contains(&lo) {
                                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                                } else {
                                    self.pos = save;
                                }
                            }
                            out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
                        }
                        _ => return self.err("invalid escape"),
                    }
                }
                _ => return self.err("unterminated string"),
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct JsonStyle {
    pub indent: &'static str,
    /// Go's encoder writes `<`, `>`, `&`, U+2028 and U+2029 as `\u` escapes.
    pub go_escapes: bool,
}

/// Plain pretty JSON: 2-space indent.
pub const PRETTY: JsonStyle = JsonStyle {
    indent: "  ",
    go_escapes: false,
};

/// `kubectl get -o json`: Go's `json.MarshalIndent(obj, "", "    ")`.
pub const KUBECTL: JsonStyle = JsonStyle {
    indent: "    ",
    go_escapes: true,
};

pub fn write(node: &Node, style: JsonStyle) -> String {
    let mut out = String::new();
    emit(node, style, 0, &mut out);
    out.push('\n');
    out
}

fn newline(out: &mut String, style: JsonStyle, level: usize) {
    out.push('\n');
    for _ in 0..level {
        out.push_str(style.indent);
    }
}

fn emit(node: &Node, style: JsonStyle, level: usize, out: &mut String) {
    match node {
        Node::Null => out.push_str("null"),
        Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Node::Int(i) => out.push_str(&i.to_string()),
        Node::UInt(u) => out.push_str(&u.to_string()),
        Node::Float(f) => out.push_str(&go_float(*f)),
        Node::Number(n) => out.push_str(n),
        Node::Str(s) => quote(s, style.go_escapes, out),
        Node::Seq(items) if items.is_empty() => out.push_str("[]"),
        Node::Map(entries) if entries.is_empty() => out.push_str("{}"),
        Node::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, style, level + 1);
                emit(item, style, level + 1, out);
            }
            newline(out, style, level);
            out.push(']');
        }
        Node::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, style, level + 1);
                quote(k, style.go_escapes, out);
                out.push_str(": ");
                emit(v, style, level + 1, out);
            }
            newline(out, style, level);
            out.push('}');
        }
    }
}

pub fn quote(s: &str, go_escapes: bool, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' if go_escapes => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_keeps_order_and_numbers() {
        let n = parse(r#"{"b": 1, "a": [true, null, 1.50, -0e3], "s": "x\u00e9\ud83d\ude00\n"}"#)
            .expect("valid");
        let Node::Map(entries) = &n else {
            panic!("map")
        };
        assert_eq!(entries[0].0, "b");
        assert_eq!(entries[1].0, "a");
        assert_eq!(
            n.get("a"),
            Some(&Node::Seq(vec![
                Node::Bool(true),
                Node::Null,
                Node::Number("1.50".into()),
                Node::Number("-0e3".into())
            ]))
        );
        assert_eq!(n.get("s"), Some(&Node::Str("xé😀\n".into())));
    }

    #[test]
    fn rejects_invalid_json() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\" 1}",
            "01",
            "nul",
            "\"\\x\"",
            "[1] 2",
            "{'a':1}",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should fail");
        }
        let deep = "[".repeat(100_000);
        assert!(parse(&deep).is_err());
    }

    #[test]
    fn writes_like_go_marshal_indent() {
        let n = parse(r#"{"a":[1,{}],"b":"<&>","c":[]}"#).expect("valid");
        assert_eq!(
            write(&n, KUBECTL),
            "{\n    \"a\": [\n        1,\n        {}\n    ],\n    \"b\": \"\\u003c\\u0026\\u003e\",\n    \"c\": []\n}\n"
        );
        assert_eq!(write(&n, PRETTY).lines().nth(1), Some("  \"a\": ["));
    }
}
