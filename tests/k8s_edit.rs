//! Editing a Kubernetes object stored as protobuf, against real etcd: the classic repair
//! of a Namespace stuck on its finalizer. The object opens as YAML, the edit is encoded back
//! to the API server's bytes and written with a compare on mod_revision after the key is
//! typed; a concurrent change is refused with the draft kept; the write is audited.

mod common;

use etcdtui::app::Overlay;
use etcdtui::decode::k8s::{self, encode};
use etcdtui::headless::Headless;
use etcdtui::keymap::{Key, KeyCode};

const KEY: &str = "/registry/namespaces/x";

const NS: &str = "\
apiVersion: v1
kind: Namespace
metadata:
  creationTimestamp: \"2024-05-01T10:00:00Z\"
  labels:
    kubernetes.io/metadata.name: x
  name: x
  uid: 3c0b2f4e-1111-4d1e-9a5e-0a1b2c3d4e5f
spec:
  finalizers:
  - kubernetes
status:
  phase: Terminating
";

const FINALIZER: &str = "  finalizers:\n  - kubernetes\n";

fn stored(yaml: &str) -> Vec<u8> {
    encode::encode_text(yaml, encode::InputFormat::Yaml).expect("the namespace encodes")
}

async fn setup() -> Option<(
    etcdtui::localcluster::LocalCluster,
    Headless,
    etcd_client::Client,
)> {
    let cluster = common::start_cluster(1).await?;
    let mut client = common::connect(&cluster).await;
    client.put(KEY, stored(NS), None).await.expect("put");
    let mut h = Headless::connect_as(cluster.client_urls(), 110, 30, false);
    h.settle_until("tree", |a| a.keys.loaded).await;
    h.keys(&format!(":goto {KEY}\n"));
    h.settle_until("value", |a| {
        a.keys.value.as_ref().is_some_and(|v| v.kv.is_some())
    })
    .await;
    // The editor removes the finalizer, as a user would.
    h.editor = Some(Box::new(|v: &[u8]| {
        String::from_utf8_lossy(v)
            .replace(FINALIZER, "")
            .into_bytes()
    }));
    Some((cluster, h, client))
}

async fn value_of(client: &mut etcd_client::Client) -> Vec<u8> {
    let r = client.get(KEY, None).await.expect("get");
    r.kvs()
        .first()
        .map(|kv| kv.value().to_vec())
        .expect("key exists")
}

fn status(h: &Headless) -> String {
    h.app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

fn type_key(h: &mut Headless) {
    h.keys(KEY);
    h.key(Key::plain(KeyCode::Enter));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_a_stuck_finalizer_writes_the_api_servers_bytes() {
    let Some((_c, mut h, mut client)) = setup().await else {
        return;
    };
    h.keys("e");
    let Overlay::Confirm(c) = &h.app.overlay else {
        panic!("no confirmation after editing: {}", status(&h));
    };
    assert_eq!(c.typed.as_deref(), Some(KEY));
    let drafts = h.drafts.path().display().to_string();
    insta::assert_snapshot!(
        "k8s_edit_confirm",
        h.render_body(110, 30).replace(&drafts, "DRAFTS")
    );
    // y does not confirm a typed dialog; only the key does.
    h.keys("y");
    h.key(Key::plain(KeyCode::Enter));
    assert!(
        matches!(h.app.overlay, Overlay::Confirm(_)),
        "confirmed without the key"
    );
    h.key(Key::plain(KeyCode::Backspace));
    type_key(&mut h);
    h.settle_until("written", |a| {
        a.keys.pending.is_empty() && a.status.is_some()
    })
    .await;
    assert!(status(&h).contains("done at revision"), "{}", status(&h));
    let now = value_of(&mut client).await;
    let want = NS.replace(FINALIZER, "");
    assert_eq!(
        now,
        stored(&want),
        "etcd holds the API server's bytes for the edit"
    );
    let obj = k8s::decode(&now);
    assert!(obj.notes.is_empty(), "{:?}", obj.notes);
    assert!(
        obj.node
            .get("spec")
            .is_some_and(|s| s.get("finalizers").is_none())
    );
    let audit = std::fs::read_to_string(h.app.ops.audit_log.clone().expect("audit log"))
        .expect("audit written");
    assert!(audit.contains("edit Kubernetes Namespace"), "{audit}");
    assert!(
        audit.contains(KEY) && audit.contains("ok: written at revision"),
        "{audit}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_between_open_and_write_is_refused_and_the_draft_kept() {
    let Some((_c, mut h, mut client)) = setup().await else {
        return;
    };
    h.keys("e");
    assert!(
        matches!(h.app.overlay, Overlay::Confirm(_)),
        "{}",
        status(&h)
    );
    // Meanwhile the API server (here: another writer) updates the object.
    let theirs = stored(&NS.replace("phase: Terminating", "phase: Active"));
    client.put(KEY, theirs.clone(), None).await.expect("put");
    type_key(&mut h);
    h.settle_until("refused", |a| {
        a.keys.pending.is_empty() && a.status.is_some()
    })
    .await;
    assert_eq!(value_of(&mut client).await, theirs, "their change stays");
    let s = status(&h);
    assert!(
        s.contains("changed since it was shown: nothing written"),
        "{s}"
    );
    let draft = s
        .split("kept in ")
        .nth(1)
        .expect("draft named")
        .trim()
        .to_string();
    let kept = std::fs::read_to_string(&draft).expect("draft kept");
    assert!(kept.contains("BYPASSES the API server") && !kept.contains("- kubernetes"));
    let audit = std::fs::read_to_string(h.app.ops.audit_log.clone().expect("audit log"))
        .expect("audit written");
    assert!(audit.contains("refused: the key changed"), "{audit}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renamed_object_is_refused_and_read_only_never_opens_the_editor() {
    let Some((c, mut h, mut client)) = setup().await else {
        return;
    };
    h.editor = Some(Box::new(|v: &[u8]| {
        String::from_utf8_lossy(v)
            .replace("name: x", "name: y")
            .into_bytes()
    }));
    h.keys("e");
    assert!(matches!(h.app.overlay, Overlay::None));
    let s = status(&h);
    assert!(s.contains("metadata.name must not change"), "{s}");
    assert!(s.contains("your edit is kept in"), "{s}");
    assert_eq!(value_of(&mut client).await, stored(NS));

    let mut ro = Headless::connect_as(c.client_urls(), 110, 30, true);
    ro.settle_until("tree", |a| a.keys.loaded).await;
    ro.keys(&format!(":goto {KEY}\n"));
    ro.settle_until("value", |a| {
        a.keys.value.as_ref().is_some_and(|v| v.kv.is_some())
    })
    .await;
    ro.editor = Some(Box::new(|_| {
        panic!("the editor must not open in read-only mode")
    }));
    ro.keys("e");
    assert!(matches!(ro.app.overlay, Overlay::None));
}
