//! Property tests for what a cluster serves: `/metrics` bodies, JSON values as the value
//! pane re-renders them (JSON and YAML), and the hex dump. The Kubernetes protobuf
//! decoder's are in decode_fixtures.rs (arbitrary, truncated and bit-flipped objects).

use proptest::prelude::*;

/// A metric or label name as Prometheus allows them.
fn metric_name() -> impl Strategy<Value = String> {
    "[a-zA-Z_][a-zA-Z0-9_]{0,12}"
}

fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Written samples come back as written, whatever the label values hold.
    #[test]
    fn metrics_round_trip(
        samples in prop::collection::vec(
            (metric_name(), prop::collection::vec((metric_name(), "\\PC{0,8}|[\\\\\"\n{},=]{0,4}"), 0..3), -1e12f64..1e12),
            1..8,
        )
    ) {
        let mut text = String::from("# HELP x some help\n# TYPE x gauge\n");
        for (name, labels, value) in &samples {
            let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{}\"", escape_label(v))).collect();
            if labels.is_empty() {
                text.push_str(&format!("{name} {value}\n"));
            } else {
                text.push_str(&format!("{name}{{{}}} {value}\n", labels.join(",")));
            }
        }
        let scrape = etcdtui::metrics::parse(&text);
        prop_assert!(scrape.skipped.is_empty(), "{:?}\n{text}", scrape.skipped);
        prop_assert_eq!(scrape.samples.len(), samples.len());
        for (got, (name, labels, value)) in scrape.samples.iter().zip(&samples) {
            prop_assert_eq!(&got.name, name);
            prop_assert_eq!(&got.labels, labels);
            prop_assert_eq!(got.value, *value);
        }
    }

    /// Any body: every line is a sample, a comment, blank, or skipped with its number.
    #[test]
    fn metrics_of_any_text(text in "\\PC{0,300}|[a-z_{}=\",# \n0-9.+eE-]{0,300}") {
        let scrape = etcdtui::metrics::parse(&text);
        let lines = text.lines().count();
        prop_assert!(scrape.samples.len() + scrape.skipped.len() <= lines);
        for s in &scrape.skipped {
            prop_assert!((1..=lines).contains(&s.line), "{s:?}");
            prop_assert!(!s.reason.is_empty());
        }
    }
}

/// JSON values as a cluster might hold them, text with control characters included.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        "\\PC{0,10}|[\0-\x1f\u{7f}-\u{9f}\u{202e}<>&]{0,6}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::Array),
            prop::collection::btree_map("\\PC{0,6}", inner, 0..5)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// What the value pane writes back as JSON means the same as what etcd held, in
    /// both the pretty and the kubectl style.
    #[test]
    fn json_round_trip(v in json_value()) {
        let text = serde_json::to_string(&v).expect("serialize");
        let node = etcdtui::decode::json::parse(&text).map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
        for style in [etcdtui::decode::json::PRETTY, etcdtui::decode::json::KUBECTL] {
            let written = etcdtui::decode::json::write(&node, style);
            let back: serde_json::Value = serde_json::from_str(&written)
                .map_err(|e| TestCaseError::fail(format!("{e}: {written}")))?;
            prop_assert_eq!(&back, &v);
        }
        // The YAML rendering is YAML for the same value.
        let yaml = etcdtui::decode::yaml::write(&node, false);
        let back: serde_json::Value = serde_yaml::from_str(&yaml)
            .map_err(|e| TestCaseError::fail(format!("{e}: {yaml}")))?;
        prop_assert_eq!(&back, &v, "{}", yaml);
    }

    #[test]
    fn json_of_any_text(text in "\\PC{0,100}|[\\[\\]{}\":,0-9a-z\\\\ .eE+-]{0,100}") {
        let ours = etcdtui::decode::json::parse(&text);
        let theirs = serde_json::from_str::<serde_json::Value>(&text);
        // Where serde_json accepts the text we must too (the reverse need not hold:
        // ours may be lenient with e.g. a trailing newline).
        if theirs.is_ok() {
            prop_assert!(ours.is_ok(), "{text:?}: {:?}", ours.err());
        }
    }

    /// The dump reads back to the bytes, and its text column is printable ASCII only.
    #[test]
    fn hex_dump_reads_back(bytes in prop::collection::vec(any::<u8>(), 0..100)) {
        use etcdtui::decode::{Format, RenderOptions, render};
        let dump = render(b"/k", &bytes, Format::Hex, &RenderOptions::default()).text;
        prop_assert_eq!(dump.lines().count(), bytes.len().div_ceil(16));
        let mut back = Vec::new();
        for (i, line) in dump.lines().enumerate() {
            prop_assert_eq!(&line[..8], format!("{:08x}", i * 16));
            let (hex, text) = line[8..].split_once("  |").expect("text column");
            for h in hex.split_whitespace() {
                back.push(u8::from_str_radix(h, 16).expect("hex byte"));
            }
            prop_assert!(text.ends_with('|'));
            prop_assert!(text.bytes().all(|b| (0x20..0x7f).contains(&b)), "{text:?}");
        }
        prop_assert_eq!(back, bytes);
    }
}
