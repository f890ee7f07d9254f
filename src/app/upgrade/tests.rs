use super::*;
use crate::etcd::cluster::{ClusterSnapshot, Health, MemberStatus};
use crate::etcd::downgrade::DowngradeAction as A;

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
        leader: Some(1),
        raft_term: Some(2),
        raft_index: None,
        raft_applied_index: None,
        errors: Vec::new(),
        quota: None,
        rtt: None,
        since_36: None,
        probes: Default::default(),
    }
}

fn snap(v: &str) -> ClusterSnapshot {
    ClusterSnapshot {
        members: vec![member(1, v), member(2, v), member(3, v)],
        leader: Some(1),
        alarms: Vec::new(),
        alarms_error: None,
        cluster_id: 1,
        revision: 1,
        member_list_from: String::new(),
    }
}

#[test]
fn before_3_6_there_is_no_downgrade_api_and_it_is_said() {
    for v in ["3.4.23", "3.5.36"] {
        let why = plan_downgrade(&snap(v), A::Validate, Some("3.4".into())).unwrap_err();
        assert!(why.contains("start with 3.6"), "{v}: {why}");
        assert!(why.contains("3.4 has no Downgrade call"), "{v}: {why}");
    }
}

#[test]
fn enable_needs_the_version_typed_and_one_minor_down() {
    let c = plan_downgrade(&snap("3.7.4"), A::Enable, Some("3.6".into())).unwrap();
    assert_eq!(c.typed.as_deref(), Some("3.6"));
    assert!(
        c.lines.iter().any(|l| l == "etcdctl downgrade enable 3.6"),
        "{:?}",
        c.lines
    );
    let why = plan_downgrade(&snap("3.7.4"), A::Enable, Some("3.5".into())).unwrap_err();
    assert!(
        why.contains("one minor version at a time: from 3.7 only to 3.6"),
        "{why}"
    );
    let c = plan_downgrade(&snap("3.6.17"), A::Validate, Some("3.5".into())).unwrap();
    assert_eq!(c.typed, None, "validate changes nothing: y is enough");
    let c = plan_downgrade(&snap("3.6.17"), A::Cancel, None).unwrap();
    assert!(
        c.lines.iter().any(|l| l == "etcdctl downgrade cancel"),
        "{:?}",
        c.lines
    );
}

#[test]
fn the_watch_says_down_back_and_the_next_member_and_audits_it() {
    let mut app = crate::app::App::new(
        crate::app::ContextInfo {
            name: "prod".into(),
            endpoints: Vec::new(),
            source: String::new(),
            read_only: false,
            user: None,
            tls: false,
            details: Vec::new(),
        },
        crate::keymap::Keymap::defaults(),
        Vec::new(),
        std::time::Instant::now(),
    );
    app.ops.audit_log = Some("/audit.log".into());
    app.upgrade.open = true;
    app.cluster.snapshot = Some(snap("3.5.36"));
    observe(&mut app);
    assert_eq!(
        app.upgrade.plan.as_ref().unwrap().next,
        Next::Restart {
            member: "m2".into(),
            leader: false
        }
    );
    let mut s = snap("3.5.36");
    s.members[1].health = Health::NotStarted;
    s.members[1].version = None;
    app.cluster.snapshot = Some(s);
    let effects = observe(&mut app);
    assert!(
        app.upgrade.log.iter().any(|l| l == "m2 went down"),
        "{:?}",
        app.upgrade.log
    );
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Audit { line, .. } if line.contains("m2 went down"))),
        "{effects:?}"
    );
    let mut s = snap("3.5.36");
    s.members[1].version = Some("3.6.17".into());
    app.cluster.snapshot = Some(s);
    observe(&mut app);
    assert!(
        app.upgrade
            .log
            .iter()
            .any(|l| l == "m2 is back on 3.6.17 (was 3.5.36) and healthy"),
        "{:?}",
        app.upgrade.log
    );
    assert_eq!(
        app.upgrade.plan.as_ref().unwrap().next,
        Next::Restart {
            member: "m3".into(),
            leader: false
        }
    );
}
