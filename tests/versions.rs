//! What etcd 3.6 and 3.7 add, against the real etcd under test (run on 3.4, 3.5, 3.6
//! and 3.7): the storage version, the quota and the downgrade state in `status`, the
//! feature gates in `/metrics`, in the Cluster view and in `etcdtui check`; and the
//! snapshot command shown after a save, run for real with the tool it names.
//!
//! The version comes from the binary (`etcd --version`, to choose flags it accepts:
//! 3.4 and 3.5 refuse `--feature-gates`) and is confirmed by what the server answers.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use etcdtui::app::Msg;
use etcdtui::etcd::cluster::{Downgrade, Health};
use etcdtui::headless::Headless;
use etcdtui::localcluster::{ClusterOptions, LocalCluster};
use etcdtui::metrics::QuotaSource;
use etcdtui::snapfile::tool::minor_version;

const GIB: i64 = 1 << 30;
/// Not etcd's 2 GiB default, so a default cannot pass for the measured value.
const QUOTA: i64 = 3 * GIB;

/// `etcd Version: 3.6.17` → `3.6.17`.
fn binary_version(bin: &Path) -> String {
    let out = Command::new(bin)
        .arg("--version")
        .output()
        .expect("run etcd --version");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("etcd Version: "))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| panic!("no version in `etcd --version`: {text}"))
}

/// A cluster with a 3 GiB quota and, where etcd has feature gates (3.6+), one alpha
/// gate switched on. Returns it with the binary's version.
async fn start(size: usize) -> Option<(LocalCluster, String)> {
    let bin = common::etcd_bin_or_skip()?;
    let version = binary_version(&bin);
    let mut opts = ClusterOptions::new(size, &bin);
    opts.extra_args = vec![format!("--quota-backend-bytes={QUOTA}")];
    if has_gates(&version) {
        opts.extra_args
            .push("--feature-gates=CompactHashCheck=true".into());
    }
    eprintln!("etcd under test: {version}");
    let cluster = common::start(opts).await;
    if has_gates(&version) {
        settle_storage_version(&cluster, &storage_version(&version)).await;
    }
    Some((cluster, version))
}

/// A new 3.6+ cluster starts at a lower cluster version and raises it, then the
/// storage version, within seconds of the election: until then `status` reports an
/// older or an empty storage version. Waits until every member reports `want`.
async fn settle_storage_version(c: &LocalCluster, want: &str) {
    let started = Instant::now();
    let mut seen = Vec::new();
    while started.elapsed() < Duration::from_secs(20) {
        seen.clear();
        for url in c.client_urls() {
            let mut client = etcd_client::Client::connect([url.as_str()], None)
                .await
                .expect("connect");
            let s = client.status().await.expect("status");
            seen.push(s.storage_version().to_string());
        }
        if seen.iter().all(|v| v == want) {
            eprintln!("storage version {want} after {:?}", started.elapsed());
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("storage version not {want} within 20 s: {seen:?}");
}

fn has_gates(version: &str) -> bool {
    minor_version(version).is_some_and(|v| v >= (3, 6))
}

/// What 3.6 and 3.7 write as their storage version: the minor, patch 0.
fn storage_version(version: &str) -> String {
    let (major, minor) = minor_version(version).expect("a version");
    format!("{major}.{minor}.0")
}

async fn cluster_view(c: &LocalCluster) -> Headless {
    let spec = etcdtui::etcd::ConnectSpec {
        endpoints: c.client_urls(),
        command_timeout: Duration::from_secs(2),
        dial_timeout: Duration::from_secs(2),
        ..Default::default()
    };
    let mut h = Headless::connect_spec(spec, 160, 45, false);
    h.settle_until("connected", |a| a.keys.loaded).await;
    // As if started with --quota-bytes 1GiB: what etcd reports must win over it.
    h.app.cluster.quota = Some(GIB);
    h.keys("3");
    let start = Instant::now();
    loop {
        h.msg(Msg::Tick(Instant::now()));
        h.settle_within("cluster refresh", Duration::from_secs(10), |_| true)
            .await;
        let c = &h.app.cluster;
        let ready = c.snapshot.as_ref().is_some_and(|s| {
            s.members
                .iter()
                .all(|m| m.health == Health::Up && c.metrics.contains_key(&m.id))
        });
        if ready {
            return h;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "members and metrics not in within 20 s: {:?}",
            c.log
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cluster_view_shows_what_the_server_reports_and_nothing_it_does_not() {
    let Some((c, version)) = start(3).await else {
        return;
    };
    let h = cluster_view(&c).await;
    let cluster = &h.app.cluster;
    let snap = cluster.snapshot.as_ref().expect("a snapshot");
    for m in &snap.members {
        assert_eq!(m.version.as_deref(), Some(version.as_str()), "{}", m.name);
        let quota = cluster.quota_for(m);
        let gates = cluster
            .metrics
            .get(&m.id)
            .and_then(|(_, mm)| mm.feature_gates.clone());
        if has_gates(&version) {
            // 3.6+: status carries the quota, the storage version and downgradeInfo.
            assert_eq!(m.quota, Some(QUOTA), "{}: dbSizeQuota", m.name);
            assert_eq!((quota.bytes, quota.source), (QUOTA, QuotaSource::Status));
            let since = m.since_36.as_ref().expect("3.6 status fields");
            assert_eq!(since.storage_version, Some(storage_version(&version)));
            assert_eq!(since.downgrade, Some(Downgrade::default()), "none enabled");
            let gates = gates.expect("3.6 serves etcd_server_feature_enabled");
            let chc = gates.iter().find(|g| g.name == "CompactHashCheck");
            assert!(
                chc.is_some_and(|g| g.enabled && g.stage == "ALPHA"),
                "{gates:?}"
            );
        } else {
            // 3.4 and 3.5 send 0 for the quota and no 3.6 fields; /metrics has the
            // quota but no feature gates.
            assert_eq!(m.quota, None, "{}: {version} sends no dbSizeQuota", m.name);
            assert_eq!(m.since_36, None, "{version} sends no storageVersion");
            assert_eq!(gates, None, "{version} has no feature gates");
            assert_eq!((quota.bytes, quota.source), (QUOTA, QuotaSource::Metrics));
        }
    }
    let screen = h.render_body(160, 45);
    let want: Vec<String> = if has_gates(&version) {
        vec![
            "3.0 GiB from etcd status".into(),
            format!("storage {}  downgrade none", storage_version(&version)),
            "gates   alpha: CompactHashCheck".into(),
        ]
    } else {
        vec![
            "3.0 GiB from /metrics".into(),
            "storage —  downgrade —  gates —".into(),
            format!("not reported by etcd {version}"),
        ]
    };
    for w in want {
        assert!(
            screen.contains(&w),
            "{version}: {w:?} not on screen:\n{screen}"
        );
    }
}

/// `etcdtui check -o json` on `c`, with its state (backups) in `state`.
fn check_json(c: &LocalCluster, state: &Path) -> Vec<serde_json::Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_etcdtui"))
        .args(["--endpoints", &c.client_urls().join(",")])
        .args(["--kubeadm-manifest", "/nonexistent", "check", "-o", "json"])
        .env("XDG_STATE_HOME", state)
        .env("HOME", state)
        .env_remove("ETCDCTL_ENDPOINTS")
        .output()
        .expect("run etcdtui check");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    json["checks"].as_array().cloned().unwrap_or_default()
}

fn find<'a>(checks: &'a [serde_json::Value], name: &str) -> &'a serde_json::Value {
    checks
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name}: {checks:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_names_the_storage_version_quota_source_gates_and_the_right_tool() {
    let Some((c, version)) = start(1).await else {
        return;
    };
    let state = tempfile::tempdir().expect("temp dir");
    let checks = check_json(&c, state.path());
    let value = |name: &str| {
        find(&checks, name)["value"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    let status = |name: &str| {
        find(&checks, name)["status"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    let quota = value("DB size vs quota");
    assert!(quota.contains("of 3072.0 MiB"), "{quota}");
    if has_gates(&version) {
        assert!(
            quota.contains("quota from etcd status"),
            "{version}: {quota}"
        );
        assert_eq!(status("storage version"), "ok");
        assert!(
            value("storage version").starts_with(&storage_version(&version)),
            "{checks:?}"
        );
        assert_eq!(status("downgrade"), "ok");
        assert_eq!(value("downgrade"), "none enabled");
        assert_eq!(status("feature gates"), "ok");
        assert!(
            value("feature gates").contains("CompactHashCheck (alpha)"),
            "{checks:?}"
        );
    } else {
        assert!(quota.contains("quota from /metrics"), "{version}: {quota}");
        for name in ["storage version", "downgrade", "feature gates"] {
            assert_eq!(status(name), "unknown", "{version}: {name}");
            assert!(
                value(name).contains(&format!("not reported: {version} here")),
                "{version}: {name}: {}",
                value(name)
            );
        }
    }
    let commands: Vec<String> = find(&checks, "newest snapshot")["commands"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let tool = if has_gates(&version) || version.starts_with("3.5") {
        "etcdutl snapshot status FILE"
    } else {
        "etcdctl snapshot status FILE"
    };
    assert!(
        commands.iter().any(|c| c.starts_with(tool)),
        "{version}: {commands:?}"
    );
}

/// Runs `line` (words separated by spaces) with the program taken from the binaries
/// under test.
fn run_shown(line: &str) -> std::process::Output {
    let mut words = line.split_whitespace();
    let program = match words.next() {
        Some("etcdutl") => common::etcdutl_bin().expect("etcdutl beside the etcdctl under test"),
        Some("etcdctl") => common::etcdctl_bin().expect("etcdctl"),
        other => panic!("unexpected program {other:?} in {line}"),
    };
    let mut cmd = Command::new(program);
    common::clear_etcdctl_env(&mut cmd);
    cmd.env("ETCDCTL_API", "3")
        .args(words)
        .output()
        .expect("run the shown command")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_snapshot_hint_names_a_tool_that_reads_the_saved_file() {
    let Some((c, version)) = start(1).await else {
        return;
    };
    if common::etcdctl_bin().is_none() {
        return;
    }
    let spec = etcdtui::etcd::ConnectSpec {
        endpoints: c.client_urls(),
        ..Default::default()
    };
    let mut all = etcdtui::etcd::connect::connect_all(&spec)
        .await
        .expect("usable settings");
    let client = all.remove(0).expect("connect");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("s.db");
    let (progress, _rx) = tokio::sync::mpsc::channel(8);
    let (_cancel, cancelled) = tokio::sync::oneshot::channel();
    let saved = etcdtui::etcd::snapshot_save::save_snapshot(&client, &path, progress, cancelled)
        .await
        .expect("snapshot saved");
    assert_eq!(saved.server_version.as_deref(), Some(version.as_str()));
    let lines = etcdtui::app::ops::plan::saved_lines(&saved);
    let shown = lines
        .iter()
        .find_map(|l| l.strip_prefix("check it: "))
        .unwrap_or_else(|| panic!("no command in {lines:?}"))
        .to_string();
    let expected = if minor_version(&version).is_some_and(|v| v >= (3, 5)) {
        "etcdutl"
    } else {
        "etcdctl"
    };
    assert!(shown.starts_with(expected), "{version}: {shown}");
    if expected == "etcdutl" && common::etcdutl_bin().is_none() {
        eprintln!("skipping the run: no etcdutl beside the etcdctl under test");
        return;
    }
    let out = run_shown(&shown);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("REVISION"),
        "{version}: `{shown}` failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // `etcdtui snapshot status` names the file's storage version (3.6+) and how to
    // restore it; the restore it names works.
    let table = Command::new(env!("CARGO_BIN_EXE_etcdtui"))
        .args(["snapshot", "status"])
        .arg(&path)
        .output()
        .expect("run etcdtui snapshot status");
    let table = String::from_utf8_lossy(&table.stdout).into_owned();
    let storage = table.lines().find(|l| l.starts_with("STORAGE VERSION"));
    if has_gates(&version) {
        let want = storage_version(&version);
        assert!(storage.is_some_and(|l| l.ends_with(&want)), "{table}");
    } else {
        assert_eq!(
            storage, None,
            "{version} writes no storage version: {table}"
        );
    }
    let restore = table
        .lines()
        .find_map(|l| l.strip_prefix("RESTORE WITH"))
        .unwrap_or_else(|| panic!("no restore hint: {table}"))
        .trim();
    assert!(restore.starts_with(expected), "{version}: {restore}");
    let target = dir.path().join("restored");
    let out = run_shown(&restore.replace("NEW_DATA_DIR", &target.display().to_string()));
    assert!(
        out.status.success() && target.join("member").is_dir(),
        "{version}: `{restore}` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The other form, for the record of what each release does with it.
    let old = run_shown(&format!(
        "etcdctl snapshot status {} -w table",
        path.display()
    ));
    let old_err = String::from_utf8_lossy(&old.stderr);
    match minor_version(&version) {
        Some(v) if v >= (3, 6) => assert!(
            !old.status.success() || !String::from_utf8_lossy(&old.stdout).contains("REVISION"),
            "{version} removed etcdctl snapshot status, yet it answered"
        ),
        Some((3, 5)) => assert!(
            old_err.contains("Deprecated") && old_err.contains("etcdutl snapshot status"),
            "3.5 points at etcdutl: {old_err}"
        ),
        _ => assert!(old.status.success(), "3.4: {old_err}"),
    }
}

/// etcd 3.6+ only: `etcdctl downgrade enable` (3.4 and 3.5 have no such command).
/// Enabling lowers the cluster version and, seconds later, the storage version to the
/// target; the Cluster view and `check` must both say a downgrade is under way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enabled_downgrade_is_shown_and_warned_about() {
    let Some((c, version)) = start(1).await else {
        return;
    };
    if !has_gates(&version) {
        eprintln!("etcd {version} has no downgrade command (3.6+): nothing to show");
        return;
    }
    if common::etcdctl_bin().is_none() {
        return;
    }
    let (major, minor) = minor_version(&version).expect("a version");
    let target = format!("{major}.{}", minor - 1);
    common::etcdctl_ok(&c, &["downgrade", "enable", &target]);
    let h = cluster_view(&c).await;
    let m = &h.app.cluster.snapshot.as_ref().expect("snapshot").members[0];
    let since = m.since_36.as_ref().expect("3.6 fields");
    let want = format!("{target}.0");
    assert_eq!(
        since.downgrade,
        Some(Downgrade {
            enabled: true,
            target: want.clone()
        })
    );
    // The storage version follows the target a few seconds after enabling (etcd's
    // version monitor); until then it is still the member's own.
    let own = storage_version(&version);
    assert!(
        since.storage_version == Some(want.clone()) || since.storage_version == Some(own),
        "{since:?}"
    );
    let screen = h.render_body(160, 45);
    assert!(
        screen.contains(&format!("downgrade ENABLED → {want}")),
        "{screen}"
    );
    let state = tempfile::tempdir().expect("temp dir");
    let checks = check_json(&c, state.path());
    let d = find(&checks, "downgrade");
    assert_eq!(d["status"], "warn", "{d}");
    assert!(
        d["value"]
            .as_str()
            .is_some_and(|v| v.contains(&format!("to {want}"))),
        "{d}"
    );
}
