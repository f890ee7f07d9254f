//! The fault suite, start-up part: the only endpoint is frozen (SIGSTOP) or not
//! running when the app starts. The TUI opens, says why it cannot connect, answers
//! keys while it retries, and connects on its own, without a key press, once the
//! member is back. (tests/tmux_shell.rs covers a port nobody listens on in the real
//! binary, and recovery after ctrl-r.)

mod common;

use std::time::{Duration, Instant};

use etcdtui::app::{App, ConnState, Overlay};
use etcdtui::etcd::{ConnectSpec, Problem};
use etcdtui::headless::Headless;

const W: u16 = 100;
const H: u16 = 24;

fn problem(a: &App) -> Option<Problem> {
    match &a.conn {
        ConnState::Disconnected { error, .. } => Some(error.problem),
        _ => None,
    }
}

async fn until(h: &mut Headless, what: &str, pred: impl Fn(&App) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !pred(&h.app) {
        assert!(
            Instant::now() < deadline,
            "{what}: not within 30 s: {:?}\n{}",
            h.app.conn,
            h.render(W, H)
        );
        h.pump_for(Duration::from_millis(200)).await;
    }
    h.render(W, H)
}

/// Starts the app on `url`, expects `want` on screen with `words`, then lets `heal`
/// bring the member back and expects the app to connect by itself.
async fn down_at_start(url: &str, want: Problem, words: &str) -> Headless {
    let spec = ConnectSpec {
        endpoints: vec![url.to_string()],
        dial_timeout: Duration::from_secs(1),
        command_timeout: Duration::from_secs(1),
        ..ConnectSpec::default()
    };
    let mut h = Headless::connect_spec(spec, W, H, false);
    let screen = until(&mut h, &format!("{want:?}"), |a| problem(a) == Some(want)).await;
    eprintln!("{want:?} at start:\n{screen}");
    assert!(screen.contains("✗ disconnected"), "{screen}");
    assert!(screen.contains("retry in"), "{screen}");
    assert!(screen.contains(words), "{screen}");
    assert!(screen.contains(url), "which endpoint:\n{screen}");
    h.keys("?");
    assert!(matches!(h.app.overlay, Overlay::Help { .. }));
    h.keys("?");
    assert!(matches!(h.app.overlay, Overlay::None));
    h
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_only_endpoint_frozen_or_dead_at_start_then_back() {
    let Some(mut c) = common::start_cluster(1).await else {
        return;
    };
    common::etcdctl_ok(&c, &["put", "/fault/seen", "yes"]);
    let url = c.member(0).client_url.clone();

    c.stop_signal(0);
    let mut h = down_at_start(&url, Problem::Timeout, "timed out").await;
    c.cont_signal(0);
    until(&mut h, "connected after SIGCONT", |a| a.keys.loaded).await;
    drop(h);

    c.kill(0);
    let mut h = down_at_start(&url, Problem::Unreachable, "connection refused").await;
    c.restart(0).await.expect("restart the member");
    let screen = until(&mut h, "connected after the restart", |a| a.keys.loaded).await;
    assert!(screen.contains("● connected"), "{screen}");
    assert!(screen.contains("fault/"), "{screen}");
}
