use super::*;
use crate::checks::{Facts, MemberFacts, Status};

const MIB: u64 = 1 << 20;

fn file(revision: i64, bytes: u64) -> FileBasis {
    FileBasis {
        path: "snap.db".into(),
        revision,
        history_bytes: bytes,
        history_revisions: 40,
        taken: "saved 2026-12-06 13:40 UTC".into(),
    }
}

#[test]
fn a_snapshot_analysis_wins_and_names_its_file() {
    let f = file(500, 3 * MIB);
    let i = Inputs {
        revision: 900,
        compacted: Some(100),
        in_use: Some(50 * MIB as i64),
        file: Some(&f),
        live_du: Some(LiveDuBasis {
            revision: 800,
            live_bytes: MIB,
        }),
        kubernetes: true,
        metrics_read: true,
    };
    let e = estimate(&i, "measure");
    assert_eq!(e, Estimate::File(f.clone()));
    assert_eq!(
        e.headline(),
        "compaction to revision 500 would free ~3.0 MiB"
    );
    assert!(
        e.basis()
            .contains("from snap.db (saved 2026-12-06 13:40 UTC): 40 old revisions and tombstones"),
        "{}",
        e.basis()
    );
    assert_eq!(e.commands()[0], "etcdctl compaction 500");
}

#[test]
fn a_file_older_than_the_last_compaction_is_not_used() {
    let f = file(500, 3 * MIB);
    let i = Inputs {
        revision: 900,
        compacted: Some(600),
        file: Some(&f),
        ..Inputs::default()
    };
    let Estimate::Unknown(why) = estimate(&i, "press u") else {
        panic!("a stale file gave a figure");
    };
    assert!(
        why.contains("snap.db (revision 500) predates the last compaction; 300 revisions"),
        "{why}"
    );
    assert!(
        why.contains("300 revisions since the last compaction (at 600)"),
        "{why}"
    );
    assert!(why.ends_with("press u"), "{why}");
}

#[test]
fn kubernetes_that_compacts_has_little_to_free() {
    let i = Inputs {
        revision: 10_500,
        compacted: Some(10_000),
        in_use: Some(80 * MIB as i64),
        live_du: Some(LiveDuBasis {
            revision: 10_400,
            live_bytes: 20 * MIB,
        }),
        kubernetes: true,
        ..Inputs::default()
    };
    let e = estimate(&i, "");
    assert_eq!(
        e,
        Estimate::Kubernetes {
            compacted: 10_000,
            since: 500
        }
    );
    assert!(
        e.basis()
            .contains("compacts every 5 minutes: only 500 revisions"),
        "{}",
        e.basis()
    );
    assert!(e.commands().is_empty());
    // Far behind: not the API server's 5-minute compaction, so no "little to free".
    let behind = Inputs {
        revision: 10_000 + K8S_MAX_SINCE + 1,
        ..i.clone()
    };
    assert!(matches!(
        estimate(&behind, ""),
        Estimate::InUseMinusLive { .. }
    ));
    // Never compacted: the API server is not compacting, no claim of little to free.
    let i = Inputs {
        compacted: Some(-1),
        ..i
    };
    assert!(matches!(estimate(&i, ""), Estimate::InUseMinusLive { .. }));
}

#[test]
fn live_du_bounds_the_figure_from_above() {
    let i = Inputs {
        revision: 900,
        compacted: Some(-1),
        in_use: Some(30 * MIB as i64),
        live_du: Some(LiveDuBasis {
            revision: 880,
            live_bytes: 10 * MIB,
        }),
        ..Inputs::default()
    };
    let e = estimate(&i, "");
    assert_eq!(
        e.headline(),
        "compaction to revision 900 would free at most ~20.0 MiB"
    );
    assert!(e.basis().contains("dbSizeInUse 30.0 MiB minus the 10.0 MiB of live keys and values du counted at revision 880"), "{}", e.basis());
    // More live bytes than in use (bbolt rounding, a du that ran later): zero, not negative.
    let i = Inputs {
        in_use: Some(MIB as i64),
        ..i
    };
    assert!(estimate(&i, "").headline().ends_with("~0.0 KiB"));
}

#[test]
fn nothing_to_go_on_says_so_without_a_number() {
    let i = Inputs {
        revision: 900,
        compacted: Some(-1),
        ..Inputs::default()
    };
    let e = estimate(&i, "press u");
    assert_eq!(e.headline(), "compaction: no estimate");
    assert_eq!(
        e.basis(),
        "900 revisions, never compacted; etcd reports no size per revision: press u"
    );
    let i = Inputs {
        compacted: None,
        ..i
    };
    assert!(estimate(&i, "x").basis().starts_with("no metrics read yet"));
    let i = Inputs {
        metrics_read: true,
        ..i
    };
    let basis = estimate(&i, "x").basis();
    assert!(
        basis.starts_with("the compacted revision is not in /metrics"),
        "{basis}"
    );
}

fn facts(compacted: i64, secrets: u64) -> Facts {
    let mut f = Facts::unmeasured();
    f.revision = 2_000;
    f.secrets = Ok(crate::checks::SecretFacts {
        total: secrets,
        ..Default::default()
    });
    f.members = vec![MemberFacts {
        name: "m1".into(),
        down: None,
        version: Some("3.6.0".into()),
        db_size: Some(300 * MIB as i64),
        db_in_use: Some(290 * MIB as i64),
        quota: None,
        quota_source: None,
        since_36: None,
        metrics: Err("not scraped".into()),
        compact_revision: Some(compacted),
        started: None,
    }];
    f
}

#[test]
fn the_check_row_warns_on_a_large_measured_history() {
    let c = check_compaction_free(&facts(-1, 0), None);
    assert_eq!(c.status, Status::Unknown, "{c:?}");
    assert!(
        c.value.contains("2000 revisions, never compacted"),
        "{}",
        c.value
    );
    assert!(c.value.contains("--snapshot FILE"), "{}", c.value);

    let big = file(1_500, 200 * MIB);
    let c = check_compaction_free(&facts(-1, 0), Some(&big));
    assert_eq!(c.status, Status::Warn, "{c:?}");
    assert!(
        c.value
            .starts_with("compaction to revision 1500 would free ~200.0 MiB"),
        "{}",
        c.value
    );
    assert!(
        c.value.contains("(etcdctl compaction 1500, then defrag)"),
        "{}",
        c.value
    );
    assert!(c.commands.contains(&"etcdctl compaction 1500".to_string()));

    let small = file(1_500, MIB);
    assert_eq!(
        check_compaction_free(&facts(-1, 0), Some(&small)).status,
        Status::Ok
    );

    let c = check_compaction_free(&facts(1_900, 3), None);
    assert_eq!(c.status, Status::Ok, "{c:?}");
    assert!(
        c.value
            .starts_with("compaction: little to free: Kubernetes'"),
        "{}",
        c.value
    );
}
