//! `etcdtui triage DIR...`: after quorum is lost, which member's data is the newest. Each
//! data dir is read offline — `member/snap/db` (the applied index etcd calls the
//! consistent index, term, revision, size) and the WAL (last entry, last hard state,
//! which member it is) — and the one with the most committed data is named, with the
//! commands to start a new cluster from it.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::wal::{self, WalSummary};
use crate::snapfile::{human_bytes, read_status};

/// One directory as found.
#[derive(Debug, Clone)]
pub struct Found {
    pub dir: PathBuf,
    pub verdict: Verdict,
}

#[derive(Debug, Clone)]
pub enum Verdict {
    /// No `member/` with a db or WAL: someone else's directory.
    NotMember(String),
    /// It is a member's, but the db cannot be read (the WAL may still say something).
    Damaged {
        why: String,
        wal: Option<WalSummary>,
    },
    Member(Box<MemberData>),
}

#[derive(Debug, Clone)]
pub struct MemberData {
    pub name: Option<String>,
    pub member_id: Option<u64>,
    pub applied: Option<u64>,
    pub term: Option<u64>,
    pub revision: i64,
    pub db_size: u64,
    pub peer_urls: Vec<String>,
    pub wal: Result<WalSummary, String>,
    /// Lesser damage in the db, read around.
    pub problems: Vec<String>,
}

impl MemberData {
    /// What survives a restart of this member: the WAL's commit (every entry up to it is
    /// committed cluster-wide and will be applied), at least what the db already applied.
    pub fn committed(&self) -> u64 {
        let commit = self
            .wal
            .as_ref()
            .ok()
            .and_then(|w| w.hard_state)
            .map_or(0, |(_, c)| c);
        commit.max(self.applied.unwrap_or(0))
    }

    fn rank(&self) -> (u64, (u64, u64), u64) {
        let last = self
            .wal
            .as_ref()
            .ok()
            .and_then(|w| w.last_entry)
            .map_or((0, 0), |(i, t)| (t, i));
        (self.committed(), last, self.applied.unwrap_or(0))
    }
}

/// Accepts a data dir (holding `member/`) or the `member/` dir itself.
fn member_dir(dir: &Path) -> Option<PathBuf> {
    let inner = dir.join("member");
    if inner.join("snap").is_dir() || inner.join("wal").is_dir() {
        return Some(inner);
    }
    (dir.join("snap").is_dir() || dir.join("wal").is_dir()).then(|| dir.to_path_buf())
}

pub fn examine(dir: &Path) -> Found {
    let found = |verdict| Found {
        dir: dir.to_path_buf(),
        verdict,
    };
    if !dir.is_dir() {
        return found(Verdict::NotMember(format!(
            "{} is not a directory",
            dir.display()
        )));
    }
    let Some(member) = member_dir(dir) else {
        return found(Verdict::NotMember(
            "no member/snap or member/wal in it: not an etcd member's data dir".into(),
        ));
    };
    let wal = wal::read_dir(&member.join("wal"));
    let db = member.join("snap/db");
    let st = match read_status(&db) {
        Ok(s) => s,
        Err(e) => {
            return found(Verdict::Damaged {
                why: format!("{}: {e}", db.display()),
                wal: wal.ok(),
            });
        }
    };
    let member_id = wal.as_ref().ok().and_then(|w| w.member_id);
    let me = member_id.and_then(|id| st.etcd.members.iter().find(|m| m.id == id));
    found(Verdict::Member(Box::new(MemberData {
        name: me.map(|m| m.name.clone()).filter(|n| !n.is_empty()),
        member_id,
        applied: st.etcd.consistent_index,
        term: st.etcd.term,
        revision: st.status.revision,
        db_size: st.status.file_size,
        peer_urls: me.map(|m| m.peer_urls.clone()).unwrap_or_default(),
        wal,
        problems: st.problems.iter().map(|p| p.to_string()).collect(),
    })))
}

/// The index of the freshest member among `found`, if any is readable.
pub fn freshest(found: &[Found]) -> Option<usize> {
    found
        .iter()
        .enumerate()
        .filter_map(|(i, f)| match &f.verdict {
            Verdict::Member(m) => Some((i, m.rank())),
            _ => None,
        })
        .max_by_key(|(_, r)| *r)
        .map(|(i, _)| i)
}

fn opt(v: Option<u64>) -> String {
    v.map_or("-".into(), |v| v.to_string())
}

fn wal_cell(w: &Result<WalSummary, String>) -> String {
    match w {
        Err(_) => "unreadable".into(),
        Ok(w) => {
            let last = w.last_entry.map_or("-".into(), |(i, t)| format!("{i}/{t}"));
            if w.torn.is_some() {
                format!("{last} (torn tail)")
            } else {
                last
            }
        }
    }
}

/// The commands to start a new one-member cluster from the freshest dir.
pub fn force_commands(f: &Found, m: &MemberData) -> Vec<String> {
    let sh = super::plan::sh;
    let dir = sh(&f.dir.display().to_string());
    let name = m.name.clone().unwrap_or_else(|| "NAME".into());
    let peer = m
        .peer_urls
        .first()
        .cloned()
        .unwrap_or_else(|| "PEER_URL".into());
    let db = sh(&f.dir.join("member/snap/db").display().to_string());
    let stamp = super::names::stamp(std::time::SystemTime::now());
    vec![
        format!("cp -a {dir} {dir}.before-force-{stamp}   # keep a copy: forcing rewrites the member list"),
        format!(
            "etcd --name {} --data-dir {dir} --force-new-cluster --listen-peer-urls {p} --initial-advertise-peer-urls {p} ...   # with its usual flags; once up, restart it without --force-new-cluster",
            sh(&name),
            p = sh(&peer)
        ),
        "etcdctl member add NAME --peer-urls=URL   # then each other member, one at a time, on an emptied data dir with --initial-cluster-state existing".into(),
        format!(
            "# or, as a restore: etcdutl snapshot restore {db} --skip-hash-check --name {} --initial-cluster {}={} --initial-cluster-token etcd-forced-{stamp} --data-dir NEW_DIR",
            sh(&name),
            sh(&name),
            sh(&peer)
        ),
    ]
}

pub fn text(found: &[Found]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<40} {:<10} {:>10} {:>6} {:>10} {:>9} {:>10} {:>18}  NOTE",
        "DIR", "MEMBER", "APPLIED", "TERM", "REVISION", "DB SIZE", "COMMIT", "WAL LAST IDX/TERM"
    );
    for f in found {
        let d = f.dir.display().to_string();
        match &f.verdict {
            Verdict::NotMember(why) => {
                let _ = writeln!(out, "{d:<40} {:<10} not a member's data dir: {why}", "-");
            }
            Verdict::Damaged { why, wal } => {
                let w = wal
                    .as_ref()
                    .and_then(|w| w.last_entry)
                    .map_or("-".into(), |(i, t)| format!("{i}/{t}"));
                let _ = writeln!(out, "{d:<40} {:<10} damaged: {why}; WAL last {w}", "-");
            }
            Verdict::Member(m) => {
                let mut note = Vec::new();
                if let Err(e) = &m.wal {
                    note.push(e.clone());
                }
                if let Ok(w) = &m.wal
                    && let Some(t) = &w.torn
                {
                    note.push(t.clone());
                }
                note.extend(m.problems.iter().cloned());
                let _ = writeln!(
                    out,
                    "{d:<40} {:<10} {:>10} {:>6} {:>10} {:>9} {:>10} {:>18}  {}",
                    m.name.clone().unwrap_or_else(|| "?".into()),
                    opt(m.applied),
                    opt(m.term),
                    m.revision,
                    human_bytes(m.db_size),
                    m.committed(),
                    wal_cell(&m.wal),
                    note.join("; ")
                );
            }
        }
    }
    match freshest(found) {
        None => {
            let _ = writeln!(out, "\nnone of these is a readable member data dir");
        }
        Some(i) => {
            let f = &found[i];
            if let Verdict::Member(m) = &f.verdict {
                let _ = writeln!(
                    out,
                    "\nfreshest: {} ({}): committed index {}, applied {}, revision {}",
                    f.dir.display(),
                    m.name.clone().unwrap_or_else(|| "unknown member".into()),
                    m.committed(),
                    opt(m.applied),
                    m.revision
                );
                let _ = writeln!(
                    out,
                    "with every member stopped, start a new cluster from it:"
                );
                for c in force_commands(f, m) {
                    let _ = writeln!(out, "  {c}");
                }
            }
        }
    }
    out
}

pub fn json(found: &[Found]) -> String {
    let dirs: Vec<_> = found
        .iter()
        .map(|f| match &f.verdict {
            Verdict::NotMember(why) => json!({"dir": f.dir, "state": "not-member", "why": why}),
            Verdict::Damaged { why, wal } => json!({
                "dir": f.dir, "state": "damaged", "why": why,
                "walLastIndex": wal.as_ref().and_then(|w| w.last_entry).map(|e| e.0),
            }),
            Verdict::Member(m) => {
                let w = m.wal.as_ref().ok();
                json!({
                    "dir": f.dir,
                    "state": "member",
                    "name": m.name,
                    "memberId": m.member_id.map(|id| format!("{id:x}")),
                    "appliedIndex": m.applied,
                    "term": m.term,
                    "revision": m.revision,
                    "dbSize": m.db_size,
                    "committedIndex": m.committed(),
                    "walLastIndex": w.and_then(|w| w.last_entry).map(|e| e.0),
                    "walLastTerm": w.and_then(|w| w.last_entry).map(|e| e.1),
                    "walCommit": w.and_then(|w| w.hard_state).map(|h| h.1),
                    "walTorn": w.and_then(|w| w.torn.clone()),
                    "walError": m.wal.as_ref().err(),
                    "problems": m.problems,
                })
            }
        })
        .collect();
    let fresh = freshest(found);
    let commands = fresh.and_then(|i| match &found[i].verdict {
        Verdict::Member(m) => Some(force_commands(&found[i], m)),
        _ => None,
    });
    let v = json!({
        "dirs": dirs,
        "freshest": fresh.map(|i| &found[i].dir),
        "commands": commands,
    });
    format!("{v:#}\n")
}
