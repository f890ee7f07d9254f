//! The real binary in a real terminal (tmux) against real etcd: the shell draws, help
//! opens, `:ctx` switches clusters, a dead member is shown and recovered from, and `q`
//! leaves the terminal as it found it.

mod common;
mod tmux;

use std::time::Duration;

use tmux::{Tmux, require_tmux, sh_quote, write_file};

const T: Duration = Duration::from_secs(15);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_help_context_switch_and_clean_quit_at_80x24() {
    let Some(()) = require_tmux() else { return };
    let Some(a) = common::start_cluster(1).await else {
        return;
    };
    let Some(b) = common::start_cluster(1).await else {
        return;
    };
    let cfg_dir = tempfile::tempdir().expect("temp dir");
    let cfg = write_file(
        cfg_dir.path(),
        "config.yaml",
        &format!(
            "current_context: alpha\ncontexts:\n  alpha:\n    endpoints: [{}]\n  beta:\n    endpoints: [{}]\n",
            a.client_urls()[0],
            b.client_urls()[0]
        ),
    );
    let args = format!(
        "--config {} --kubeadm-manifest /nonexistent",
        sh_quote(&cfg.display().to_string())
    );
    let t = Tmux::start(&args, &[], 80, 24);

    t.wait_for("● connected", T);
    t.type_text(":info");
    t.key("Enter");
    let s = t.wait_for(" Connection ", T);
    assert!(s.contains("ctx alpha"), "{s}");
    assert!(
        s.contains("current_context in config.yaml"),
        "source not shown:\n{s}"
    );
    let alpha_port = a.client_urls()[0]
        .rsplit(':')
        .next()
        .map(str::to_string)
        .unwrap_or_default();
    assert!(s.contains(&alpha_port), "{s}");

    t.key("Escape");
    t.wait_gone(" Connection ", T);
    t.key("?");
    t.wait_for("Help", T);
    // At 80x24 the help scrolls; its end holds the commands, the operations first and
    // the general commands last.
    t.key("G");
    // The last line of the help: a capture taken while the terminal is still drawing
    // the scrolled page can hold `:ctx` with the old page's last lines below it.
    let s = t.wait_for(":info :help :q", T);
    assert!(
        s.contains(":downgrade validate V") && s.contains(":ctx [NAME]"),
        "{s}"
    );
    t.key("Escape");
    t.wait_gone("Help", T);

    t.key("4");
    t.wait_for("Leases", T);

    t.type_text(":ctx be");
    t.key("Tab");
    t.wait_for(":ctx beta", T);
    t.key("Enter");
    let s = t.wait_until("context beta connected", T, |s| {
        s.contains("ctx beta  endpoints") && s.contains("● connected")
    });
    let beta_port = b.client_urls()[0]
        .rsplit(':')
        .next()
        .map(str::to_string)
        .unwrap_or_default();
    assert!(
        s.contains(&beta_port),
        "header should show beta's endpoint:\n{s}"
    );

    t.type_text(":ctx nope");
    t.key("Enter");
    let s = t.wait_for("nope", T);
    assert!(
        s.contains("ctx beta"),
        "a failed switch must keep the current context:\n{s}"
    );

    t.key("q");
    t.assert_clean_exit();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shows_disconnected_then_recovers_when_etcd_returns() {
    let Some(()) = require_tmux() else { return };
    let Some(mut c) = common::start_cluster(1).await else {
        return;
    };
    let url = c.client_urls()[0].clone();
    // ETCDCTL_ENDPOINTS without a scheme, as etcdctl users write it.
    let bare = url.trim_start_matches("http://").to_string();
    let t = Tmux::start(
        "--kubeadm-manifest /nonexistent --dial-timeout 1s --command-timeout 1s",
        &[("ETCDCTL_ENDPOINTS", &bare)],
        160,
        45,
    );
    t.wait_for("● connected", T);
    t.type_text(":info");
    t.key("Enter");
    let s = t.wait_for(" Connection ", T);
    assert!(s.contains(&bare), "{s}");
    assert!(
        s.contains("ETCDCTL_* environment") || s.contains("env"),
        "{s}"
    );

    t.key("Escape");
    c.kill(0);
    let s = t.wait_for("✗ disconnected", T);
    assert!(
        s.contains("connection refused") || s.contains("timed out"),
        "no reason given:\n{s}"
    );
    assert!(s.contains("(last known)"), "{s}");

    c.restart(0).await.expect("restart etcd");
    t.key("C-r");
    t.wait_until("reconnected", T, |s| {
        s.contains("● connected") && !s.contains("✗ disconnected")
    });

    t.key("C-c");
    t.assert_clean_exit();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_cluster_opens_the_tui_and_never_exits_on_its_own() {
    let Some(()) = require_tmux() else { return };
    let port = etcdtui::localcluster::free_port().expect("free port");
    let t = Tmux::start(
        &format!(
            "--endpoints 127.0.0.1:{port} --kubeadm-manifest /nonexistent --dial-timeout 500ms"
        ),
        &[],
        80,
        24,
    );
    let s = t.wait_for("✗ disconnected", T);
    assert!(s.contains("connection refused"), "{s}");
    assert!(s.contains("retry in"), "{s}");
    // Still there after a couple of retries.
    std::thread::sleep(Duration::from_secs(3));
    let s = t.screen();
    assert!(s.contains("etcdtui") && !s.contains("EXIT="), "{s}");
    t.key("q");
    t.assert_clean_exit();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_starts_a_three_member_cluster_and_removes_it_on_exit() {
    let Some(()) = require_tmux() else { return };
    let Some(etcd) = common::etcd_bin_or_skip() else {
        return;
    };
    let etcd = etcd.display().to_string();
    let t = Tmux::start(&format!("demo --etcd {}", sh_quote(&etcd)), &[], 100, 30);
    t.wait_for("● connected", Duration::from_secs(40));
    t.key("3");
    let s = t.wait_for("tolerates 1 more failure", T);
    assert!(s.contains("★"), "the leader is marked:\n{s}");
    assert!(s.contains("ctx demo"), "{s}");
    t.key("q");
    let s = t.assert_clean_exit();
    let dir = s
        .lines()
        .find_map(|l| l.split(" under ").nth(1))
        .map(|d| d.trim().to_string())
        .unwrap_or_else(|| panic!("demo did not say where its data is:\n{s}"));
    assert!(
        !std::path::Path::new(&dir).exists(),
        "demo left {dir} behind"
    );
}
