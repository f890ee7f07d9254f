use super::*;
use std::collections::BTreeMap;

fn counts(values: &[&[u8]]) -> KeyCounts {
    let mut k = KeyCounts::default();
    for v in values {
        k.observe(v);
    }
    k
}

fn label(p: &str, k: &str) -> KeyLabel {
    (p.to_string(), k.to_string())
}

fn facts(counted: KeyCounts, keys: Vec<KeyLabel>) -> Facts {
    let mut f = Facts::unmeasured();
    f.encryption = EncryptionFacts {
        config_path: Some("/etc/kubernetes/enc/enc.yaml".into()),
        configured: vec![ConfiguredKeys {
            resource: "secrets".into(),
            keys,
        }],
        counted: BTreeMap::from([("secrets".to_string(), Ok(counted))]),
    };
    f
}

#[test]
fn counts_by_prefix() {
    let k = counts(&[
        b"k8s:enc:aescbc:v1:key1:xx",
        b"k8s:enc:aescbc:v1:key1:yy",
        b"k8s:enc:kms:v2:vault:zz",
        b"k8s\0plain",
    ]);
    assert_eq!(k.total, 4);
    assert_eq!(k.by_key[&label("aescbc", "key1")], 2);
    assert_eq!(k.by_key[&label("kms v2", "vault")], 1);
    assert_eq!(k.by_key[&label("identity", "")], 1);
}

#[test]
fn unfinished_rotation_names_the_old_key_and_the_command() {
    let k = counts(&[
        b"k8s:enc:aescbc:v1:key2:a",
        b"k8s:enc:aescbc:v1:key1:b",
        b"k8s:enc:aescbc:v1:key1:c",
        b"k8s\0d",
    ]);
    let keys = vec![
        label("aescbc", "key2"),
        label("aescbc", "key1"),
        label("identity", ""),
    ];
    let all = checks(&facts(k, keys));
    let c = &all[0];
    assert_eq!(c.status, Status::Warn);
    assert_eq!(
        c.value,
        "secrets: 2 aescbc key1 (old), 1 aescbc key2, 1 plain text"
    );
    assert_eq!(
        c.next,
        "1 Secret still in plain text; rewrite them with `kubectl get secrets -A -o json | kubectl replace -f -`; \
         2 Secrets still under key1; rewrite them with `kubectl get secrets -A -o json | kubectl replace -f -`"
    );
    // key1 is used, identity is the fallback: nothing unused.
    assert_eq!(all[1].status, Status::Ok);
}

#[test]
fn finished_rotation_is_ok_and_the_old_key_is_unused() {
    let k = counts(&[b"k8s:enc:aescbc:v1:key2:a", b"k8s:enc:aescbc:v1:key2:b"]);
    let keys = vec![label("aescbc", "key2"), label("aescbc", "key1")];
    let all = checks(&facts(k, keys));
    assert_eq!(all[0].status, Status::Ok, "{:?}", all[0]);
    assert!(
        all[0]
            .value
            .ends_with("all under the first key (aescbc key2)")
    );
    assert_eq!(all[1].status, Status::Warn);
    assert_eq!(all[1].value, "not used by any value: aescbc key1 (secrets)");
}

#[test]
fn without_a_configuration_the_counts_are_still_shown() {
    let mut f = facts(counts(&[b"k8s:enc:secretbox:v1:s1:a"]), Vec::new());
    f.encryption.config_path = None;
    let all = checks(&f);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].status, Status::Unknown);
    assert_eq!(all[0].value, "secrets: 1 secretbox s1");
    assert!(checks(&Facts::unmeasured()).is_empty());
    // No Secrets and no configuration: a plain etcd, nothing to say.
    f.encryption.counted = BTreeMap::from([("secrets".to_string(), Ok(KeyCounts::default()))]);
    assert!(checks(&f).is_empty());
}

#[test]
fn a_key_missing_from_the_configuration_is_called_out() {
    let k = counts(&[b"k8s:enc:aesgcm:v1:gone:a"]);
    let all = checks(&facts(k, vec![label("aescbc", "key2")]));
    assert!(
        all[0]
            .next
            .contains("1 Secret still under gone (a key the configuration does not have"),
        "{}",
        all[0].next
    );
}
