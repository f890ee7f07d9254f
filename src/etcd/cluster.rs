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

mod clients;
mod members;
use clients::Cached;
pub use clients::*;
pub use members::*;

/// The longest a member's own health endpoints may hold up a refresh. A cut-off member
/// answers `status` at once but holds `/readyz` until its linearizable read times out
/// (8 s on 3.6): waiting for that delayed naming it by a whole command timeout per
/// refresh. A probe that does not answer in time decides nothing; `status` does.
const HEALTH_BUDGET: Duration = Duration::from_millis(1500);

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
