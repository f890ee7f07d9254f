//! The real binary as a prefix-scoped read-only user: it connects (never
//! "disconnected"), starts at /app/, reads a value there, and says "not permitted"
//! where the role does not reach.

mod common;
mod tmux;

use std::time::Duration;

use tmux::{Tmux, require_tmux};

const T: Duration = Duration::from_secs(15);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_user_browses_app_and_sees_not_permitted_elsewhere() {
    let Some(()) = require_tmux() else { return };
    let Some(s) = common::privilege::seed().await else {
        return;
    };
    let args = format!(
        "--endpoints {} --user ro:ropw --kubeadm-manifest /nonexistent",
        s.cluster.client_urls()[0]
    );
    let t = Tmux::start(&args, &[], 140, 30);
    let screen = t.wait_for("connected", T);
    assert!(!screen.contains("disconnected"), "{screen}");
    t.wait_for("/app/", T);
    t.type_text(":goto /app/a");
    t.key("Enter");
    t.wait_for("value-a", T);
    t.type_text(":goto /other/x");
    t.key("Enter");
    let screen = t.wait_for("not permitted: this user may not read /other/x", T);
    assert!(!screen.contains("secret-x"), "{screen}");
    assert!(!screen.contains("disconnected"), "{screen}");
    t.key("q");
    t.assert_clean_exit();
}
