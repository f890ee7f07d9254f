//! The rules that keep an operation from taking the cluster down, as pure functions of
//! the latest cluster snapshot. Each answers with the impact in numbers, or with the
//! reason it is refused.

use crate::etcd::cluster::{ClusterSnapshot, Health, MemberStatus};
use crate::etcd::operations::MemberRef;

/// A learner counts as caught up within this many raft entries of the leader, or 1 %
/// of the leader's index on a busy cluster (the statuses are taken milliseconds apart).
const CAUGHT_UP_ENTRIES: u64 = 100;

pub fn name(m: &MemberStatus) -> String {
    member_ref(m).label()
}

pub fn member_ref(m: &MemberStatus) -> MemberRef {
    MemberRef {
        id: m.id,
        name: m.name.clone(),
        client_urls: m.client_urls.clone(),
    }
}

fn voters(s: &ClusterSnapshot) -> impl Iterator<Item = &MemberStatus> {
    s.members.iter().filter(|m| !m.is_learner)
}

fn quorum_of(voters: usize) -> usize {
    voters / 2 + 1
}

/// "3 voters, quorum 2, tolerates 1 failure".
fn describe(voters: usize, healthy: usize) -> String {
    let needed = quorum_of(voters);
    let tolerates = healthy as i64 - needed as i64;
    let failures = match tolerates {
        1 => "tolerates 1 failure".to_string(),
        t if t >= 0 => format!("tolerates {t} failures"),
        _ => "NO QUORUM".to_string(),
    };
    format!("{voters} voters, quorum {needed}, {failures}")
}

/// Voters that are down, by name: the reason an addition is refused.
fn down_voters(s: &ClusterSnapshot) -> Vec<String> {
    voters(s)
        .filter(|m| m.health != Health::Up)
        .map(name)
        .collect()
}

pub fn remove(s: &ClusterSnapshot, m: &MemberStatus) -> Result<String, String> {
    let who = name(m);
    if s.members.len() == 1 {
        return Err(format!(
            "{who} is the only member: removing it would end the cluster"
        ));
    }
    if s.leader == Some(m.id) {
        return Err(format!(
            "{who} is the leader: move leadership to another member first (L on it), then remove {who}"
        ));
    }
    let is_voter = !m.is_learner;
    let voters_after = voters(s).count() - usize::from(is_voter);
    let healthy_now = voters(s).filter(|v| v.health == Health::Up).count();
    let healthy_after = healthy_now - usize::from(is_voter && m.health == Health::Up);
    let needed = quorum_of(voters_after);
    if healthy_after < needed {
        return Err(format!(
            "after removing {who}, {healthy_after} of {voters_after} voters would be healthy and \
             quorum needs {needed}: the cluster would stop accepting writes"
        ));
    }
    Ok(format!(
        "after removing {who}: {} members, {}",
        s.members.len() - 1,
        describe(voters_after, healthy_after)
    ))
}

pub fn add(s: &ClusterSnapshot, voter: bool) -> Result<String, String> {
    let v = voters(s).count();
    let healthy = voters(s).filter(|m| m.health == Health::Up).count();
    if !voter {
        if let Some(l) = s.members.iter().find(|m| m.is_learner) {
            return Err(format!(
                "etcd allows one learner at a time: promote or remove {} first",
                name(l)
            ));
        }
        return Ok(format!(
            "a learner does not vote: still {}; promote it once it has caught up",
            describe(v, healthy)
        ));
    }
    let down = down_voters(s);
    if !down.is_empty() {
        return Err(format!(
            "{} down: a new voter on an unhealthy cluster raises the quorum before it can vote \
             and may stop writes. Bring {} back, or add a learner (without --voter)",
            down.join(", "),
            if down.len() == 1 { "it" } else { "them" }
        ));
    }
    Ok(format!(
        "after adding: {}; until the new member starts: {}",
        describe(v + 1, healthy + 1),
        describe(v + 1, healthy)
    ))
}

pub fn promote(s: &ClusterSnapshot, m: &MemberStatus) -> Result<String, String> {
    let who = name(m);
    if !m.is_learner {
        return Err(format!("{who} is already a voting member"));
    }
    if m.health != Health::Up {
        return Err(format!(
            "{who} is not running or not reachable: start it first"
        ));
    }
    let down = down_voters(s);
    if !down.is_empty() {
        return Err(format!(
            "{} down: promoting raises the quorum; bring the cluster back to health first",
            down.join(", ")
        ));
    }
    let leader = s
        .leader
        .and_then(|l| s.member(l))
        .ok_or("no leader right now: wait for an election")?;
    let (Some(lead), Some(applied)) = (leader.raft_index, m.raft_applied_index) else {
        return Err(format!("{who}'s progress is unknown: refresh and retry"));
    };
    let behind = lead.saturating_sub(applied);
    if behind > CAUGHT_UP_ENTRIES.max(lead / 100) {
        return Err(format!(
            "{who} has applied {applied} of the leader's {lead} entries ({behind} behind): \
             wait until it has caught up"
        ));
    }
    let v = voters(s).count();
    Ok(format!(
        "{who} has caught up ({applied} of {lead}); after promotion: {}",
        describe(v + 1, v + 1)
    ))
}

pub fn move_leader(s: &ClusterSnapshot, target: &MemberStatus) -> Result<MemberRef, String> {
    let who = name(target);
    let leader = s
        .leader
        .and_then(|l| s.member(l))
        .ok_or("no leader right now: wait for an election")?;
    if leader.id == target.id {
        return Err(format!("{who} already leads"));
    }
    if target.is_learner {
        return Err(format!(
            "{who} is a learner and cannot lead: promote it first"
        ));
    }
    if target.health != Health::Up {
        return Err(format!("{who} is not reachable: it cannot take over"));
    }
    Ok(member_ref(leader))
}

/// Followers first (by name), the leader last: defragmenting a member blocks its
/// reads and writes, and on the leader that stalls the whole cluster's writes.
/// Members that do not answer are skipped and named.
pub fn defrag_order(s: &ClusterSnapshot) -> (Vec<MemberRef>, Vec<String>) {
    let mut up: Vec<&MemberStatus> = s
        .members
        .iter()
        .filter(|m| m.health == Health::Up)
        .collect();
    up.sort_by_key(|m| (s.leader == Some(m.id), m.name.clone()));
    let skipped = s
        .members
        .iter()
        .filter(|m| m.health != Health::Up)
        .map(name)
        .collect();
    (up.into_iter().map(member_ref).collect(), skipped)
}

/// The default compaction target: keep the last `keep` revisions.
pub fn compact_target(revision: i64, keep: i64) -> Result<i64, String> {
    let target = revision - keep;
    if target <= 0 {
        return Err(format!(
            "nothing to compact: only {revision} revisions, and the last {keep} are kept"
        ));
    }
    Ok(target)
}

#[cfg(test)]
mod tests;
