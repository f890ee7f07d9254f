//! The Watch view in the real binary: start a watch from the Keys view and see live
//! writes arrive.

mod common;
mod tmux;

use std::time::Duration;

use tmux::{Tmux, require_tmux};

const T: Duration = Duration::from_secs(15);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn w_on_a_directory_tails_live_writes() {
    let Some(()) = require_tmux() else { return };
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    let mut client = common::connect(&c).await;
    client.put("/jobs/seed", "0", None).await.expect("put");
    let args = format!(
        "--endpoints {} --kubeadm-manifest /nonexistent",
        c.client_urls()[0]
    );
    let t = Tmux::start(&args, &[], 120, 30);
    t.wait_for("jobs/", T);
    t.type_text(":goto /jobs/");
    t.key("Enter");
    t.key("w");
    t.wait_for("live on", T);
    for i in 0..5 {
        client
            .put(format!("/jobs/run-{i}"), format!("{{\"step\":{i}}}"), None)
            .await
            .expect("put");
    }
    client.delete("/jobs/run-0", None).await.expect("delete");
    let s = t.wait_for("DELETE", T);
    assert!(s.contains("/jobs/run-4"), "{s}");
    assert!(s.contains("6 events"), "{s}");
    t.key("q");
    t.assert_clean_exit();
}
