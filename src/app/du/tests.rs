//! The space panel driven with messages only.

use std::time::Instant;

use super::*;
use crate::app::{ContextInfo, Msg, update};
use crate::du::{Aggregator, Source};
use crate::etcd::Event;
use crate::etcd::skipscan::Child;
use crate::keymap::Keymap;

fn app_with_tree() -> App {
    let ctx = ContextInfo {
        name: "a".into(),
        endpoints: vec!["127.0.0.1:2379".into()],
        source: "test".into(),
        read_only: false,
        user: None,
        tls: false,
        details: Vec::new(),
    };
    let mut a = App::new(ctx, Keymap::defaults(), Vec::new(), Instant::now());
    let child = |k: &str| Child {
        key: k.as_bytes().to_vec(),
        is_dir: k.ends_with('/'),
        first: k.as_bytes().to_vec(),
    };
    a.keys.height = 20;
    a.keys.tree.add_children(
        ROOT,
        vec![child("/a/"), child("/b/"), child("/c")],
        None,
        7,
        false,
    );
    a
}

fn key(c: char) -> Msg {
    Msg::Key(Key::char(c))
}

fn esc() -> Msg {
    Msg::Key(Key::plain(KeyCode::Esc))
}

fn finished(a: &mut App, id: u64, report: Result<DuReport, EtcdError>) -> Vec<Effect> {
    let generation = a.generation;
    update(
        a,
        Msg::Etcd(Event::Du {
            generation,
            id,
            update: DuUpdate::Finished(report),
        }),
    )
}

fn report() -> DuReport {
    let mut agg = Aggregator::new(b"", 1);
    agg.live(b"/a/1", 10);
    agg.live(b"/b/1", 1000);
    agg.live(b"/b/2", 1000);
    agg.finish(
        7,
        Source::Live {
            endpoint: "http://e".into(),
        },
    )
}

#[test]
fn u_scans_the_selected_directory_and_ranks_it_when_done() {
    let mut a = app_with_tree();
    let effects = update(&mut a, key('u'));
    assert_eq!(
        effects,
        vec![Effect::Du {
            id: 1,
            prefix: b"/a/".to_vec(),
            depth: DEPTH
        }]
    );
    assert!(a.du.open && a.du.running.is_some());
    let p = DuProgress {
        keys: 5,
        ..DuProgress::default()
    };
    let generation = a.generation;
    update(
        &mut a,
        Msg::Etcd(Event::Du {
            generation,
            id: 1,
            update: DuUpdate::Progress(p.clone()),
        }),
    );
    assert_eq!(
        a.du.running.as_ref().and_then(|r| r.progress.clone()),
        Some(p)
    );
    finished(&mut a, 1, Ok(report()));
    assert!(a.du.running.is_none());
    assert_eq!(a.du.sizes.get(&b"/b/"[..]).map(|s| s.keys), Some(2));
    assert_eq!(
        a.du.report.as_ref().map(|r| r.groups[0].path.clone()),
        Some(b"/b/".to_vec())
    );
    // Esc closes the finished panel; the sizes stay for the tree.
    update(&mut a, esc());
    assert!(!a.du.open);
    assert!(a.du.sizes.contains_key(&b"/a/"[..]));
}

#[test]
fn esc_cancels_a_running_scan_and_its_late_answer_is_dropped() {
    let mut a = app_with_tree();
    update(&mut a, key('u'));
    assert_eq!(update(&mut a, esc()), vec![Effect::DuCancel { id: 1 }]);
    assert_eq!(a.du.error.as_deref(), Some("cancelled"));
    finished(&mut a, 1, Ok(report()));
    assert!(a.du.report.is_none() && a.du.sizes.is_empty());
}

#[test]
fn s_sorts_the_tree_by_size_and_back_keeping_the_cursor() {
    let mut a = app_with_tree();
    update(&mut a, key('u'));
    finished(&mut a, 1, Ok(report()));
    update(&mut a, esc());
    let order = |a: &App| -> Vec<Vec<u8>> {
        a.keys
            .tree
            .rows
            .iter()
            .filter_map(|r| match r {
                Row::Node { id, .. } => Some(a.keys.tree.node(*id).key.clone()),
                Row::More { .. } => None,
            })
            .collect()
    };
    let at = a.keys.current_node();
    update(&mut a, key('s'));
    assert_eq!(
        order(&a),
        [b"/b/".to_vec(), b"/a/".to_vec(), b"/c".to_vec()]
    );
    assert_eq!(a.keys.current_node(), at, "the cursor follows its node");
    update(&mut a, key('s'));
    assert_eq!(
        order(&a),
        [b"/a/".to_vec(), b"/b/".to_vec(), b"/c".to_vec()]
    );
}

#[test]
fn a_refusal_says_not_permitted_in_the_panel() {
    let mut a = app_with_tree();
    update(&mut a, key('u'));
    let e = EtcdError::new(
        Problem::PermissionDenied,
        Some("http://e"),
        "permission denied",
    );
    finished(&mut a, 1, Err(e));
    let said = a.du.error.clone().unwrap_or_default();
    assert!(
        said.starts_with("not permitted") && said.contains("/a/"),
        "{said}"
    );
    assert!(a.du.open, "shown in place");
}

#[test]
fn the_scans_counts_replace_older_directory_counts_in_the_tree() {
    let mut a = app_with_tree();
    let b = a.keys.tree.find(b"/b/").expect("/b/ row");
    // Counted when the row was first shown; a key was written since.
    a.keys.tree.node_mut(b).count = Some(1);
    update(&mut a, key('u'));
    finished(&mut a, 1, Ok(report()));
    assert_eq!(
        a.keys.tree.node(b).count,
        Some(2),
        "the scan's count, beside its size"
    );
    let leaf = a.keys.tree.find(b"/c").expect("/c row");
    assert_eq!(a.keys.tree.node(leaf).count, None, "leaves have no count");
}
