//! etcd's documented upgrade rules, as data: which minor may follow which, the minimum
//! patch level before the next minor, what the step needs done to the v2 store, and the
//! flags a version renamed or removed. Each rule names the guide it comes from
//! (etcd-io/website, `content/en/docs/v3.X/upgrades/upgrade_3_X.md`).

use super::version::Version;

pub const GUIDE_3_5: &str = "https://etcd.io/docs/v3.5/upgrades/upgrade_3_5/";
pub const GUIDE_3_6: &str = "https://etcd.io/docs/v3.6/upgrades/upgrade_3_6/";
pub const GUIDE_3_7: &str = "https://etcd.io/docs/v3.7/upgrades/upgrade_3_7/";
pub const DOWNGRADE_3_6: &str = "https://etcd.io/docs/v3.6/downgrades/downgrade_3_6/";
pub const DOWNGRADE_3_7: &str = "https://etcd.io/docs/v3.7/downgrades/downgrade_3_7/";

/// One supported rolling upgrade, from one minor line to the next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    pub from: (u32, u32),
    pub to: (u32, u32),
    /// Every member must run at least this patch of `from` before the first member
    /// is restarted on `to`; `None` when the guide names no minimum.
    pub min_patch: Option<u32>,
    /// The guide's words for the minimum (or for the requirement when there is none).
    pub why: &'static str,
    /// The step removes the v2 store: `etcdutl check v2store` on every member first.
    pub v2store_check: bool,
    /// Something the guide warns about that etcdtui cannot measure.
    pub caveat: Option<&'static str>,
    pub guide: &'static str,
}

pub const STEPS: &[Step] = &[
    Step {
        from: (3, 4),
        to: (3, 5),
        min_patch: None,
        why: "to upgrade an existing etcd deployment to 3.5, the running cluster must be 3.4 or greater",
        v2store_check: false,
        caveat: Some(
            "if auth is enabled, no rolling upgrade from 3.4: 3.5 changes the format of WAL \
             entries related to auth",
        ),
        guide: GUIDE_3_5,
    },
    Step {
        from: (3, 5),
        to: (3, 6),
        min_patch: Some(32),
        why: "before upgrading to 3.6, make sure that all of your 3.5 members are updated to 3.5.32 or \
              later: 3.5.24 through 3.5.32 fix several potential upgrade blockers",
        v2store_check: true,
        caveat: None,
        guide: GUIDE_3_6,
    },
    Step {
        from: (3, 6),
        to: (3, 7),
        min_patch: Some(11),
        why: "before upgrading to 3.7, make sure that all of your 3.6 members are updated to 3.6.11 or \
              later: earlier 3.6 patch releases may not be compatible with a rolling upgrade to 3.7",
        v2store_check: false,
        caveat: None,
        guide: GUIDE_3_7,
    },
];

/// What the guides say about skipping a minor version.
pub const ONE_MINOR_AT_A_TIME: &str = "etcd only supports upgrading one minor version at a time";

/// The supported step from `from`'s minor line, if the guides know one.
pub fn step_from(from: Version) -> Option<&'static Step> {
    STEPS.iter().find(|s| s.from == from.line())
}

/// The step that reaches `to`'s minor line.
pub fn step_to(to: Version) -> Option<&'static Step> {
    STEPS.iter().find(|s| s.to == to.line())
}

/// Whether etcd would take the cluster from `from` to `to` in one rolling upgrade:
/// the step, or the guide's reason why not.
pub fn check_step(from: Version, to: Version) -> Result<&'static Step, String> {
    if to.line() <= from.line() {
        return Err(format!(
            "{} is not newer than the cluster's {}: nothing to upgrade (a downgrade goes through \
             `etcdctl downgrade`, 3.6+)",
            to.minor_name(),
            from.minor_name()
        ));
    }
    match step_from(from) {
        Some(s) if s.to == to.line() => Ok(s),
        Some(s) => {
            let next = format!("{}.{}", s.to.0, s.to.1);
            let guide = step_to(to).map(|t| t.guide).unwrap_or(s.guide);
            let before = step_to(to)
                .map(|t| format!("{}.{}", t.from.0, t.from.1))
                .unwrap_or_else(|| next.clone());
            Err(format!(
                "{} → {} skips a minor version: {ONE_MINOR_AT_A_TIME}, and to upgrade to {} the \
                 running cluster must be {before} or greater. Upgrade to {next} first ({guide})",
                from.minor_name(),
                to.minor_name(),
                to.minor_name(),
            ))
        }
        None => Err(format!(
            "no documented upgrade from {} to {}: {ONE_MINOR_AT_A_TIME}, and etcdtui knows the \
             guides for 3.4 → 3.5, 3.5 → 3.6 and 3.6 → 3.7",
            from.minor_name(),
            to.minor_name()
        )),
    }
}

/// What became of a flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Replacement {
    /// The same setting under a new name.
    Flag(&'static str),
    /// Now a `--feature-gates` entry.
    Gate(&'static str),
    /// Gone, with nothing in its place.
    Nothing,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlagRule {
    /// Without the leading dashes.
    pub flag: &'static str,
    pub replacement: Replacement,
    /// Still accepted but deprecated from this minor line on.
    pub deprecated: Option<(u32, u32)>,
    /// etcd of this minor line refuses to start with it.
    pub removed: (u32, u32),
    pub guide: &'static str,
}

const fn renamed(flag: &'static str, to: &'static str) -> FlagRule {
    FlagRule {
        flag,
        replacement: Replacement::Flag(to),
        deprecated: Some((3, 6)),
        // 3.7 guide: "All deprecated `--experimental-*` flags have been removed in v3.7".
        removed: (3, 7),
        guide: GUIDE_3_6,
    }
}

const fn gated(flag: &'static str, gate: &'static str) -> FlagRule {
    FlagRule {
        replacement: Replacement::Gate(gate),
        ..renamed(flag, "")
    }
}

const fn gone_in_36(flag: &'static str) -> FlagRule {
    FlagRule {
        flag,
        replacement: Replacement::Nothing,
        deprecated: None,
        removed: (3, 6),
        guide: GUIDE_3_6,
    }
}

/// The 3.6 guide's "Flags removed", "Flags deprecated" and "Equivalent flags of v3.5
/// feature gates"; the 3.7 guide's "Flags removed" (every deprecated `--experimental-*`).
pub const FLAGS: &[FlagRule] = &[
    gone_in_36("enable-v2"),
    gone_in_36("experimental-enable-v2v3"),
    gone_in_36("proxy"),
    gone_in_36("proxy-failure-wait"),
    gone_in_36("proxy-refresh-interval"),
    gone_in_36("proxy-dial-timeout"),
    gone_in_36("proxy-write-timeout"),
    gone_in_36("proxy-read-timeout"),
    renamed(
        "experimental-bootstrap-defrag-threshold-megabytes",
        "bootstrap-defrag-threshold-megabytes",
    ),
    renamed(
        "experimental-compaction-batch-limit",
        "compaction-batch-limit",
    ),
    renamed(
        "experimental-compact-hash-check-time",
        "compact-hash-check-time",
    ),
    renamed(
        "experimental-compaction-sleep-interval",
        "compaction-sleep-interval",
    ),
    renamed("experimental-corrupt-check-time", "corrupt-check-time"),
    renamed(
        "experimental-enable-distributed-tracing",
        "enable-distributed-tracing",
    ),
    renamed(
        "experimental-distributed-tracing-address",
        "distributed-tracing-address",
    ),
    renamed(
        "experimental-distributed-tracing-instance-id",
        "distributed-tracing-instance-id",
    ),
    renamed(
        "experimental-distributed-tracing-sampling-rate",
        "distributed-tracing-sampling-rate",
    ),
    renamed(
        "experimental-distributed-tracing-service-name",
        "distributed-tracing-service-name",
    ),
    renamed("experimental-downgrade-check-time", "downgrade-check-time"),
    renamed("experimental-max-learners", "max-learners"),
    renamed("experimental-memory-mlock", "memory-mlock"),
    renamed(
        "experimental-peer-skip-client-san-verification",
        "peer-skip-client-san-verification",
    ),
    renamed(
        "experimental-snapshot-catchup-entries",
        "snapshot-catchup-entries",
    ),
    renamed(
        "experimental-warning-apply-duration",
        "warning-apply-duration",
    ),
    renamed(
        "experimental-warning-unary-request-duration",
        "warning-unary-request-duration",
    ),
    renamed(
        "experimental-watch-progress-notify-interval",
        "watch-progress-notify-interval",
    ),
    gated(
        "experimental-compact-hash-check-enabled",
        "CompactHashCheck",
    ),
    gated("experimental-initial-corrupt-check", "InitialCorruptCheck"),
    gated("experimental-enable-lease-checkpoint", "LeaseCheckpoint"),
    gated(
        "experimental-enable-lease-checkpoint-persist",
        "LeaseCheckpointPersist",
    ),
    gated(
        "experimental-stop-grpc-service-on-defrag",
        "StopGRPCServiceOnDefrag",
    ),
    gated(
        "experimental-txn-mode-write-with-shared-buffer",
        "TxnModeWriteWithSharedBuffer",
    ),
];

/// How a flag fares on `target`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlagVerdict {
    pub rule: &'static FlagRule,
    /// `true`: the target refuses to start with it; `false`: deprecated only.
    pub removed: bool,
}

impl FlagVerdict {
    /// `--experimental-corrupt-check-time → --corrupt-check-time`.
    pub fn describe(&self) -> String {
        let old = format!("--{}", self.rule.flag);
        match self.rule.replacement {
            Replacement::Flag(new) => format!("{old} → --{new}"),
            Replacement::Gate(gate) => format!("{old}=X → --feature-gates={gate}=X"),
            Replacement::Nothing => format!("{old} (removed, no replacement)"),
        }
    }
}

/// The flags among `flags` (names without dashes) that `target` renamed or removed.
pub fn flag_verdicts<'a>(
    flags: impl IntoIterator<Item = &'a str>,
    target: Version,
) -> Vec<FlagVerdict> {
    let mut out = Vec::new();
    for f in flags {
        let Some(rule) = FLAGS.iter().find(|r| r.flag == f) else {
            continue;
        };
        let line = target.line();
        if line >= rule.removed {
            out.push(FlagVerdict {
                rule,
                removed: true,
            });
        } else if rule.deprecated.is_some_and(|d| line >= d) {
            out.push(FlagVerdict {
                rule,
                removed: false,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn one_minor_at_a_time_and_3_4_to_3_6_is_refused_with_the_guide() {
        assert_eq!(
            check_step(v("3.5.36"), v("3.6.0")).unwrap().guide,
            GUIDE_3_6
        );
        assert_eq!(check_step(v("3.4.23"), v("3.5")).unwrap().guide, GUIDE_3_5);
        let why = check_step(v("3.4.23"), v("3.6.17")).unwrap_err();
        assert!(why.contains(ONE_MINOR_AT_A_TIME), "{why}");
        assert!(why.contains("Upgrade to 3.5 first"), "{why}");
        assert!(why.contains(GUIDE_3_6), "{why}");
        let why = check_step(v("3.5.36"), v("3.7")).unwrap_err();
        assert!(why.contains("Upgrade to 3.6 first"), "{why}");
        assert!(
            check_step(v("3.6.0"), v("3.6.17"))
                .unwrap_err()
                .contains("not newer")
        );
        assert!(
            check_step(v("3.3.0"), v("3.4"))
                .unwrap_err()
                .contains("no documented")
        );
    }

    #[test]
    fn minimum_patches_are_the_guides() {
        assert_eq!(step_from(v("3.5.1")).unwrap().min_patch, Some(32));
        assert_eq!(step_from(v("3.6.1")).unwrap().min_patch, Some(11));
        assert_eq!(step_from(v("3.4.1")).unwrap().min_patch, None);
        assert!(step_from(v("3.5.1")).unwrap().v2store_check);
    }

    #[test]
    fn experimental_flags_are_deprecated_in_3_6_and_refused_by_3_7() {
        let flags = ["experimental-corrupt-check-time", "enable-v2", "data-dir"];
        let on36 = flag_verdicts(flags, v("3.6.0"));
        assert_eq!(on36.len(), 2);
        assert!(!on36[0].removed && on36[1].removed, "{on36:?}");
        assert_eq!(
            on36[0].describe(),
            "--experimental-corrupt-check-time → --corrupt-check-time"
        );
        let on37 = flag_verdicts(["experimental-initial-corrupt-check"], v("3.7.0"));
        assert!(on37[0].removed);
        assert_eq!(
            on37[0].describe(),
            "--experimental-initial-corrupt-check=X → --feature-gates=InitialCorruptCheck=X"
        );
        assert!(flag_verdicts(["experimental-corrupt-check-time"], v("3.5.0")).is_empty());
    }
}
