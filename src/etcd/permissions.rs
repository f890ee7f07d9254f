//! What the connected user may do with keys, learnt from its own user and roles (which
//! etcd lets every user read), and how the session reached that answer. Pure logic:
//! the session fills it in, the views ask it before offering a read or a write.

use super::auth::{Access, Perm, Span};
use super::skipscan::prefix_end;

/// How we know whether authentication is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthState {
    /// `AuthStatus` answered (etcd 3.5+).
    Enabled,
    Disabled,
    /// etcd 3.4 has no `AuthStatus`: inferred from whether etcd wanted a user.
    InferredEnabled,
    InferredDisabled,
    /// Neither the call nor an inference gave an answer.
    Unknown,
}

impl AuthState {
    pub fn is_enabled(self) -> Option<bool> {
        match self {
            AuthState::Enabled | AuthState::InferredEnabled => Some(true),
            AuthState::Disabled | AuthState::InferredDisabled => Some(false),
            AuthState::Unknown => None,
        }
    }

    pub fn inferred(self) -> bool {
        matches!(
            self,
            AuthState::InferredEnabled | AuthState::InferredDisabled
        )
    }
}

/// Who we are and what the session learnt about what we may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionAccess {
    pub auth: AuthState,
    /// The etcd user: from `--user`, or the common name of the client certificate.
    pub user: Option<String>,
    /// Set when the user comes from the client certificate rather than `--user`.
    pub cert_cn: Option<String>,
    /// The key permissions, when the user's roles could be read.
    pub keys: Option<Permissions>,
    /// Set when `Status` was refused: the header says so instead of inventing numbers.
    pub status_denied: bool,
}

/// Everything, or the union of the spans the user's roles grant.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Permissions {
    /// The root role (or no authentication): every key, read and write.
    pub all: bool,
    pub roles: Vec<String>,
    pub perms: Vec<Perm>,
}

/// A half-open interval of keys; `None` as the end means "to the end of the keyspace".
type Interval = (Vec<u8>, Option<Vec<u8>>);

fn interval(span: &Span) -> Interval {
    match span {
        Span::Key(k) => {
            let mut end = k.clone();
            end.push(0);
            (k.clone(), Some(end))
        }
        Span::Prefix(p) => (p.clone(), prefix_end(p)),
        Span::FromKey(k) => (k.clone(), None),
        Span::Range(a, b) => (a.clone(), Some(b.clone())),
    }
}

fn grants(access: Access, write: bool) -> bool {
    match access {
        Access::ReadWrite => true,
        Access::Read => !write,
        Access::Write => write,
    }
}

/// Where a permitted part of the keyspace starts, for the Keys tree to show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// A directory the user may list (a prefix grant).
    Dir(Vec<u8>),
    /// A single key, or the first key of a range the user may read.
    Key(Vec<u8>),
}

impl Entry {
    pub fn key(&self) -> &[u8] {
        match self {
            Entry::Dir(k) | Entry::Key(k) => k,
        }
    }
}

impl Permissions {
    pub fn everything() -> Permissions {
        Permissions {
            all: true,
            ..Permissions::default()
        }
    }

    /// Whether the union of the spans granting `write` (or read) covers `[start, end)`
    /// (`end` `None`: to the end of the keyspace), as etcd checks a range request.
    pub fn covers(&self, start: &[u8], end: Option<&[u8]>, write: bool) -> bool {
        if self.all {
            return true;
        }
        let mut ivs: Vec<Interval> = self
            .perms
            .iter()
            .filter(|p| grants(p.access, write))
            .map(|p| interval(&p.span))
            .collect();
        ivs.sort();
        let mut at = start.to_vec();
        for (a, b) in ivs {
            if a.as_slice() > at.as_slice() {
                continue;
            }
            match b {
                None => return true,
                Some(b) if b > at => {
                    at = b;
                    if end.is_some_and(|e| at.as_slice() >= e) {
                        return true;
                    }
                }
                Some(_) => {}
            }
        }
        false
    }

    pub fn can_read(&self, key: &[u8]) -> bool {
        let mut end = key.to_vec();
        end.push(0);
        self.covers(key, Some(&end), false)
    }

    pub fn can_write(&self, key: &[u8]) -> bool {
        let mut end = key.to_vec();
        end.push(0);
        self.covers(key, Some(&end), true)
    }

    /// Whether every key under `prefix` may be read (the empty prefix: the whole keyspace).
    pub fn can_read_prefix(&self, prefix: &[u8]) -> bool {
        match prefix_end(prefix) {
            Some(end) => self.covers(prefix, Some(&end), false),
            None => self.covers(prefix, None, false),
        }
    }

    pub fn can_write_prefix(&self, prefix: &[u8]) -> bool {
        match prefix_end(prefix) {
            Some(end) => self.covers(prefix, Some(&end), true),
            None => self.covers(prefix, None, true),
        }
    }

    /// Whether the roles grant no write anywhere: write keys are then not offered.
    pub fn writes_nothing(&self) -> bool {
        !self.all && !self.perms.iter().any(|p| grants(p.access, true))
    }

    /// The readable parts of the keyspace, in key order, for the top of the Keys tree:
    /// `None` when the whole keyspace may be read (the tree starts at the root).
    pub fn entries(&self) -> Option<Vec<Entry>> {
        if self.can_read_prefix(b"") {
            return None;
        }
        let mut out: Vec<Entry> = self
            .perms
            .iter()
            .filter(|p| grants(p.access, false))
            .map(|p| match &p.span {
                Span::Prefix(k) => Entry::Dir(k.clone()),
                Span::Key(k) | Span::FromKey(k) | Span::Range(k, _) => Entry::Key(k.clone()),
            })
            .collect();
        out.sort_by(|a, b| a.key().cmp(b.key()));
        out.dedup();
        // A prefix inside another readable prefix is reached by browsing that one.
        let dirs: Vec<Vec<u8>> = out
            .iter()
            .filter_map(|e| match e {
                Entry::Dir(d) => Some(d.clone()),
                Entry::Key(_) => None,
            })
            .collect();
        out.retain(|e| {
            !dirs
                .iter()
                .any(|d| d.as_slice() != e.key() && e.key().starts_with(d))
        });
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn perm(access: Access, span: Span) -> Perm {
        Perm { access, span }
    }

    fn user(perms: Vec<Perm>) -> Permissions {
        Permissions {
            all: false,
            roles: vec!["r".into()],
            perms,
        }
    }

    #[test]
    fn a_read_only_prefix_reads_inside_and_writes_nowhere() {
        let p = user(vec![perm(Access::Read, Span::Prefix(b"/app/".to_vec()))]);
        assert!(p.can_read(b"/app/x"));
        assert!(p.can_read_prefix(b"/app/"));
        assert!(p.can_read_prefix(b"/app/sub/"));
        assert!(!p.can_read(b"/other"));
        assert!(!p.can_read_prefix(b""));
        assert!(!p.can_write(b"/app/x"));
        assert_eq!(p.entries(), Some(vec![Entry::Dir(b"/app/".to_vec())]));
        assert!(p.writes_nothing());
        assert!(!Permissions::everything().writes_nothing());
    }

    #[test]
    fn readwrite_grants_both_and_write_only_grants_no_read() {
        let p = user(vec![
            perm(Access::ReadWrite, Span::Prefix(b"/rw/".to_vec())),
            perm(Access::Write, Span::Key(b"/drop".to_vec())),
        ]);
        assert!(p.can_write(b"/rw/a") && p.can_read(b"/rw/a"));
        assert!(p.can_write(b"/drop") && !p.can_read(b"/drop"));
        assert!(!p.can_write(b"/drop2"));
        assert_eq!(p.entries(), Some(vec![Entry::Dir(b"/rw/".to_vec())]));
    }

    #[test]
    fn a_single_key_is_not_its_prefix() {
        let p = user(vec![perm(Access::Read, Span::Key(b"/cfg".to_vec()))]);
        assert!(p.can_read(b"/cfg"));
        assert!(!p.can_read(b"/cfg2"));
        assert!(!p.can_read_prefix(b"/cfg"));
        assert_eq!(p.entries(), Some(vec![Entry::Key(b"/cfg".to_vec())]));
    }

    #[test]
    fn ranges_and_adjacent_spans_join_like_etcd_merges_them() {
        let p = user(vec![
            perm(Access::Read, Span::Range(b"/a".to_vec(), b"/c".to_vec())),
            perm(Access::Read, Span::Range(b"/c".to_vec(), b"/e".to_vec())),
        ]);
        assert!(p.covers(b"/a", Some(b"/e"), false));
        assert!(p.can_read(b"/b9"));
        assert!(!p.covers(b"/a", Some(b"/f"), false));
        assert!(!p.can_read(b"/e"));
    }

    #[test]
    fn from_key_and_root_cover_the_rest() {
        let p = user(vec![perm(Access::Read, Span::FromKey(b"/m".to_vec()))]);
        assert!(p.can_read(b"/z"));
        assert!(!p.can_read(b"/a"));
        let all = user(vec![perm(Access::ReadWrite, Span::FromKey(Vec::new()))]);
        assert_eq!(all.entries(), None);
        assert!(Permissions::everything().can_write(b"/x"));
    }

    #[test]
    fn several_prefixes_are_the_top_level_and_nested_ones_fold_in() {
        let p = user(vec![
            perm(Access::Read, Span::Prefix(b"/b/".to_vec())),
            perm(Access::ReadWrite, Span::Prefix(b"/a/".to_vec())),
            perm(Access::ReadWrite, Span::Prefix(b"/a/deep/".to_vec())),
        ]);
        assert_eq!(
            p.entries(),
            Some(vec![
                Entry::Dir(b"/a/".to_vec()),
                Entry::Dir(b"/b/".to_vec())
            ])
        );
        assert!(p.can_write(b"/a/deep/x") && !p.can_write(b"/b/x"));
    }

    #[test]
    fn no_kv_permission_at_all() {
        let p = user(Vec::new());
        assert!(!p.can_read(b"/x"));
        assert_eq!(p.entries(), Some(Vec::new()));
    }
}
