//! `etcdtui du` and `etcdtui snapshot du` against real etcd: the figures equal a brute-force
//! count over `etcdctl get --prefix -w json` (live) and over the writes made (history),
//! and a snapshot of the quiescent cluster agrees with the live scan.

mod common;

use std::path::Path;
use std::process::Output;

use common::du::{brute_history, brute_live, rows, seed};

fn du(home: &Path, args: &[&str]) -> Output {
    common::etcdtui_at_home(home)
        .args(args)
        .args(["--kubeadm-manifest", "/nonexistent"])
        .output()
        .expect("run etcdtui")
}

fn json_of(o: &Output) -> serde_json::Value {
    assert!(
        o.status.success(),
        "etcdtui failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("du -o json prints JSON")
}

fn n(v: &serde_json::Value, field: &str) -> u64 {
    v[field]
        .as_u64()
        .unwrap_or_else(|| panic!("{field} in {v}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_and_offline_du_equal_brute_force_counts() {
    let Some(mut cluster) = common::start_cluster(1).await else {
        return;
    };
    if common::etcdctl_bin().is_none() {
        return;
    }
    let writes = seed(&cluster).await;
    let home = tempfile::tempdir().expect("tempdir");
    let ep = cluster.client_urls().join(",");
    for (prefix, depth) in [("", 2usize), ("/registry/", 1), ("/app", 1), ("/app/", 3)] {
        let d = depth.to_string();
        let live = json_of(&du(
            home.path(),
            &[
                "--endpoints",
                &ep,
                "du",
                prefix,
                "--depth",
                &d,
                "--top",
                "0",
                "-o",
                "json",
            ],
        ));
        let want = brute_live(&cluster, prefix, depth);
        let got = rows(&live);
        let got_live: std::collections::BTreeMap<String, (u64, u64, u64)> = got
            .iter()
            .map(|(p, g)| {
                (
                    p.clone(),
                    (n(g, "keys"), n(g, "key_bytes"), n(g, "value_bytes")),
                )
            })
            .collect();
        assert_eq!(got_live, want, "live du {prefix:?} depth {depth}");
        assert!(
            live["total"].get("history_bytes").is_none(),
            "live has no history"
        );
        assert!(live["note"].as_str().unwrap_or("").contains("snapshot du"));
    }

    // Ranked by size, events first, named by kind.
    let live = json_of(&du(
        home.path(),
        &["--endpoints", &ep, "du", "/registry/", "-o", "json"],
    ));
    assert_eq!(live["groups"][0]["path"], "/registry/events/");
    assert_eq!(live["groups"][0]["kind"], "Event");
    let table = du(home.path(), &["--endpoints", &ep, "du", "/registry/"]);
    let table = String::from_utf8_lossy(&table.stdout).into_owned();
    let first_row = table.lines().nth(2).unwrap_or_default();
    assert!(first_row.starts_with("/registry/events/"), "{table}");
    assert!(first_row.contains("Event"), "{table}");

    // A snapshot of the same quiescent cluster: the same live figures, plus history.
    let file = home.path().join("s.db");
    common::etcdctl_ok(&cluster, &["snapshot", "save", &file.display().to_string()]);
    let f = file.display().to_string();
    for (prefix, depth) in [("", 2usize), ("/registry/", 1), ("/app/", 3)] {
        let d = depth.to_string();
        let args = [
            "--endpoints",
            &ep,
            "du",
            prefix,
            "--depth",
            &d,
            "--top",
            "0",
            "-o",
            "json",
        ];
        let live = rows(&json_of(&du(home.path(), &args)));
        let args = [
            "snapshot", "du", &f, prefix, "--depth", &d, "--top", "0", "-o", "json",
        ];
        let offline = json_of(&du(home.path(), &args));
        let history = brute_history(&writes, prefix, depth);
        for (path, g) in rows(&offline) {
            let h = history.get(&path).copied().unwrap_or((0, 0));
            assert_eq!(
                (n(&g, "history_revisions"), n(&g, "history_bytes")),
                h,
                "history of {path}"
            );
            match live.get(&path) {
                Some(l) => {
                    for f in ["keys", "key_bytes", "value_bytes"] {
                        assert_eq!(n(&g, f), n(l, f), "{f} of {path}, offline vs live");
                    }
                }
                // Only deleted keys there: history alone.
                None => assert_eq!(n(&g, "keys"), 0, "{path} is not live"),
            }
        }
        assert_eq!(
            rows(&offline).values().filter(|g| n(g, "keys") > 0).count(),
            live.len(),
            "the same groups hold live keys"
        );
        let total_h: u64 = history.values().map(|h| h.1).sum();
        assert_eq!(n(&offline["total"], "history_bytes"), total_h);
        assert!(total_h > 0, "the seed leaves history under {prefix:?}");
    }
    // The whole-file figures: free pages and size, as the status reads them.
    let off = json_of(&du(home.path(), &["snapshot", "du", &f, "-o", "json"]));
    let status = json_of(&du(home.path(), &["snapshot", "status", &f, "-o", "json"]));
    let size = off["file"]["total_size"].as_u64().expect("total size");
    assert!(size > 0 && off["file"]["free_bytes"].as_u64().expect("free") < size);
    assert_eq!(
        Some(size),
        status["totalSize"]
            .as_u64()
            .or(status["total_size"].as_u64()),
        "{status}"
    );
    let table = du(home.path(), &["snapshot", "du", &f]);
    let table = String::from_utf8_lossy(&table.stdout).into_owned();
    assert!(table.contains("a defragmentation would free"), "{table}");
    assert!(table.contains("a compaction to revision"), "{table}");

    // A stopped member's data dir reads the same as the snapshot.
    let dir = cluster.member(0).data_dir.clone();
    cluster.kill(0);
    let from_dir = json_of(&du(
        home.path(),
        &[
            "snapshot",
            "du",
            &dir.display().to_string(),
            "",
            "--depth",
            "2",
            "--top",
            "0",
            "-o",
            "json",
        ],
    ));
    let from_file = json_of(&du(
        home.path(),
        &[
            "snapshot", "du", &f, "", "--depth", "2", "--top", "0", "-o", "json",
        ],
    ));
    for field in ["keys", "key_bytes", "value_bytes", "history_bytes"] {
        assert_eq!(
            n(&from_dir["total"], field),
            n(&from_file["total"], field),
            "{field}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prefix_scoped_reader_can_du_its_prefix_only() {
    let Some(seeded) = common::privilege::seed().await else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let ep = seeded.cluster.client_urls().join(",");
    let as_ro = |args: &[&str]| {
        let mut all = vec!["--endpoints", &ep, "--user", "ro:ropw"];
        all.extend_from_slice(args);
        du(home.path(), &all)
    };
    let ok = json_of(&as_ro(&["du", "/app/", "-o", "json"]));
    // /app/a and /app/b/c, as seeded for the least-privilege tests.
    assert_eq!(n(&ok["total"], "keys"), 2, "{ok}");
    assert_eq!(
        n(&ok["total"], "value_bytes"),
        ("value-a".len() + "value-c".len()) as u64
    );
    for prefix in ["/other/", ""] {
        let denied = as_ro(&["du", prefix]);
        assert!(!denied.status.success());
        let err = String::from_utf8_lossy(&denied.stderr);
        assert!(err.contains("permission denied reading"), "{err}");
        assert!(err.contains("127.0.0.1"), "names the endpoint: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn bad_input_is_explained() {
    let home = tempfile::tempdir().expect("tempdir");
    let missing = home.path().join("nope.db");
    let o = du(
        home.path(),
        &["snapshot", "du", &missing.display().to_string()],
    );
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("cannot read") && err.contains("nope.db"),
        "{err}"
    );

    let damaged = home.path().join("damaged.db");
    std::fs::write(&damaged, vec![0x5au8; 64 * 1024]).expect("write");
    let o = du(
        home.path(),
        &["snapshot", "du", &damaged.display().to_string()],
    );
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("cannot read"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    for depth in ["0", "-1", "deep"] {
        let flag = format!("--depth={depth}");
        let o = du(home.path(), &["snapshot", "du", "x.db", &flag]);
        assert_eq!(o.status.code(), Some(2), "clap's usage error");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("path levels"), "{err}");
    }
}
