//! The names `snapshot save --dir` gives its files, and pruning to the newest N. A name
//! holds the cluster ID, a UTC timestamp that sorts as text, and the revision:
//! `etcdtui-<cluster id>-<YYYYMMDDTHHMMSSZ>-r<revision>.db`. Only files of exactly that
//! form, for the same cluster, are ever pruned: other files in the directory (someone's
//! manual snapshot, another cluster's backups) are never touched.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

const PREFIX: &str = "etcdtui-";
const SUFFIX: &str = ".db";

/// `20261206T073357Z` for `when`.
pub fn stamp(when: SystemTime) -> String {
    let secs = when
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    crate::decode::k8s::gotime::rfc3339(secs, 0, false)
        .chars()
        .filter(|c| *c != '-' && *c != ':')
        .collect()
}

pub fn file_name(cluster_id: u64, when: SystemTime, revision: i64) -> String {
    format!(
        "{PREFIX}{cluster_id:016x}-{}-r{revision}{SUFFIX}",
        stamp(when)
    )
}

/// A name of ours, taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ours {
    pub cluster_id: u64,
    pub stamp: String,
    pub revision: i64,
}

/// `Some` only for a name [`file_name`] could have made.
pub fn parse(name: &str) -> Option<Ours> {
    let rest = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    let mut parts = rest.splitn(3, '-');
    let id = parts.next()?;
    let stamp = parts.next()?;
    let rev = parts.next()?.strip_prefix('r')?;
    let stamp_ok = stamp.len() == 16
        && stamp.as_bytes()[8] == b'T'
        && stamp.ends_with('Z')
        && stamp
            .bytes()
            .enumerate()
            .all(|(i, b)| i == 8 || i == 15 || b.is_ascii_digit());
    if id.len() != 16 || !stamp_ok || rev.is_empty() || !rev.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(Ours {
        cluster_id: u64::from_str_radix(id, 16).ok()?,
        stamp: stamp.to_string(),
        revision: rev.parse().ok()?,
    })
}

/// Our files for `cluster_id` in `dir`, oldest first (by timestamp, then revision).
pub fn ours_in(dir: &Path, cluster_id: u64) -> std::io::Result<Vec<PathBuf>> {
    let mut found: Vec<(Ours, PathBuf)> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            let ours = parse(&name).filter(|o| o.cluster_id == cluster_id)?;
            Some((ours, e.path()))
        })
        .collect();
    found.sort_by(|(a, _), (b, _)| (&a.stamp, a.revision).cmp(&(&b.stamp, b.revision)));
    Ok(found.into_iter().map(|(_, p)| p).collect())
}

/// Which of `ours` (oldest first) go so that the newest `keep` stay.
pub fn to_prune(ours: &[PathBuf], keep: usize) -> &[PathBuf] {
    &ours[..ours.len().saturating_sub(keep)]
}

/// Removes all but the newest `keep` of our files for `cluster_id`; the removed paths,
/// or the first error (files removed before it stay removed, and are named in it).
pub fn prune(dir: &Path, cluster_id: u64, keep: usize) -> Result<Vec<PathBuf>, String> {
    let ours =
        ours_in(dir, cluster_id).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut removed = Vec::new();
    for p in to_prune(&ours, keep) {
        if let Err(e) = std::fs::remove_file(p) {
            return Err(format!(
                "cannot remove {}: {e}{}",
                p.display(),
                if removed.is_empty() {
                    String::new()
                } else {
                    format!(" (removed before it: {})", removed.len())
                }
            ));
        }
        removed.push(p.clone());
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn names_round_trip_and_sort_by_time() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_542_437);
        let n = file_name(0xcdf8_1819_4e3a_8c32, t, 1234);
        assert_eq!(n, "etcdtui-cdf818194e3a8c32-20261206T073357Z-r1234.db");
        assert_eq!(
            parse(&n),
            Some(Ours {
                cluster_id: 0xcdf8_1819_4e3a_8c32,
                stamp: "20261206T073357Z".into(),
                revision: 1234
            })
        );
        for other in [
            "etcdtui-cdf818194e3a8c32-20261206T073357Z-r.db",
            "etcdtui-cdf818194e3a8c32-20261206T073357Z-r12.db.part",
            "etcdtui-cdf818194e3a8c3-20261206T073357Z-r12.db",
            "etcdtui-cdf818194e3a8c32-2026120XT073357Z-r12.db",
            "mine.db",
            "etcdtui-cdf818194e3a8c32-20261206T073357Z-r12-x.db",
        ] {
            assert_eq!(parse(other), None, "{other}");
        }
    }

    #[test]
    fn prune_keeps_the_newest_of_ours_and_never_touches_other_files() {
        let dir = tempfile::tempdir().unwrap();
        let base = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_542_437);
        let mut ours = Vec::new();
        for i in 0..5u64 {
            // Written out of order: the name decides, not the listing or the mtime.
            let n = file_name(7, base + Duration::from_secs(60 * (4 - i)), 10 + i as i64);
            std::fs::write(dir.path().join(&n), b"x").unwrap();
            ours.push(n);
        }
        let foreign = [
            "manual.db",
            "notes.txt",
            &file_name(8, base, 1),
            ".etcdtui-snapshot.db.abc.part",
        ];
        for f in foreign {
            std::fs::write(dir.path().join(f), b"x").unwrap();
        }
        let removed = prune(dir.path(), 7, 2).unwrap();
        assert_eq!(removed.len(), 3);
        let left = ours_in(dir.path(), 7).unwrap();
        let left: Vec<String> = left
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        // i = 0 and 1 are the newest (4 and 3 minutes after base).
        assert_eq!(left, vec![ours[1].clone(), ours[0].clone()]);
        for f in foreign {
            assert!(dir.path().join(f).exists(), "{f} was removed");
        }
        assert!(prune(dir.path(), 7, 0).unwrap().len() == 2);
    }
}
