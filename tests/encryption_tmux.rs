//! A new user on a kubeadm-style controller whose kube-apiserver manifest names an
//! EncryptionConfiguration: with no flag for it, a Secret encrypted at rest reads as
//! YAML once revealed with `x`, and the Checks view names the Secrets a key rotation
//! left under the old key. Nothing of the keys or passwords reaches the trace log.

mod common;
mod tmux;

use std::time::Duration;

use common::encryption::{Layout, b64, seed_encrypted};
use tmux::{Tmux, require_tmux, sh_quote};

const T: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_reads_as_yaml_after_x_and_checks_name_the_old_key() {
    let Some(()) = require_tmux() else { return };
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    let layout = Layout::new();
    let mut client = common::connect(&c).await;
    let originals = seed_encrypted(&mut client, &layout.keys).await;
    let args = format!(
        "--endpoints {} --kubeadm-manifest {}",
        c.client_urls()[0],
        sh_quote(&layout.etcd_manifest().display().to_string())
    );
    let t = Tmux::start(&args, &[("ETCDTUI_LOG", "trace")], 160, 45);
    t.wait_for("● connected", T);
    // Where the configuration came from, in the connection details.
    t.type_text(":info");
    t.key("Enter");
    let s = t.wait_for(" Connection ", T);
    assert!(
        s.contains("encryption config") && s.contains("enc.yaml"),
        "{s}"
    );
    t.key("Escape");
    t.wait_gone(" Connection ", T);
    t.type_text(":goto /registry/secrets/prod/old-a");
    t.key("Enter");
    let s = t.wait_for("decrypted with aescbc key key1", T);
    assert!(s.contains("kind: Secret"), "{s}");
    assert!(s.contains("password: •••••• (12 bytes)"), "{s}");
    let pw = b64(b"pw-old-a-Zq8");
    assert!(!s.contains(&pw), "{s}");
    t.key("x");
    let s = t.wait_for(&format!("password: {pw}"), T);
    assert!(s.contains("namespace: prod"), "{s}");

    t.type_text("6");
    let s = t.wait_for("encryption keys in use", T);
    assert!(s.contains("2 aescbc key1 (old)"), "{s}");
    // The row's details: how many, which key, and the command that finishes the job.
    let row = s
        .lines()
        .position(|l| l.contains("encryption keys in use") && l.contains("secrets:"))
        .expect("the secrets row");
    let first = s
        .lines()
        .position(|l| {
            l.contains("│ ")
                && (l.contains(" warn ")
                    || l.contains(" FAIL ")
                    || l.contains(" ok ")
                    || l.contains(" unknown "))
        })
        .expect("first row");
    for _ in first..row {
        t.key("Down");
    }
    t.key("Enter");
    let s = t.wait_for("Secrets still under key1", T);
    assert!(
        s.contains("2 Secrets still under key1; rewrite them with `kubectl get secrets -A -o json | kubectl replace -f -`"),
        "{s}"
    );
    t.key("Escape");
    t.wait_gone("esc closes", T);
    t.key("q");
    t.assert_clean_exit();
    let log = std::fs::read_to_string(t.home().join(".state/etcdtui/etcdtui.log")).expect("log");
    assert!(log.lines().count() > 20, "trace logging is off?\n{log}");
    for k in layout.keys.all() {
        assert!(!log.contains(&b64(k)), "a key is in the log");
    }
    for (key, _) in &originals {
        let name = key.rsplit('/').next().unwrap_or_default();
        let pw = format!("pw-{name}-Zq8");
        assert!(
            !log.contains(&pw) && !log.contains(&b64(pw.as_bytes())),
            "{pw} in the log"
        );
    }
}

/// `:ctx` to a context with its own `encryption_config` reads that cluster's Secrets with
/// that configuration: before the switch the same value is only labelled, after it the
/// value is decrypted, and the connection details name the new file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_context_loads_that_contexts_encryption_config() {
    let Some(()) = require_tmux() else { return };
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    let layout = Layout::new();
    let mut client = common::connect(&c).await;
    seed_encrypted(&mut client, &layout.keys).await;
    let cfg_dir = tempfile::tempdir().expect("temp dir");
    let cfg = cfg_dir.path().join("config.yaml");
    std::fs::write(
        &cfg,
        format!(
            "current_context: plain\ncontexts:\n  plain:\n    endpoints: [{url}]\n  keyed:\n    endpoints: [{url}]\n    encryption_config: {enc}\n",
            url = c.client_urls()[0],
            enc = sh_quote(&layout.config_path().display().to_string()),
        ),
    )
    .expect("config");
    let args = format!(
        "--config {} --kubeadm-manifest /nonexistent",
        sh_quote(&cfg.display().to_string())
    );
    let t = Tmux::start(&args, &[], 160, 45);
    t.wait_for("● connected", T);
    t.type_text(":goto /registry/secrets/prod/old-a");
    t.key("Enter");
    let s = t.wait_for("aescbc", T);
    assert!(!s.contains("decrypted with"), "no keys yet: {s}");

    t.type_text(":ctx keyed");
    t.key("Enter");
    t.wait_for("keyed", T);
    t.wait_for("● connected", T);
    t.type_text(":goto /registry/secrets/prod/old-a");
    t.key("Enter");
    let s = t.wait_for("decrypted with aescbc key key1", T);
    assert!(s.contains("kind: Secret"), "{s}");
    t.type_text(":info");
    t.key("Enter");
    let s = t.wait_for(" Connection ", T);
    assert!(s.contains("encryption config"), "{s}");
    t.key("Escape");
    t.wait_gone(" Connection ", T);
    t.key("q");
    t.assert_clean_exit();
}
