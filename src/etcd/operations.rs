//! Operations that change the cluster or copy its state out: snapshot save, member
//! changes, leader moves, defragmentation, alarms, compaction. The app decides what
//! is safe and in which order (`app::ops`); this module only carries it out, each
//! call on the member it concerns, each within a timeout, reporting every step.

use std::path::PathBuf;
use std::time::Duration;

use etcd_client::{AlarmAction, AlarmOptions, AlarmType, CompactionOptions, MemberAddOptions};
use tokio::sync::{mpsc, oneshot};

use super::cluster_ops::SharedMembers;
use super::connect::{EndpointClient, with_timeout};
use super::errors::{EtcdError, Problem};
use super::snapshot_save::{Saved, save_snapshot};

/// Defragmenting or compacting a large database takes far longer than a read; etcdctl
/// users raise `--command-timeout` for it, we do it for them.
const SLOW_OP: Duration = Duration::from_secs(120);

/// A member as the plan saw it: enough to reach it and to name it in messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberRef {
    pub id: u64,
    pub name: String,
    pub client_urls: Vec<String>,
}

impl MemberRef {
    pub fn label(&self) -> String {
        if self.name.is_empty() {
            format!("{:x}", self.id)
        } else {
            self.name.clone()
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operation {
    Snapshot {
        member: MemberRef,
        path: PathBuf,
    },
    MemberAdd {
        /// For the messages and the start command only: etcd learns a member's name
        /// when it starts.
        name: String,
        peer_urls: Vec<String>,
        learner: bool,
    },
    MemberPromote {
        member: MemberRef,
    },
    MemberRemove {
        member: MemberRef,
    },
    MemberUpdate {
        member: MemberRef,
        peer_urls: Vec<String>,
    },
    /// Sent to `leader`, as etcd requires.
    MoveLeader {
        leader: MemberRef,
        target: MemberRef,
    },
    /// One member at a time, in this order. With `handover`, leadership moves from
    /// the last member (the leader) to that one before the last is defragmented.
    Defrag {
        members: Vec<MemberRef>,
        handover: Option<MemberRef>,
    },
    /// `(member id, alarm name)`.
    AlarmDisarm {
        alarms: Vec<(u64, String)>,
    },
    Compact {
        revision: i64,
        physical: bool,
    },
    /// etcd 3.6+'s Downgrade RPC (`app::upgrade` plans it).
    Downgrade {
        action: super::downgrade::DowngradeAction,
        /// Empty for cancel.
        version: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Saved(Saved),
    /// The new member's ID and the cluster as etcd lists it after the change,
    /// `(name, peer URLs)` (the new member has no name until it starts).
    Added {
        id: u64,
        members: Vec<(u64, String, Vec<String>)>,
    },
    /// Done; the words say what happened.
    Done(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpUpdate {
    /// Bytes so far and expected, for the snapshot gauge.
    Progress {
        done: u64,
        total: u64,
    },
    /// A step of a multi-step operation has started.
    Step(String),
    Finished(Result<Outcome, EtcdError>),
}

/// A client on `m`'s own client URL: status, snapshot and defragment answer only for
/// the member they are sent to.
async fn client_of(
    seed: &EndpointClient,
    members: &SharedMembers,
    m: &MemberRef,
) -> Result<EndpointClient, EtcdError> {
    members
        .lock()
        .await
        .client_for(seed, m.id, &m.client_urls)
        .await
}

pub async fn run(
    seed: EndpointClient,
    members: SharedMembers,
    op: Operation,
    updates: mpsc::Sender<OpUpdate>,
    cancel: oneshot::Receiver<()>,
) -> Result<Outcome, EtcdError> {
    match op {
        Operation::Snapshot { member, path } => {
            let client = client_of(&seed, &members, &member).await?;
            snapshot(&client, path, updates, cancel).await
        }
        Operation::MemberAdd {
            peer_urls, learner, ..
        } => {
            let opts = learner.then(|| MemberAddOptions::new().with_is_learner());
            let r = seed
                .call(|mut c| async move { c.member_add(peer_urls, opts).await })
                .await?;
            let id = r.member().map(|m| m.id()).unwrap_or_default();
            let members = r
                .member_list()
                .iter()
                .map(|m| (m.id(), m.name().to_string(), m.peer_urls().to_vec()))
                .collect();
            Ok(Outcome::Added { id, members })
        }
        Operation::MemberPromote { member } => {
            let id = member.id;
            seed.call(|mut c| async move { c.member_promote(id).await })
                .await?;
            Ok(Outcome::Done(format!(
                "{} is now a voting member",
                member.label()
            )))
        }
        Operation::MemberRemove { member } => {
            let id = member.id;
            seed.call(|mut c| async move { c.member_remove(id).await })
                .await?;
            Ok(Outcome::Done(format!("{} removed", member.label())))
        }
        Operation::MemberUpdate { member, peer_urls } => {
            let (id, urls) = (member.id, peer_urls.clone());
            seed.call(|mut c| async move { c.member_update(id, urls).await })
                .await?;
            Ok(Outcome::Done(format!(
                "{} peer URLs are now {}",
                member.label(),
                peer_urls.join(",")
            )))
        }
        Operation::MoveLeader { leader, target } => {
            let client = client_of(&seed, &members, &leader).await?;
            let id = target.id;
            client
                .call(|mut c| async move { c.move_leader(id).await })
                .await?;
            Ok(Outcome::Done(format!(
                "leadership moved from {} to {}",
                leader.label(),
                target.label()
            )))
        }
        Operation::Defrag {
            members: order,
            handover,
        } => defrag(&seed, &members, order, handover, updates).await,
        Operation::AlarmDisarm { alarms } => disarm(&seed, alarms).await,
        Operation::Compact { revision, physical } => {
            let opts = physical.then(|| CompactionOptions::new().with_physical());
            let mut c = seed.client.clone();
            with_timeout(&seed.endpoint, SLOW_OP, c.compact(revision, opts)).await?;
            Ok(Outcome::Done(format!(
                "compacted to revision {revision}{}",
                if physical { " (physically)" } else { "" }
            )))
        }
        Operation::Downgrade { action, version } => Ok(Outcome::Done(
            super::downgrade::run(&seed, action, version).await?,
        )),
    }
}

async fn snapshot(
    client: &EndpointClient,
    path: PathBuf,
    updates: mpsc::Sender<OpUpdate>,
    cancel: oneshot::Receiver<()>,
) -> Result<Outcome, EtcdError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        return Err(EtcdError::file(format!(
            "cannot create {}: {e}",
            dir.display()
        )));
    }
    let (tx, mut rx) = mpsc::channel::<(u64, u64)>(4);
    let forward = async move {
        // A gauge needs a few updates a second, not one per 32 KiB chunk.
        let mut last = tokio::time::Instant::now() - Duration::from_secs(1);
        while let Some((done, total)) = rx.recv().await {
            if last.elapsed() >= Duration::from_millis(100) || done >= total {
                last = tokio::time::Instant::now();
                let _ = updates.send(OpUpdate::Progress { done, total }).await;
            }
        }
    };
    let (saved, ()) = tokio::join!(save_snapshot(client, &path, tx, cancel), forward);
    Ok(Outcome::Saved(saved?))
}

async fn defrag(
    seed: &EndpointClient,
    members: &SharedMembers,
    order: Vec<MemberRef>,
    handover: Option<MemberRef>,
    updates: mpsc::Sender<OpUpdate>,
) -> Result<Outcome, EtcdError> {
    let n = order.len();
    for (i, m) in order.iter().enumerate() {
        let done: Vec<String> = order[..i].iter().map(MemberRef::label).collect();
        let say = |text: String| {
            let updates = updates.clone();
            async move {
                let _ = updates.send(OpUpdate::Step(text)).await;
            }
        };
        let client = client_of(seed, members, m)
            .await
            .map_err(|e| stopped(e, &done))?;
        if let Some(to) = handover.as_ref().filter(|_| i + 1 == n) {
            say(format!(
                "moving leadership from {} to {}",
                m.label(),
                to.label()
            ))
            .await;
            let id = to.id;
            client
                .call(|mut c| async move { c.move_leader(id).await })
                .await
                .map_err(|e| stopped(e, &done))?;
        }
        say(format!("defragmenting {} ({}/{n})", m.label(), i + 1)).await;
        let mut c = client.client.clone();
        with_timeout(&client.endpoint, SLOW_OP, c.defragment())
            .await
            .map_err(|e| stopped(e, &done))?;
    }
    let names: Vec<String> = order.iter().map(MemberRef::label).collect();
    let moved = handover
        .map(|to| format!(" (leadership moved to {} first)", to.label()))
        .unwrap_or_default();
    Ok(Outcome::Done(format!(
        "defragmented {}{moved}",
        names.join(", then ")
    )))
}

/// A sequence that stopped half-way says how far it got.
fn stopped(mut e: EtcdError, done: &[String]) -> EtcdError {
    let so_far = if done.is_empty() {
        "no member was defragmented".to_string()
    } else {
        format!(
            "{} already defragmented; the rest were not",
            done.join(", ")
        )
    };
    e.detail = format!("{} ({so_far})", e.detail);
    e
}

async fn disarm(seed: &EndpointClient, alarms: Vec<(u64, String)>) -> Result<Outcome, EtcdError> {
    let mut cleared = Vec::new();
    for (member, name) in alarms {
        let kind = AlarmType::from_str_name(&name)
            .ok_or_else(|| EtcdError::new(Problem::Other, None, format!("unknown alarm {name}")))?;
        let mut opts = AlarmOptions::new();
        opts.with_member(member);
        seed.call(|mut c| async move { c.alarm(AlarmAction::Deactivate, kind, Some(opts)).await })
            .await?;
        cleared.push(format!("{name} on {member:x}"));
    }
    Ok(Outcome::Done(format!("disarmed {}", cleared.join(", "))))
}

/// etcd's answers to operations, in words a person can act on.
pub fn explain(e: &EtcdError) -> String {
    const KNOWN: &[(&str, &str)] = &[
        (
            "not leader",
            "the request reached a member that is not the leader; refresh and retry",
        ),
        (
            "leader changed",
            "the leader changed while the request was in flight; refresh and retry",
        ),
        (
            "member not found",
            "that member is no longer in the cluster; refresh",
        ),
        (
            "too many learner",
            "etcd allows one learner at a time: promote or remove the existing learner first",
        ),
        (
            "in sync with leader",
            "the learner has not caught up with the leader yet; wait and retry",
        ),
        ("can only promote a learner", "that member is not a learner"),
        (
            "peer urls already exists",
            "another member already uses that peer URL",
        ),
        (
            "unhealthy cluster",
            "etcd refused: a member is down, or was connected less than 5 s ago (etcd checks \
             before any membership change); wait and retry",
        ),
        (
            "not enough started members",
            "etcd refused: removing it would leave too few started members for quorum",
        ),
        (
            "bad leader transferee",
            "leadership can only move to a started voting member",
        ),
        (
            "required revision has been compacted",
            "that revision is already compacted",
        ),
        (
            "future revision",
            "that revision is newer than the store's current revision",
        ),
        (
            "database space exceeded",
            "the database is out of space (NOSPACE alarm): compact, defragment, then disarm",
        ),
    ];
    let lower = e.detail.to_ascii_lowercase();
    match KNOWN.iter().find(|(needle, _)| lower.contains(needle)) {
        Some((_, words)) => format!("{words} ({})", e.detail),
        None if e.problem == Problem::PermissionDenied => {
            "permission denied: operations need the root role".to_string()
        }
        None => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etcd_refusals_are_said_in_words_with_the_original_kept() {
        let e = |detail: &str| EtcdError::new(Problem::Other, None, detail);
        let said = explain(&e("etcdserver: too many learner members in cluster"));
        assert!(
            said.starts_with("etcd allows one learner at a time"),
            "{said}"
        );
        assert!(said.contains("etcdserver: too many learner"), "{said}");
        assert!(explain(&e("etcdserver: member not found")).contains("no longer in the cluster"));
        assert!(explain(&e("etcdserver: not leader")).contains("not the leader"));
        let denied = EtcdError::new(
            Problem::PermissionDenied,
            None,
            "etcdserver: permission denied",
        );
        assert!(explain(&denied).contains("root role"));
    }
}
