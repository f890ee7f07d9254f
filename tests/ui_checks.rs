//! The Checks view drawn from hand-built facts: worst first, the counts in the title,
//! and the details of the selected check.

mod common;

use etcdtui::app::{App, Msg, ViewId, update};
use etcdtui::checks::{
    AuthFacts, BackupFacts, CertFacts, Facts, MemberFacts, SecretFacts, Thresholds, evaluate,
};
use etcdtui::keymap::{Key, KeyCode};

fn member(name: &str, version: &str, db: i64, in_use: i64) -> MemberFacts {
    MemberFacts {
        name: name.into(),
        down: None,
        version: Some(version.into()),
        db_size: Some(db),
        db_in_use: Some(in_use),
        quota: Some(2 << 30),
        quota_source: None,
        since_36: None,
        metrics: Err("connection refused".into()),
        compact_revision: Some(90_000),
        started: None,
    }
}

fn facts() -> Facts {
    let mut f = Facts::unmeasured();
    f.now = 1_796_083_200;
    f.tls = true;
    f.client_cert_sent = true;
    f.anonymous_tls_accepted = Some(Ok(false));
    f.auth = Ok(AuthFacts {
        enabled: false,
        root_user: Some(false),
        ..AuthFacts::default()
    });
    f.secrets = Ok(SecretFacts {
        total: 40,
        encrypted: 0,
        providers: Default::default(),
    });
    f.members = vec![
        member("etcd-a", "3.5.16", 1_800_000_000, 600_000_000),
        member("etcd-b", "3.5.16", 1_700_000_000, 1_600_000_000),
        member("etcd-c", "3.4.23", 1_700_000_000, 1_600_000_000),
    ];
    f.cluster_version = Some("3.4.0".into());
    f.alarms = Ok(Vec::new());
    f.revision = 98_765;
    f.certs = vec![CertFacts {
        what: "server certificate of https://10.0.0.11:2379".into(),
        not_after: Ok(f.now + 5 * 86_400 + 3600),
    }];
    f.backups = BackupFacts {
        dir: "/var/backups/etcd".into(),
        newest: Ok(Some(("prod-etcd-a.db".into(), f.now - 30 * 3600))),
    };
    f
}

fn app() -> App {
    let mut a = common::connected_app(ViewId::Checks, false);
    a.checks.list = Some(evaluate(&facts(), &Thresholds::default()));
    a
}

fn render(a: &App, w: u16, h: u16) -> String {
    common::render_body(a, w, h)
}

#[test]
fn worst_first_with_counts_then_details() {
    let mut a = app();
    insta::assert_snapshot!("checks_list", render(&a, 120, 24));
    update(&mut a, Msg::Key(Key::plain(KeyCode::Enter)));
    assert!(a.checks.details);
    insta::assert_snapshot!("checks_details", render(&a, 120, 24));
    update(&mut a, Msg::Key(Key::plain(KeyCode::Esc)));
    assert!(!a.checks.details);
    let narrow = render(&a, 80, 24);
    assert!(narrow.contains("FAIL"), "{narrow}");
}
