use super::*;

const KEY32: &str = "c2VjcmV0IGlzIHNlY3VyZSwgSSB0aGluaywgcmVhbGx5"; // 33 bytes: wrong on purpose below
const GOOD32: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

fn cfg(body: &str) -> String {
    format!(
        "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n{body}"
    )
}

#[test]
fn parses_every_provider_in_order() {
    let text = cfg(&format!(
        "- resources: [secrets, configmaps]
  providers:
  - aescbc:
      keys:
      - name: key2
        secret: {GOOD32}
      - name: key1
        secret: {GOOD32}
  - aesgcm:
      keys: [{{name: g1, secret: MDEyMzQ1Njc4OWFiY2RlZg==}}]
  - secretbox:
      keys: [{{name: s1, secret: {GOOD32}}}]
  - kms:
      apiVersion: v2
      name: vault
      endpoint: unix:///run/kms.sock
      timeout: 3s
  - identity: {{}}
- resources: ['*.*']
  providers:
  - identity: {{}}
"
    ));
    let c = parse(&text, Path::new("/enc.yaml")).unwrap();
    assert_eq!(c.rules.len(), 2);
    let kinds: Vec<&str> = c.rules[0].providers.iter().map(Provider::kind).collect();
    assert_eq!(kinds, ["aescbc", "aesgcm", "secretbox", "kms", "identity"]);
    assert_eq!(
        c.writer_for("secrets").unwrap().key_labels(),
        [
            ("aescbc".to_string(), "key2".to_string()),
            ("aescbc".to_string(), "key1".to_string())
        ]
    );
    assert_eq!(c.writer_for("events").unwrap().kind(), "identity");
    assert_eq!(c.named_resources(), ["secrets", "configmaps"]);
    match &c.rules[0].providers[3] {
        Provider::Kms(k) => {
            assert_eq!((k.name.as_str(), k.api_version.as_str()), ("vault", "v2"));
            assert_eq!(k.timeout, Some(std::time::Duration::from_secs(3)));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_older_api_version_is_accepted() {
    let text = cfg("- resources: [secrets]\n  providers:\n  - identity: {}\n")
        .replace("apiserver.config.k8s.io/v1", "apiserver.k8s.io/v1");
    assert!(parse(&text, Path::new("/e")).is_ok());
}

#[test]
fn errors_name_file_line_and_reason_without_the_secret() {
    let text = cfg(&format!(
        "- resources: [secrets]\n  providers:\n  - aescbc:\n      keys:\n      - name: key1\n        secret: {KEY32}\n"
    ));
    let e = parse(&text, Path::new("/etc/enc.yaml")).unwrap_err();
    assert_eq!(e.line, Some(8));
    assert_eq!(
        e.to_string(),
        "/etc/enc.yaml:8: aescbc key \"key1\": secret is 33 bytes; aescbc needs 32, 24, 16"
    );
    let text = cfg(
        "- resources: [secrets]\n  providers:\n  - secretbox:\n      keys:\n      - name: k\n        secret: not*base64*TOPSECRET\n",
    );
    let e = parse(&text, Path::new("/e")).unwrap_err().to_string();
    assert!(
        e.contains("not valid base64") && !e.contains("TOPSECRET"),
        "{e}"
    );
    let text = cfg(
        "- resources: [secrets]\n  providers:\n  - secretbox:\n      keys:\n      - name: k\n        secret: [TOPSECRET]\n",
    );
    let e = parse(&text, Path::new("/e")).unwrap_err().to_string();
    assert!(!e.contains("TOPSECRET"), "{e}");
    let e = parse("kind: [", Path::new("/e")).unwrap_err();
    assert!(e.line.is_some(), "{e}");
    let e = parse("kind: Pod\napiVersion: v1\n", Path::new("/e")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "/e:1: kind is \"Pod\", not EncryptionConfiguration"
    );
}

#[test]
fn key_material_never_prints() {
    let text = cfg(&format!(
        "- resources: [secrets]\n  providers:\n  - aescbc:\n      keys:\n      - name: key1\n        secret: {GOOD32}\n"
    ));
    let c = parse(&text, Path::new("/e")).unwrap();
    let debug = format!("{c:?}");
    assert!(
        debug.contains("key1") && debug.contains("redacted"),
        "{debug}"
    );
    assert!(!debug.contains("0123456789abcdef"), "{debug}");
    assert!(!debug.contains("48, 49, 50"), "{debug}");
}

#[test]
fn serde_errors_do_not_quote_values() {
    let text = cfg(
        "- resources: [secrets]\n  providers:\n  - aescbc:\n      keys: TOPSECRETKEYMATERIAL\n",
    );
    let e = parse(&text, Path::new("/e")).unwrap_err();
    let s = e.to_string();
    assert!(
        !s.contains("TOPSECRET") && s.contains("invalid type"),
        "{s}"
    );
    assert!(e.line.is_some(), "{s}");
}
