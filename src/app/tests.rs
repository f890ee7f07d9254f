//! `update` driven with messages only: no terminal, no network.

use std::time::{Duration, Instant};

use super::*;
use crate::etcd::{Event, Problem};
use crate::keymap::{Key, KeyCode};

fn ctx(name: &str, read_only: bool) -> ContextInfo {
    ContextInfo {
        name: name.into(),
        endpoints: vec!["127.0.0.1:2379".into()],
        source: "test".into(),
        read_only,
        user: None,
        tls: false,
        details: Vec::new(),
    }
}

fn app() -> App {
    App::new(
        ctx("a", false),
        Keymap::defaults(),
        vec!["a".into(), "b".into()],
        Instant::now(),
    )
}

fn info(rev: i64) -> ClusterInfo {
    ClusterInfo {
        endpoint: "http://127.0.0.1:2379".into(),
        cluster_id: 0xabc,
        member_id: 1,
        member_name: "m1".into(),
        leader_id: 1,
        leader_name: Some("m1".into()),
        version: "3.5.1".into(),
        revision: rev,
        raft_term: 2,
        members: 3,
        endpoints_up: 1,
        endpoints_total: 1,
        endpoint_errors: Vec::new(),
        status_denied: false,
    }
}

fn down(generation: u64) -> Event {
    Event::Disconnected {
        generation,
        error: EtcdError::new(
            Problem::Unreachable,
            Some("http://127.0.0.1:2379"),
            "refused",
        ),
        attempt: 1,
        retry_in: Duration::from_secs(2),
    }
}

fn keys(app: &mut App, text: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    for c in text.chars() {
        let key = match c {
            '\n' => Key::plain(KeyCode::Enter),
            '\t' => Key::plain(KeyCode::Tab),
            c => Key::char(c),
        };
        effects.extend(update(app, Msg::Key(key)));
    }
    effects
}

#[test]
fn events_from_an_older_generation_are_dropped() {
    let mut a = app();
    a.generation = 2;
    update(
        &mut a,
        Msg::Etcd(Event::Connected {
            generation: 1,
            info: info(5),
        }),
    );
    assert!(matches!(a.conn, ConnState::Connecting { .. }));
    update(
        &mut a,
        Msg::Etcd(Event::Connected {
            generation: 2,
            info: info(7),
        }),
    );
    assert_eq!(a.cluster().map(|i| i.revision), Some(7));
}

#[test]
fn disconnect_keeps_the_last_answer_and_reconnect_says_so() {
    let mut a = app();
    update(
        &mut a,
        Msg::Etcd(Event::Connected {
            generation: 1,
            info: info(5),
        }),
    );
    update(&mut a, Msg::Etcd(down(1)));
    let ConnState::Disconnected { last, retry_at, .. } = &a.conn else {
        panic!("expected disconnected, got {:?}", a.conn);
    };
    assert_eq!(last.as_ref().map(|i| i.revision), Some(5));
    assert_eq!(*retry_at, a.now + Duration::from_secs(2));
    // The next attempt must not hide why we are disconnected.
    update(
        &mut a,
        Msg::Etcd(Event::Connecting {
            generation: 1,
            attempt: 1,
        }),
    );
    assert!(matches!(a.conn, ConnState::Disconnected { .. }));
    update(
        &mut a,
        Msg::Etcd(Event::Connected {
            generation: 1,
            info: info(9),
        }),
    );
    assert!(matches!(a.conn, ConnState::Connected { .. }));
    assert!(
        a.status
            .as_ref()
            .is_some_and(|s| s.text.contains("reconnected"))
    );
}

#[test]
fn views_switch_by_digit_tab_and_command() {
    let mut a = app();
    keys(&mut a, "3");
    assert_eq!(a.view, ViewId::Cluster);
    update(&mut a, Msg::Key(Key::plain(KeyCode::Tab)));
    assert_eq!(a.view, ViewId::Leases);
    update(&mut a, Msg::Key(Key::plain(KeyCode::BackTab)));
    update(&mut a, Msg::Key(Key::plain(KeyCode::BackTab)));
    assert_eq!(a.view, ViewId::Watch);
    keys(&mut a, ":auth\n");
    assert_eq!(a.view, ViewId::Auth);
    keys(&mut a, "5\t");
    assert_eq!(a.view, ViewId::Checks);
    keys(&mut a, "\t");
    assert_eq!(a.view, ViewId::Churn);
    keys(&mut a, "\t");
    assert_eq!(a.view, ViewId::Keys, "tab wraps around");
}

#[test]
fn help_opens_scrolls_and_closes_on_any_key() {
    let mut a = app();
    keys(&mut a, "?j");
    assert_eq!(a.overlay, Overlay::Help { scroll: 1 });
    keys(&mut a, "q");
    assert_eq!(a.overlay, Overlay::None);
    assert!(!a.quit, "q closes the help before it quits");
    keys(&mut a, "q");
    assert!(a.quit);
}

#[test]
fn ctrl_c_quits_from_anywhere_but_the_command_line() {
    let mut a = app();
    keys(&mut a, "?");
    update(&mut a, Msg::Key(Key::ctrl('c')));
    assert!(a.quit);
    let mut a = app();
    keys(&mut a, ":");
    update(&mut a, Msg::Key(Key::ctrl('c')));
    assert!(!a.quit, "ctrl-c on the command line cancels the line");
    assert_eq!(a.overlay, Overlay::None);
}

#[test]
fn ctx_switch_is_a_round_trip_through_the_runtime() {
    let mut a = app();
    let effects = keys(&mut a, ":ctx b\n");
    assert_eq!(effects, vec![Effect::ResolveContext("b".into())]);
    let spec = ConnectSpec::default();
    let effects = update(
        &mut a,
        Msg::ContextSwitched(Ok(Box::new((ctx("b", true), spec.clone())))),
    );
    assert_eq!(a.generation, 2);
    assert_eq!(
        effects,
        vec![Effect::Connect {
            generation: 2,
            spec
        }]
    );
    assert_eq!(a.context.name, "b");
    assert!(matches!(a.conn, ConnState::Connecting { .. }));
    // The old cluster's late answer must not show up under the new name.
    update(
        &mut a,
        Msg::Etcd(Event::Connected {
            generation: 1,
            info: info(1),
        }),
    );
    assert!(a.cluster().is_none());
}

#[test]
fn a_failed_switch_keeps_the_current_context() {
    let mut a = app();
    keys(&mut a, ":ctx nope\n");
    update(
        &mut a,
        Msg::ContextSwitched(Err("unknown context nope".into())),
    );
    assert_eq!(a.context.name, "a");
    assert_eq!(a.generation, 1);
    assert_eq!(a.status.as_ref().map(|s| s.level), Some(Level::Error));
}

#[test]
fn unknown_commands_are_reported_and_remembered() {
    let mut a = app();
    keys(&mut a, ":frob\n");
    let status = a.status.clone().map(|s| s.text).unwrap_or_default();
    assert!(status.contains("unknown command :frob"), "{status}");
    assert_eq!(a.command_history, vec!["frob".to_string()]);
    keys(&mut a, ":");
    update(&mut a, Msg::Key(Key::plain(KeyCode::Up)));
    let Overlay::Command(line) = &a.overlay else {
        panic!("command line closed");
    };
    assert_eq!(line.input, "frob");
}

#[test]
fn esc_and_backspace_on_empty_close_the_command_line() {
    let mut a = app();
    keys(&mut a, ":x");
    update(&mut a, Msg::Key(Key::plain(KeyCode::Esc)));
    assert_eq!(a.overlay, Overlay::None);
    keys(&mut a, ":");
    update(&mut a, Msg::Key(Key::plain(KeyCode::Backspace)));
    assert_eq!(a.overlay, Overlay::None);
}

#[test]
fn reconnect_key_asks_the_runtime_to_retry() {
    let mut a = app();
    assert_eq!(
        update(&mut a, Msg::Key(Key::ctrl('r'))),
        vec![Effect::ReconnectNow]
    );
    assert_eq!(keys(&mut a, ":reconnect\n"), vec![Effect::ReconnectNow]);
}

#[test]
fn status_messages_expire() {
    let mut a = app();
    a.set_status(Level::Info, "hello");
    let later = a.now + STATUS_TTL + Duration::from_millis(1);
    update(&mut a, Msg::Tick(later));
    assert!(a.status.is_none());
}

#[test]
fn switching_to_a_read_only_context_strips_dangerous_keys() {
    use crate::keymap::{Action, Binding, Scope};
    let mut km = Keymap::defaults();
    km = km.with_binding(Binding {
        action: Action::Reconnect,
        keys: vec![Key::char('D')],
        description: "danger",
        dangerous: true,
        scope: Scope::Global,
        hint: None,
    });
    let mut a = App::new(ctx("a", false), km, Vec::new(), Instant::now());
    assert!(a.keymap.has_dangerous());
    update(
        &mut a,
        Msg::ContextSwitched(Ok(Box::new((ctx("ro", true), ConnectSpec::default())))),
    );
    assert!(!a.keymap.has_dangerous());
}

#[test]
fn a_view_opened_before_the_connection_loads_once_connected() {
    for (digit, wanted) in [('4', "Leases"), ('5', "Auth"), ('6', "Checks")] {
        let mut a = app();
        keys(&mut a, &digit.to_string());
        let effects = update(
            &mut a,
            Msg::Etcd(Event::Connected {
                generation: 1,
                info: info(5),
            }),
        );
        let kinds: Vec<&str> = effects
            .iter()
            .map(|e| match e {
                Effect::Leases { .. } => "Leases",
                Effect::Auth { .. } => "Auth",
                Effect::Checks { .. } => "Checks",
                Effect::Keys { .. } => "Keys",
                _ => "other",
            })
            .collect();
        assert!(kinds.contains(&wanted), "{digit}: {kinds:?}");
        assert!(kinds.contains(&"Keys"), "the tree loads too: {kinds:?}");
    }
}
