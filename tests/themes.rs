//! Every built-in theme parses, sets its slots and reaches the screen: the styles of key
//! cells (leader star, active tab, a failed check, a dialog title) are the theme's.
//! User themes inherit from a base; a broken one gives a warning with file, line and
//! column and the default theme.

use std::time::Instant;

use etcdtui::app::{App, ConnState, ContextInfo, ViewId};
use etcdtui::etcd::ClusterInfo;
use etcdtui::etcd::cluster::{ClusterSnapshot, Health, MemberStatus};
use etcdtui::keymap::Keymap;
use etcdtui::theme::{BUILTIN, Theme, load};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Style};

fn member(id: u64, name: &str) -> MemberStatus {
    MemberStatus {
        id,
        name: name.into(),
        peer_urls: vec![format!("http://10.0.0.{id}:2380")],
        client_urls: vec![format!("http://10.0.0.{id}:2379")],
        is_learner: false,
        health: Health::Up,
        version: Some("3.5.16".into()),
        db_size: Some(1 << 20),
        db_size_in_use: Some(1 << 19),
        leader: Some(2),
        raft_term: Some(4),
        raft_index: Some(100),
        raft_applied_index: Some(100),
        errors: Vec::new(),
        quota: None,
        rtt: None,
        since_36: None,
        probes: Default::default(),
    }
}

fn app(view: ViewId) -> App {
    let ctx = ContextInfo {
        name: "prod".into(),
        endpoints: vec!["http://10.0.0.1:2379".into()],
        source: "test".into(),
        read_only: false,
        user: None,
        tls: false,
        details: Vec::new(),
    };
    let mut a = App::new(ctx, Keymap::defaults(), Vec::new(), Instant::now());
    a.conn = ConnState::Connected {
        info: ClusterInfo {
            endpoint: "http://10.0.0.1:2379".into(),
            cluster_id: 1,
            member_id: 1,
            member_name: "m1".into(),
            leader_id: 2,
            leader_name: Some("m2".into()),
            version: "3.5.16".into(),
            revision: 10,
            raft_term: 4,
            members: 2,
            endpoints_up: 1,
            endpoints_total: 1,
            endpoint_errors: Vec::new(),
            status_denied: false,
        },
    };
    a.cluster.snapshot = Some(ClusterSnapshot {
        members: vec![member(1, "m1"), member(2, "m2")],
        leader: Some(2),
        alarms: Vec::new(),
        alarms_error: None,
        cluster_id: 1,
        revision: 10,
        member_list_from: String::new(),
    });
    a.view = view;
    a
}

fn draw(a: &App, theme: &Theme) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(120, 30)).expect("backend");
    t.draw(|f| etcdtui::ui::draw(f, a, theme)).expect("draw");
    t.backend().buffer().clone()
}

/// The style of the first cell holding `symbol` on row `y` and below.
fn style_of(b: &Buffer, symbol: &str, y: u16) -> Style {
    let skip = usize::from(y) * usize::from(b.area.width);
    b.content()
        .iter()
        .skip(skip)
        .find(|c| c.symbol() == symbol)
        .map(|c| c.style())
        .unwrap_or_else(|| panic!("no {symbol:?} on screen"))
}

fn has(style: Style, part: Style) -> bool {
    part.fg.is_none_or(|c| style.fg == Some(c))
        && part.bg.is_none_or(|c| style.bg == Some(c))
        && style.add_modifier.contains(part.add_modifier)
}

#[test]
fn every_builtin_theme_parses_and_reaches_every_view() {
    for (name, _) in BUILTIN {
        let loaded = load(name, None);
        assert!(loaded.warning.is_none(), "{name}: {:?}", loaded.warning);
        let t = loaded.theme;
        assert_eq!(t.name, name);
        if name != "mono" {
            for slot in Theme::SLOTS {
                assert_ne!(t.slot(slot), Some(Style::default()), "{name}: {slot} unset");
            }
        }
        // Each view draws without panicking and with the theme's colours.
        for view in ViewId::ALL {
            let b = draw(&app(view), &t);
            // The tab bar is the third row.
            let active_tab = style_of(&b, view.digit().to_string().as_str(), 2);
            assert!(
                has(active_tab, t.tab_active),
                "{name}/{view:?}: tab {active_tab:?}"
            );
        }
        let b = draw(&app(ViewId::Cluster), &t);
        assert!(has(style_of(&b, "★", 0), t.leader), "{name}: leader star");
    }
}

#[test]
fn a_user_theme_sets_some_slots_over_its_base() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("mine.yaml"),
        "name: mine\nbase: dracula\nslots:\n  leader: \"#123456\"\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("bare.yaml"),
        "name: bare\nslots:\n  error: blue\n",
    )
    .expect("write");
    let mine = load("mine", Some(dir.path()));
    assert!(mine.warning.is_none(), "{:?}", mine.warning);
    let dracula = load("dracula", None).theme;
    assert_eq!(mine.theme.leader.fg, Some(Color::Rgb(0x12, 0x34, 0x56)));
    assert_eq!(mine.theme.healthy, dracula.healthy);
    let bare = load("bare", Some(dir.path())).theme;
    assert_eq!(bare.error.fg, Some(Color::Blue));
    assert_eq!(
        bare.healthy,
        Theme::builtin_default().healthy,
        "no base: default"
    );
}

#[test]
fn a_broken_theme_warns_with_file_line_and_column_and_falls_back() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("broken.yaml");
    std::fs::write(&path, "name: broken\nslots:\n  leader: [unclosed\n").expect("write");
    let l = load("broken", Some(dir.path()));
    let w = l.warning.expect("a warning");
    assert!(w.contains(&path.display().to_string()), "{w}");
    assert!(w.contains("line 4, column 1"), "{w}");
    assert_eq!(l.theme.leader, Theme::builtin_default().leader);
    std::fs::write(&path, "name: broken\nslots:\n  leadr: red\n").expect("write");
    assert!(
        load("broken", Some(dir.path()))
            .warning
            .expect("warning")
            .contains("leadr")
    );
    let unknown = load("nope", Some(dir.path())).warning.expect("warning");
    assert!(
        unknown.contains("dracula"),
        "names the built-in ones: {unknown}"
    );
    assert!(load("../etc/passwd", Some(dir.path())).warning.is_some());
    std::fs::write(dir.path().join("loop.yaml"), "name: loop\nbase: loop2\n").expect("write");
    std::fs::write(dir.path().join("loop2.yaml"), "name: loop2\nbase: loop\n").expect("write");
    assert!(
        load("loop", Some(dir.path()))
            .warning
            .expect("warning")
            .contains("loop")
    );
}

#[test]
fn the_mouse_switches_tabs_where_they_are_drawn_and_the_wheel_scrolls() {
    use etcdtui::app::{Mouse, MouseKind, Msg, update};
    let t = Theme::builtin_default();
    for target in ViewId::ALL {
        let mut a = app(ViewId::Keys);
        let b = draw(&a, &t);
        // The tab's title as drawn on the tab bar row.
        let row: String = (0..b.area.width)
            .map(|x| b[(x, 2)].symbol().to_string())
            .collect();
        let x = row.find(target.title()).expect("tab drawn") as u16;
        update(
            &mut a,
            Msg::Mouse(Mouse {
                kind: MouseKind::Click,
                x,
                y: 2,
            }),
        );
        assert_eq!(a.view, target, "click at {x} on {row:?}");
    }
    let mut a = app(ViewId::Cluster);
    assert_eq!(a.cluster.cursor, 0);
    let wheel = |kind| Msg::Mouse(Mouse { kind, x: 10, y: 8 });
    update(&mut a, wheel(MouseKind::ScrollDown));
    assert_eq!(a.cluster.cursor, 1);
    update(&mut a, wheel(MouseKind::ScrollUp));
    assert_eq!(a.cluster.cursor, 0);
}

#[test]
fn a_click_selects_the_member_or_check_under_it() {
    use etcdtui::app::{Mouse, MouseKind, Msg, update};
    let t = Theme::builtin_default();
    let mut a = app(ViewId::Cluster);
    update(
        &mut a,
        Msg::Resize {
            width: 120,
            height: 30,
        },
    );
    let b = draw(&a, &t);
    let rows: Vec<String> = (0..b.area.height)
        .map(|y| {
            (0..b.area.width)
                .map(|x| b[(x, y)].symbol().to_string())
                .collect()
        })
        .collect();
    // The member table, not the header's "leader m2".
    let y = rows
        .iter()
        .enumerate()
        .skip(5)
        .find(|(_, r)| r.contains(" m2 "))
        .map(|(y, _)| y as u16)
        .expect("m2's row");
    update(
        &mut a,
        Msg::Mouse(Mouse {
            kind: MouseKind::Click,
            x: 10,
            y,
        }),
    );
    assert_eq!(a.cluster.selected().map(|m| m.name.as_str()), Some("m2"));
}
