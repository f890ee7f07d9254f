//! Editing a Kubernetes object in the real binary, in a real terminal, against real etcd,
//! with `$EDITOR` a script that deletes the Namespace's finalizer as a user would in vi.
//! Also: `etcdtui encode` refuses a terminal as its output.

mod common;
mod tmux;

use std::time::Duration;

use etcdtui::decode::k8s::{self, encode};
use tmux::{Tmux, require_tmux, sh_quote, write_file};

const T: Duration = Duration::from_secs(15);
const KEY: &str = "/registry/namespaces/stuck";

const NS: &str = "\
apiVersion: v1
kind: Namespace
metadata:
  creationTimestamp: \"2024-05-01T10:00:00Z\"
  deletionTimestamp: \"2024-06-01T10:00:00Z\"
  name: stuck
  uid: 9d7e0c1a-2222-4f3b-8c6d-112233445566
spec:
  finalizers:
  - kubernetes
status:
  phase: Terminating
";

fn stored(yaml: &str) -> Vec<u8> {
    encode::encode_text(yaml, encode::InputFormat::Yaml).expect("encodes")
}

async fn value(client: &mut etcd_client::Client) -> Vec<u8> {
    let r = client.get(KEY, None).await.expect("get");
    r.kvs().first().map(|kv| kv.value().to_vec()).expect("key")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_namespace_loses_its_finalizer_and_a_concurrent_change_is_refused() {
    let Some(()) = require_tmux() else { return };
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    let mut client = common::connect(&c).await;
    client.put(KEY, stored(NS), None).await.expect("put");
    let dir = tempfile::tempdir().expect("tempdir");
    let editor = write_file(
        dir.path(),
        "editor.sh",
        "#!/bin/sh\nsed -i -e '/^  finalizers:$/d' -e '/^  - kubernetes$/d' \"$1\"\n",
    );
    let editor = editor.display().to_string();
    let args = format!(
        "--endpoints {} --kubeadm-manifest /nonexistent",
        c.client_urls()[0]
    );
    let t = Tmux::start(
        &args,
        &[("EDITOR", &format!("sh {}", sh_quote(&editor)))],
        120,
        40,
    );
    t.wait_for("registry/", T);
    t.type_text(&format!(":goto {KEY}"));
    t.key("Enter");
    t.wait_for("kind: Namespace", T);

    // First attempt: someone writes the object while the dialog is open.
    t.key("e");
    let s = t.wait_for("type the key to confirm", T);
    assert!(s.contains("BYPASSES the API server"), "{s}");
    assert!(s.contains("-   - kubernetes"), "{s}");
    let theirs = stored(&NS.replace("phase: Terminating", "phase: Active"));
    client
        .put(KEY, theirs.clone(), None)
        .await
        .expect("concurrent put");
    t.type_text(KEY);
    t.key("Enter");
    let s = t.wait_for("nothing written", T);
    assert!(s.contains("changed since it was shown"), "{s}");
    assert_eq!(value(&mut client).await, theirs);

    // The refusal reloads the key: the second attempt starts from the object as it is now.
    t.wait_for("phase: Active", T);
    t.key("e");
    t.wait_for("type the key to confirm", T);
    t.type_text(KEY);
    t.key("Enter");
    t.wait_for("done at revision", T);
    let now = value(&mut client).await;
    let want = NS
        .replace("phase: Terminating", "phase: Active")
        .replace("  finalizers:\n  - kubernetes\n", "");
    assert_eq!(now, stored(&want));
    let obj = k8s::decode(&now);
    assert!(obj.notes.is_empty(), "{:?}", obj.notes);
    t.key("q");
    t.assert_clean_exit();
}

#[test]
fn encode_refuses_a_terminal() {
    let Some(()) = require_tmux() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write_file(dir.path(), "ns.yaml", NS);
    let t = Tmux::start(
        &format!("encode {}", sh_quote(&file.display().to_string())),
        &[],
        100,
        10,
    );
    let s = t.wait_for("EXIT=", T);
    assert!(s.contains("standard output is a terminal"), "{s}");
    assert!(s.contains("EXIT=2"), "{s}");
}
