//! `:open FILE` reads the file off the UI loop: the update that handles the command
//! returns at once with an "opening" status, keys keep working while the file is read,
//! and the result arrives as an event that switches the view to the file.

mod common;

use etcd_client::{Txn, TxnOp};
use etcdtui::app::Level;
use etcdtui::headless::Headless;

const KEYS: usize = 20_000;
const VALUE: usize = 1024;

/// A cluster holding ~20 MiB of values and a snapshot of it: large enough that reading
/// it between two frames would be seen.
async fn large_ish() -> Option<(
    etcdtui::localcluster::LocalCluster,
    tempfile::TempDir,
    std::path::PathBuf,
)> {
    let cluster = common::start_cluster(1).await?;
    common::etcdctl_bin()?;
    let mut c = common::connect(&cluster).await;
    let value = vec![b'v'; VALUE];
    for chunk in (0..KEYS).collect::<Vec<_>>().chunks(100) {
        let ops: Vec<TxnOp> = chunk
            .iter()
            .map(|i| TxnOp::put(format!("/bulk/{:02}/k{i:05}", i % 50), value.clone(), None))
            .collect();
        c.txn(Txn::new().and_then(ops)).await.expect("txn");
    }
    c.put("/plain/a", "from the file", None).await.expect("put");
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("large.db");
    common::etcdctl_ok(&cluster, &["snapshot", "save", &file.to_string_lossy()]);
    Some((cluster, dir, file))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_returns_at_once_and_the_file_arrives_as_an_event() {
    let Some((cluster, _dir, file)) = large_ish().await else {
        return;
    };
    let mut h = Headless::connect(cluster.client_urls(), 100, 30);
    h.settle_until("tree", |a| a.keys.loaded).await;
    let generation = h.app.generation;

    h.keys(&format!(":open {}\n", file.display()));
    // Handled without reading: nothing switched yet, and the status says what is going on.
    assert!(h.app.snapshot.is_none());
    assert_eq!(h.app.generation, generation);
    let status = h.app.status.clone().expect("status");
    assert_eq!(status.level, Level::Info);
    assert!(status.text.starts_with("opening "), "{status:?}");
    // The screen still draws and keys still work meanwhile.
    assert!(h.render(100, 30).contains("opening "));
    h.keys("3");
    assert_eq!(h.app.view, etcdtui::app::ViewId::Cluster);

    h.settle_until("file open", |a| a.snapshot.is_some()).await;
    let source = h.app.snapshot.clone().expect("source");
    assert_eq!(source.keys, KEYS as u64 + 1);
    assert_eq!(h.app.view, etcdtui::app::ViewId::Keys);
    assert!(h.app.context.read_only);
    h.settle_until("tree from the file", |a| a.keys.loaded)
        .await;
    h.keys(":goto /plain/a\n");
    h.settle_until("value", |a| {
        a.keys
            .value
            .as_ref()
            .and_then(|v| v.kv.as_ref())
            .is_some_and(|kv| kv.value == b"from the file")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quitting_while_a_file_is_read_quits() {
    let Some((cluster, _dir, file)) = large_ish().await else {
        return;
    };
    let mut h = Headless::connect(cluster.client_urls(), 100, 30);
    h.settle_until("tree", |a| a.keys.loaded).await;
    h.keys(&format!(":open {}\n", file.display()));
    h.keys("q");
    assert!(h.app.quit, "q works while the file is read");
    assert!(h.app.snapshot.is_none());
}
