//! Colours for structured values, line by line: keys, strings and numbers of the JSON
//! and YAML the decoder prints (Kubernetes objects included). A line it does not
//! recognise is plain text; it never changes a character, only the colour.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::decode::Format;
use crate::theme::Theme;

pub fn line<'a>(text: &str, format: Format, theme: &Theme) -> Line<'a> {
    if !matches!(format, Format::Json | Format::Yaml | Format::Kubernetes) {
        return Line::styled(text.to_string(), theme.text);
    }
    let indent = text.len() - text.trim_start().len();
    let body = &text[indent..];
    // `"key": value` (JSON) or `key: value` / `- key: value` (YAML).
    let (lead, rest) = match body.strip_prefix("- ") {
        Some(r) => (&text[..indent + 2], r),
        None => (&text[..indent], body),
    };
    let Some((key, value)) = split_key(rest) else {
        return Line::from(vec![
            Span::styled(lead.to_string(), theme.text),
            Span::styled(rest.to_string(), scalar(rest, theme)),
        ]);
    };
    Line::from(vec![
        Span::styled(lead.to_string(), theme.text),
        Span::styled(key.to_string(), theme.json_key),
        Span::styled(value.to_string(), scalar(value, theme)),
    ])
}

/// `"key":` or `key:` followed by the rest, the colon kept with the key.
fn split_key(s: &str) -> Option<(&str, &str)> {
    let end = if let Some(quoted) = s.strip_prefix('"') {
        let close = quoted.find("\":")? + 1;
        close + 2
    } else {
        let colon = s
            .find(": ")
            .or_else(|| s.strip_suffix(':').map(|k| k.len()))?;
        if s[..colon].contains(['{', '[', '"', ' ']) {
            return None;
        }
        colon + 1
    };
    Some((&s[..end], &s[end..]))
}

fn scalar(v: &str, theme: &Theme) -> Style {
    let t = v.trim().trim_end_matches(',');
    if t.starts_with('"') || t.starts_with('\'') {
        theme.json_string
    } else if t.parse::<f64>().is_ok() || matches!(t, "true" | "false" | "null") {
        theme.json_number
    } else if t.is_empty() || t.starts_with(['{', '[', '}', ']']) {
        theme.text
    } else {
        theme.json_string
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(text: &str, format: Format) -> Vec<(String, Style)> {
        let t = Theme::builtin_default();
        let l = line(text, format, &t);
        let base = l.style;
        l.spans
            .into_iter()
            .map(|s| (s.content.into_owned(), base.patch(s.style)))
            .filter(|(c, _)| !c.is_empty())
            .collect()
    }

    #[test]
    fn keys_strings_and_numbers_and_nothing_changes() {
        let t = Theme::builtin_default();
        let s = spans("  \"replicas\": 3,", Format::Json);
        assert_eq!(s[1], ("\"replicas\":".into(), t.json_key));
        assert_eq!(s[2], (" 3,".into(), t.json_number));
        let s = spans("- name: redis", Format::Kubernetes);
        assert_eq!(s[1], ("name:".into(), t.json_key));
        assert_eq!(s[2], (" redis".into(), t.json_string));
        let s = spans("metadata:", Format::Yaml);
        assert_eq!(s[0], ("metadata:".into(), t.json_key));
        let plain = spans("a: b", Format::Text);
        assert_eq!(plain, vec![("a: b".to_string(), t.text)]);
        for text in [
            "  \"a\": \"b: c\"",
            "- x",
            "key: {a: 1}",
            "::",
            "\"unterminated",
        ] {
            let joined: String = spans(text, Format::Json)
                .into_iter()
                .map(|(c, _)| c)
                .collect();
            assert_eq!(joined, text);
        }
    }
}
