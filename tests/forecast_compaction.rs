//! "Compaction to revision R would free ~X" against real etcd: keys written, overwritten
//! and deleted; a snapshot saved; its history bytes (what `etcdtui snapshot du` counts,
//! and what the test counts by hand from what it wrote) become the Cluster view's figure
//! once the file was opened with `:open` and the session is back on the cluster, and
//! `etcdtui check --snapshot FILE` prints the same. After a compaction past the file's
//! revision the file is set aside and the view says how many revisions wait since the
//! compaction, from `etcd_debugging_mvcc_compact_revision` (exposed by 3.4 to 3.7).

mod common;

use std::process::Command;
use std::time::Duration;

use etcdtui::checks::compaction_free::size;
use etcdtui::headless::Headless;
use etcdtui::keymap::Key;

const KEYS: usize = 40;
const VALUE: usize = 2048;
const DELETED: usize = 5;

fn snapshot_du_history(file: &std::path::Path) -> (i64, u64) {
    let out = Command::new(env!("CARGO_BIN_EXE_etcdtui"))
        .args(["snapshot", "du", &file.to_string_lossy(), "-o", "json"])
        .output()
        .expect("run etcdtui snapshot du");
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    (
        v["revision"].as_i64().expect("revision"),
        v["total"]["history_bytes"].as_u64().expect("history_bytes"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_figure_is_the_snapshot_history_in_the_view_and_in_check() {
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    let mut cl = common::connect(&c).await;
    // Four versions of each key (three old revisions each); the deleted ones keep all
    // four plus their tombstone.
    let mut want = 0u64;
    for round in 0..4 {
        for i in 0..KEYS {
            let key = format!("/app/key-{i:02}");
            cl.put(key.clone(), vec![b'a' + round as u8; VALUE], None)
                .await
                .expect("put");
            if round < 3 || i < DELETED {
                want += (key.len() + VALUE) as u64;
            }
        }
    }
    for i in 0..DELETED {
        let key = format!("/app/key-{i:02}");
        cl.delete(key.clone(), None).await.expect("delete");
        want += key.len() as u64;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("forecast.db");
    common::etcdctl_ok(&c, &["snapshot", "save", &file.to_string_lossy()]);
    let (revision, history) = snapshot_du_history(&file);
    assert_eq!(history, want, "snapshot du's history bytes");
    let headline = format!(
        "compaction to revision {revision} would free ~{}",
        size(history)
    );

    let mut h = Headless::connect(c.client_urls(), 160, 45);
    h.settle_until("connected", |a| a.keys.loaded).await;
    h.keys(&format!(":open {}\n", file.display()));
    h.settle_until("file open", |a| a.snapshot.is_some()).await;
    h.key(Key::ctrl('r'));
    h.settle_until("back on the cluster", |a| {
        a.snapshot.is_none() && a.keys.loaded
    })
    .await;
    h.keys("3");
    h.settle_until("status and metrics", |a| {
        a.cluster.snapshot.as_ref().is_some_and(|s| {
            s.members
                .iter()
                .all(|m| m.db_size_in_use.is_some() && a.cluster.metrics.contains_key(&m.id))
        })
    })
    .await;
    let f = etcdtui::app::forecast::selected(&h.app).expect("forecast");
    assert_eq!(f.compaction.headline(), headline, "{:?}", f.compaction);
    let screen = h.render(160, 45);
    assert!(screen.contains(&headline), "want {headline:?} in\n{screen}");
    assert!(screen.contains("forecast.db (saved"), "{screen}");
    assert!(
        screen.contains(&format!("etcdctl compaction {revision}, then defrag")),
        "{screen}"
    );

    // `etcdtui check --snapshot FILE`: the same sentence, with the command.
    let home = tempfile::tempdir().expect("home");
    let out = common::etcdtui_at_home(home.path())
        .args(["--endpoints", &c.client_urls()[0]])
        .args(["--kubeadm-manifest", "/nonexistent", "check", "--snapshot"])
        .arg(&file)
        .output()
        .expect("run etcdtui check");
    let text = String::from_utf8_lossy(&out.stdout);
    let row = text
        .lines()
        .find(|l| l.contains("compaction forecast"))
        .unwrap_or_else(|| panic!("no compaction forecast row in\n{text}"));
    assert!(row.contains(&headline), "want {headline:?} in {row}");
    assert!(
        row.contains(&format!("(etcdctl compaction {revision}, then defrag)")),
        "{row}"
    );
    assert!(
        row.starts_with("ok"),
        "under 100 MiB of history is no warning: {row}"
    );

    // Compacted past the file: its history is gone, and the view says what it knows.
    cl.put("/app/after", "x", None).await.expect("put");
    let now = cl
        .put("/app/after", "y", None)
        .await
        .expect("put")
        .header()
        .expect("header")
        .revision();
    cl.compact(revision + 1, None).await.expect("compact");
    let since = now - (revision + 1);
    let want = format!(
        "{since} revisions since the last compaction (at {})",
        revision + 1
    );
    // `r` refreshes the Cluster view: status and metrics again.
    h.keys("r");
    h.settle_within(
        "a refresh after the compaction",
        Duration::from_secs(20),
        |a| {
            etcdtui::app::forecast::selected(a)
                .is_some_and(|f| f.compaction.basis().contains(&want))
        },
    )
    .await;
    let f = etcdtui::app::forecast::selected(&h.app).expect("forecast");
    assert!(
        f.compaction.basis().contains("forecast.db (revision"),
        "the file is named as set aside: {:?}",
        f.compaction
    );
    assert_eq!(f.compaction.headline(), "compaction: no estimate");
}
