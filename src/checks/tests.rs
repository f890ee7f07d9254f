use super::*;

fn member(name: &str, version: &str) -> MemberFacts {
    MemberFacts {
        name: name.into(),
        down: None,
        version: Some(version.into()),
        db_size: Some(100 << 20),
        db_in_use: Some(90 << 20),
        quota: Some(2 << 30),
        quota_source: None,
        since_36: None,
        metrics: Err("not scraped".into()),
        compact_revision: Some(-1),
        started: None,
    }
}

fn facts(members: Vec<MemberFacts>) -> Facts {
    let mut f = Facts::unmeasured();
    f.members = members;
    f.alarms = Ok(Vec::new());
    f.revision = 500;
    f
}

fn find<'a>(checks: &'a [Check], name: &str) -> &'a Check {
    checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no check {name}"))
}

#[test]
fn versions_as_real_members_report_them() {
    let t = Thresholds::default();
    // What etcd 3.4.23 and 3.5.1 put in their status answers.
    let same = evaluate(
        &facts(vec![member("m1", "3.5.1"), member("m2", "3.5.1")]),
        &t,
    );
    assert_eq!(find(&same, "versions").status, Status::Ok);
    let upgrading = evaluate(
        &facts(vec![member("m1", "3.4.23"), member("m2", "3.5.1")]),
        &t,
    );
    let v = find(&upgrading, "versions");
    assert_eq!(v.status, Status::Warn, "{v:?}");
    assert!(v.value.contains("3.4.23, 3.5.1"), "{v:?}");
    let skipping = evaluate(
        &facts(vec![member("m1", "3.3.27"), member("m2", "3.5.1")]),
        &t,
    );
    assert_eq!(find(&skipping, "versions").status, Status::Fail);
}

#[test]
fn quota_and_fragmentation_thresholds() {
    let t = Thresholds::default();
    let mut m = member("m1", "3.5.1");
    m.db_size = Some(85 << 20);
    m.db_in_use = Some(20 << 20);
    m.quota = Some(100 << 20);
    let checks = evaluate(&facts(vec![m.clone()]), &t);
    assert_eq!(find(&checks, "DB size vs quota").status, Status::Warn);
    assert_eq!(find(&checks, "fragmentation").status, Status::Warn);
    m.db_size = Some(21 << 20);
    let checks = evaluate(&facts(vec![m]), &t);
    assert_eq!(find(&checks, "DB size vs quota").status, Status::Ok);
    assert_eq!(find(&checks, "fragmentation").status, Status::Ok);
}

#[test]
fn what_could_not_be_measured_is_unknown_with_the_reason() {
    let f = facts(vec![member("m1", "3.5.1")]);
    let checks = evaluate(&f, &Thresholds::default());
    let disk = find(&checks, "disk latency");
    assert_eq!(disk.status, Status::Unknown);
    assert!(disk.value.contains("m1: not scraped"), "{disk:?}");
    assert_eq!(find(&checks, "authentication").status, Status::Unknown);
}

#[test]
fn worst_first_and_exit_codes() {
    let mut f = facts(vec![member("m1", "3.5.1")]);
    f.alarms = Ok(vec![("m1".into(), "NOSPACE".into())]);
    let checks = evaluate(&f, &Thresholds::default());
    assert_eq!(checks[0].name, "alarms");
    assert_eq!(exit_code(&checks), 2);
    let warn_only: Vec<Check> = checks
        .iter()
        .filter(|c| c.status != Status::Fail)
        .cloned()
        .collect();
    assert_eq!(exit_code(&warn_only), 1);
    let ok: Vec<Check> = checks
        .iter()
        .filter(|c| matches!(c.status, Status::Ok | Status::Unknown))
        .cloned()
        .collect();
    assert_eq!(exit_code(&ok), 0);
    assert!(table(&checks).starts_with("status"));
}

#[test]
fn certificates_warn_then_fail_as_expiry_nears() {
    let mut f = facts(vec![member("m1", "3.5.1")]);
    f.now = 1_000_000_000;
    let in_days = |d: i64| CertFacts {
        what: "client certificate".into(),
        not_after: Ok(f.now + d * 86_400 + 60),
    };
    f.certs = vec![in_days(90), in_days(20), in_days(5), in_days(-1)];
    let checks = evaluate(&f, &Thresholds::default());
    let mut got: Vec<Status> = checks
        .iter()
        .filter(|c| c.name == "expiry")
        .map(|c| c.status)
        .collect();
    got.sort();
    assert_eq!(got, [Status::Fail, Status::Fail, Status::Warn, Status::Ok]);
    assert!(checks.iter().any(|c| c.value.contains("EXPIRED")));
}
