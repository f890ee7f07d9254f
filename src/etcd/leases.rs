//! Leases: which exist, how long they have, which keys die with them.

use etcd_client::LeaseTimeToLiveOptions;

use super::connect::EndpointClient;
use super::errors::EtcdError;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseInfo {
    pub id: i64,
    pub granted_ttl: i64,
    /// Seconds left when asked; -1 when the lease is gone.
    pub ttl: i64,
    pub keys: Vec<Vec<u8>>,
}

/// A Kubernetes Lease object (leader election, node heartbeat) and who holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct K8sLease {
    pub key: Vec<u8>,
    pub holder: Option<String>,
    pub renew_time: Option<String>,
    pub duration_seconds: Option<i64>,
}

/// Kubernetes keeps its Lease objects under this prefix.
pub const K8S_LEASES: &[u8] = b"/registry/leases/";
/// More than a cluster has nodes and controllers: enough, and bounded.
const K8S_LEASES_LIMIT: i64 = 5000;

fn k8s_lease(key: &[u8], value: &[u8]) -> K8sLease {
    let obj = crate::decode::k8s::decode(value);
    let spec = obj.node.get("spec");
    let text = |f: &str| {
        spec.and_then(|s| s.get(f))
            .and_then(|n| n.as_str())
            .map(str::to_string)
    };
    let duration = match spec.and_then(|s| s.get("leaseDurationSeconds")) {
        Some(crate::decode::Node::Int(i)) => Some(*i),
        _ => None,
    };
    K8sLease {
        key: key.to_vec(),
        holder: text("holderIdentity"),
        renew_time: text("renewTime"),
        duration_seconds: duration,
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LeasesOp {
    /// The Kubernetes Lease objects with their holders.
    Kubernetes,
    /// Every lease ID: one call, cheap even for 100,000 leases.
    List,
    /// TTLs and attached keys, for the leases on screen.
    Details {
        ids: Vec<i64>,
    },
    Revoke {
        id: i64,
    },
    KeepAliveOnce {
        id: i64,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LeasesAnswer {
    Kubernetes(Vec<K8sLease>),
    List { ids: Vec<i64>, revision: i64 },
    Details(Vec<LeaseInfo>),
    Revoked { id: i64, revision: i64 },
    KeptAlive { id: i64, ttl: i64 },
}

pub async fn run_op(c: &EndpointClient, op: LeasesOp) -> Result<LeasesAnswer, EtcdError> {
    Ok(match op {
        LeasesOp::Kubernetes => {
            let end = super::skipscan::prefix_end(K8S_LEASES).unwrap_or_else(|| vec![0]);
            let opts = etcd_client::GetOptions::new()
                .with_range(end)
                .with_limit(K8S_LEASES_LIMIT);
            let r = c
                .call(|mut cl| async move { cl.get(K8S_LEASES, Some(opts)).await })
                .await?;
            LeasesAnswer::Kubernetes(
                r.kvs()
                    .iter()
                    .map(|kv| k8s_lease(kv.key(), kv.value()))
                    .collect(),
            )
        }
        LeasesOp::List => {
            let r = c.call(|mut cl| async move { cl.leases().await }).await?;
            let mut ids: Vec<i64> = r.leases().iter().map(|l| l.id()).collect();
            ids.sort_unstable();
            let revision = r.header().map(|h| h.revision()).unwrap_or(0);
            LeasesAnswer::List { ids, revision }
        }
        LeasesOp::Details { ids } => {
            let calls = ids.into_iter().map(|id| async move {
                let opts = LeaseTimeToLiveOptions::new().with_keys();
                let r = c
                    .call(|mut cl| async move { cl.lease_time_to_live(id, Some(opts)).await })
                    .await?;
                Ok::<_, EtcdError>(LeaseInfo {
                    id,
                    granted_ttl: r.granted_ttl(),
                    ttl: r.ttl(),
                    keys: {
                        // etcd answers in no particular order; a list that reshuffles
                        // on every refresh is unreadable.
                        let mut k = r.keys().to_vec();
                        k.sort_unstable();
                        k
                    },
                })
            });
            let all = futures::future::join_all(calls).await;
            LeasesAnswer::Details(all.into_iter().collect::<Result<Vec<_>, _>>()?)
        }
        LeasesOp::Revoke { id } => {
            let r = c
                .call(|mut cl| async move { cl.lease_revoke(id).await })
                .await?;
            LeasesAnswer::Revoked {
                id,
                revision: r.header().map(|h| h.revision()).unwrap_or(0),
            }
        }
        LeasesOp::KeepAliveOnce { id } => {
            let ttl = c
                .call(|mut cl| async move {
                    let (mut keeper, mut stream) = cl.lease_keep_alive(id).await?;
                    keeper.keep_alive().await?;
                    let ttl = stream.message().await?.map(|m| m.ttl()).unwrap_or(-1);
                    Ok(ttl)
                })
                .await?;
            LeasesAnswer::KeptAlive { id, ttl }
        }
    })
}
