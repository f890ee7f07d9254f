//! Snapshots of the TUI shell (header, tabs, body, footer, overlays) drawn with
//! ratatui's TestBackend from hand-built states.

use std::time::{Duration, Instant};

use etcdtui::app::{App, ContextInfo, Msg, update};
use etcdtui::etcd::{ClusterInfo, EtcdError, Event, Problem};
use etcdtui::keymap::{Key, Keymap};
use etcdtui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn ctx(read_only: bool) -> ContextInfo {
    ContextInfo {
        name: "prod-eu".into(),
        endpoints: vec![
            "https://10.0.0.11:2379".into(),
            "https://10.0.0.12:2379".into(),
            "https://10.0.0.13:2379".into(),
        ],
        source: "context prod-eu (matches kube context admin@prod-eu)".into(),
        read_only,
        user: Some("root".into()),
        tls: true,
        details: vec!["CA /etc/kubernetes/pki/etcd/ca.crt".into()],
    }
}

fn info() -> ClusterInfo {
    ClusterInfo {
        endpoint: "https://10.0.0.11:2379".into(),
        cluster_id: 0xca5a_a9f0_3a8e_2a4b,
        member_id: 1,
        member_name: "etcd-a".into(),
        leader_id: 2,
        leader_name: Some("etcd-b".into()),
        version: "3.5.16".into(),
        revision: 1_234_567,
        raft_term: 7,
        members: 3,
        endpoints_up: 2,
        endpoints_total: 3,
        endpoint_errors: vec![EtcdError::new(
            Problem::Timeout,
            Some("https://10.0.0.13:2379"),
            "no answer within 5s",
        )],
        status_denied: false,
    }
}

fn app(read_only: bool) -> App {
    App::new(
        ctx(read_only),
        Keymap::defaults(),
        vec!["prod-eu".into(), "prod-us".into(), "staging".into()],
        Instant::now(),
    )
}

fn render(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    t.draw(|f| etcdtui::ui::draw(f, app, &Theme::builtin_default()))
        .expect("draw");
    t
}

fn press(app: &mut App, text: &str) {
    for c in text.chars() {
        update(app, Msg::Key(Key::char(c)));
    }
}

#[test]
fn connecting() {
    let a = app(false);
    insta::assert_snapshot!(render(&a, 80, 24).backend());
}

#[test]
fn a_snapshot_being_read_says_so_instead_of_connecting() {
    let mut c = ctx(true);
    c.endpoints.clear();
    let a = App::new(c, Keymap::defaults(), Vec::new(), Instant::now());
    let screen = render(&a, 80, 24).backend().to_string();
    let header = screen.lines().nth(1).unwrap_or_default();
    assert!(header.contains("reading the snapshot file"), "{header}");
    assert!(!screen.contains("connecting"), "{screen}");
}

#[test]
fn connected_with_one_endpoint_down() {
    let mut a = app(false);
    update(
        &mut a,
        Msg::Etcd(Event::Connected {
            generation: 1,
            info: info(),
        }),
    );
    insta::assert_snapshot!(render(&a, 100, 26).backend());
}

#[test]
fn disconnected_shows_why_and_when_it_retries() {
    let mut a = app(false);
    update(
        &mut a,
        Msg::Etcd(Event::Connected {
            generation: 1,
            info: info(),
        }),
    );
    update(
        &mut a,
        Msg::Etcd(Event::Disconnected {
            generation: 1,
            error: EtcdError::new(
                Problem::Unreachable,
                Some("https://10.0.0.11:2379"),
                "tcp connect error: Connection refused (os error 111)",
            ),
            attempt: 3,
            retry_in: Duration::from_secs(4),
        }),
    );
    insta::assert_snapshot!(render(&a, 80, 24).backend());
}

#[test]
fn help_overlay_read_only() {
    let mut a = app(true);
    press(&mut a, "?");
    insta::assert_snapshot!(render(&a, 80, 30).backend());
}

#[test]
fn command_line_suggests_contexts() {
    let mut a = app(false);
    press(&mut a, ":ctx pr");
    insta::assert_snapshot!(render(&a, 80, 24).backend());
}

#[test]
fn hostile_names_never_reach_the_terminal_raw() {
    let mut a = app(false);
    let mut i = info();
    i.member_name = "\x1b]0;pwned\x07m1".into();
    i.leader_name = Some("\x1b[2J\u{202e}evil".into());
    update(
        &mut a,
        Msg::Etcd(Event::Connected {
            generation: 1,
            info: i,
        }),
    );
    let t = render(&a, 120, 24);
    let text: String = t
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(
        !text.chars().any(|c| c.is_control() || c == '\u{202e}'),
        "raw control character drawn"
    );
    assert!(
        text.contains("\\x1b[2J\\u{202e}evil"),
        "leader name not shown escaped"
    );
}

#[test]
fn tiny_terminal_does_not_panic() {
    let mut a = app(false);
    press(&mut a, "?");
    for (w, h) in [(1, 1), (10, 3), (20, 5), (40, 8)] {
        render(&a, w, h);
    }
}
