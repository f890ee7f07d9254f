//! The commands that print rather than draw, run in a real terminal (tmux) against an
//! etcd whose member name is hostile: `etcdtui check` names members in its table, and
//! what reaches the terminal must be escaped.

mod common;
mod tmux;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const NAME: &str = "\x1b]0;pwned\x07m\u{202e}1";

/// A one-member etcd started by hand, since only that way does the member get our
/// name; SIGKILLed when dropped.
struct NamedEtcd {
    child: Child,
    client_url: String,
}

impl Drop for NamedEtcd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_named(bin: &Path, dir: &Path) -> NamedEtcd {
    let port = || etcdtui::localcluster::free_port().expect("free port");
    let peer = format!("http://127.0.0.1:{}", port());
    let client_url = format!("http://127.0.0.1:{}", port());
    let child = Command::new(bin)
        .args(["--name", NAME, "--data-dir"])
        .arg(dir.join("data"))
        .args([
            "--listen-peer-urls",
            &peer,
            "--initial-advertise-peer-urls",
            &peer,
        ])
        .args(["--listen-client-urls", &client_url])
        .args(["--advertise-client-urls", &client_url])
        .args(["--initial-cluster", &format!("{NAME}={peer}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start etcd");
    NamedEtcd { child, client_url }
}

async fn wait_ready(url: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(mut c) = etcd_client::Client::connect([url], None).await
            && let Ok(list) = c.member_list().await
            && list.members().iter().any(|m| m.name() == NAME)
        {
            return;
        }
        assert!(Instant::now() < deadline, "etcd at {url} never came up");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_escapes_a_hostile_member_name_on_a_terminal() {
    let Some(()) = tmux::require_tmux() else {
        return;
    };
    let Some(bin) = common::etcd_bin_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let etcd = start_named(&bin, dir.path());
    wait_ready(&etcd.client_url).await;
    let args = format!(
        "--endpoints {} --kubeadm-manifest /nonexistent check",
        etcd.client_url
    );
    let t = tmux::Tmux::start(&args, &[], 200, 50);
    let s = t.wait_for("EXIT=", Duration::from_secs(30));
    assert!(
        s.contains("\\x1b]0;pwned\\x07m\\u{202e}1"),
        "the member name is not shown escaped:\n{s}"
    );
    assert!(
        !t.pane_title().contains("pwned"),
        "the name retitled the pane"
    );
}
