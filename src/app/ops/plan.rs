//! From a command to a confirmation dialog: the operation, its target, the etcdctl
//! command line that does the same, its impact in numbers, and what to type (or `y`).
//! Anything the guards refuse comes back as the reason instead.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::app::OpCommand;
use crate::app::keys::write::{Confirm, WriteOp};
use crate::etcd::cluster::{ClusterSnapshot, MemberStatus};
use crate::etcd::operations::{MemberRef, Operation};
use crate::etcd::snapshot_save::Saved;
use crate::text::human_size;

use super::{KEEP_REVISIONS, guard};

/// What a plan is made from.
pub struct Ctx<'a> {
    pub snapshot: &'a ClusterSnapshot,
    pub selected: Option<&'a MemberStatus>,
    pub context: &'a str,
    pub snapshot_dir: &'a Path,
    pub wall: SystemTime,
}

fn member<'a>(cx: &Ctx<'a>, name: Option<&str>) -> Result<&'a MemberStatus, String> {
    match name {
        None => cx
            .selected
            .ok_or_else(|| "select a member in the Cluster view first".to_string()),
        Some(n) => cx
            .snapshot
            .members
            .iter()
            .find(|m| m.name == n || format!("{:x}", m.id) == n.to_ascii_lowercase())
            .ok_or_else(|| format!("no member named {n}")),
    }
}

fn endpoint(m: &MemberStatus) -> String {
    m.client_urls.first().cloned().unwrap_or_default()
}

fn ask(title: String, mut lines: Vec<String>, typed: Option<String>, op: Operation) -> Confirm {
    if let Some(t) = &typed {
        lines.push(format!("type {t} to confirm"));
    }
    Confirm {
        title,
        lines,
        typed,
        input: String::new(),
        secret: false,
        op: WriteOp::Operation(Box::new(op)),
    }
}

pub fn plan(cx: &Ctx, cmd: OpCommand) -> Result<Confirm, String> {
    let s = cx.snapshot;
    match cmd {
        OpCommand::Snapshot(path) => snapshot(cx, path),
        OpCommand::MemberAdd {
            name,
            peer_urls,
            voter,
        } => {
            if peer_urls.is_empty() {
                return Err("give the new member's peer URLs, e.g. http://10.0.0.4:2380".into());
            }
            let impact = guard::add(s, voter)?;
            let urls = peer_urls.join(",");
            let learner = if voter { "" } else { " --learner" };
            Ok(ask(
                format!(
                    "Add member {name}{}",
                    if voter { "" } else { " as a learner" }
                ),
                vec![
                    format!("peer URLs {urls}"),
                    impact,
                    format!("etcdctl member add {name} --peer-urls={urls}{learner}"),
                ],
                None,
                Operation::MemberAdd {
                    name: name.clone(),
                    peer_urls,
                    learner: !voter,
                },
            ))
        }
        OpCommand::MemberPromote(name) => {
            let m = member(cx, name.as_deref())?;
            let impact = guard::promote(s, m)?;
            Ok(ask(
                format!("Promote learner {}", guard::name(m)),
                vec![impact, format!("etcdctl member promote {:x}", m.id)],
                None,
                Operation::MemberPromote {
                    member: guard::member_ref(m),
                },
            ))
        }
        OpCommand::MemberRemove(name) => {
            let m = member(cx, name.as_deref())?;
            let impact = guard::remove(s, m)?;
            let who = guard::name(m);
            Ok(ask(
                format!("Remove member {who}"),
                vec![
                    format!("{who} ({:x}), peer URLs {}", m.id, m.peer_urls.join(",")),
                    impact,
                    "its data dir must be wiped before it may join again".into(),
                    format!("etcdctl member remove {:x}", m.id),
                ],
                Some(who),
                Operation::MemberRemove {
                    member: guard::member_ref(m),
                },
            ))
        }
        OpCommand::MemberUpdate {
            member: n,
            peer_urls,
        } => {
            let m = member(cx, n.as_deref())?;
            if peer_urls.is_empty() {
                return Err("give the new peer URLs, comma separated".into());
            }
            let urls = peer_urls.join(",");
            Ok(ask(
                format!("Update peer URLs of {}", guard::name(m)),
                vec![
                    format!("{} → {urls}", m.peer_urls.join(",")),
                    "the member must listen on the new URLs, or it loses its peers".into(),
                    format!("etcdctl member update {:x} --peer-urls={urls}", m.id),
                ],
                None,
                Operation::MemberUpdate {
                    member: guard::member_ref(m),
                    peer_urls,
                },
            ))
        }
        OpCommand::MoveLeader(name) => {
            let m = member(cx, name.as_deref())?;
            let leader = guard::move_leader(s, m)?;
            let url = s.member(leader.id).map(endpoint).unwrap_or_default();
            Ok(ask(
                format!("Move leadership to {}", guard::name(m)),
                vec![
                    format!("from {} to {}", leader.label(), guard::name(m)),
                    "writes pause for the handover, normally well under a second".into(),
                    format!("etcdctl --endpoints={url} move-leader {:x}", m.id),
                ],
                None,
                Operation::MoveLeader {
                    leader,
                    target: guard::member_ref(m),
                },
            ))
        }
        OpCommand::DefragAll { handover } => defrag_all(s, handover),
        OpCommand::Defrag(name) => defrag_one(cx, name.as_deref()),
        OpCommand::AlarmDisarm => disarm(s),
        OpCommand::Downgrade { action, version } => {
            crate::app::upgrade::plan_downgrade(s, action, version)
        }
        OpCommand::Compact { revision, physical } => {
            let rev = match revision {
                Some(r) => r,
                None => guard::compact_target(s.revision, KEEP_REVISIONS)?,
            };
            // An upper bound would go by a revision seconds old; etcd refuses a
            // future revision itself, and that is said in words.
            if rev <= 0 {
                return Err(format!("revision {rev}: revisions start at 1"));
            }
            let flag = if physical { " --physical" } else { "" };
            Ok(ask(
                format!("Compact to revision {rev}"),
                vec![
                    format!(
                        "history before revision {rev} is discarded for every key; {} \
                         revisions are kept (store at {})",
                        (s.revision - rev).max(0),
                        s.revision
                    ),
                    "watches and reads at older revisions will fail".into(),
                    format!("etcdctl compaction {rev}{flag}"),
                ],
                Some(rev.to_string()),
                Operation::Compact {
                    revision: rev,
                    physical,
                },
            ))
        }
    }
}

fn snapshot(cx: &Ctx, path: Option<String>) -> Result<Confirm, String> {
    let m = member(cx, None)?;
    if m.health != crate::etcd::cluster::Health::Up {
        return Err(format!(
            "{} is not reachable: select a member that answers",
            guard::name(m)
        ));
    }
    let path = match path {
        Some(p) => expand_home(&p),
        None => cx.snapshot_dir.join(default_name(cx.context, m, cx.wall)),
    };
    let size = m
        .db_size
        .map(|b| human_size(b as usize))
        .unwrap_or("?".into());
    Ok(ask(
        format!("Snapshot of {}", guard::name(m)),
        vec![
            format!(
                "the state of {} only (a snapshot is one member's view), about {size}",
                guard::name(m)
            ),
            format!("to {}", path.display()),
            format!(
                "etcdctl --endpoints={} snapshot save {}",
                endpoint(m),
                path.display()
            ),
        ],
        None,
        Operation::Snapshot {
            member: guard::member_ref(m),
            path,
        },
    ))
}

fn expand_home(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), dirs::home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(p),
    }
}

/// `prod-m1-20261201T142233Z.db`: sorts by time, says where it came from.
fn default_name(context: &str, m: &MemberStatus, wall: SystemTime) -> String {
    let secs = wall
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let stamp: String = crate::decode::k8s::gotime::rfc3339(secs, 0, false)
        .chars()
        .filter(|c| *c != '-' && *c != ':')
        .collect();
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!("{}-{}-{stamp}.db", clean(context), clean(&guard::name(m)))
}

fn defrag_one(cx: &Ctx, name: Option<&str>) -> Result<Confirm, String> {
    let m = member(cx, name)?;
    if m.health != crate::etcd::cluster::Health::Up {
        return Err(format!("{} is not reachable", guard::name(m)));
    }
    let mut lines = vec![format!(
        "{} blocks its reads and writes until it is done ({} in use of {})",
        guard::name(m),
        m.db_size_in_use
            .map(|b| human_size(b as usize))
            .unwrap_or("?".into()),
        m.db_size
            .map(|b| human_size(b as usize))
            .unwrap_or("?".into()),
    )];
    if cx.snapshot.leader == Some(m.id) {
        lines.push(
            "it is the LEADER: the whole cluster's writes stall meanwhile; \
             move leadership first (L on another member)"
                .into(),
        );
    }
    lines.push(format!("etcdctl --endpoints={} defrag", endpoint(m)));
    Ok(ask(
        format!("Defragment {}", guard::name(m)),
        lines,
        None,
        Operation::Defrag {
            members: vec![guard::member_ref(m)],
            handover: None,
        },
    ))
}

fn defrag_all(s: &ClusterSnapshot, handover: bool) -> Result<Confirm, String> {
    let (order, skipped) = guard::defrag_order(s);
    if order.is_empty() {
        return Err("no member answers: nothing to defragment".into());
    }
    let mut names: Vec<String> = order.iter().map(MemberRef::label).collect();
    // Leadership goes to the first follower, defragmented by then.
    let leads_last = order.last().is_some_and(|m| s.leader == Some(m.id));
    let handover = match (handover, leads_last, order.first()) {
        (true, true, Some(first)) if order.len() > 1 => Some(first.clone()),
        (true, _, _) => {
            return Err("--move-leader needs the leader and a follower that answer".into());
        }
        _ => None,
    };
    if let Some(to) = &handover {
        let last = names.len() - 1;
        names.insert(last, format!("leadership to {}", to.label()));
    }
    let urls: Vec<String> = order
        .iter()
        .filter_map(|m| m.client_urls.first().cloned())
        .collect();
    let mut lines = vec![
        format!("one at a time: {}", names.join(" → ")),
        "followers first, the leader last: each blocks its reads and writes while it runs".into(),
    ];
    if handover.is_none() && leads_last {
        lines.push(
            "the leader's turn stalls writes; :defrag all --move-leader hands leadership over first"
                .into(),
        );
    }
    if !skipped.is_empty() {
        lines.push(format!("skipped (not answering): {}", skipped.join(", ")));
    }
    lines.push(format!("etcdctl --endpoints={} defrag", urls.join(",")));
    Ok(ask(
        format!("Defragment all {} members", order.len()),
        lines,
        Some("all".into()),
        Operation::Defrag {
            members: order,
            handover,
        },
    ))
}

fn disarm(s: &ClusterSnapshot) -> Result<Confirm, String> {
    if s.alarms.is_empty() {
        return Err("no alarms are raised".into());
    }
    let kinds: Vec<&str> = s.alarms.iter().map(|(_, a)| a.as_str()).collect();
    let mut lines: Vec<String> = s
        .alarms
        .iter()
        .map(|(m, a)| {
            let who = s.member(*m).map(guard::name).unwrap_or(format!("{m:x}"));
            format!("{a} on {who}")
        })
        .collect();
    if kinds.contains(&"NOSPACE") {
        lines.push(
            "NOSPACE comes back at once unless space was freed first (compact, then defrag)".into(),
        );
    }
    if kinds.contains(&"CORRUPT") {
        lines.push("CORRUPT means members disagree on data: find out why before disarming".into());
    }
    lines.push("etcdctl alarm disarm".into());
    let typed = kinds.first().map(|k| k.to_string());
    Ok(ask(
        format!("Disarm {} alarm(s)", s.alarms.len()),
        lines,
        typed,
        Operation::AlarmDisarm {
            alarms: s.alarms.clone(),
        },
    ))
}

/// After a snapshot: what was saved and how to check it by hand.
pub fn saved_lines(saved: &Saved) -> Vec<String> {
    let p = saved.path.display();
    vec![
        format!("saved to {p}"),
        format!(
            "{} ({} bytes) at revision {}; SHA-256 verified, fsynced",
            human_size(saved.size as usize),
            saved.size,
            saved.revision
        ),
        format!(
            "check it: {}",
            crate::snapfile::tool::status_command(saved.server_version.as_deref(), &p.to_string())
        ),
    ]
}

/// After adding a member: how to start it so it joins.
pub fn added_lines(op: &Operation, id: u64, members: &[(u64, String, Vec<String>)]) -> Vec<String> {
    let Operation::MemberAdd {
        name: new,
        peer_urls,
        learner,
    } = op
    else {
        return vec![format!("added member {id:x}")];
    };
    let initial: Vec<String> = members
        .iter()
        .flat_map(|(mid, name, urls)| {
            let name = if *mid == id || name.is_empty() {
                new.clone()
            } else {
                name.clone()
            };
            urls.iter().map(move |u| format!("{name}={u}"))
        })
        .collect();
    vec![
        format!(
            "added member {id:x}{} with peer URLs {}",
            if *learner { " as a learner" } else { "" },
            peer_urls.join(",")
        ),
        "start it with an empty data dir and:".into(),
        format!(
            "etcd --name {new} --initial-advertise-peer-urls {} --initial-cluster {} \
             --initial-cluster-state existing",
            peer_urls.join(","),
            initial.join(",")
        ),
    ]
}
