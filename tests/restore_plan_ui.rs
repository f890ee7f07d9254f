//! The restore plan panel (`R` after `:open FILE`), drawn from a plan made by the same
//! code as `etcdtui snapshot restore-plan` for a fixed kubeadm-style input, so the text
//! is pinned without ports, times or temporary paths; and its keys, driven through
//! `update`.

use std::time::Instant;

use etcdtui::app::restore_plan::{PlanLine, PlanState};
use etcdtui::app::{App, Effect, Msg, Overlay, SnapshotSource, update};
use etcdtui::backup::plan::{PlanInput, PlanMember, SnapFacts, plan};
use etcdtui::backup::plan_cli;
use etcdtui::keymap::{Key, KeyCode, Keymap};

const FILE: &str = "/var/backups/etcd/etcdtui-1c2d-20261206T070000Z-r48213.db";

fn input() -> PlanInput {
    let member = |name: &str, ip: &str| PlanMember {
        name: name.into(),
        peer_urls: vec![format!("https://{ip}:2380")],
        client_urls: vec![format!("https://{ip}:2379")],
        data_dir: Some("/var/lib/etcd".into()),
        manifest: Some("/etc/kubernetes/manifests/etcd.yaml".into()),
    };
    PlanInput {
        snap: SnapFacts {
            path: FILE.into(),
            revision: 48_213,
            keys: 1_204,
            hash: Some(0x8a20_0997),
            integrity: "verified".into(),
            version: Some("3.6.0".into()),
        },
        members: vec![
            member("cp-1", "10.0.0.11"),
            member("cp-2", "10.0.0.12"),
            member("cp-3", "10.0.0.13"),
        ],
        members_from: "the live cluster".into(),
        version: Some("3.6.17".into()),
        version_from: "the live cluster".into(),
        live_revision: Some(48_990),
        stamp: "20261206T071500Z".into(),
        new_data_dir: None,
        bump_override: None,
        etcdctl_tls: vec![
            "--cacert=/etc/kubernetes/pki/etcd/ca.crt".into(),
            "--cert=/etc/kubernetes/pki/etcd/server.crt".into(),
            "--key=/etc/kubernetes/pki/etcd/server.key".into(),
        ],
        skip_hash_check: false,
    }
}

fn lines() -> Vec<PlanLine> {
    let i = input();
    plan_cli::lines(&i, &plan(&i).expect("plan"), &[])
}

/// A session browsing FILE at `w` x `h`, opened as `:open` opens one (after the
/// terminal's size is known, as in the real program).
fn browsing(w: u16, h: u16) -> App {
    let source = SnapshotSource {
        path: FILE.into(),
        revision: 48_213,
        keys: 1_204,
        warning: None,
        ..Default::default()
    };
    let mut a = App::new(
        etcdtui::app::reading_context(std::path::Path::new(FILE)),
        Keymap::defaults(),
        Vec::new(),
        Instant::now(),
    );
    a.kubeadm_manifest = "/etc/kubernetes/manifests/etcd.yaml".into();
    update(
        &mut a,
        Msg::Resize {
            width: w,
            height: h,
        },
    );
    update(&mut a, Msg::SnapshotOpened(Ok(source)));
    assert!(a.snapshot.is_some());
    a
}

fn key(a: &mut App, k: Key) -> Vec<Effect> {
    update(a, Msg::Key(k))
}

/// `R`, then the plan arrives as the runtime would hand it over.
fn opened(w: u16, h: u16) -> App {
    let mut a = browsing(w, h);
    let effects = key(&mut a, Key::char('R'));
    assert_eq!(
        effects,
        vec![Effect::RestorePlan {
            generation: a.generation,
            file: FILE.into(),
            manifest: "/etc/kubernetes/manifests/etcd.yaml".into(),
        }]
    );
    let generation = a.generation;
    update(
        &mut a,
        Msg::RestorePlanMade {
            generation,
            file: FILE.into(),
            result: Ok(lines()),
        },
    );
    a
}

fn render(a: &App, w: u16, h: u16) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).expect("backend");
    t.draw(|f| etcdtui::ui::draw(f, a, &etcdtui::theme::Theme::builtin_default()))
        .expect("draw");
    // The two header lines hold nothing of the panel.
    t.backend()
        .to_string()
        .lines()
        .skip(2)
        .collect::<Vec<_>>()
        .join("\n")
}

fn scroll(a: &App) -> usize {
    match &a.overlay {
        Overlay::RestorePlan(p) => p.scroll,
        other => panic!("no plan panel: {other:?}"),
    }
}

#[test]
fn the_panel_at_80x24_and_its_last_page() {
    let mut a = opened(80, 24);
    insta::assert_snapshot!("restore_plan_80x24", render(&a, 80, 24));
    key(&mut a, Key::char('G'));
    insta::assert_snapshot!("restore_plan_80x24_end", render(&a, 80, 24));
    let screen = render(&a, 80, 24);
    assert!(
        screen.contains("mv /etc/kubernetes/manifests-stopped/kube-apiserver.yaml"),
        "{screen}"
    );
}

#[test]
fn the_panel_at_160x45() {
    let a = opened(160, 45);
    insta::assert_snapshot!("restore_plan_160x45", render(&a, 160, 45));
}

#[test]
fn while_the_plan_is_made_and_when_there_is_none() {
    let mut a = browsing(80, 24);
    key(&mut a, Key::char('R'));
    let making = render(&a, 80, 24);
    assert!(making.contains("Verifying the snapshot"), "{making}");
    let generation = a.generation;
    update(
        &mut a,
        Msg::RestorePlanMade {
            generation,
            file: FILE.into(),
            result: Err(format!("{FILE} is damaged: page 7 is not a page")),
        },
    );
    let failed = render(&a, 80, 24);
    assert!(failed.contains("No plan:"), "{failed}");
    assert!(failed.contains("is damaged"), "{failed}");
}

#[test]
fn keys_scroll_within_the_plan_copy_it_whole_and_close_it() {
    let mut a = opened(80, 24);
    key(&mut a, Key::char('j'));
    key(&mut a, Key::plain(KeyCode::Down));
    assert_eq!(scroll(&a), 2);
    key(&mut a, Key::char('k'));
    assert_eq!(scroll(&a), 1);
    key(&mut a, Key::char('G'));
    let last = scroll(&a);
    // The last page fills the panel's 18 rows (24 less header, tabs, footer, borders).
    let rows = etcdtui::app::restore_plan::wrap(&lines(), 76).len();
    assert_eq!(last, rows - 18);
    // Past the end stays at the end: one k moves up at once.
    for _ in 0..10 {
        key(&mut a, Key::char('j'));
    }
    key(&mut a, Key::plain(KeyCode::PageDown));
    assert_eq!(scroll(&a), last);
    key(&mut a, Key::char('k'));
    assert_eq!(scroll(&a), last - 1);
    key(&mut a, Key::plain(KeyCode::PageUp));
    assert_eq!(scroll(&a), last - 1 - 17);
    key(&mut a, Key::char('g'));
    assert_eq!(scroll(&a), 0);
    key(&mut a, Key::ctrl('d'));
    assert_eq!(scroll(&a), 17);
    key(&mut a, Key::plain(KeyCode::Home));
    // y: the whole plan, exactly what `snapshot restore-plan FILE` prints.
    let i = input();
    let printed = plan_cli::text(&i, &plan(&i).expect("plan"), &[]);
    assert_eq!(
        key(&mut a, Key::char('y')),
        vec![Effect::Copy {
            text: printed.clone(),
            what: "the restore plan".into(),
        }]
    );
    assert!(printed.contains("etcdutl snapshot restore /var/backups/etcd/"));
    assert!(printed.contains("--bump-revision"));
    // Other keys do not reach the view beneath.
    key(&mut a, Key::char('d'));
    key(&mut a, Key::char('3'));
    assert!(matches!(a.overlay, Overlay::RestorePlan(_)));
    assert_eq!(a.view, etcdtui::app::ViewId::Keys);
    key(&mut a, Key::plain(KeyCode::Esc));
    assert_eq!(a.overlay, Overlay::None);
    assert!(!a.quit);
}

#[test]
fn the_command_line_opens_it_too_and_a_late_plan_for_a_closed_panel_is_dropped() {
    let mut a = browsing(80, 24);
    key(&mut a, Key::char(':'));
    for c in "restore-plan".chars() {
        key(&mut a, Key::char(c));
    }
    let effects = key(&mut a, Key::plain(KeyCode::Enter));
    assert!(
        matches!(effects.as_slice(), [Effect::RestorePlan { .. }]),
        "{effects:?}"
    );
    key(&mut a, Key::plain(KeyCode::Esc));
    let generation = a.generation;
    update(
        &mut a,
        Msg::RestorePlanMade {
            generation,
            file: FILE.into(),
            result: Ok(lines()),
        },
    );
    assert_eq!(a.overlay, Overlay::None);
    // An answer for an older source is dropped even with the panel open.
    key(&mut a, Key::char('R'));
    update(
        &mut a,
        Msg::RestorePlanMade {
            generation: generation - 1,
            file: FILE.into(),
            result: Ok(lines()),
        },
    );
    match &a.overlay {
        Overlay::RestorePlan(p) => assert_eq!(p.state, PlanState::Making),
        other => panic!("{other:?}"),
    }
}

#[test]
fn on_a_live_cluster_the_key_says_to_open_a_file_first() {
    let mut a = App::new(
        etcdtui::app::ContextInfo {
            name: "prod".into(),
            endpoints: vec!["https://10.0.0.11:2379".into()],
            source: "test".into(),
            read_only: true,
            user: None,
            tls: true,
            details: Vec::new(),
        },
        Keymap::defaults(),
        Vec::new(),
        Instant::now(),
    );
    assert!(key(&mut a, Key::char('R')).is_empty());
    assert_eq!(a.overlay, Overlay::None);
    let said = a
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(said.contains(":open FILE first"), "{said}");
    // Read-only keeps the binding: the plan runs nothing.
    assert_eq!(
        a.keymap.lookup(etcdtui::app::ViewId::Keys, Key::char('R')),
        Some(etcdtui::keymap::Action::RestorePlan)
    );
}
