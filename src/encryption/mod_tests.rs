use super::*;
use base64::Engine;

const KEY: &[u8] = b"/registry/secrets/default/db";
const PLAIN: &[u8] = b"k8s\0\x0a\x02v1\x12\x06Secret";

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// A configuration with aescbc key2 (new) then key1 (old), aesgcm g1, secretbox s1.
fn config(cbc_new: &[u8], cbc_old: &[u8], gcm: &[u8], sb: &[u8]) -> EncryptionConfig {
    let text = [
        "apiVersion: apiserver.config.k8s.io/v1",
        "kind: EncryptionConfiguration",
        "resources:",
        "- resources: [secrets]",
        "  providers:",
        "  - aescbc:",
        "      keys:",
        "      - {name: key2, secret: <CBC_NEW>}",
        "      - {name: key1, secret: <CBC_OLD>}",
        "  - aesgcm:",
        "      keys: [{name: g1, secret: <GCM>}]",
        "  - secretbox:",
        "      keys: [{name: s1, secret: <SB>}]",
        "  - identity: {}",
    ]
    .join("\n")
    // `<` is not in base64's alphabet: a key already put in cannot match a later
    // placeholder (a bare `SB` inside a random key's base64 did, about 3% of runs).
    .replace("<CBC_NEW>", &b64(cbc_new))
    .replace("<CBC_OLD>", &b64(cbc_old))
    .replace("<GCM>", &b64(gcm))
    .replace("<SB>", &b64(sb));
    config::parse(&text, Path::new("/enc.yaml")).expect("config")
}

#[test]
fn opens_every_provider_with_the_named_key() {
    let (k2, k1, g, s) = (
        seal::random(32),
        seal::random(32),
        seal::random(16),
        seal::random(32),
    );
    let c = config(&k2, &k1, &g, &s);
    for (value, provider, key) in [
        (seal::aescbc("key1", &k1, PLAIN), "aescbc", "key1"),
        (seal::aescbc("key2", &k2, PLAIN), "aescbc", "key2"),
        (seal::aesgcm("g1", &g, KEY, PLAIN), "aesgcm", "g1"),
        (seal::secretbox("s1", &s, PLAIN), "secretbox", "s1"),
    ] {
        let o = decrypt(&c, KEY, &value).expect(provider);
        assert_eq!((o.provider.as_str(), o.key.as_str()), (provider, key));
        assert_eq!(&o.plaintext[..], PLAIN);
        let debug = format!("{o:?}");
        assert!(
            debug.contains("redacted") && !debug.contains("Secret"),
            "{debug}"
        );
    }
}

#[test]
fn failures_name_provider_and_key_only() {
    let (k2, k1, g, s) = (
        seal::random(32),
        seal::random(32),
        seal::random(16),
        seal::random(32),
    );
    let c = config(&k2, &k1, &g, &s);
    let e = decrypt(&c, KEY, &seal::aescbc("key9", &k1, PLAIN)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the EncryptionConfiguration has no aescbc key named key9"
    );
    let e = decrypt(&c, KEY, &seal::secretbox("s1", &k1, PLAIN)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "secretbox key s1: the key does not open it (wrong key, or the value is damaged)"
    );
    // Copied to another etcd key: AES-GCM's additional data no longer matches.
    let moved = seal::aesgcm("g1", &g, KEY, PLAIN);
    let e = decrypt(&c, b"/registry/secrets/default/copy", &moved).unwrap_err();
    assert!(e.to_string().starts_with("aesgcm key g1: "), "{e}");
    let e = decrypt(&c, KEY, b"k8s:enc:kms:v1:old:\x00\x01x").unwrap_err();
    assert!(e.to_string().contains("KMS v1"), "{e}");
    assert_eq!(
        decrypt(&c, KEY, PLAIN).unwrap_err(),
        DecryptError::NotEncrypted
    );
}

#[test]
fn resource_of_keys() {
    assert_eq!(resource_of(b"/registry/secrets/ns/x"), Some("secrets"));
    assert_eq!(resource_of(b"/registry/namespaces"), Some("namespaces"));
    assert_eq!(resource_of(b"/other/x"), None);
    assert_eq!(
        split(b"k8s:enc:aescbc:v1:key1:a:b"),
        Some(("aescbc", "v1", "key1", b"a:b".as_slice()))
    );
}

proptest::proptest! {
    /// Damaged or hostile values after a known prefix: an error naming provider and key,
    /// never a panic.
    #[test]
    fn garbage_after_a_prefix_is_an_error(
        provider in proptest::sample::select(vec!["aescbc", "aesgcm", "secretbox"]),
        name in proptest::sample::select(vec!["key2", "key1", "g1", "s1"]),
        body in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
    ) {
        let c = config(&[1; 32], &[2; 32], &[3; 16], &[4; 32]);
        let mut v = format!("k8s:enc:{provider}:v1:{name}:").into_bytes();
        v.extend(&body);
        if let Err(e) = decrypt(&c, KEY, &v) {
            let s = e.to_string();
            proptest::prop_assert!(s.contains(name), "{}", s);
        }
    }
}
