//! The Keys view in the real binary, in a real terminal, against real etcd.

mod common;
mod tmux;

use std::time::Duration;

use tmux::{Tmux, require_tmux};

const T: Duration = Duration::from_secs(15);

async fn seeded() -> Option<etcdtui::localcluster::LocalCluster> {
    let c = common::start_cluster(1).await?;
    let mut client = common::connect(&c).await;
    etcdtui::demo::seed::seed(&mut client).await.expect("seed");
    Some(c)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn goto_a_protobuf_pod_shows_it_decoded_at_80x24() {
    let Some(()) = require_tmux() else { return };
    let Some(c) = seeded().await else { return };
    let args = format!(
        "--endpoints {} --kubeadm-manifest /nonexistent",
        c.client_urls()[0]
    );
    let t = Tmux::start(&args, &[], 80, 24);
    t.wait_for("registry/", T);
    t.type_text(":goto /registry/pods/default/redis-0");
    t.key("Enter");
    let s = t.wait_for("kind: Pod", T);
    assert!(s.contains("name: redis-0"), "{s}");
    assert!(s.contains("apiVersion: v1"), "{s}");
    assert!(
        s.contains("redis-0"),
        "the tree shows the selected key:\n{s}"
    );
    // Copying over a terminal without a display uses OSC 52.
    t.key("y");
    t.wait_for("OSC 52", T);
    // Browse: into the value, scroll, back, collapse.
    t.key("Enter");
    t.key("j");
    t.key("h");
    t.key("h");
    t.key("q");
    t.assert_clean_exit();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filter_history_and_a_large_terminal() {
    let Some(()) = require_tmux() else { return };
    let Some(c) = seeded().await else { return };
    let args = format!(
        "--endpoints {} --kubeadm-manifest /nonexistent",
        c.client_urls()[0]
    );
    let t = Tmux::start(&args, &[], 200, 60);
    t.wait_for("registry/", T);
    t.type_text("/feature");
    let s = t.wait_for("/app/config/feature-flags", T);
    assert!(s.contains("1 matches"), "{s}");
    t.key("Enter");
    t.key("Enter");
    t.wait_for("\"newCheckout\": true", T);
    t.key("H");
    let s = t.wait_for("created here", T);
    assert!(s.contains("version 4") && s.contains("(current)"), "{s}");
    t.key("c");
    t.wait_for("+++ rev", T);
    t.key("h");
    t.key("q");
    t.assert_clean_exit();
}
