use super::*;
use crate::checks::BackupFacts;
use crate::etcd::cluster::Since36;

fn member(id: u64, version: &str) -> MemberStatus {
    MemberStatus {
        id,
        name: format!("m{id}"),
        peer_urls: Vec::new(),
        client_urls: vec![format!("http://127.0.0.1:{id}")],
        is_learner: false,
        health: Health::Up,
        version: Some(version.into()),
        db_size: Some(1 << 20),
        db_size_in_use: None,
        leader: Some(0),
        raft_term: Some(2),
        raft_index: None,
        raft_applied_index: None,
        errors: Vec::new(),
        quota: None,
        rtt: None,
        since_36: version.starts_with("3.6").then(|| Since36 {
            storage_version: Some("3.6.0".into()),
            downgrade: None,
        }),
        probes: Default::default(),
    }
}

fn snap(versions: &[&str], leader: u64) -> ClusterSnapshot {
    ClusterSnapshot {
        members: versions
            .iter()
            .enumerate()
            .map(|(i, v)| member(i as u64, v))
            .collect(),
        leader: Some(leader),
        alarms: Vec::new(),
        alarms_error: None,
        cluster_id: 1,
        revision: 1,
        member_list_from: String::new(),
    }
}

fn backups() -> BackupFacts {
    BackupFacts {
        dir: "/backups".into(),
        newest: Ok(Some(("a.db".into(), 1000))),
    }
}

fn plan_of(s: &ClusterSnapshot, cv: &str, to: Option<&str>, manifest: Option<Vec<&str>>) -> Plan {
    let b = backups();
    let quota = |_: &MemberStatus| 2i64 << 30;
    plan(&Input {
        snapshot: s,
        cluster_version: Some(cv.into()),
        target: to.and_then(Version::parse),
        backups: &b,
        now: 1600,
        quota: &quota,
        manifest: manifest.map(|f| Ok(f.into_iter().map(String::from).collect())),
        restarting: None,
    })
}

#[test]
fn a_plan_from_3_4_straight_to_3_6_is_refused_with_the_guides_reason() {
    let s = snap(&["3.4.23", "3.4.23", "3.4.23"], 0);
    let p = plan_of(&s, "3.4.0", Some("3.6"), None);
    let Next::Refused { reason } = &p.next else {
        panic!("{:?}", p.next);
    };
    assert!(reason.contains(rules::ONE_MINOR_AT_A_TIME), "{reason}");
    assert!(reason.contains("Upgrade to 3.5 first"), "{reason}");
    assert_eq!(p.storage_version, None, "3.4 reports no storage version");
    // Without --to the next step is 3.5, with no minimum patch.
    let p = plan_of(&s, "3.4.0", None, None);
    assert_eq!(p.target.as_deref(), Some("3.5"));
    assert_eq!(p.guide, Some(rules::GUIDE_3_5));
    let note = p.checks.iter().find(|c| c.name == "guide says").unwrap();
    assert!(
        note.reason.contains("auth"),
        "3.4 → 3.5 with auth: {}",
        note.reason
    );
}

#[test]
fn followers_first_the_leader_last_after_moving_leadership() {
    let s = snap(&["3.5.36", "3.5.36", "3.5.36"], 0);
    let p = plan_of(&s, "3.5.0", None, None);
    assert_eq!(p.target.as_deref(), Some("3.6"));
    assert_eq!(
        p.next,
        Next::Restart {
            member: "m1".into(),
            leader: false
        }
    );
    let s = snap(&["3.5.36", "3.6.17", "3.5.36"], 0);
    let p = plan_of(&s, "3.5.0", None, None);
    assert_eq!(
        p.next,
        Next::Restart {
            member: "m2".into(),
            leader: false
        }
    );
    assert_eq!(p.storage_version.as_deref(), Some("3.6.0"));
    let s = snap(&["3.5.36", "3.6.17", "3.6.17"], 0);
    let p = plan_of(&s, "3.5.0", None, None);
    assert_eq!(
        p.next,
        Next::MoveLeader {
            from: "m0".into(),
            to: "m1".into()
        }
    );
    assert!(
        p.commands
            .iter()
            .any(|c| c.starts_with("etcdctl move-leader 1")),
        "{:?}",
        p.commands
    );
    let s = snap(&["3.5.36", "3.6.17", "3.6.17"], 1);
    let p = plan_of(&s, "3.5.0", None, None);
    assert_eq!(
        p.next,
        Next::Restart {
            member: "m0".into(),
            leader: false
        }
    );
    let s = snap(&["3.6.17", "3.6.17", "3.6.17"], 1);
    let p = plan_of(&s, "3.5.0", None, None);
    assert_eq!(
        p.next,
        Next::WaitClusterVersion {
            have: "3.5".into(),
            want: "3.6".into()
        }
    );
    let p = plan_of(&s, "3.6.0", Some("3.6"), None);
    assert_eq!(
        p.next,
        Next::Done {
            version: "3.6".into()
        }
    );
    // With the cluster version there, the plan without --to looks at the next step.
    let p = plan_of(&s, "3.6.0", None, None);
    assert_eq!(p.target.as_deref(), Some("3.7"));
    assert_eq!(
        p.next,
        Next::Restart {
            member: "m0".into(),
            leader: false
        }
    );
}

#[test]
fn a_member_down_mid_upgrade_is_waited_for() {
    let mut s = snap(&["3.5.36", "3.6.17", "3.5.36"], 0);
    s.members[2].health = Health::NotStarted;
    let p = plan_of(&s, "3.5.0", None, None);
    assert!(
        matches!(&p.next, Next::WaitFor { member, .. } if member == "m2"),
        "{:?}",
        p.next
    );
    // Before any restart a down member stops the plan at the checks.
    let mut s = snap(&["3.5.36", "3.5.36", "3.5.36"], 0);
    s.members[2].health = Health::NotStarted;
    let p = plan_of(&s, "3.5.0", None, None);
    assert!(matches!(&p.next, Next::FixFirst { .. }), "{:?}", p.next);
}

#[test]
fn below_the_minimum_patch_the_guide_says_why() {
    let s = snap(&["3.5.20", "3.5.36", "3.5.36"], 0);
    let p = plan_of(&s, "3.5.0", None, None);
    let c = p.checks.iter().find(|c| c.name == "minimum patch").unwrap();
    assert_eq!(c.status, Status::Fail);
    assert!(
        c.reason.contains("m0 runs 3.5.20") && c.reason.contains("3.5.32 or later"),
        "{}",
        c.reason
    );
    assert!(matches!(p.next, Next::FixFirst { .. }));
    let s = snap(&["3.6.10", "3.6.17", "3.6.17"], 0);
    let p = plan_of(&s, "3.6.0", None, None);
    let c = p.checks.iter().find(|c| c.name == "minimum patch").unwrap();
    assert!(c.reason.contains("3.6.11 or later"), "{}", c.reason);
}

#[test]
fn manifest_flags_the_target_refuses_fail_with_their_new_names() {
    let s = snap(&["3.6.17", "3.6.17", "3.6.17"], 0);
    let flags = vec![
        "data-dir",
        "experimental-initial-corrupt-check",
        "experimental-watch-progress-notify-interval",
    ];
    let p = plan_of(&s, "3.6.0", Some("3.7"), Some(flags.clone()));
    let c = p
        .checks
        .iter()
        .find(|c| c.name == "manifest flags")
        .unwrap();
    assert_eq!(c.status, Status::Fail);
    assert!(
        c.reason.contains("--feature-gates=InitialCorruptCheck"),
        "{}",
        c.reason
    );
    assert!(
        c.reason.contains("--watch-progress-notify-interval"),
        "{}",
        c.reason
    );
    let s = snap(&["3.5.36", "3.5.36", "3.5.36"], 0);
    let p = plan_of(&s, "3.5.0", None, Some(flags));
    let c = p
        .checks
        .iter()
        .find(|c| c.name == "manifest flags")
        .unwrap();
    assert_eq!(
        c.status,
        Status::Warn,
        "3.6 only deprecates them: {}",
        c.reason
    );
    assert!(
        p.checks.iter().any(|c| c.name == "v2 store"),
        "3.5 → 3.6 needs the v2 store checked"
    );
    let p = plan_of(&s, "3.5.0", None, Some(vec!["enable-v2"]));
    let v2 = p.checks.iter().find(|c| c.name == "v2 store").unwrap();
    assert_eq!(v2.status, Status::Fail);
}

#[test]
fn alarms_learners_and_old_snapshots_are_named() {
    let mut s = snap(&["3.5.36", "3.5.36", "3.5.36"], 0);
    s.alarms.push((1, "NOSPACE".into()));
    s.members[2].is_learner = true;
    let b = BackupFacts {
        dir: "/backups".into(),
        newest: Ok(Some(("old.db".into(), 0))),
    };
    let quota = |_: &MemberStatus| 1i64 << 20;
    let p = plan(&Input {
        snapshot: &s,
        cluster_version: None,
        target: None,
        backups: &b,
        now: 7200,
        quota: &quota,
        manifest: None,
        restarting: None,
    });
    let status = |n: &str| p.checks.iter().find(|c| c.name == n).unwrap().status;
    assert_eq!(status("no alarms"), Status::Fail);
    assert_eq!(status("no learner"), Status::Fail);
    assert_eq!(status("recent snapshot"), Status::Warn);
    assert_eq!(status("quota headroom"), Status::Fail);
    assert_eq!(status("manifest flags"), Status::Warn);
}
