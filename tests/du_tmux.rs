//! The space panel in the real binary, against a real cluster where Events flood in: a
//! new user selects /registry/, presses `u`, and sees /registry/events/ ranked first;
//! Esc closes the panel, the tree shows the sizes and `s` sorts by them.

mod common;
mod tmux;

use std::time::Duration;

use tmux::{Tmux, require_tmux};

const T: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_space_panel_ranks_the_flooding_events_first() {
    let Some(()) = require_tmux() else { return };
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    common::du::seed(&c).await;
    let args = format!(
        "--endpoints {} --kubeadm-manifest /nonexistent",
        c.client_urls().join(",")
    );
    let t = Tmux::start(&args, &[], 160, 45);
    t.wait_for("top", T);
    // The root lists `/` then `top`: open `/`, go down past /app/ to /registry/.
    t.key("l");
    t.wait_for("registry/", T);
    t.key("j");
    t.key("j");
    t.key("u");
    let s = t.wait_for("Space under /registry/ · revision", T);
    let lines: Vec<&str> = s.lines().collect();
    let header = lines
        .iter()
        .position(|l| l.contains("PATH") && l.contains("KIND"))
        .unwrap_or_else(|| panic!("a ranking header: {s}"));
    let first = lines[header + 1];
    assert!(
        first.contains("/registry/events/") && first.contains("Event"),
        "events first: {s}"
    );
    assert!(
        s.contains("history and free pages: `etcdtui snapshot du FILE`"),
        "{s}"
    );
    // Closed, the sizes stay beside the tree's counts; `s` puts the largest first.
    t.key("Escape");
    t.wait_gone("Space under", T);
    t.key("l");
    t.wait_for("events/", T);
    t.key("s");
    let s = t.wait_for("sorted by size", T);
    let events = s.lines().position(|l| l.contains("events/"));
    let pods = s.lines().position(|l| l.contains("pods/"));
    assert!(
        events.is_some() && pods.is_some() && events < pods,
        "events above pods: {s}"
    );
    let events_row = s
        .lines()
        .find(|l| l.contains("events/"))
        .unwrap_or_default();
    assert!(events_row.contains("KiB"), "a size beside the count: {s}");
    t.key("q");
    t.assert_clean_exit();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browsing_a_snapshot_the_panel_adds_history_and_free_pages() {
    let Some(()) = require_tmux() else { return };
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    if common::etcdctl_bin().is_none() {
        return;
    }
    common::du::seed(&c).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("s.db").to_string_lossy().into_owned();
    common::etcdctl_ok(&c, &["snapshot", "save", &file]);
    drop(c);
    let args = format!(
        "--snapshot {} --kubeadm-manifest /nonexistent",
        tmux::sh_quote(&file)
    );
    let t = Tmux::start(&args, &[], 160, 45);
    t.wait_for("top", T);
    t.key("l");
    t.wait_for("registry/", T);
    t.key("j");
    t.key("j");
    t.key("u");
    let s = t.wait_for("snapshot file", T);
    assert!(s.contains("compaction would free"), "{s}");
    assert!(s.contains("free pages"), "{s}");
    let first = s
        .lines()
        .skip_while(|l| !l.contains("PATH"))
        .nth(1)
        .unwrap_or_default();
    assert!(first.contains("/registry/events/"), "{s}");
    t.key("q");
    t.key("q");
    t.assert_clean_exit();
}

/// Least privilege: `ro` reads only /app/, and its tree's one root is /app/, which it may
/// measure; `one` reads only the key /cfg, a key at the top whose directory is the whole
/// keyspace: refused, said in the panel, the session still connected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prefix_reader_is_told_not_permitted_in_place() {
    let Some(()) = require_tmux() else { return };
    let Some(seeded) = common::privilege::seed().await else {
        return;
    };
    let eps = seeded.cluster.client_urls().join(",");
    let as_user = |user: &str| {
        let args =
            format!("--endpoints {eps} --user {user}:{user}pw --kubeadm-manifest /nonexistent");
        Tmux::start(&args, &[], 160, 45)
    };
    let t = as_user("ro");
    t.wait_for("app/", T);
    t.key("u");
    let s = t.wait_for("Space under /app/ · revision", T);
    assert!(s.contains("/app/b/") && s.contains("/app/a"), "{s}");
    t.key("Escape");
    t.wait_gone("Space under", T);
    t.key("q");
    t.assert_clean_exit();

    let t = as_user("one");
    t.wait_for("cfg", T);
    t.key("u");
    let s = t.wait_for("may not read all of the whole keyspace", T);
    assert!(!s.contains("disconnected"), "{s}");
    t.key("Escape");
    t.wait_gone("Space", T);
    t.key("q");
    t.assert_clean_exit();
}
