//! The space panel drawn from hand-built states: live (no history, says where to get it)
//! and from a snapshot file (history and free pages), and the progress of a slowed scan.

mod common;

use std::time::Duration;

use etcdtui::app::ViewId;
use etcdtui::app::du::Running;
use etcdtui::du::{Aggregator, DuReport, Source};
use etcdtui::etcd::du_scan::DuProgress;

fn report(source: Source) -> DuReport {
    // Only a file knows history.
    let offline = source.is_file();
    let mut agg = Aggregator::new(b"/registry/", 1);
    for i in 0..300 {
        agg.live(format!("/registry/events/flood/e{i:04}").as_bytes(), 400);
        if offline {
            agg.history(format!("/registry/events/flood/e{i:04}").as_bytes(), 2, 850);
        }
    }
    for i in 0..40 {
        agg.live(format!("/registry/pods/default/p{i}").as_bytes(), 1200);
    }
    agg.live(b"/registry/minions/node-1", 3000);
    agg.live(b"/registry/health", 2);
    if offline {
        agg.history(b"/registry/configmaps/default/gone", 1, 70);
    }
    agg.finish(98_765, source)
}

fn with_panel(r: DuReport) -> etcdtui::app::App {
    let mut a = common::connected_app(ViewId::Keys, false);
    // The panel sits over the loaded tree (here an empty one).
    a.keys.loaded = true;
    a.du.open = true;
    a.du.report = Some(r);
    a
}

#[test]
fn the_live_ranking_names_kinds_and_says_history_is_offline() {
    let a = with_panel(report(Source::Live {
        endpoint: "https://10.0.0.11:2379".into(),
    }));
    insta::assert_snapshot!(common::render_body(&a, 120, 20));
}

#[test]
fn at_80_columns_the_numbers_stay_whole_and_the_kind_gives_way() {
    let a = with_panel(report(Source::File {
        path: "/backups/etcd.db".into(),
        total_size: 64 << 20,
        free_pages: 2048,
        page_size: 4096,
        compacted_revision: Some(90_000),
    }));
    insta::assert_snapshot!(common::render_body(&a, 80, 24));
}

#[test]
fn from_a_snapshot_file_it_shows_history_and_free_pages() {
    let a = with_panel(report(Source::File {
        path: "/backups/etcd.db".into(),
        total_size: 64 << 20,
        free_pages: 2048,
        page_size: 4096,
        compacted_revision: Some(90_000),
    }));
    insta::assert_snapshot!(common::render_body(&a, 120, 20));
}

#[test]
fn a_slowed_scan_says_why() {
    let mut a = common::connected_app(ViewId::Keys, false);
    // The panel sits over the loaded tree (here an empty one).
    a.keys.loaded = true;
    a.du.open = true;
    a.du.running = Some(Running {
        id: 1,
        prefix: b"/registry/".to_vec(),
        progress: Some(DuProgress {
            revision: 98_765,
            keys: 120_000,
            bytes: 96 << 20,
            pages: 40,
            page: 500,
            delay: Duration::from_millis(80),
            idle_p99: Duration::from_millis(3),
            last_probe: Duration::from_millis(41),
            restarted: false,
        }),
    });
    let body = common::render_body(&a, 120, 12);
    assert!(body.contains("etcd is slow (41ms vs 3ms idle)"), "{body}");
    insta::assert_snapshot!(body);
}
