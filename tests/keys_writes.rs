//! Guarded writes in the Keys view against real etcd: each shows what it will do, needs
//! a confirmation, and refuses (keeping the user's edit) when the key changed meanwhile.

mod common;

use etcdtui::app::Overlay;
use etcdtui::headless::Headless;
use etcdtui::keymap::{Key, KeyCode};

async fn setup(
    read_only: bool,
) -> Option<(
    etcdtui::localcluster::LocalCluster,
    Headless,
    etcd_client::Client,
)> {
    let cluster = common::start_cluster(1).await?;
    let mut client = common::connect(&cluster).await;
    etcdtui::demo::seed::seed(&mut client).await.expect("seed");
    let mut h = Headless::connect_as(cluster.client_urls(), 110, 30, read_only);
    h.settle_until("tree", |a| a.keys.loaded).await;
    Some((cluster, h, client))
}

async fn value_of(client: &mut etcd_client::Client, key: &str) -> Option<Vec<u8>> {
    let r = client.get(key, None).await.expect("get");
    r.kvs().first().map(|kv| kv.value().to_vec())
}

async fn select(h: &mut Headless, key: &str) {
    h.keys(&format!(":goto {key}\n"));
    h.settle_until("value", |a| {
        a.keys.value.as_ref().is_some_and(|v| !v.loading)
    })
    .await;
}

fn status(h: &Headless) -> String {
    h.app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_asks_then_writes_and_removes_the_draft() {
    let Some((_c, mut h, mut client)) = setup(false).await else {
        return;
    };
    select(&mut h, "/app/config/service.yaml").await;
    h.editor = Some(Box::new(|v: &[u8]| [v, b"  region: eu-west-1\n"].concat()));
    h.keys("e");
    let Overlay::Confirm(c) = &h.app.overlay else {
        panic!("no confirmation after editing: {:?}", status(&h));
    };
    assert!(
        c.title.contains("Write /app/config/service.yaml"),
        "{}",
        c.title
    );
    assert!(
        c.lines
            .iter()
            .any(|l| l.contains("only if it is still at revision")),
        "{:?}",
        c.lines
    );
    // The draft's temp directory differs per run.
    let drafts = h.drafts.path().display().to_string();
    insta::assert_snapshot!(
        "edit_confirm",
        h.render_body(110, 24).replace(&drafts, "DRAFTS")
    );
    h.keys("y");
    h.settle().await;
    let v = value_of(&mut client, "/app/config/service.yaml")
        .await
        .expect("still there");
    assert!(v.ends_with(b"  region: eu-west-1\n"));
    assert!(status(&h).contains("done at revision"), "{}", status(&h));
    let drafts: Vec<_> = std::fs::read_dir(h.drafts.path())
        .expect("drafts")
        .collect();
    assert!(drafts.is_empty(), "draft kept after a successful write");
    // The value pane shows the new value.
    h.settle_until("value reloaded", |a| {
        a.keys
            .value
            .as_ref()
            .and_then(|v| v.kv.as_ref())
            .is_some_and(|kv| kv.value.ends_with(b"eu-west-1\n"))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concurrent_change_is_reported_not_overwritten_and_the_edit_is_kept() {
    let Some((_c, mut h, mut client)) = setup(false).await else {
        return;
    };
    select(&mut h, "/app/notes/readme").await;
    h.editor = Some(Box::new(|_| b"my edit\n".to_vec()));
    h.keys("e");
    assert!(matches!(h.app.overlay, Overlay::Confirm(_)));
    client
        .put("/app/notes/readme", "someone else's edit\n", None)
        .await
        .expect("put");
    h.keys("y");
    h.settle().await;
    assert_eq!(
        value_of(&mut client, "/app/notes/readme").await,
        Some(b"someone else's edit\n".to_vec())
    );
    let s = status(&h);
    assert!(
        s.contains("changed since it was shown: nothing written"),
        "{s}"
    );
    let draft = s
        .split("kept in ")
        .nth(1)
        .expect("status names the draft")
        .trim()
        .to_string();
    assert_eq!(std::fs::read(&draft).expect("draft kept"), b"my edit\n");
    // The pane shows the value as it is now, so editing again is not refused again.
    h.settle_until("value reloaded", |a| {
        a.keys
            .value
            .as_ref()
            .and_then(|v| v.kv.as_ref())
            .is_some_and(|kv| kv.value == b"someone else's edit\n")
    })
    .await;
    h.keys("e");
    assert!(matches!(h.app.overlay, Overlay::Confirm(_)));
    h.keys("y");
    h.settle().await;
    assert_eq!(
        value_of(&mut client, "/app/notes/readme").await,
        Some(b"my edit\n".to_vec()),
        "{}",
        status(&h)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_a_key_needs_y_and_any_other_key_cancels() {
    let Some((_c, mut h, mut client)) = setup(false).await else {
        return;
    };
    select(&mut h, "/app/binary/blob").await;
    h.keys("dn");
    assert!(matches!(h.app.overlay, Overlay::None));
    assert!(status(&h).contains("cancelled"), "{}", status(&h));
    assert!(value_of(&mut client, "/app/binary/blob").await.is_some());
    h.keys("dy");
    h.settle().await;
    assert!(value_of(&mut client, "/app/binary/blob").await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_prefix_shows_the_exact_count_and_needs_the_prefix_typed() {
    let Some((_c, mut h, mut client)) = setup(false).await else {
        return;
    };
    h.keys(":goto /app/sessions/\n");
    h.settle().await;
    h.keys("D");
    h.settle().await;
    let Overlay::Confirm(c) = &h.app.overlay else {
        panic!("no dialog: {}", status(&h))
    };
    assert_eq!(c.title, "Delete 3 keys under /app/sessions/");
    insta::assert_snapshot!("delete_prefix_confirm", h.render_body(110, 24));
    h.keys("/app/sess\n");
    assert!(
        matches!(h.app.overlay, Overlay::Confirm(_)),
        "an incomplete prefix must not confirm"
    );
    h.keys("ions/\n");
    h.settle().await;
    assert!(
        status(&h).contains("deleted 3 keys under /app/sessions/"),
        "{}",
        status(&h)
    );
    let left = client
        .get(
            "/app/sessions/",
            Some(
                etcd_client::GetOptions::new()
                    .with_prefix()
                    .with_count_only(),
            ),
        )
        .await
        .expect("count");
    assert_eq!(left.count(), 0);
    assert!(
        value_of(&mut client, "/app/notes/readme").await.is_some(),
        "nothing else deleted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_prefix_is_refused_when_the_prefix_changed_after_counting() {
    let Some((_c, mut h, mut client)) = setup(false).await else {
        return;
    };
    h.keys(":goto /app/config/\n");
    h.settle().await;
    h.keys("D");
    h.settle().await;
    assert!(matches!(h.app.overlay, Overlay::Confirm(_)));
    client
        .put("/app/config/new-key", "v", None)
        .await
        .expect("put");
    h.keys("/app/config/\n");
    h.settle().await;
    assert!(status(&h).contains("nothing written"), "{}", status(&h));
    assert!(
        value_of(&mut client, "/app/config/service.yaml")
            .await
            .is_some()
    );
    assert!(value_of(&mut client, "/app/config/new-key").await.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_creates_a_key_only_if_absent() {
    let Some((_c, mut h, mut client)) = setup(false).await else {
        return;
    };
    h.editor = Some(Box::new(|_| b"fresh".to_vec()));
    h.keys(":put /app/new/thing\n");
    let Overlay::Confirm(c) = &h.app.overlay else {
        panic!("no dialog: {}", status(&h))
    };
    assert!(c.title.starts_with("Create"), "{}", c.title);
    h.keys("y");
    h.settle().await;
    assert_eq!(
        value_of(&mut client, "/app/new/thing").await,
        Some(b"fresh".to_vec())
    );
    // Again: the key exists now, so a create must not overwrite it.
    h.editor = Some(Box::new(|_| b"second".to_vec()));
    h.keys(":put /app/new/thing\ny");
    h.settle().await;
    assert_eq!(
        value_of(&mut client, "/app/new/thing").await,
        Some(b"fresh".to_vec())
    );
    assert!(status(&h).contains("nothing written"), "{}", status(&h));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encrypted_values_are_not_opened_in_an_editor() {
    // Kubernetes protobuf is edited as YAML (tests/k8s_edit.rs); ciphertext is not.
    let Some((_c, mut h, _client)) = setup(false).await else {
        return;
    };
    select(
        &mut h,
        "/registry/secrets/kube-system/bootstrap-token-abcdef",
    )
    .await;
    h.editor = Some(Box::new(|_| panic!("the editor must not open")));
    h.keys("e");
    assert!(matches!(h.app.overlay, Overlay::None));
    assert!(status(&h).contains("encrypted at rest"), "{}", status(&h));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_has_no_write_bindings_and_refuses_put() {
    let Some((_c, mut h, mut client)) = setup(true).await else {
        return;
    };
    assert!(!h.app.keymap.has_dangerous());
    select(&mut h, "/app/notes/readme").await;
    h.editor = Some(Box::new(|_| panic!("the editor must not open")));
    h.keys("edD");
    h.key(Key::plain(KeyCode::Esc));
    assert!(matches!(h.app.overlay, Overlay::None));
    h.keys(":put /app/x\n");
    assert!(status(&h).contains("read-only"), "{}", status(&h));
    assert!(value_of(&mut client, "/app/x").await.is_none());
    assert!(value_of(&mut client, "/app/notes/readme").await.is_some());
    h.keys("?");
    let screen = h.render(110, 40);
    assert!(
        !screen.contains("delete the key"),
        "help lists a write binding in read-only:\n{screen}"
    );
}
