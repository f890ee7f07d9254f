//! The Prometheus text exposition format (version 0.0.4), as etcd serves it on
//! `/metrics`. Lenient on purpose: one line we do not understand (a newer etcd, a
//! proxy's banner) is recorded and skipped instead of hiding every other metric.

use super::{MetricType, Sample, Scrape, SkippedLine};

/// Parses a whole `/metrics` body. Never fails: unparsable lines land in
/// [`Scrape::skipped`].
pub fn parse(text: &str) -> Scrape {
    let mut scrape = Scrape::default();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let result = match line.strip_prefix('#') {
            Some(comment) => parse_comment(comment, &mut scrape),
            None => parse_sample(line).map(|s| scrape.samples.push(s)),
        };
        if let Err(reason) = result {
            scrape.skipped.push(SkippedLine {
                line: i + 1,
                reason,
            });
        }
    }
    scrape
}

/// `# HELP name text` and `# TYPE name type`; any other comment is ignored, as the
/// format says.
fn parse_comment(comment: &str, scrape: &mut Scrape) -> Result<(), String> {
    let comment = comment.trim_start();
    let (keyword, rest) = split_token(comment);
    match keyword {
        "HELP" => {
            let (name, text) = split_token(rest);
            check_name(name)?;
            scrape.help.insert(name.to_string(), unescape_help(text));
        }
        "TYPE" => {
            let (name, kind) = split_token(rest);
            check_name(name)?;
            let kind = match kind.trim() {
                "counter" => MetricType::Counter,
                "gauge" => MetricType::Gauge,
                "histogram" => MetricType::Histogram,
                "summary" => MetricType::Summary,
                "untyped" | "unknown" => MetricType::Untyped,
                other => return Err(format!("unknown metric type {other:?}")),
            };
            scrape.types.insert(name.to_string(), kind);
        }
        _ => {}
    }
    Ok(())
}

/// The first whitespace-separated token and the rest after the whitespace.
fn split_token(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    match s.find([' ', '\t']) {
        Some(i) => (&s[..i], s[i..].trim_start()),
        None => (s, ""),
    }
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == ':'
}

fn is_name_char(c: char) -> bool {
    is_name_start(c) || c.is_ascii_digit()
}

fn check_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if is_name_start(c) && chars.all(is_name_char) => Ok(()),
        _ => Err(format!("bad metric name {name:?}")),
    }
}

/// HELP text escapes only `\\` and `\n`.
fn unescape_help(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('\\') => out.push('\\'),
            // Unknown escapes are kept verbatim rather than guessed at.
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// `name{label="value",...} value [timestamp]`.
fn parse_sample(line: &str) -> Result<Sample, String> {
    let name_end = line.find(|c: char| !is_name_char(c)).unwrap_or(line.len());
    let name = &line[..name_end];
    check_name(name)?;
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(after_brace) = rest.trim_start().strip_prefix('{') {
        let (parsed, after) = parse_labels(after_brace)?;
        labels = parsed;
        rest = after;
    }
    let mut fields = rest.split_ascii_whitespace();
    let value = fields
        .next()
        .ok_or_else(|| format!("{name}: no value"))
        .and_then(parse_value)?;
    let timestamp = fields
        .next()
        .map(|t| {
            t.parse::<i64>()
                .map_err(|_| format!("{name}: bad timestamp {t:?}"))
        })
        .transpose()?;
    if let Some(extra) = fields.next() {
        return Err(format!("{name}: unexpected {extra:?} after the value"));
    }
    Ok(Sample {
        name: name.to_string(),
        labels,
        value,
        timestamp,
    })
}

type Labels = Vec<(String, String)>;

/// Parses labels after the opening `{` up to and including the closing `}`;
/// returns them and what follows.
fn parse_labels(mut s: &str) -> Result<(Labels, &str), String> {
    let mut labels = Vec::new();
    loop {
        s = s.trim_start();
        if let Some(after) = s.strip_prefix('}') {
            return Ok((labels, after));
        }
        let name_end = s.find(|c: char| !is_name_char(c)).unwrap_or(s.len());
        let name = &s[..name_end];
        if name.is_empty() {
            return Err(format!("bad label at {:?}", truncate(s)));
        }
        s = s[name_end..].trim_start();
        s = s
            .strip_prefix('=')
            .ok_or_else(|| format!("label {name}: expected '='"))?
            .trim_start();
        s = s
            .strip_prefix('"')
            .ok_or_else(|| format!("label {name}: expected a quoted value"))?;
        let (value, after) =
            parse_quoted(s).ok_or_else(|| format!("label {name}: unterminated value"))?;
        labels.push((name.to_string(), value));
        s = after.trim_start();
        // A trailing comma before `}` is allowed by the format.
        if let Some(after) = s.strip_prefix(',') {
            s = after;
        } else if !s.starts_with('}') {
            return Err(format!("label {name}: expected ',' or '}}'"));
        }
    }
}

/// A label value after its opening quote: escapes `\\`, `\"` and `\n`. Returns the
/// value and the text after the closing quote.
fn parse_quoted(s: &str) -> Option<(String, &str)> {
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &s[i + 1..])),
            '\\' => match chars.next()?.1 {
                'n' => out.push('\n'),
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

/// Go's `strconv.ParseFloat` spellings, which is what Prometheus clients print:
/// `+Inf`, `-Inf`, `NaN`, exponents.
fn parse_value(s: &str) -> Result<f64, String> {
    match s {
        "+Inf" | "Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        _ => s.parse::<f64>().map_err(|_| format!("bad value {s:?}")),
    }
}

/// A bucket's `le` label, which uses the same spellings as values.
pub(super) fn parse_le(s: &str) -> Option<f64> {
    parse_value(s.trim()).ok()
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_help_type_and_plain_samples() {
        let s = parse(
            "# HELP etcd_server_has_leader Whether or not a leader exists.\n\
             # TYPE etcd_server_has_leader gauge\n\
             etcd_server_has_leader 1\n",
        );
        assert!(s.skipped.is_empty(), "{:?}", s.skipped);
        assert_eq!(
            s.types.get("etcd_server_has_leader"),
            Some(&MetricType::Gauge)
        );
        assert_eq!(
            s.help.get("etcd_server_has_leader").map(String::as_str),
            Some("Whether or not a leader exists.")
        );
        assert_eq!(s.samples.len(), 1);
        assert_eq!(s.samples[0].value, 1.0);
        assert!(s.samples[0].labels.is_empty());
    }

    #[test]
    fn parses_labels_with_escapes_and_trailing_comma() {
        let s = parse(r#"m{a="x\"y",b="back\\slash",c="line\nbreak",} 2"#);
        assert!(s.skipped.is_empty(), "{:?}", s.skipped);
        let labels = &s.samples[0].labels;
        assert_eq!(labels[0], ("a".into(), "x\"y".into()));
        assert_eq!(labels[1], ("b".into(), "back\\slash".into()));
        assert_eq!(labels[2], ("c".into(), "line\nbreak".into()));
    }

    #[test]
    fn braces_and_commas_inside_label_values_do_not_confuse() {
        let s = parse(r#"m{path="/a,b}c", x = "1"} 3"#);
        assert!(s.skipped.is_empty(), "{:?}", s.skipped);
        assert_eq!(s.samples[0].labels[0].1, "/a,b}c");
        assert_eq!(s.samples[0].labels[1], ("x".into(), "1".into()));
        assert_eq!(s.samples[0].value, 3.0);
    }

    #[test]
    fn parses_special_values_exponents_and_timestamps() {
        let s = parse(
            "a{le=\"+Inf\"} +Inf\nb -Inf\nc NaN\nd 1.5e-05\ne 2E+3 1712345678901\nf -0.25\t-3\n",
        );
        assert!(s.skipped.is_empty(), "{:?}", s.skipped);
        let v: Vec<f64> = s.samples.iter().map(|x| x.value).collect();
        assert_eq!(v[0], f64::INFINITY);
        assert_eq!(v[1], f64::NEG_INFINITY);
        assert!(v[2].is_nan());
        assert_eq!(v[3], 1.5e-5);
        assert_eq!(v[4], 2000.0);
        assert_eq!(s.samples[4].timestamp, Some(1_712_345_678_901));
        assert_eq!(s.samples[5].timestamp, Some(-3));
        assert_eq!(s.samples[0].labels[0].1, "+Inf");
    }

    #[test]
    fn help_text_unescapes_backslash_and_newline() {
        let s = parse("# HELP m a\\\\b\\nc\n");
        assert_eq!(s.help.get("m").map(String::as_str), Some("a\\b\nc"));
    }

    #[test]
    fn bad_lines_are_skipped_with_their_number_and_the_rest_kept() {
        let s = parse(
            "good 1\nbad{a=1} 2\n9bad 3\nnovalue\nx 1 notatime\n# TYPE t weird\nalso_good 4\n",
        );
        let lines: Vec<usize> = s.skipped.iter().map(|l| l.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5, 6]);
        let names: Vec<&str> = s.samples.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, vec!["good", "also_good"]);
    }

    #[test]
    fn other_comments_and_blank_lines_are_ignored() {
        let s = parse("# just a comment\n\n   \n#\nm 1\n# EOF\n");
        assert!(s.skipped.is_empty(), "{:?}", s.skipped);
        assert_eq!(s.samples.len(), 1);
    }

    #[test]
    fn unterminated_label_value_is_an_error_not_a_panic() {
        for line in [
            r#"m{a="x"#,
            r#"m{a="x\"#,
            "m{a",
            "m{",
            "m{=\"x\"} 1",
            "m{a=\"x\" b=\"y\"} 1",
        ] {
            let s = parse(line);
            assert_eq!(s.samples.len(), 0, "{line}");
            assert_eq!(s.skipped.len(), 1, "{line}");
        }
    }
}
