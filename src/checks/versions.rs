//! Checks on what etcd 3.6 added to each member's answers: the storage version and a
//! downgrade in `status`, the feature gates in `/metrics`. 3.4 and 3.5 report none of
//! them, which reads "not reported", never a guess.

use super::facts::{Facts, MemberFacts};
use super::rules::{check, up};
use super::{Check, Status};
use crate::metrics::enabled_names;
use crate::snapfile::tool::minor_version;

pub fn evaluate(f: &Facts) -> Vec<Check> {
    vec![storage_version(f), downgrade(f), feature_gates(f)]
}

/// The oldest version a member reports: the commands shown must work for it.
pub fn oldest_version(f: &Facts) -> Option<&str> {
    f.members
        .iter()
        .filter_map(|m| m.version.as_deref())
        .min_by_key(|v| minor_version(v))
}

/// etcdctl 3.4 has no `auth status` (the AuthStatus call came with 3.5).
pub fn auth_status_command(version: Option<&str>) -> &'static str {
    match version.and_then(minor_version) {
        Some(v) if v < (3, 5) => {
            "etcdctl user list   # 3.4 has no auth status: refused unless root when auth is on"
        }
        Some(_) => "etcdctl auth status",
        None => "etcdctl auth status   # etcd 3.5+",
    }
}

fn per_member(members: &[(&str, String)]) -> String {
    members
        .iter()
        .map(|(m, v)| format!("{m} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `value` is the same on every member: the value, else each member's.
fn same_everywhere(seen: &[(&str, String)]) -> Result<String, String> {
    match seen.first() {
        Some((_, first)) if seen.iter().all(|(_, v)| v == first) => Ok(first.clone()),
        _ => Err(per_member(seen)),
    }
}

fn not_reported(f: &Facts) -> String {
    let mut versions: Vec<&str> = up(f).filter_map(|m| m.version.as_deref()).collect();
    versions.sort_by_key(|v| minor_version(v));
    versions.dedup();
    match versions.first() {
        Some(_) => format!(
            "not reported: {} here, etcd reports it from 3.6 on",
            versions.join(", ")
        ),
        None => "no member answered".into(),
    }
}

fn storage_version(f: &Facts) -> Check {
    let c = check(
        "cluster",
        "storage version",
        "the format of the data on disk; members on different formats are mid-upgrade or mid-downgrade",
    )
    .threshold("one storage version on every member")
    .commands(&["etcdctl endpoint status --cluster -w json   # storageVersion"]);
    let seen: Vec<(&str, String)> = up(f)
        .filter_map(|m| {
            let v = m.since_36.as_ref()?.storage_version.clone()?;
            Some((m.name.as_str(), v))
        })
        .collect();
    if seen.is_empty() {
        return c.set(Status::Unknown, not_reported(f), "");
    }
    match same_everywhere(&seen) {
        Ok(v) => c.set(Status::Ok, format!("{v} on every member that answered"), ""),
        Err(each) => c.set(
            Status::Warn,
            format!("mixed: {each}"),
            "an upgrade or downgrade is under way: finish it, one member at a time",
        ),
    }
}

fn downgrade(f: &Facts) -> Check {
    let c = check(
        "cluster",
        "downgrade",
        "an enabled downgrade lowers the cluster version once every member runs the older etcd",
    )
    .threshold("none enabled, or one being finished on purpose")
    .commands(&[
        "etcdctl endpoint status --cluster -w json   # downgradeInfo",
        "etcdctl downgrade cancel",
    ]);
    let seen: Vec<(&MemberFacts, &crate::etcd::cluster::Downgrade)> = up(f)
        .filter_map(|m| Some((m, m.since_36.as_ref()?.downgrade.as_ref()?)))
        .collect();
    if seen.is_empty() {
        return c.set(Status::Unknown, not_reported(f), "");
    }
    let enabled: Vec<(&str, String)> = seen
        .iter()
        .filter(|(_, d)| d.enabled)
        .map(|(m, d)| (m.name.as_str(), format!("to {}", d.target)))
        .collect();
    if enabled.is_empty() {
        return c.set(Status::Ok, "none enabled", "");
    }
    let value = match same_everywhere(&enabled) {
        Ok(to) => format!("enabled {to} (as {} member(s) report)", enabled.len()),
        Err(each) => format!("enabled: {each}"),
    };
    c.set(
        Status::Warn,
        value,
        "replace each member's binary with the target version, or cancel: etcdctl downgrade cancel",
    )
}

fn feature_gates(f: &Facts) -> Check {
    let c = check(
        "cluster",
        "feature gates",
        "gates switch server behaviour (--feature-gates); members should agree on them",
    )
    .threshold("the same gates enabled on every member")
    .commands(&["curl -s URL/metrics | grep etcd_server_feature_enabled"]);
    let seen: Vec<(&str, String)> = up(f)
        .filter_map(|m| {
            let gates = m.metrics.as_ref().ok()?.feature_gates.as_ref()?;
            let on = enabled_names(gates);
            let on = if on.is_empty() {
                "none enabled".to_string()
            } else {
                on.join(", ")
            };
            Some((m.name.as_str(), on))
        })
        .collect();
    if seen.is_empty() {
        let why = if up(f).any(|m| m.metrics.is_ok()) {
            not_reported(f)
        } else {
            "no /metrics to read them from".to_string()
        };
        return c.set(Status::Unknown, why, "");
    }
    match same_everywhere(&seen) {
        Ok(on) => c.set(Status::Ok, format!("{on} (every member that answered)"), ""),
        Err(each) => c.set(
            Status::Warn,
            format!("members differ: {}", each),
            "start every member with the same --feature-gates",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::etcd::cluster::{Downgrade, Since36};
    use crate::metrics::{parse, summarize};

    fn member(name: &str, version: &str, scrape: &str) -> MemberFacts {
        let since_36 = minor_version(version)
            .filter(|v| *v >= (3, 6))
            .map(|(_, minor)| Since36 {
                storage_version: Some(format!("3.{minor}.0")),
                downgrade: Some(Downgrade::default()),
            });
        MemberFacts {
            name: name.into(),
            down: None,
            version: Some(version.into()),
            db_size: Some(1 << 20),
            db_in_use: Some(1 << 20),
            quota: Some(2 << 30),
            quota_source: None,
            since_36,
            metrics: Ok(summarize(None, &parse(scrape))),
            compact_revision: None,
            started: None,
        }
    }

    fn facts(members: Vec<MemberFacts>) -> Facts {
        let mut f = Facts::unmeasured();
        f.members = members;
        f
    }

    const GATES: &str = "etcd_server_feature_enabled{name=\"CompactHashCheck\",stage=\"ALPHA\"} 1\n\
                         etcd_server_feature_enabled{name=\"AllAlpha\",stage=\"ALPHA\"} 0\n";

    #[test]
    fn a_3_5_cluster_is_not_reported_not_ok() {
        let f = facts(vec![member("m1", "3.5.36", ""), member("m2", "3.5.36", "")]);
        for c in evaluate(&f) {
            assert_eq!(c.status, Status::Unknown, "{c:?}");
            assert!(c.value.contains("not reported"), "{c:?}");
            assert!(c.value.contains("3.5.36"), "{c:?}");
        }
    }

    #[test]
    fn a_3_6_cluster_in_agreement_is_ok() {
        let f = facts(vec![
            member("m1", "3.6.17", GATES),
            member("m2", "3.6.17", GATES),
        ]);
        let all = evaluate(&f);
        assert!(all.iter().all(|c| c.status == Status::Ok), "{all:?}");
        assert!(all[0].value.starts_with("3.6.0"), "{:?}", all[0]);
        assert!(
            all[2].value.starts_with("CompactHashCheck (alpha)"),
            "{:?}",
            all[2]
        );
    }

    #[test]
    fn mixed_storage_versions_differing_gates_and_a_downgrade_warn() {
        let mut a = member("m1", "3.7.4", GATES);
        let off = "etcd_server_feature_enabled{name=\"CompactHashCheck\",stage=\"ALPHA\"} 0\n";
        let b = member("m2", "3.6.17", off);
        if let Some(s) = a.since_36.as_mut() {
            s.downgrade = Some(Downgrade {
                enabled: true,
                target: "3.6.0".into(),
            });
        }
        let all = evaluate(&facts(vec![a, b]));
        assert!(all.iter().all(|c| c.status == Status::Warn), "{all:?}");
        assert_eq!(all[0].value, "mixed: m1 3.7.0, m2 3.6.0");
        assert!(all[1].value.contains("to 3.6.0"), "{:?}", all[1]);
        assert!(all[2].value.contains("m2 none enabled"), "{:?}", all[2]);
    }

    #[test]
    fn the_oldest_version_decides_the_commands() {
        let f = facts(vec![member("m1", "3.5.36", ""), member("m2", "3.4.23", "")]);
        assert_eq!(oldest_version(&f), Some("3.4.23"));
        assert!(auth_status_command(oldest_version(&f)).starts_with("etcdctl user list"));
        let f = facts(vec![member("m1", "3.6.17", "")]);
        assert_eq!(
            auth_status_command(oldest_version(&f)),
            "etcdctl auth status"
        );
    }
}
