//! Our reading of the encrypted-at-rest formats checked against Kubernetes' own code:
//! values written by k8s.io/apiserver's value transformers (tests/go-encrypt) open to
//! the exact original bytes, and a KMS v2 plugin built on k8s.io/kms hands back the DEK
//! over its unix socket.

mod common;

use std::path::Path;

use common::encryption::{Keys, KmsPlugin, kms_seal, seal, secret_json};
use etcdtui::decode_cli::{OutputFormat, run_decode_keys};
use etcdtui::encryption::{config, decrypt};

const ETCD_KEY: &str = "/registry/secrets/prod/db";

#[test]
fn kubernetes_transformers_round_trip_through_etcdtui() {
    let keys = Keys::generate();
    let cfg = config::parse(&keys.config_yaml(None), Path::new("/enc.yaml")).expect("config");
    let plain = secret_json("prod", "db", "s3cr3t-Pa55");
    for (provider, name, key) in [
        ("aescbc", "key2", &keys.cbc_new),
        ("aescbc", "key1", &keys.cbc_old),
        ("aesgcm", "g1", &keys.gcm),
        ("secretbox", "s1", &keys.secretbox),
    ] {
        let stored = seal(provider, name, key, ETCD_KEY, &plain);
        let prefix = format!("k8s:enc:{provider}:v1:{name}:");
        assert!(stored.starts_with(prefix.as_bytes()), "{provider}");
        let opened = decrypt(&cfg, ETCD_KEY.as_bytes(), &stored)
            .unwrap_or_else(|e| panic!("{provider} {name}: {e}"));
        assert_eq!(&opened.plaintext[..], &plain[..], "{provider} {name}");
        assert_eq!(
            (opened.provider.as_str(), opened.key.as_str()),
            (provider, name)
        );
        // `etcdtui decode` prints the object (data revealed, as kubectl would).
        let text = run_decode_keys(&stored, OutputFormat::Yaml, Some(ETCD_KEY), Some(&cfg));
        assert!(
            text.starts_with(&format!("# note: decrypted with {provider} key {name}\n")),
            "{text}"
        );
        assert!(text.contains("password: czNjcjN0LVBhNTU="), "{text}");
    }
    // aesgcm binds the value to its etcd key, as the API server does.
    let gcm = seal("aesgcm", "g1", &keys.gcm, ETCD_KEY, &plain);
    let e = decrypt(&cfg, b"/registry/secrets/prod/other", &gcm).unwrap_err();
    assert!(e.to_string().starts_with("aesgcm key g1: "), "{e}");
}

#[test]
fn kms_v2_values_open_through_the_plugin_socket() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plugin = KmsPlugin::start(dir.path());
    let keys = Keys::generate();
    let yaml = keys.config_yaml(Some(&plugin.socket));
    let cfg = config::parse(&yaml, Path::new("/enc.yaml")).expect("config");
    let plain = secret_json("prod", "db", "kms-Pa55");
    for seed in [true, false] {
        let stored = kms_seal(&plugin.socket, "testkms", ETCD_KEY, seed, &plain);
        assert!(stored.starts_with(b"k8s:enc:kms:v2:testkms:"));
        let opened = decrypt(&cfg, ETCD_KEY.as_bytes(), &stored)
            .unwrap_or_else(|e| panic!("seed={seed}: {e}"));
        assert_eq!(&opened.plaintext[..], &plain[..], "seed={seed}");
        // Shown without keys: the envelope, parsed.
        let shown = run_decode_keys(&stored, OutputFormat::Yaml, Some(ETCD_KEY), None);
        assert!(
            shown.contains("KMS v2 key ID: etcdtui-test-kek-1"),
            "{shown}"
        );
        let kind = if seed {
            "HKDF_SHA256_XNONCE_AES_GCM_SEED"
        } else {
            "AES_GCM_KEY"
        };
        assert!(shown.contains(&format!("type {kind}")), "{shown}");
        assert!(
            shown.contains("annotation version.kms.etcdtui.test: 1 bytes"),
            "{shown}"
        );
    }
    // Through the binary, logging at trace level (gRPC to the plugin included): the
    // object comes out, the log holds none of it.
    let stored = kms_seal(&plugin.socket, "testkms", ETCD_KEY, true, &plain);
    let dir2 = tempfile::tempdir().expect("tempdir");
    let (value, enc) = (dir2.path().join("value"), dir2.path().join("enc.yaml"));
    std::fs::write(&value, &stored).expect("write value");
    std::fs::write(&enc, &yaml).expect("write config");
    let o = common::etcdtui_at_home(dir2.path())
        .env("ETCDTUI_LOG", "trace")
        .args(["decode", "--etcd-key", ETCD_KEY, "--encryption-config"])
        .arg(&enc)
        .arg(&value)
        .output()
        .expect("run etcdtui decode");
    let out = String::from_utf8_lossy(&o.stdout);
    let pw = common::encryption::b64(b"kms-Pa55");
    assert!(out.contains(&format!("password: {pw}")), "{out}");
    let log = std::fs::read_to_string(dir2.path().join(".state/etcdtui/etcdtui.log")).expect("log");
    assert!(log.contains("encryption config"), "{log}");
    // The plugin call is in the log at trace level, frames and all (not their payload).
    assert!(
        log.contains("frame=Data"),
        "trace logging of the KMS call is off?\n{log}"
    );
    assert!(!log.contains(&pw) && !log.contains("kms-Pa55"), "{log}");
    for k in keys.all() {
        assert!(
            !log.contains(&common::encryption::b64(k)),
            "a key is in the log"
        );
    }

    // The plugin gone: the value says which plugin did not answer.
    let stored = kms_seal(&plugin.socket, "testkms", ETCD_KEY, true, &plain);
    drop(plugin);
    let fresh = config::parse(&yaml, Path::new("/enc.yaml")).expect("config");
    etcdtui::encryption::kms::forget();
    let e = decrypt(&fresh, ETCD_KEY.as_bytes(), &stored)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("kms v2 testkms: KMS plugin testkms at unix://"),
        "{e}"
    );
    assert!(e.contains("not answering"), "{e}");
}
