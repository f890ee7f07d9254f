//! Helpers for the upgrade tests: the etcd binaries of each minor line (scripts/test
//! exports them), and ticking the app's clock until the upgrade panel says something.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use etcdtui::app::{App, Msg};
use etcdtui::headless::Headless;

/// `ETCDTUI_ETCD3x_BIN`, required under CI (scripts/test sets them), else a skip.
pub fn line_bin(var: &str) -> Option<PathBuf> {
    let found = std::env::var_os(var).map(PathBuf::from);
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{var} not set under CI: scripts/test sets it"
        );
        eprintln!("skipping: {var} not set (scripts/test sets it)");
    }
    found
}

/// Ticks the clock (the Cluster view refreshes on ticks) until `pred` holds.
pub async fn tick_until(
    h: &mut Headless,
    what: &str,
    limit: Duration,
    pred: impl Fn(&App) -> bool,
) {
    let start = Instant::now();
    loop {
        h.msg(Msg::Tick(Instant::now()));
        h.settle_within(what, Duration::from_secs(10), |_| true)
            .await;
        if pred(&h.app) {
            return;
        }
        assert!(
            start.elapsed() < limit,
            "{what}: not within {limit:?}; next: {:?}; upgrade log: {:?}",
            h.app.upgrade.plan.as_ref().map(|p| p.next.describe()),
            h.app.upgrade.log
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

pub fn said(a: &App, needle: &str) -> bool {
    a.upgrade.log.iter().any(|l| l.contains(needle))
}

pub fn next(a: &App) -> Option<etcdtui::upgrade::plan::Next> {
    a.upgrade.plan.as_ref().map(|p| p.next.clone())
}

/// The server's version, from `etcd --version`.
pub fn bin_version(bin: &std::path::Path) -> String {
    let out = std::process::Command::new(bin)
        .arg("--version")
        .output()
        .expect("etcd --version");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .next()
        .and_then(|l| l.split_whitespace().last())
        .unwrap_or_default()
        .to_string()
}

/// Puts the Cluster view's cursor on the member named `name`, as `j`/`k` would.
pub fn select_member(h: &mut Headless, name: &str) {
    let idx = h
        .app
        .cluster
        .snapshot
        .as_ref()
        .expect("the Cluster view has a member list")
        .members
        .iter()
        .position(|m| m.name == name)
        .unwrap_or_else(|| panic!("no member named {name}"));
    h.app.cluster.cursor = idx;
}
