//! The Cluster view's data: who is a member, who leads, who answers, who lags, what
//! alarms are raised. `status` answers only for the member it is sent to, so every
//! member is asked on its own client URL, all at once, each within the command
//! timeout: a frozen member costs one timeout, never one per member.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use etcd_client::{AlarmAction, AlarmType, StatusResponse};
use tokio::time::timeout_at;

use super::connect::{EndpointClient, LoadedTls, connect_endpoint, load_tls};
use super::errors::{EtcdError, Problem};
use super::member_health::{
    Probes, Progress, classify, excuse_nospace, majority_view, probe as probe_health,
};
use super::spec::ConnectSpec;

/// The longest a member's own health endpoints may hold up a refresh. A cut-off member
/// answers `status` at once but holds `/readyz` until its linearizable read times out
/// (8 s on 3.6): waiting for that delayed naming it by a whole command timeout per
/// refresh. A probe that does not answer in time decides nothing; `status` does.
const HEALTH_BUDGET: Duration = Duration::from_millis(1500);

/// One client per member, kept across refreshes: connecting (and authenticating)
/// every few seconds would cost more than the status call itself.
pub struct MemberClients {
    spec: ConnectSpec,
    /// Read on first use, so a certificate problem shows up per member rather than
    /// as a constructor error.
    tls: Option<LoadedTls>,
    clients: HashMap<u64, Cached>,
    /// Raft indexes of the last refresh, to see a member stop.
    progress: Progress,
}

struct Cached {
    /// The member's client URLs when the client was made: if they change, so must it.
    urls: Vec<String>,
    client: EndpointClient,
}

impl MemberClients {
    pub fn new(spec: ConnectSpec) -> Self {
        MemberClients {
            spec,
            tls: None,
            clients: HashMap::new(),
            progress: Progress::default(),
        }
    }

    /// The spec's certificates, read once; also what a metrics scrape should use.
    pub fn tls(&mut self) -> Result<Option<&LoadedTls>, EtcdError> {
        let Some(files) = &self.spec.tls else {
            return Ok(None);
        };
        if self.tls.is_none() {
            self.tls = Some(load_tls(files)?);
        }
        Ok(self.tls.as_ref())
    }

    /// Forgets every client and the certificates, so the next refresh reconnects and
    /// re-reads them (after a certificate rotation, or a reconnect of the session).
    pub fn clear(&mut self) {
        self.clients.clear();
        self.tls = None;
    }

    pub fn command_timeout(&self) -> Duration {
        self.spec.command_timeout
    }

    /// A client on member `id`'s own client URL: the seed if it is that member, the
    /// cached client if its URLs are unchanged, else a new one (kept for next time).
    pub async fn client_for(
        &mut self,
        seed: &EndpointClient,
        id: u64,
        client_urls: &[String],
    ) -> Result<EndpointClient, EtcdError> {
        let listed = Listed {
            id,
            name: String::new(),
            peer_urls: Vec::new(),
            client_urls: client_urls.to_vec(),
            is_learner: false,
        };
        match pick_client(seed, self, &listed) {
            Pick::Ready(c) => Ok(*c),
            Pick::NotStarted => Err(EtcdError::new(
                super::errors::Problem::Unreachable,
                None,
                format!("member {id:x} has not started: it has no client URL to reach it on"),
            )),
            Pick::Connect(url) => {
                let tls = self.tls()?.cloned();
                let connecting = connect_endpoint(&url, &self.spec, tls.as_ref());
                let client = tokio::time::timeout(self.spec.dial_timeout, connecting)
                    .await
                    .map_err(|_| EtcdError::timeout(&url, self.spec.dial_timeout))??;
                let urls = client_urls.to_vec();
                self.clients.insert(
                    id,
                    Cached {
                        urls,
                        client: client.clone(),
                    },
                );
                Ok(client)
            }
        }
    }
}

impl MemberClients {
    /// Clients of the members connected to the leader, the leader first, for reads any
    /// member can answer; the seed stands in for a member it serves.
    pub fn connected(
        &self,
        statuses: &[MemberStatus],
        seed: &EndpointClient,
    ) -> Vec<EndpointClient> {
        let leader = majority_view(statuses).map(|(l, _)| l);
        let mut ordered: Vec<&MemberStatus> = statuses.iter().filter(|m| m.connected()).collect();
        ordered.sort_by_key(|m| Some(m.id) != leader);
        ordered
            .into_iter()
            .filter_map(|m| {
                let serves = |u: &String| u.trim_end_matches('/') == seed.endpoint;
                if m.client_urls.iter().any(serves) {
                    return Some(seed.clone());
                }
                self.clients.get(&m.id).map(|c| c.client.clone())
            })
            .collect()
    }
}

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

/// The whole cluster as `seed` (the endpoint the session uses) and each member see it.
/// Fails only when `seed` cannot list the members; anything about one member goes
/// into that member's [`Health`].
pub async fn cluster_status(
    seed: &EndpointClient,
    members: &mut MemberClients,
) -> Result<ClusterSnapshot, EtcdError> {
    let (list, list_from) = member_list(seed, members).await?;
    let header = list.header();
    let cluster_id = header.map(|h| h.cluster_id()).unwrap_or_default();
    let list_revision = header.map(|h| h.revision()).unwrap_or_default();
    let listed: Vec<Listed> = list
        .members()
        .iter()
        .map(|m| Listed {
            id: m.id(),
            name: m.name().to_string(),
            peer_urls: m.peer_urls().to_vec(),
            client_urls: m.client_urls().to_vec(),
            is_learner: m.is_learner(),
        })
        .collect();
    members
        .clients
        .retain(|id, _| listed.iter().any(|m| m.id == *id));

    let tls = members.tls().map(|t| t.cloned());
    let deadline = tokio::time::Instant::now() + members.spec.command_timeout;
    let probes = listed.into_iter().map(|m| {
        let client = pick_client(seed, members, &m);
        probe(m, client, &members.spec, tls.clone(), cluster_id, deadline)
    });
    let alarms =
        seed.call(|mut c| async move { c.alarm(AlarmAction::Get, AlarmType::None, None).await });
    let (probed, alarms) = tokio::join!(futures::future::join_all(probes), alarms);

    let mut statuses = Vec::with_capacity(probed.len());
    let mut revision = list_revision;
    for (status, fresh, rev) in probed {
        // A client that failed is not kept: the next refresh starts afresh, so a
        // restarted member or a renewed certificate needs no special handling.
        match (&status.health, fresh) {
            (Health::Up | Health::NotPermitted, Some((urls, client))) => {
                members.clients.insert(status.id, Cached { urls, client });
            }
            (Health::Up | Health::NotPermitted, None) => {}
            _ => {
                members.clients.remove(&status.id);
            }
        }
        revision = revision.max(rev);
        statuses.push(status);
    }
    classify(&mut statuses, &mut members.progress);
    // Alarms go through raft: a seed cut off from its peers cannot list them, any
    // member connected to the leader can.
    let alarms = match alarms {
        Err(e) if e.is_transient() => {
            let mut last = Err(e);
            for c in members.connected(&statuses, seed) {
                last =
                    c.call(|mut c| async move {
                        c.alarm(AlarmAction::Get, AlarmType::None, None).await
                    })
                    .await;
                if last.as_ref().err().is_none_or(|e| !e.is_transient()) {
                    break;
                }
            }
            last
        }
        other => other,
    };
    let (alarms, alarms_error) = match alarms {
        Ok(a) => (
            a.alarms()
                .iter()
                .map(|a| (a.member_id(), a.alarm().as_str_name().to_string()))
                .collect(),
            None,
        ),
        Err(e) => (Vec::new(), Some(e)),
    };
    excuse_nospace(&mut statuses, &alarms);
    Ok(ClusterSnapshot {
        leader: majority_view(&statuses).map(|(leader, _)| leader),
        members: statuses,
        alarms,
        alarms_error,
        cluster_id,
        revision,
        member_list_from: list_from,
    })
}

/// How long the seed has to give the member list before the other members are asked.
const MEMBER_LIST_HEAD_START: Duration = Duration::from_millis(500);

/// The member list from the seed, or from the first other member that gives it. etcd
/// 3.6+ serve the list linearizably: a seed cut off from its peers holds it until the
/// command timeout (seen: 10 s on 3.7), which delayed every refresh and the naming of
/// that very member. The seed gets a head start, so a healthy cluster is asked once.
async fn member_list(
    seed: &EndpointClient,
    members: &MemberClients,
) -> Result<(etcd_client::MemberListResponse, String), EtcdError> {
    let mut askers = vec![seed.clone()];
    for c in members.clients.values() {
        if !askers.iter().any(|a| a.endpoint == c.client.endpoint) {
            askers.push(c.client.clone());
        }
    }
    let asks = askers.into_iter().enumerate().map(|(i, c)| {
        Box::pin(async move {
            if i > 0 {
                tokio::time::sleep(MEMBER_LIST_HEAD_START).await;
            }
            let list = c
                .call(|mut cl| async move { cl.member_list().await })
                .await?;
            Ok::<_, EtcdError>((list, c.endpoint.clone()))
        })
    });
    futures::future::select_ok(asks)
        .await
        .map(|(found, _)| found)
}

struct Listed {
    id: u64,
    name: String,
    peer_urls: Vec<String>,
    client_urls: Vec<String>,
    is_learner: bool,
}

enum Pick {
    // Boxed: a client is a few KiB, the other variants a few bytes.
    Ready(Box<EndpointClient>),
    Connect(String),
    NotStarted,
}

/// The seed itself when it is this member (no second connection), else the cached
/// client if the member's URLs are unchanged, else a URL to connect to.
fn pick_client(seed: &EndpointClient, members: &MemberClients, m: &Listed) -> Pick {
    let trimmed = |u: &String| u.trim_end_matches('/').to_string();
    if m.client_urls.iter().any(|u| trimmed(u) == seed.endpoint) {
        return Pick::Ready(Box::new(seed.clone()));
    }
    if let Some(c) = members
        .clients
        .get(&m.id)
        .filter(|c| c.urls == m.client_urls)
    {
        return Pick::Ready(Box::new(c.client.clone()));
    }
    // With TLS configured prefer an https URL, without it an http one.
    let want = if members.spec.tls.is_some() {
        "https://"
    } else {
        "http://"
    };
    let url = m
        .client_urls
        .iter()
        .find(|u| u.starts_with(want))
        .or(m.client_urls.first());
    match url {
        Some(u) => Pick::Connect(trimmed(u)),
        None => Pick::NotStarted,
    }
}

/// One member's status, all within `deadline`. Returns the status, the client if
/// one was made for it, and the revision it reported.
async fn probe(
    m: Listed,
    pick: Pick,
    spec: &ConnectSpec,
    tls: Result<Option<LoadedTls>, EtcdError>,
    cluster_id: u64,
    deadline: tokio::time::Instant,
) -> (MemberStatus, Option<(Vec<String>, EndpointClient)>, i64) {
    let mut fresh = None;
    let client = match pick {
        Pick::NotStarted => return (unanswered(m, Health::NotStarted), None, 0),
        Pick::Ready(c) => *c,
        Pick::Connect(url) => {
            let connecting = async { connect_endpoint(&url, spec, tls.clone()?.as_ref()).await };
            match timeout_at(deadline, connecting).await {
                Ok(Ok(c)) => {
                    fresh = Some((m.client_urls.clone(), c.clone()));
                    c
                }
                Ok(Err(e)) => return (unanswered(m, Health::Unreachable(e)), None, 0),
                Err(_) => {
                    let e = EtcdError::timeout(&url, spec.command_timeout);
                    return (unanswered(m, Health::Unreachable(e)), None, 0);
                }
            }
        }
    };
    let url = client.endpoint.clone();
    let learner = m.is_learner;
    let budget = deadline
        .saturating_duration_since(tokio::time::Instant::now())
        .min(HEALTH_BUDGET);
    let tls = tls.ok().flatten();
    // The round trip is that of `status` alone, not of the health probes beside it.
    let timed_status = async {
        let started = Instant::now();
        let answer = timeout_at(
            deadline,
            client.call(|mut c| async move { c.status().await }),
        )
        .await;
        (answer, started.elapsed())
    };
    let ((answer, rtt), probes) = tokio::join!(
        timed_status,
        probe_health(&url, tls.as_ref(), budget, learner)
    );
    let (status, rev) = match answer {
        Ok(Ok(s)) => {
            let revision = s.header().map(|h| h.revision()).unwrap_or_default();
            (answered(m, &s, rtt, cluster_id), revision)
        }
        Ok(Err(e)) if e.problem == Problem::PermissionDenied => {
            (unanswered(m, Health::NotPermitted), 0)
        }
        Ok(Err(e)) => (unanswered(m, Health::Unreachable(e)), 0),
        Err(_) => {
            let e = EtcdError::timeout(&client.endpoint, spec.command_timeout);
            (unanswered(m, Health::Unreachable(e)), 0)
        }
    };
    (MemberStatus { probes, ..status }, fresh, rev)
}

fn unanswered(m: Listed, health: Health) -> MemberStatus {
    MemberStatus {
        id: m.id,
        name: m.name,
        peer_urls: m.peer_urls,
        client_urls: m.client_urls,
        is_learner: m.is_learner,
        health,
        version: None,
        db_size: None,
        db_size_in_use: None,
        leader: None,
        raft_term: None,
        raft_index: None,
        raft_applied_index: None,
        errors: Vec::new(),
        quota: None,
        rtt: None,
        since_36: None,
        probes: Probes::default(),
    }
}

fn answered(m: Listed, s: &StatusResponse, rtt: Duration, cluster_id: u64) -> MemberStatus {
    let mut errors: Vec<String> = s.errors().to_vec();
    // A client URL that leads to another member or cluster (a stale DNS name, a
    // reused port) would otherwise show someone else's numbers under this name.
    if let Some(h) = s.header() {
        if h.member_id() != m.id {
            errors.push(format!(
                "its client URL is answered by member {:x}",
                h.member_id()
            ));
        }
        if cluster_id != 0 && h.cluster_id() != cluster_id {
            errors.push(format!(
                "its client URL is answered by cluster {:x}",
                h.cluster_id()
            ));
        }
    }
    let positive = |v: i64| (v > 0).then_some(v);
    MemberStatus {
        health: Health::Up,
        version: Some(s.version().to_string()).filter(|v| !v.is_empty()),
        db_size: Some(s.db_size()),
        // 3.3 and older do not send it.
        db_size_in_use: positive(s.raft_used_db_size()),
        leader: Some(s.leader()).filter(|&l| l != 0),
        raft_term: Some(s.raft_term()),
        raft_index: Some(s.raft_index()),
        raft_applied_index: Some(s.raft_applied_index()),
        errors,
        quota: positive(s.db_size_quota()),
        rtt: Some(rtt),
        since_36: since_36(s),
        is_learner: m.is_learner || s.is_learner(),
        ..unanswered(m, Health::Up)
    }
}

/// 3.6 always sends `downgradeInfo` (empty when none is enabled) and a storage version;
/// 3.4 and 3.5 send neither, so both absent means "not reported", not "none".
fn since_36(s: &StatusResponse) -> Option<Since36> {
    let storage_version = Some(s.storage_version().to_string()).filter(|v| !v.is_empty());
    let downgrade = s.downgrade_info().map(|d| Downgrade {
        enabled: d.enabled(),
        target: d.target_version().to_string(),
    });
    (storage_version.is_some() || downgrade.is_some()).then_some(Since36 {
        storage_version,
        downgrade,
    })
}
