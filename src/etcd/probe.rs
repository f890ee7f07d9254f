//! The connection probe: which endpoint answers, and what the header says about the
//! cluster. An endpoint that refuses `Status` to this user has answered all the same.

use etcd_client::GetOptions;

use super::connect::EndpointClient;
use super::errors::{EtcdError, Problem};
use super::protocol::ClusterInfo;
use super::spec::ConnectSpec;

/// Asks every endpoint for its status in parallel and reports from the first that
/// answers, in the order the user listed them, preferring one that knows a leader: a
/// member cut off from its peers answers `status` at once but holds every linearizable
/// read (keys, the member list on 3.6+) until the timeout, so it must not serve the
/// session while another endpoint can. An endpoint that refuses `Status` to
/// this user has answered all the same: it is connected, and what `Status` would have
/// told is marked as not permitted.
pub(super) async fn probe(
    clients: &[EndpointClient],
    spec: &ConnectSpec,
    check_auth: bool,
) -> Result<ClusterInfo, EtcdError> {
    let answers = futures::future::join_all(
        clients
            .iter()
            .map(|c| c.call(|mut cl| async move { cl.status().await })),
    )
    .await;
    let mut errors = Vec::new();
    let mut answered = None;
    let mut denied = None;
    for (c, a) in clients.iter().zip(answers) {
        match a {
            Ok(status) => {
                let led = status.leader() != 0;
                match &answered {
                    None => answered = Some((c, status)),
                    Some((_, first)) if first.leader() == 0 && led => {
                        answered = Some((c, status));
                    }
                    Some(_) => {}
                }
            }
            Err(e) if e.problem == Problem::PermissionDenied => {
                denied.get_or_insert(c);
            }
            Err(e) => errors.push(e),
        }
    }
    let endpoints_up = clients.len() - errors.len();
    let (client, status) = match (answered, denied) {
        (Some((c, s)), _) => (c, Some(s)),
        (None, Some(c)) => (c, None),
        (None, None) => {
            return Err(errors
                .into_iter()
                .next()
                .unwrap_or_else(|| EtcdError::settings("no endpoints given")));
        }
    };
    if check_auth {
        check_kv_access(client).await?;
    }
    // Some releases refuse the member list to non-root users too: then names are unknown.
    let members = client
        .call(|mut cl| async move { cl.member_list().await })
        .await;
    let list_header = members.as_ref().ok().and_then(|r| {
        r.header()
            .map(|h| (h.cluster_id(), h.member_id(), h.revision()))
    });
    let members = members
        .map(|r| {
            r.members()
                .iter()
                .map(|m| (m.id(), m.name().to_string()))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let name_of = |id: u64| {
        members
            .iter()
            .find(|(mid, _)| *mid == id)
            .map(|(_, n)| n.clone())
    };
    let (cluster_id, member_id, revision) = match &status {
        Some(s) => s
            .header()
            .map(|h| (h.cluster_id(), h.member_id(), h.revision()))
            .unwrap_or_default(),
        None => match list_header {
            Some(h) => h,
            None => header_of_own_user(client, spec).await,
        },
    };
    let leader_id = status.as_ref().map(|s| s.leader()).unwrap_or_default();
    Ok(ClusterInfo {
        endpoint: client.endpoint.clone(),
        cluster_id,
        member_id,
        member_name: name_of(member_id).unwrap_or_default(),
        leader_id,
        leader_name: status.as_ref().and_then(|_| name_of(leader_id)),
        version: status
            .as_ref()
            .map(|s| s.version().to_string())
            .unwrap_or_default(),
        revision,
        raft_term: status.as_ref().map(|s| s.raft_term()).unwrap_or_default(),
        members: members.len(),
        endpoints_up,
        endpoints_total: spec.endpoints.len(),
        endpoint_errors: errors,
        status_denied: status.is_none(),
    })
}

/// Reading one's own user is allowed to every user: its answer's header still says
/// which cluster and member answered and at which revision.
async fn header_of_own_user(client: &EndpointClient, spec: &ConnectSpec) -> (u64, u64, i64) {
    // A certificate user is known by the certificate's CN.
    let user = spec
        .credentials
        .as_ref()
        .map(|c| c.user.clone())
        .or_else(|| super::access::cert_cn(spec));
    let Some(user) = user else {
        return (0, 0, 0);
    };
    client
        .call(|mut cl| async move { cl.user_get(user).await })
        .await
        .ok()
        .and_then(|r| {
            r.header()
                .map(|h| (h.cluster_id(), h.member_id(), h.revision()))
        })
        .unwrap_or_default()
}

/// `status` is answered without authentication, so a cluster that needs a user would
/// look healthy until the first read. One tiny read tells us now. A user who may read
/// nothing at the root is still connected: the views say what it may not see.
async fn check_kv_access(client: &EndpointClient) -> Result<(), EtcdError> {
    let probe = client
        .call(|mut cl| async move {
            cl.get("\0", Some(GetOptions::new().with_count_only()))
                .await
        })
        .await;
    match probe {
        Err(e) if e.problem != Problem::PermissionDenied => Err(e),
        _ => Ok(()),
    }
}
