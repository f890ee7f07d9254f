//! `etcdtui snapshot diff FILE` against real etcd: save a snapshot, make known writes,
//! and the diff must list exactly those, grouped by prefix, with the right summary; plus
//! `--snapshot` on a bad file fails plainly.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use etcdtui::localcluster::LocalCluster;
use serde_json::Value;

fn etcdtui(args: &[&str], home: &Path) -> Output {
    common::etcdtui_at_home(home)
        .args(args)
        .output()
        .expect("run etcdtui")
}

/// A seeded cluster, its snapshot, then 3 keys added, 1 changed, 1 deleted, and 2
/// written since but holding the snapshot's value again (rewritten, not changed).
async fn changed_since_snapshot() -> Option<(LocalCluster, tempfile::TempDir, PathBuf)> {
    let cluster = common::start_cluster(1).await?;
    common::etcdctl_bin()?;
    let mut c = common::connect(&cluster).await;
    etcdtui::demo::seed::seed(&mut c).await.expect("seed");
    c.put("/plain/keep", "same", None).await.expect("put");
    c.put("/plain/edit", "before", None).await.expect("put");
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("snap.db");
    common::etcdctl_ok(&cluster, &["snapshot", "save", &file.to_string_lossy()]);
    for k in [
        "/plain/new1",
        "/plain/new2",
        "/registry/pods/default/new-pod",
    ] {
        c.put(k, "added", None).await.expect("put");
    }
    c.put("/plain/edit", "after", None).await.expect("put");
    // Changed and changed back: two writes, the value is the snapshot's again.
    c.put("/plain/keep", "other", None).await.expect("put");
    c.put("/plain/keep", "same", None).await.expect("put");
    // Written back to the same bytes: a write since the snapshot, but no change.
    let same = c
        .get("/registry/namespaces/default", None)
        .await
        .expect("get");
    let value = same
        .kvs()
        .first()
        .map(|kv| kv.value().to_vec())
        .expect("ns");
    c.put("/registry/namespaces/default", value, None)
        .await
        .expect("put");
    c.delete("/registry/pods/default/redis-0", None)
        .await
        .expect("delete");
    Some((cluster, dir, file))
}

fn diff(cluster: &LocalCluster, file: &Path, home: &Path, extra: &[&str]) -> Output {
    let endpoints = cluster.client_urls().join(",");
    let file = file.to_string_lossy();
    let mut args = vec![
        "--endpoints",
        &endpoints,
        "--kubeadm-manifest",
        "/nonexistent",
        "snapshot",
        "diff",
        &file,
    ];
    args.extend_from_slice(extra);
    etcdtui(&args, home)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_lists_exactly_the_writes_since_the_snapshot() {
    let Some((cluster, dir, file)) = changed_since_snapshot().await else {
        return;
    };
    let out = diff(&cluster, &file, dir.path(), &["-o", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let keys: Vec<(String, String)> = v["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| {
            (
                k["key"].as_str().unwrap_or_default().to_string(),
                k["change"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let want = [
        ("/plain/edit", "changed"),
        ("/plain/keep", "rewritten"),
        ("/plain/new1", "added"),
        ("/plain/new2", "added"),
        ("/registry/namespaces/default", "rewritten"),
        ("/registry/pods/default/new-pod", "added"),
        ("/registry/pods/default/redis-0", "removed"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(k, c)| (k.to_string(), c.to_string()))
        .collect();
    assert_eq!(keys, want);
    assert_eq!(v["total"]["added"], 3);
    assert_eq!(v["total"]["changed"], 1);
    assert_eq!(v["total"]["removed"], 1);
    assert_eq!(v["total"]["rewritten"], 2);
    let pods = &v["groups"]["/registry/pods"];
    assert_eq!(
        (pods["added"].as_u64(), pods["removed"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(v["groups"]["/plain"]["added"], 2);
    assert_eq!(v["groups"]["/plain"]["changed"], 1);
    // Only rewritten there: nothing to show for the prefix.
    assert_eq!(v["groups"]["/registry/namespaces"], Value::Null);
    assert_eq!(v["groups"].as_object().map(|g| g.len()), Some(2));
    let summary = v["summary"].as_str().unwrap_or_default();
    assert!(
        summary.contains("5 keys differ — 3 added, 1 changed, 1 removed"),
        "{summary}"
    );
    assert!(
        summary.contains("2 more rewritten with the same value"),
        "{summary}"
    );
    assert!(v["live_revision"].as_i64() > v["snapshot_revision"].as_i64());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_table_summarises_and_a_key_shows_its_value_diff() {
    let Some((cluster, dir, file)) = changed_since_snapshot().await else {
        return;
    };
    let out = diff(&cluster, &file, dir.path(), &["--etcd-key", "/plain/edit"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let first = text.lines().next().unwrap_or_default();
    assert!(first.starts_with("since the snapshot (rev "), "{text}");
    assert!(first.contains("3 added, 1 changed, 1 removed"), "{text}");
    assert!(text.contains("\n= /plain/keep\n"), "{text}");
    assert!(text.contains("\n+ /plain/new1\n"), "{text}");
    assert!(
        text.contains("\n- /registry/pods/default/redis-0\n"),
        "{text}"
    );
    assert!(text.contains("\n~ /plain/edit\n"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["/registry/pods", "1", "0", "1"]),
        "{text}"
    );
    assert!(text.contains("--- snapshot /plain/edit"), "{text}");
    assert!(text.contains("\n-before\n+after\n"), "{text}");
    // Only one prefix asked for: the rest is not listed.
    let out = diff(&cluster, &file, dir.path(), &["--prefix", "/plain/"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("2 added, 1 changed, 0 removed"), "{text}");
    assert!(
        text.contains("1 more rewritten with the same value"),
        "{text}"
    );
    assert!(!text.contains("/registry"), "{text}");
}

#[test]
fn bad_files_fail_plainly_for_diff_and_for_browsing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![1u8; 8192]).expect("write");
    let junk = junk.to_string_lossy().into_owned();
    let out = etcdtui(&["--snapshot", &junk], dir.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot open snapshot"), "{err}");
    assert!(err.contains("not an etcd snapshot"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let out = etcdtui(
        &["--endpoints", "127.0.0.1:1", "snapshot", "diff", &junk],
        dir.path(),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot read snapshot"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_in_the_tui_shows_the_same_report_over_the_view() {
    let Some((cluster, _dir, file)) = changed_since_snapshot().await else {
        return;
    };
    let mut h = etcdtui::headless::Headless::connect(cluster.client_urls(), 100, 40);
    h.settle_until("tree", |a| a.keys.loaded).await;
    h.keys(&format!(":diff {}\n", file.display()));
    h.settle_until("diff shown", |a| {
        matches!(a.overlay, etcdtui::app::Overlay::Report { .. })
    })
    .await;
    let etcdtui::app::Overlay::Report { title, text, .. } = &h.app.overlay else {
        unreachable!("checked above");
    };
    assert!(title.starts_with("Since the snapshot (rev "), "{title}");
    assert!(text.contains("3 added, 1 changed, 1 removed"), "{text}");
    assert!(text.contains("- /registry/pods/default/redis-0"), "{text}");
    assert!(text.contains("= /registry/namespaces/default"), "{text}");
    let screen = h.render(100, 40);
    assert!(screen.contains("+ /plain/new1"), "{screen}");
    h.keys("q");
    assert_eq!(h.app.overlay, etcdtui::app::Overlay::None);
    assert!(!h.app.quit, "q closes the report, not the app");
    // A file that is not a snapshot: the status line says why.
    h.keys(":diff /nonexistent.db\n");
    h.settle().await;
    let status = h.app.status.clone().expect("status");
    assert!(status.text.contains("cannot read snapshot"), "{status:?}");
}
