//! API-level tests on values built with the wire writer (no fixtures needed).

use super::wire::Writer;
use super::*;

const HIDE: RenderOptions = RenderOptions {
    reveal_secrets: false,
};
const REVEAL: RenderOptions = RenderOptions {
    reveal_secrets: true,
};

/// ObjectMeta the way Go writes it: every non-pointer string present, even when empty.
fn object_meta(w: &mut Writer, name: &str, namespace: &str) {
    w.string(1, name)
        .string(2, "")
        .string(3, namespace)
        .string(4, "")
        .string(5, "uid-1")
        .string(6, "42")
        .varint(7, 0)
        .message(8, |t| {
            t.varint(1, 1_199_149_261).varint(2, 0);
        })
        .message(11, |m| {
            m.string(1, "app").string(2, "web");
        });
}

fn config_map(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut raw = Writer::new();
    raw.message(1, |m| object_meta(m, "cm", "default"));
    for (k, v) in entries {
        raw.message(2, |e| {
            e.string(1, k).string(2, v);
        });
    }
    Writer::k8s_value("v1", "ConfigMap", &raw.finish())
}

fn secret() -> Vec<u8> {
    let mut raw = Writer::new();
    raw.message(1, |m| object_meta(m, "s", "default"))
        .message(2, |e| {
            e.string(1, "password").bytes(2, b"hunter2");
        })
        .string(3, "Opaque");
    Writer::k8s_value("v1", "Secret", &raw.finish())
}

#[test]
fn config_map_prints_like_kubectl() {
    let v = config_map(&[("z", "last"), ("a", "multi\nline\n")]);
    let r = render(
        b"/registry/configmaps/default/cm",
        &v,
        Format::Kubernetes,
        &HIDE,
    );
    assert_eq!(r.format, Format::Kubernetes);
    assert_eq!(r.kind, Some(("v1".to_string(), "ConfigMap".to_string())));
    assert!(r.notes.is_empty(), "{:?}", r.notes);
    assert_eq!(
        r.text,
        "apiVersion: v1\n\
         data:\n  a: |\n    multi\n    line\n  z: last\n\
         kind: ConfigMap\n\
         metadata:\n  creationTimestamp: \"2008-01-01T01:01:01Z\"\n  labels:\n    app: web\n  \
         name: cm\n  namespace: default\n  resourceVersion: \"42\"\n  uid: uid-1\n"
    );
}

#[test]
fn kubernetes_json_is_kubectl_o_json() {
    let v = config_map(&[("k", "<v>")]);
    let r = render(b"/registry/configmaps/default/cm", &v, Format::Json, &HIDE);
    assert_eq!(r.format, Format::Json);
    assert!(
        r.text
            .starts_with("{\n    \"apiVersion\": \"v1\",\n    \"kind\": \"ConfigMap\",\n")
    );
    assert!(r.text.contains("\"k\": \"\\u003cv\\u003e\""));
}

#[test]
fn detection() {
    let k = b"/k";
    assert_eq!(detect(k, &config_map(&[])), Format::Kubernetes);
    assert_eq!(detect(k, br#"{"a":[1,2]}"#), Format::Json);
    assert_eq!(detect(k, b"a: 1\nb: [x]\n"), Format::Yaml);
    assert_eq!(detect(k, b"just text\n"), Format::Text);
    assert_eq!(detect(k, b"\x00\x01\x02"), Format::Hex);
    assert_eq!(
        detect(k, b"k8s:enc:aesgcm:v1:key2:\x00\xff"),
        Format::Encrypted
    );
    let crd = br#"{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"}}"#;
    assert_eq!(
        detect(b"/registry/example.com/widgets/default/w", crd),
        Format::Kubernetes
    );
    assert_eq!(detect(b"/app/w", crd), Format::Json);
    for v in [
        &config_map(&[])[..],
        b"{}",
        b"a: 1\nb: 2\n",
        b"x",
        b"\x00",
        b"k8s:enc:kms:v2:p:x",
    ] {
        let formats = formats_for(v);
        assert!(formats.contains(&detect(k, v)), "{v:?}");
        assert_eq!(formats.last(), Some(&Format::Hex));
    }
}

#[test]
fn plain_formats_render() {
    let r = render(b"/k", br#"{"b":1,"a":{"c":[]}}"#, Format::Json, &HIDE);
    assert_eq!(
        r.text,
        "{\n  \"b\": 1,\n  \"a\": {\n    \"c\": []\n  }\n}\n"
    );
    let r = render(b"/k", br#"{"b":1,"a":{"c":[]}}"#, Format::Yaml, &HIDE);
    assert_eq!(
        (r.format, r.text.as_str()),
        (Format::Yaml, "b: 1\na:\n  c: []\n")
    );
    let yaml = b"# comment\nkey: value\n";
    assert_eq!(
        render(b"/k", yaml, Format::Yaml, &HIDE).text,
        "# comment\nkey: value\n"
    );
    let r = render(b"/k", b"\x00\x01abc", Format::Text, &HIDE);
    assert_eq!(r.text, "\\x00\\x01abc");
    let r = render(b"/k", b"k8s\0", Format::Hex, &HIDE);
    assert_eq!(
        r.text,
        "00000000  6b 38 73 00                                       |k8s.|\n"
    );
}

#[test]
fn impossible_format_falls_back_with_a_note() {
    let r = render(b"/k", b"\x00\x01", Format::Json, &HIDE);
    assert_eq!(r.format, Format::Hex);
    assert_eq!(
        r.notes.first().map(String::as_str),
        Some("not JSON content; shown as hex")
    );
}

#[test]
fn encrypted_values_are_described() {
    let v = b"k8s:enc:aescbc:v1:key1:\x8a\x01\x02\x03";
    let r = render(b"/registry/secrets/default/s", v, detect(b"/", v), &HIDE);
    assert_eq!(r.format, Format::Encrypted);
    assert_eq!(
        r.text,
        "encrypted at rest (provider aescbc, key key1), 27 bytes"
    );
    let hex = render(b"/registry/secrets/default/s", v, Format::Hex, &HIDE);
    assert!(
        hex.text.starts_with("00000000  6b 38 73 3a"),
        "ciphertext is not hidden"
    );
}

#[test]
fn secrets_are_masked_unless_revealed() {
    let v = secret();
    let key = b"/registry/secrets/default/s";
    let masked = render(key, &v, Format::Kubernetes, &HIDE);
    assert!(
        masked.text.contains("password: •••••• (7 bytes)"),
        "{}",
        masked.text
    );
    assert!(!masked.text.contains("aHVudGVyMg=="));
    let json = render(key, &v, Format::Json, &HIDE);
    assert!(json.text.contains("•••••• (7 bytes)"));
    for f in [Format::Hex, Format::Text] {
        let r = render(key, &v, f, &HIDE);
        assert!(
            !r.text.contains("hunter2") && !r.text.contains("hunte"),
            "{f:?} leaks"
        );
    }
    let shown = render(key, &v, Format::Kubernetes, &REVEAL);
    assert!(shown.text.contains("password: aHVudGVyMg=="));
    assert!(render(key, &v, Format::Hex, &REVEAL).text.contains("|"));
    // A Secret under another etcd prefix is still recognised by its kind.
    let other = render(b"/custom/secrets/s", &v, Format::Kubernetes, &HIDE);
    assert!(other.text.contains("•••••• (7 bytes)"));
}

#[test]
fn unknown_fields_are_dumped_with_a_note() {
    let mut raw = Writer::new();
    raw.message(1, |m| object_meta(m, "cm", "default"))
        .varint(999, 7)
        .message(998, |m| {
            m.string(1, "nested").varint(2, 3);
        });
    let v = Writer::k8s_value("v1", "ConfigMap", &raw.finish());
    let r = render(
        b"/registry/configmaps/default/cm",
        &v,
        Format::Kubernetes,
        &HIDE,
    );
    assert!(r.text.contains("'#999 varint': 7"), "{}", r.text);
    assert!(
        r.text
            .contains("'#998 message':\n  '#1 string': nested\n  '#2 varint': 3\n")
    );
    assert!(
        r.notes.iter().any(|n| n.contains("unknown field 999")),
        "{:?}",
        r.notes
    );
    assert!(r.text.contains("name: cm"));
}

#[test]
fn unknown_kind_keeps_metadata_and_dumps_the_rest() {
    let mut raw = Writer::new();
    raw.message(1, |m| object_meta(m, "thing", "ns"))
        .message(2, |s| {
            s.string(1, "specValue");
        });
    let v = Writer::k8s_value("future.k8s.io/v9", "Gizmo", &raw.finish());
    let r = render(b"/registry/gizmos/ns/thing", &v, Format::Kubernetes, &HIDE);
    assert_eq!(r.kind, Some(("future.k8s.io/v9".into(), "Gizmo".into())));
    assert!(
        r.text.contains("metadata:\n") && r.text.contains("  name: thing\n"),
        "{}",
        r.text
    );
    assert!(
        r.text.contains("'#2 message':\n  '#1 string': specValue\n"),
        "{}",
        r.text
    );
    assert!(r.notes.iter().any(|n| n.contains("unknown kind Gizmo")));
}

#[test]
fn truncated_values_still_render() {
    let v = config_map(&[("k", "v")]);
    for cut in [5, v.len() / 2, v.len() - 1] {
        let r = render(
            b"/registry/configmaps/x",
            &v[..cut],
            Format::Kubernetes,
            &HIDE,
        );
        assert_eq!(r.format, Format::Kubernetes);
        assert!(!r.notes.is_empty(), "cut at {cut}");
    }
}

#[test]
fn zero_values_follow_go_omitempty() {
    // ContainerStatus: ready and restartCount have no omitempty in Go (required in OpenAPI),
    // so false and 0 print; containerID is omitempty, so "" disappears.
    let mut raw = Writer::new();
    raw.message(1, |m| object_meta(m, "p", "ns"))
        .message(3, |status| {
            status.message(8, |cs| {
                cs.string(1, "app")
                    .varint(4, 0)
                    .varint(5, 0)
                    .string(6, "img");
            });
        });
    let v = Writer::k8s_value("v1", "Pod", &raw.finish());
    let r = render(b"/registry/pods/ns/p", &v, Format::Kubernetes, &HIDE);
    assert!(r.text.contains("restartCount: 0"), "{}", r.text);
    assert!(r.text.contains("ready: false"), "{}", r.text);
    assert!(!r.text.contains("containerID"), "{}", r.text);
    assert!(!r.text.contains("generateName"));
    assert!(!r.text.contains("generation"));
}

#[test]
fn large_values_decode() {
    let entries: Vec<(String, String)> = (0..20_000)
        .map(|i| (format!("key-{i:05}"), "x".repeat(60)))
        .collect();
    let refs: Vec<(&str, &str)> = entries
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let v = config_map(&refs);
    assert!(v.len() > 1_500_000);
    let r = render(
        b"/registry/configmaps/default/big",
        &v,
        Format::Kubernetes,
        &HIDE,
    );
    assert!(r.notes.is_empty());
    assert!(r.text.contains("key-19999: xxxx"));
}

#[test]
fn objects_nested_in_raw_extensions_stop_at_the_depth_limit() {
    // ControllerRevision.data is a RawExtension; each level wraps the previous object.
    let mut v = config_map(&[("k", "v")]);
    for _ in 0..3000 {
        let mut raw = Writer::new();
        raw.message(2, |data| {
            data.bytes(1, &v);
        })
        .varint(3, 1);
        v = Writer::k8s_value("apps/v1", "ControllerRevision", &raw.finish());
    }
    let r = render(
        b"/registry/controllerrevisions/x",
        &v,
        Format::Kubernetes,
        &HIDE,
    );
    assert!(
        r.notes.iter().any(|n| n.contains("nesting too deep")),
        "{:?}",
        r.notes
    );
}

#[test]
fn duplicate_map_keys_keep_the_last_value() {
    let v = config_map(&[("k", "first"), ("a", "x"), ("k", "second")]);
    let r = render(b"/registry/configmaps/x", &v, Format::Kubernetes, &HIDE);
    assert!(
        r.text.contains("data:\n  a: x\n  k: second\n"),
        "{}",
        r.text
    );
}
