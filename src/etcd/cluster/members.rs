//! What the Cluster view knows of each member and of the cluster as a whole: health,
//! status, the 3.6 fields, quorum.

use super::*;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Health {
    /// Answers, follows the leader the majority follows, keeps up, and calls itself
    /// healthy.
    Up,
    /// Follows the majority's leader, but its own `/health` (3.6+: `/readyz`) says it
    /// is not healthy (an alarm, a read that failed): why.
    Unhealthy(String),
    /// Answers, but sees no leader, another leader or term, or stopped advancing: cut
    /// off from its peers (a network partition). Why, in words.
    CutOff(String),
    /// The user may not ask for its status; its health endpoints may still tell.
    NotPermitted,
    /// Down, frozen (timeout), refusing our certificate...
    Unreachable(EtcdError),
    /// Added but never started (a fresh learner, typically): it has no client URLs
    /// yet, so there is nobody to ask.
    NotStarted,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberStatus {
    pub id: u64,
    /// Empty for a member that has not started yet.
    pub name: String,
    pub peer_urls: Vec<String>,
    pub client_urls: Vec<String>,
    pub is_learner: bool,
    pub health: Health,
    pub version: Option<String>,
    pub db_size: Option<i64>,
    pub db_size_in_use: Option<i64>,
    /// Whom this member believes leads; `None` if it knows no leader.
    pub leader: Option<u64>,
    pub raft_term: Option<u64>,
    pub raft_index: Option<u64>,
    pub raft_applied_index: Option<u64>,
    /// What the member itself reports as wrong, plus inconsistencies we noticed.
    pub errors: Vec<String>,
    /// `--quota-backend-bytes`; only etcd 3.6 reports it (older ones send 0: unknown).
    pub quota: Option<i64>,
    /// How long its `status` took.
    pub rtt: Option<Duration>,
    /// What etcd 3.6 added to `status`; `None` when the member did not send it (3.5 and
    /// older, or no answer).
    pub since_36: Option<Since36>,
    /// Its own `/health`, `/livez`, `/readyz`.
    pub probes: Probes,
}

/// The `status` fields etcd 3.6 added (besides the quota, in [`MemberStatus::quota`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Since36 {
    /// The data format of the member's database (`3.6.0`); `None` if it sent none.
    pub storage_version: Option<String>,
    /// `None` if the member sent no downgrade info.
    pub downgrade: Option<Downgrade>,
}

/// A cluster downgrade (`etcdctl downgrade enable VERSION`) as one member reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Downgrade {
    pub enabled: bool,
    /// Empty when no downgrade is enabled.
    pub target: String,
}

impl MemberStatus {
    /// Follows the leader the majority follows: counts towards quorum. Without
    /// permission to read its status, its own health endpoint decides.
    pub fn connected(&self) -> bool {
        match self.health {
            Health::Up | Health::Unhealthy(_) => true,
            Health::NotPermitted => self.probes.verdict() == Some(Ok(())),
            _ => false,
        }
    }

    /// Entries committed but not yet applied on this member.
    pub fn apply_backlog(&self) -> Option<u64> {
        Some(self.raft_index?.saturating_sub(self.raft_applied_index?))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterSnapshot {
    pub members: Vec<MemberStatus>,
    pub leader: Option<u64>,
    /// `(member id, NOSPACE | CORRUPT)`.
    pub alarms: Vec<(u64, String)>,
    /// Why the alarm list is missing: it goes through raft, so it fails without a
    /// quorum while everything else here still works.
    pub alarms_error: Option<EtcdError>,
    pub cluster_id: u64,
    pub revision: i64,
    /// The endpoint that answered `member_list`.
    pub member_list_from: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quorum {
    /// Members that vote: everyone but learners.
    pub voters: usize,
    pub healthy_voters: usize,
    /// A majority of the voters.
    pub needed: usize,
    /// How many more voters may fail before writes stop; negative: quorum lost.
    pub tolerates: i64,
}

impl ClusterSnapshot {
    pub fn member(&self, id: u64) -> Option<&MemberStatus> {
        self.members.iter().find(|m| m.id == id)
    }

    /// How many raft entries `m` is behind the leader. The statuses are taken a few
    /// milliseconds apart, so a member can look ahead; that counts as 0.
    pub fn lag(&self, m: &MemberStatus) -> Option<u64> {
        let leader = self.member(self.leader?)?;
        Some(leader.raft_index?.saturating_sub(m.raft_index?))
    }

    /// The leader per the members that answered. After a partition an old leader may
    /// still believe in itself at an older term, so the newest term wins, then the
    /// most votes.
    pub fn leader_among(members: &[MemberStatus]) -> Option<u64> {
        let answered: Vec<MemberStatus> = members
            .iter()
            .filter(|m| {
                matches!(
                    m.health,
                    Health::Up | Health::Unhealthy(_) | Health::CutOff(_)
                )
            })
            .cloned()
            .collect();
        majority_view(&answered).map(|(leader, _)| leader)
    }

    /// Voters count as up only while connected to the leader: a member cut off by a
    /// partition answers, but its vote is lost to the majority.
    pub fn quorum(&self) -> Quorum {
        let voters: Vec<&MemberStatus> = self.members.iter().filter(|m| !m.is_learner).collect();
        let healthy = voters.iter().filter(|m| m.connected()).count();
        let needed = voters.len() / 2 + 1;
        Quorum {
            voters: voters.len(),
            healthy_voters: healthy,
            needed,
            tolerates: healthy as i64 - needed as i64,
        }
    }
}
