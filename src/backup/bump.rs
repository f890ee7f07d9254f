//! How far a restore moves the revision on (`--bump-revision`), and why.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bump {
    pub by: u64,
    /// The revision the restored cluster starts at: the snapshot's plus `by`.
    pub expected_revision: i64,
    pub reason: String,
    /// False for etcd 3.4, whose etcdctl has no bump flags.
    pub supported: bool,
}

/// How far to move the revision on, and why. Clients (Kubernetes informers and the API
/// server's watch cache) may have seen every revision the old cluster handed out after
/// the snapshot; a restored cluster that hands them out again serves different data
/// under revisions they believe they have, and their watches silently miss changes.
pub fn bump(snap_revision: i64, live: Option<i64>, given: Option<u64>, supported: bool) -> Bump {
    const MARGIN: u64 = 1_000_000;
    const UNKNOWN: u64 = 1_000_000_000;
    let (by, reason) = match (given, live) {
        (Some(n), _) => (n, format!("--bump-revision {n} as given")),
        (None, Some(r)) if r >= snap_revision => {
            let since = (r - snap_revision) as u64;
            (
                since + MARGIN,
                format!(
                    "the live cluster is at revision {r} and the snapshot at {snap_revision}: {since} \
                     revisions were handed out after it, which watchers (Kubernetes informers, the API \
                     server's watch cache) may hold; the restored cluster must start above them, and \
                     {MARGIN} more covers writes until the cluster is stopped"
                ),
            )
        }
        _ => (
            UNKNOWN,
            format!(
                "no live revision to measure from: {UNKNOWN} (etcd's advice for Kubernetes) covers \
                 1,000 writes a second for 11 days after the snapshot at revision {snap_revision}; \
                 watchers must never see a revision they already saw come back with other data"
            ),
        ),
    };
    Bump {
        by,
        expected_revision: snap_revision.saturating_add(by as i64),
        reason,
        supported,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::plan::sh;

    #[test]
    fn the_bump_covers_what_the_live_cluster_handed_out_or_etcds_default() {
        let b = bump(100, Some(600), None, true);
        assert_eq!(b.by, 500 + 1_000_000);
        assert_eq!(b.expected_revision, 100 + 500 + 1_000_000);
        assert!(b.reason.contains("at revision 600"), "{}", b.reason);
        let b = bump(100, None, None, true);
        assert_eq!(b.by, 1_000_000_000);
        // A live cluster behind the snapshot (itself restored from an older one) says
        // nothing about what watchers saw: the default applies.
        assert_eq!(bump(100, Some(50), None, true).by, 1_000_000_000);
        assert_eq!(bump(100, Some(600), Some(7), true).by, 7);
    }

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(sh("/var/lib/etcd"), "/var/lib/etcd");
        assert_eq!(sh("a b"), "'a b'");
        assert_eq!(sh("it's"), r"'it'\''s'");
    }
}
