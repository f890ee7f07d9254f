//! Where an etcd password must never show up: the log (even at trace level), the
//! screen, the panic report, `Debug` output of the parsed settings, and the editor
//! etcdtui starts. A password given on the command line is warned about, since `ps`
//! shows it to every local account.
//!
//! Covered elsewhere: the audit log (tests/operations.rs,
//! `a_user_without_the_root_role_has_no_operations_and_root_has_them`), a password file
//! others may read (tests/cli.rs, `a_password_file_others_can_read_is_warned_about_and_
//! never_printed`), the password typed for `:useradd` (tests/auth_view.rs).

mod common;
mod tmux;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use clap::Parser;
use etcdtui::localcluster::LocalCluster;
use tmux::{Tmux, require_tmux, sh_quote};

const PW: &str = "Pw-7f3a9c-never-shown";
const T: Duration = Duration::from_secs(20);

/// A cluster with auth on: root's password is `PW`, and one key to look at.
async fn auth_cluster() -> Option<LocalCluster> {
    let c = common::start_cluster(1).await?;
    let root = format!("root:{PW}");
    for args in [
        &["put", "/s/a", "value"][..],
        &["user", "add", &root],
        &["user", "grant-role", "root", "root"],
        &["auth", "enable"],
    ] {
        common::etcdctl_ok(&c, args);
    }
    Some(c)
}

/// The log file etcdtui writes under `XDG_STATE_HOME`.
fn log_file(state: &Path) -> PathBuf {
    state.join("etcdtui").join("etcdtui.log")
}

fn read_log(state: &Path) -> String {
    let path = log_file(state);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `etcdtui check` with the given arguments and extra environment, logging at trace
/// level into `home`.
fn check(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    common::etcdtui_at_home(home)
        .env("ETCDTUI_LOG", "trace")
        .envs(env.iter().copied())
        .args(args)
        .args(["--kubeadm-manifest", "/nonexistent", "check"])
        .output()
        .expect("run etcdtui")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_on_the_command_line_is_warned_about_and_never_logged() {
    let Some(c) = auth_cluster().await else {
        return;
    };
    let url = c.client_urls()[0].clone();
    let home = tempfile::tempdir().expect("temp home");
    let user = format!("root:{PW}");
    let o = check(home.path(), &["--endpoints", &url, "--user", &user], &[]);
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    // 0 or 1: the checks ran (a one-member cluster may warn); 2 would be no connection.
    assert!(matches!(o.status.code(), Some(0 | 1)), "{out}\n{err}");
    assert!(
        err.contains("other local users can see it (ps")
            && err.contains("ETCDCTL_PASSWORD")
            && err.contains("password_file"),
        "no warning about the password in the process list: {err}"
    );
    assert!(!out.contains(PW) && !err.contains(PW), "{out}\n{err}");
    let log = read_log(&home.path().join(".state"));
    // Trace level logs the gRPC traffic: a log this short would prove nothing.
    assert!(log.lines().count() > 20, "trace logging is off?\n{log}");
    assert!(!log.contains(PW), "the password is in the log");

    // The safe way: no warning, and still nothing in the log.
    let home = tempfile::tempdir().expect("temp home");
    let o = check(
        home.path(),
        &["--endpoints", &url, "--user", "root"],
        &[("ETCDCTL_PASSWORD", PW)],
    );
    let err = text(&o.stderr);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{err}");
    assert!(!err.contains("ps"), "warned without cause: {err}");
    assert!(!read_log(&home.path().join(".state")).contains(PW));
}

#[test]
fn debug_of_the_parsed_settings_hides_the_password() {
    let home = tempfile::tempdir().expect("temp dir");
    let config = home.path().join("config.yaml");
    std::fs::write(&config, "").expect("empty config");
    let user = format!("root:{PW}");
    let cli = etcdtui::cli::Cli::try_parse_from([
        "etcdtui",
        "--endpoints",
        "127.0.0.1:1",
        "--user",
        &user,
        "--config",
        config.to_str().expect("UTF-8 path"),
    ])
    .expect("parse");
    let shown = format!("{cli:?}");
    assert!(shown.contains("root:***") && !shown.contains(PW), "{shown}");
    let setup = etcdtui::startup::Setup::load(&cli.conn).expect("setup");
    let shown = format!("{:?}", setup.flags);
    assert!(!shown.contains(PW), "{shown}");
    let ctx = setup.resolve().expect("resolve");
    let creds = ctx.spec.credentials.as_ref().expect("credentials");
    // The password is there, only not shown.
    assert_eq!(creds.password.as_ref().map(|p| p.expose()), Some(PW));
    for shown in [format!("{ctx:?}"), format!("{:?}", ctx.spec)] {
        assert!(!shown.contains(PW), "{shown}");
    }
}

/// What the pane shows must never hold the password.
fn screen_without_password(t: &Tmux) -> String {
    let s = t.screen();
    assert!(!s.contains(PW), "the password is on screen:\n{s}");
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tui_warns_and_neither_screen_nor_log_nor_editor_gets_the_password() {
    let Some(()) = require_tmux() else { return };
    let Some(c) = auth_cluster().await else {
        return;
    };
    let out = tempfile::tempdir().expect("temp dir");
    // The editor records what it was given, environment and arguments, and changes
    // nothing.
    let seen = out.path().join("editor-saw.txt");
    let editor = tmux::write_file(
        out.path(),
        "editor.sh",
        &format!(
            "#!/bin/sh\n{{ env; echo \"ARGS $0 $*\"; cat /proc/$PPID/cmdline; }} > {}\nexit 1\n",
            sh_quote(&seen.display().to_string())
        ),
    );
    let editor_cmd = format!("sh {}", editor.display());
    let stderr = out.path().join("stderr.txt");
    let args = format!(
        "--endpoints {} --user {} --kubeadm-manifest /nonexistent 2>{}",
        c.client_urls()[0],
        sh_quote(&format!("root:{PW}")),
        sh_quote(&stderr.display().to_string())
    );
    let env = [
        ("ETCDTUI_LOG", "trace"),
        ("EDITOR", editor_cmd.as_str()),
        ("ETCDCTL_PASSWORD", PW),
    ];
    let t = Tmux::start(&args, &env, 120, 30);
    let s = t.wait_for("● connected", T);
    assert!(
        s.contains("--user root:..."),
        "no warning on the status line:\n{s}"
    );
    screen_without_password(&t);

    t.type_text(":goto /s/a");
    t.key("Enter");
    t.wait_for("value", T);
    t.key("e");
    t.wait_until("the editor ran", T, |_| seen.exists());
    // Back from the editor, the TUI says it changed nothing and goes on.
    t.wait_for("exited", T);
    let editor_saw = std::fs::read_to_string(&seen).expect("editor record");
    assert!(editor_saw.contains("ARGS"), "{editor_saw}");
    assert!(
        !editor_saw.contains(PW),
        "the editor was given the password:\n{editor_saw}"
    );

    // Views that name users and the connection.
    t.type_text("5");
    t.wait_for("root", T);
    screen_without_password(&t);
    t.type_text("3");
    t.wait_for("m1", T);
    screen_without_password(&t);
    t.type_text(":info");
    t.key("Enter");
    t.wait_for(" Connection ", T);
    screen_without_password(&t);
    t.key("Escape");
    // Apart, or the terminal sends them as alt-q.
    t.wait_gone(" Connection ", T);
    t.key("q");
    let s = t.assert_clean_exit();
    assert!(!s.contains(PW), "{s}");
    let log = read_log(&t.home().join(".state"));
    assert!(log.lines().count() > 20, "trace logging is off?\n{log}");
    assert!(!log.contains(PW), "the password is in the log");
    let stderr = std::fs::read_to_string(&stderr).expect("stderr");
    assert!(!stderr.contains(PW), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_report_has_no_password_and_leaves_the_terminal_usable() {
    let Some(()) = require_tmux() else { return };
    let Some(c) = auth_cluster().await else {
        return;
    };
    let out = tempfile::tempdir().expect("temp dir");
    let report = out.path().join("stderr.txt");
    let args = format!(
        "--endpoints {} --user root --kubeadm-manifest /nonexistent 2>{}",
        c.client_urls()[0],
        sh_quote(&report.display().to_string())
    );
    let env = [
        ("ETCDTUI_TEST_PANIC", "1"),
        ("ETCDCTL_PASSWORD", PW),
        ("RUST_BACKTRACE", "full"),
        ("ETCDTUI_LOG", "trace"),
    ];
    let t = Tmux::start(&args, &env, 120, 30);
    let s = t.wait_until("exit status and terminal modes", T, |s| {
        s.contains("EXIT=") && s.contains("icanon")
    });
    assert!(s.contains("EXIT=101"), "not a panic:\n{s}");
    let modes = s.lines().find(|l| l.contains("icanon")).unwrap_or_default();
    let words: Vec<&str> = modes.split_whitespace().collect();
    assert!(
        words.contains(&"icanon") && words.contains(&"echo"),
        "the panic left the terminal in raw mode: {modes}"
    );
    let report = std::fs::read_to_string(&report).expect("stderr");
    assert!(report.contains("panicking on purpose"), "{report}");
    assert!(!report.contains(PW), "the panic report shows the password");
    assert!(!s.contains(PW));
    let log = read_log(&t.home().join(".state"));
    assert!(log.contains("panic"), "the panic is not logged:\n{log}");
    assert!(!log.contains(PW), "the password is in the log");
}
