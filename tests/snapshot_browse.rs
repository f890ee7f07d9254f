//! `etcdtui --snapshot FILE`: the Keys view on a file saved from real etcd must show what
//! the live cluster showed at that revision — tree, counts, decoded values, history — and
//! refuse every write.

mod common;

use std::path::{Path, PathBuf};

use etcdtui::app::keys::Row;
use etcdtui::app::{Level, ViewId};
use etcdtui::headless::Headless;
use etcdtui::keymap::{Action, Key, KeyCode};
use etcdtui::localcluster::LocalCluster;

struct Saved {
    cluster: LocalCluster,
    _dir: tempfile::TempDir,
    file: PathBuf,
}

/// The demo's Kubernetes data plus plain keys: one overwritten twice, one deleted.
async fn saved() -> Option<Saved> {
    let cluster = common::start_cluster(1).await?;
    common::etcdctl_bin()?;
    let mut client = common::connect(&cluster).await;
    etcdtui::demo::seed::seed(&mut client).await.expect("seed");
    for (k, v) in [
        ("/plain/a", "one"),
        ("/plain/b", "bee"),
        ("/plain/a", "two"),
        ("/plain/gone", "soon deleted"),
        ("/plain/a", "three"),
    ] {
        client.put(k, v, None).await.expect("put");
    }
    client.delete("/plain/gone", None).await.expect("delete");
    Some(save(cluster))
}

fn save(cluster: LocalCluster) -> Saved {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("snap.db");
    let path = file.to_string_lossy().into_owned();
    common::etcdctl_ok(&cluster, &["snapshot", "save", &path]);
    Saved {
        cluster,
        _dir: dir,
        file,
    }
}

fn open(file: &Path) -> Headless {
    match Headless::open_snapshot(file, 100, 30) {
        Ok(h) => h,
        Err(e) => panic!("snapshot did not open: {e}"),
    }
}

/// Each row with the count the tree shows for it.
fn rows(h: &Headless) -> Vec<String> {
    let ks = &h.app.keys;
    ks.tree
        .rows
        .iter()
        .map(|r| match *r {
            Row::Node { id, depth } => {
                let n = ks.tree.node(id);
                let key = String::from_utf8_lossy(&n.key);
                format!("{}{key} {:?}", "  ".repeat(depth), n.count)
            }
            Row::More { depth, .. } => format!("{}more", "  ".repeat(depth)),
        })
        .collect()
}

/// Top level, then `/registry/` opened: what both sources must agree on.
async fn browse_registry(h: &mut Headless) -> (Vec<String>, Vec<String>) {
    h.settle_until("tree loaded", |a| a.keys.tree.rows.len() >= 3)
        .await;
    let top = rows(h);
    h.keys(":goto /registry/\n");
    h.settle().await;
    h.key(Key::plain(KeyCode::Right));
    h.settle().await;
    (top, rows(h))
}

async fn value_text(h: &mut Headless, key: &str) -> String {
    h.keys(&format!(":goto {key}\n"));
    h.settle_until("value loaded", |a| {
        a.keys
            .value
            .as_ref()
            .is_some_and(|v| !v.loading && v.key == key.as_bytes())
    })
    .await;
    let v = h.app.keys.value.as_ref().expect("value pane");
    assert!(v.kv.is_some(), "{key} exists");
    v.rendered.text.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tree_counts_and_values_equal_the_live_cluster_at_that_revision() {
    let Some(s) = saved().await else { return };
    let mut live = Headless::connect(s.cluster.client_urls(), 100, 30);
    let mut snap = open(&s.file);
    let (live_top, live_registry) = browse_registry(&mut live).await;
    let (snap_top, snap_registry) = browse_registry(&mut snap).await;
    assert_eq!(snap_top, live_top);
    assert!(
        snap_top.iter().any(|r| r.contains("/plain/")),
        "{snap_top:?}"
    );
    assert_eq!(snap_registry, live_registry);
    assert!(
        snap_registry.iter().any(|r| r.contains("/registry/pods/")),
        "{snap_registry:?}"
    );
    let pod = "/registry/pods/default/redis-0";
    let live_pod = value_text(&mut live, pod).await;
    let snap_pod = value_text(&mut snap, pod).await;
    assert!(snap_pod.contains("kind: Pod"), "{snap_pod}");
    assert_eq!(snap_pod, live_pod);
    // The deleted key is not in the file's tree.
    snap.keys(":goto /plain/\n");
    snap.settle().await;
    snap.key(Key::plain(KeyCode::Right));
    snap.settle().await;
    let plain = rows(&snap);
    assert!(plain.iter().any(|r| r.contains("/plain/b")), "{plain:?}");
    assert!(
        !plain.iter().any(|r| r.contains("/plain/gone")),
        "{plain:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_of_an_overwritten_key_comes_from_the_file() {
    let Some(s) = saved().await else { return };
    // Writes after the save must not show: the file is the past.
    let mut client = common::connect(&s.cluster).await;
    client.put("/plain/a", "four", None).await.expect("put");
    let mut h = open(&s.file);
    h.settle_until("tree", |a| a.keys.loaded).await;
    assert_eq!(value_text(&mut h, "/plain/a").await.trim(), "three");
    h.keys("H");
    h.settle().await;
    let hist = h.app.keys.history.as_ref().expect("history open");
    let values: Vec<&[u8]> = hist.entries.iter().map(|kv| kv.value.as_slice()).collect();
    assert_eq!(values, vec![&b"three"[..], b"two", b"one"]);
    let versions: Vec<i64> = hist.entries.iter().map(|kv| kv.version).collect();
    assert_eq!(versions, vec![3, 2, 1]);
    assert_eq!(hist.end, Some(etcdtui::etcd::keys::HistoryEnd::Created));
    h.keys("h");
    h.keys("y");
    assert_eq!(
        h.clipboard.copied.last().map(String::as_str),
        Some("/plain/a")
    );

    // Export writes the file's keys, at the file's revision.
    let out = s.file.with_file_name("plain.json");
    h.keys(":goto /plain/\n");
    h.settle().await;
    h.keys(&format!(":export {}\n", out.display()));
    h.settle().await;
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out).expect("export written")).expect("json");
    let revision = h.app.snapshot.as_ref().map(|s| s.revision);
    assert_eq!(doc["revision"].as_i64(), revision);
    let keys: Vec<&str> = doc["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .filter_map(|k| k["key"].as_str())
        .collect();
    assert_eq!(keys, vec!["/plain/a", "/plain/b"]);
    assert_eq!(doc["keys"][0]["value"], "three");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_are_absent_and_refused_and_other_views_need_a_cluster() {
    let Some(s) = saved().await else { return };
    let mut h = open(&s.file);
    h.settle_until("tree", |a| a.keys.loaded).await;
    let writes = [
        Action::Edit,
        Action::NewKey,
        Action::Delete,
        Action::DeletePrefix,
    ];
    assert!(
        h.app
            .keymap
            .bindings()
            .iter()
            .all(|b| !writes.contains(&b.action)),
        "a write binding is left"
    );
    assert!(!h.app.keymap.has_dangerous());
    value_text(&mut h, "/plain/b").await;
    h.keys("e");
    assert!(h.app.keys.ask.is_none() && h.app.keys.pending.is_empty());
    h.keys(":put /plain/new\n");
    let status = h.app.status.clone().expect("a status line");
    assert_eq!(status.level, Level::Error);
    assert!(status.text.contains("read-only"), "{status:?}");
    // Other views say plainly why they are empty, and send nothing.
    h.keys("3");
    assert_eq!(h.app.view, ViewId::Cluster);
    let screen = h.render(100, 30);
    assert!(screen.contains("this needs a live cluster"), "{screen}");
    h.keys(":watch /plain/\n");
    let status = h.app.status.clone().expect("a status line");
    assert!(status.text.contains("live cluster"), "{status:?}");
    assert_ne!(h.app.view, ViewId::Watch);
    // The value is still in the file, untouched by anything above.
    h.keys("1");
    assert_eq!(value_text(&mut h, "/plain/b").await.trim(), "bee");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_screen_is_marked_as_a_snapshot_with_its_revision() {
    let Some(s) = saved().await else { return };
    let mut h = open(&s.file);
    h.settle_until("tree", |a| a.keys.loaded).await;
    value_text(&mut h, "/plain/a").await;
    let path = s.file.display().to_string();
    // The temp path differs per run; the rest of the header must not.
    let screen: Vec<String> = h
        .render(100, 24)
        .lines()
        .map(|l| {
            let l = l.trim_matches('"').replace(&path, "SNAP.db");
            l.trim_end().to_string()
        })
        .collect();
    let screen = screen.join("\n");
    assert!(screen.contains("snapshot SNAP.db  rev "), "{screen}");
    assert!(screen.contains("(read-only)"), "{screen}");
    assert!(!screen.contains("connected"), "{screen}");
    insta::assert_snapshot!("snapshot_keys_view", screen);

    // The same file with its appended SHA-256 broken still opens, marked as such.
    let mut bytes = std::fs::read(&s.file).expect("read snapshot");
    if let Some(last) = bytes.last_mut() {
        *last ^= 0xff;
    }
    let bad = s.file.with_file_name("bad-hash.db");
    std::fs::write(&bad, bytes).expect("write");
    let mut h = open(&bad);
    h.settle_until("tree", |a| a.keys.loaded).await;
    let screen = h.render(100, 24);
    assert!(screen.contains("SHA-256 MISMATCH"), "{screen}");
}

#[test]
fn bad_files_give_a_clear_error_not_a_panic() {
    let dir = tempfile::tempdir().expect("temp dir");
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![7u8; 64 * 1024]).expect("write");
    let err = Headless::open_snapshot(&junk, 80, 24)
        .err()
        .expect("junk refused");
    assert!(err.contains("not an etcd snapshot"), "{err}");
    let err = Headless::open_snapshot(&dir.path().join("missing.db"), 80, 24)
        .err()
        .expect("missing refused");
    assert!(err.contains("cannot open snapshot"), "{err}");
}

/// The children of `/plain/` as the tree shows them.
async fn plain_children(h: &mut Headless) -> Vec<String> {
    h.settle_until("tree", |a| a.keys.loaded).await;
    h.keys(":goto /plain/\n");
    h.settle().await;
    h.key(Key::plain(KeyCode::Right));
    h.settle().await;
    rows(h)
        .into_iter()
        .filter(|r| r.trim_start().starts_with("/plain/") && !r.contains("/plain/ "))
        .map(|r| r.trim().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_switches_to_the_file_and_a_context_switch_goes_back_live() {
    let Some(s) = saved().await else { return };
    let mut client = common::connect(&s.cluster).await;
    client
        .put("/plain/after", "later", None)
        .await
        .expect("put");
    let mut h = Headless::connect(s.cluster.client_urls(), 100, 30);
    let live = plain_children(&mut h).await;
    assert!(
        live.iter().any(|r| r.starts_with("/plain/after")),
        "{live:?}"
    );

    h.keys(":open /nonexistent/snap.db\n");
    h.settle_until("open failed", |a| {
        a.status.as_ref().is_some_and(|s| s.level == Level::Error)
    })
    .await;
    let status = h.app.status.clone().expect("status");
    assert!(status.text.contains("cannot open snapshot"), "{status:?}");
    assert!(h.app.snapshot.is_none());

    h.keys(&format!(":open {}\n", s.file.display()));
    h.settle_until("file open", |a| a.snapshot.is_some()).await;
    assert!(h.app.context.read_only);
    let from_file = plain_children(&mut h).await;
    assert!(
        !from_file.iter().any(|r| r.starts_with("/plain/after")),
        "{from_file:?}"
    );
    assert!(
        from_file.iter().any(|r| r.starts_with("/plain/b")),
        "{from_file:?}"
    );
    h.keys(":put /plain/x\n");
    assert!(
        h.app
            .status
            .as_ref()
            .is_some_and(|s| s.text.contains("read-only"))
    );

    // ctrl-r goes back to the cluster `:open` left, whatever its flags were.
    h.key(Key::ctrl('r'));
    assert!(h.app.snapshot.is_none() && !h.app.context.read_only);
    assert_eq!(h.app.context.name, "test");
    assert_eq!(plain_children(&mut h).await, live);

    // What `:ctx NAME` does once the runtime has resolved the name.
    h.keys(&format!(":open {}\n", s.file.display()));
    h.settle_until("file open", |a| a.snapshot.is_some()).await;
    assert_eq!(plain_children(&mut h).await, from_file);
    let spec = etcdtui::etcd::ConnectSpec {
        endpoints: s.cluster.client_urls(),
        ..Default::default()
    };
    let info = etcdtui::startup::plain_context("back", "test", &spec);
    h.msg(etcdtui::app::Msg::ContextSwitched(Ok(Box::new((
        info, spec,
    )))));
    assert!(h.app.snapshot.is_none() && !h.app.context.read_only);
    let again = plain_children(&mut h).await;
    assert_eq!(again, live);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_directory_pages_exactly_as_the_live_listing() {
    let Some(cluster) = common::start_cluster(1).await else {
        return;
    };
    common::etcdctl_bin().expect("etcdctl");
    let mut client = common::connect(&cluster).await;
    for i in 0..620 {
        let key = format!("/bulk/k{i:05}");
        client.put(key, "v", None).await.expect("put");
    }
    // A subtree to jump over, and deleted keys the file still has history for.
    for i in 0..150 {
        let key = format!("/bulk/k00300/{i:03}");
        client.put(key, "v", None).await.expect("put");
    }
    for i in 100..110 {
        let key = format!("/bulk/k{i:05}");
        client.delete(key, None).await.expect("delete");
    }
    let s = save(cluster);
    let mut live = Headless::connect(s.cluster.client_urls(), 100, 30);
    let mut snap = open(&s.file);
    let mut pages = Vec::new();
    for h in [&mut live, &mut snap] {
        h.settle_until("tree", |a| a.keys.loaded).await;
        h.keys(":goto /bulk/\n");
        h.settle().await;
        h.key(Key::plain(KeyCode::Right));
        h.settle().await;
        let first = rows(h);
        h.keys("G");
        h.key(Key::plain(KeyCode::Enter));
        h.settle().await;
        pages.push((first, rows(h)));
    }
    let (live_pages, snap_pages) = (&pages[0], &pages[1]);
    assert_eq!(snap_pages.0.last().map(|r| r.trim()), Some("more"));
    assert_eq!(snap_pages.0, live_pages.0, "first page");
    assert_eq!(snap_pages.1, live_pages.1, "after loading the rest");
    assert!(
        snap_pages
            .1
            .iter()
            .any(|r| r.trim_start().starts_with("/bulk/k00300/ ")),
        "{:?}",
        snap_pages
            .1
            .iter()
            .filter(|r| r.contains("k0030"))
            .collect::<Vec<_>>()
    );
}
