//! Secrets encrypted at rest in a real etcd: etcdtui finds the EncryptionConfiguration
//! through a kubeadm-style kube-apiserver manifest, shows the plaintext equal to the
//! original (masked until revealed), counts which key protects what for the rotation
//! check, and leaves no key or plaintext in the trace log, the output or errors.

mod common;

use common::encryption::{Layout, b64, seed_encrypted};
use etcdtui::app::render_value::{ValueFormat, render};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encrypted_secrets_read_as_their_originals_and_rotation_is_counted() {
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    let layout = Layout::new();
    let mut client = common::connect(&c).await;
    let originals = seed_encrypted(&mut client, &layout.keys).await;

    // What the panes render, with the configuration the manifest names.
    let cfg = etcdtui::encryption::config::load(&layout.config_path()).expect("config");
    etcdtui::encryption::install(Some(std::sync::Arc::new(cfg)));
    for (key, original) in &originals {
        let got = client.get(key.as_bytes(), None).await.expect("get");
        let stored = got.kvs()[0].value();
        let cfg = etcdtui::encryption::installed().expect("installed");
        if stored.starts_with(b"k8s:enc:") {
            let opened = etcdtui::encryption::decrypt(&cfg, key.as_bytes(), stored)
                .unwrap_or_else(|e| panic!("{key}: {e}"));
            assert_eq!(&opened.plaintext[..], &original[..], "{key}");
        }
        let masked = render(key.as_bytes(), stored, ValueFormat::Encrypted, false);
        let revealed = render(key.as_bytes(), stored, ValueFormat::Encrypted, true);
        if key.contains("/secrets/") && stored.starts_with(b"k8s:enc:") {
            let pw = b64(format!("pw-{}-Zq8", key.rsplit('/').next().unwrap_or("")).as_bytes());
            assert!(
                masked.text.contains("kind: Secret"),
                "{key}: {}",
                masked.text
            );
            assert!(masked.text.contains("password: ••••••"), "{}", masked.text);
            assert!(!masked.text.contains(&pw), "{}", masked.text);
            assert!(
                revealed.text.contains(&format!("password: {pw}")),
                "{}",
                revealed.text
            );
        }
    }
    etcdtui::encryption::install(None);

    // `etcdtui check` on the layout: the manifest leads to the configuration.
    let home = tempfile::tempdir().expect("home");
    let o = common::etcdtui_at_home(home.path())
        .env("ETCDTUI_LOG", "trace")
        .args(["--endpoints", &c.client_urls()[0], "--kubeadm-manifest"])
        .arg(layout.etcd_manifest())
        .args(["check", "-o", "json"])
        .output()
        .expect("run etcdtui check");
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let json: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    let checks = json["checks"].as_array().expect("checks");
    let named = |name: &str| -> Vec<&serde_json::Value> {
        checks.iter().filter(|c| c["name"] == name).collect()
    };
    let keys_in_use = named("encryption keys in use");
    let secrets = keys_in_use
        .iter()
        .find(|c| {
            c["value"]
                .as_str()
                .is_some_and(|v| v.starts_with("secrets:"))
        })
        .expect("a secrets rotation check");
    assert_eq!(
        secrets["value"],
        "secrets: 2 aescbc key1 (old), 1 aescbc key2, 1 aesgcm g1 (old), 1 plain text"
    );
    assert_eq!(secrets["status"], "warn");
    let next = secrets["next"].as_str().unwrap_or_default();
    assert!(
        next.contains("2 Secrets still under key1; rewrite them with `kubectl get secrets -A -o json | kubectl replace -f -`"),
        "{next}"
    );
    assert!(next.contains("1 Secret still in plain text"), "{next}");
    let configmaps = keys_in_use
        .iter()
        .find(|c| {
            c["value"]
                .as_str()
                .is_some_and(|v| v.starts_with("configmaps:"))
        })
        .expect("a configmaps rotation check");
    assert_eq!(configmaps["status"], "ok", "{configmaps}");
    let unused = named("unused encryption keys");
    assert_eq!(
        unused[0]["value"], "not used by any value: secretbox s1 (secrets)",
        "{unused:?}"
    );
    let at_rest = named("secrets encrypted at rest");
    assert_eq!(at_rest[0]["value"], "4 of 5 encrypted (aescbc 3, aesgcm 1)");

    // A snapshot, then old-a rewritten under the new key as `kubectl replace` would: the
    // ciphertext changed, the object did not, and `snapshot diff` says so.
    let snap = home.path().join("before.db");
    let snap_arg = snap.display().to_string();
    common::etcdctl_ok(&c, &["snapshot", "save", &snap_arg]);
    let (old_a, plain_a) = originals
        .iter()
        .find(|(k, _)| k.ends_with("/old-a"))
        .expect("old-a");
    let rewritten = etcdtui::encryption::seal::aescbc("key2", &layout.keys.cbc_new, plain_a);
    client
        .put(old_a.as_bytes(), rewritten, None)
        .await
        .expect("put");
    let o = common::etcdtui_at_home(home.path())
        .args(["--endpoints", &c.client_urls()[0], "--kubeadm-manifest"])
        .arg(layout.etcd_manifest())
        .args(["snapshot", "diff", &snap_arg, "--etcd-key", old_a])
        .output()
        .expect("run etcdtui snapshot diff");
    let diff = String::from_utf8_lossy(&o.stdout).into_owned();
    let diff_err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(
        diff.contains(&format!("{old_a}: value unchanged")),
        "{diff}\n{diff_err}"
    );

    // An audited operation run with the configuration in force: the audit line names
    // the cluster, the member and the file, never a key or a value.
    let backups = home.path().join("backups");
    let o = common::etcdtui_at_home(home.path())
        .env("ETCDTUI_LOG", "trace")
        .args(["--endpoints", &c.client_urls()[0], "--kubeadm-manifest"])
        .arg(layout.etcd_manifest())
        .args(["snapshot", "save", "--dir"])
        .arg(&backups)
        .output()
        .expect("run etcdtui snapshot save");
    let save_out = String::from_utf8_lossy(&o.stdout).into_owned();
    let save_err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{save_out}\n{save_err}");
    let audit =
        std::fs::read_to_string(home.path().join(".state/etcdtui/audit.log")).expect("audit log");
    assert!(audit.contains("snapshot"), "{audit}");

    // Nothing of a key or a plaintext in the trace log, the audit log or the output.
    let log_path = home.path().join(".state/etcdtui/etcdtui.log");
    let log = std::fs::read_to_string(&log_path).expect("log");
    assert!(log.lines().count() > 20, "trace logging is off?\n{log}");
    assert!(log.contains("encryption config"), "{log}");
    assert_no_secret(
        &[
            &log, &out, &err, &diff, &diff_err, &audit, &save_out, &save_err,
        ],
        &layout,
        &originals,
    );
}

/// No key (raw or base64) and no encrypted Secret's password in any of `texts`.
fn assert_no_secret(texts: &[&str], layout: &Layout, originals: &common::encryption::Originals) {
    let mut needles: Vec<String> = Vec::new();
    for k in layout.keys.all() {
        needles.push(b64(k));
        needles.push(String::from_utf8_lossy(k).into_owned());
    }
    for (key, _) in originals {
        let name = key.rsplit('/').next().unwrap_or_default();
        needles.push(format!("pw-{name}-Zq8"));
        needles.push(b64(format!("pw-{name}-Zq8").as_bytes()));
    }
    for t in texts {
        for n in &needles {
            assert!(
                n.len() < 8 || !t.contains(n.as_str()),
                "leaked {n:?} in:\n{t}"
            );
        }
    }
}

#[test]
fn a_wrong_key_names_provider_and_key_without_bytes() {
    let layout = Layout::new();
    let key = "/registry/secrets/prod/db";
    let plain = common::encryption::secret_json("prod", "db", "pw-db-Zq8");
    let other = etcdtui::encryption::seal::random(32);
    let stored = common::encryption::seal("aescbc", "key2", &other, key, &plain);
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("value");
    std::fs::write(&file, &stored).expect("write value");
    let home = tempfile::tempdir().expect("home");
    let o = common::etcdtui_at_home(home.path())
        .env("ETCDTUI_LOG", "trace")
        .args(["decode", "--encryption-config"])
        .arg(layout.config_path())
        .args(["--etcd-key", key])
        .arg(&file)
        .output()
        .expect("run etcdtui decode");
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        out.contains("not decrypted: aescbc key key2: the key does not open it"),
        "{out}"
    );
    let log =
        std::fs::read_to_string(home.path().join(".state/etcdtui/etcdtui.log")).unwrap_or_default();
    let mut keys = layout.keys.all();
    keys.push(&other);
    for k in keys {
        assert!(
            !out.contains(&b64(k)) && !log.contains(&b64(k)),
            "{out}\n{log}"
        );
    }
    assert!(!out.contains("pw-db-Zq8") && !log.contains("pw-db-Zq8"));
    // A broken configuration: file, line and reason; decode works on without it.
    let broken = dir.path().join("broken.yaml");
    let text = layout
        .keys
        .config_yaml(None)
        .replace("name: key1", "name: key1\n        bogus: [");
    std::fs::write(&broken, text).expect("write broken");
    let o = common::etcdtui_at_home(home.path())
        .args(["decode", "--encryption-config"])
        .arg(&broken)
        .arg(&file)
        .output()
        .expect("run etcdtui decode");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(o.status.success(), "{err}");
    assert!(err.contains(&format!("{}:", broken.display())), "{err}");
    assert!(
        out.starts_with("encrypted at rest (provider aescbc, key key2)"),
        "{out}"
    );
    for k in layout.keys.all() {
        assert!(!err.contains(&b64(k)), "{err}");
    }
}

/// Counting is paged (500 values a range): 1,234 Secrets span three pages and every one
/// is counted by its key, with no configuration to compare against.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_span_pages() {
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    let mut client = common::connect(&c).await;
    let total = 1234;
    for chunk in (0..total).collect::<Vec<_>>().chunks(100) {
        let ops: Vec<etcd_client::TxnOp> = chunk
            .iter()
            .map(|i| {
                let key = if i % 2 == 0 { "key1" } else { "key2" };
                etcd_client::TxnOp::put(
                    format!("/registry/secrets/bulk/s{i:05}"),
                    format!("k8s:enc:aescbc:v1:{key}:{}", "x".repeat(64)),
                    None,
                )
            })
            .collect();
        client
            .txn(etcd_client::Txn::new().and_then(ops))
            .await
            .expect("txn");
    }
    let home = tempfile::tempdir().expect("home");
    let o = common::etcdtui_at_home(home.path())
        .args(["--endpoints", &c.client_urls()[0]])
        .args(["--kubeadm-manifest", "/nonexistent/etcd.yaml"])
        .args(["check", "-o", "json"])
        .output()
        .expect("run etcdtui check");
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let json: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let rows = json["checks"].as_array().expect("checks");
    let row = rows
        .iter()
        .find(|r| r["name"] == "encryption keys in use")
        .expect("rotation row");
    assert_eq!(row["value"], "secrets: 617 aescbc key1, 617 aescbc key2");
    assert_eq!(row["status"], "unknown", "no configuration to compare with");
}
