//! The Cluster view's requests, served by the connection actor with one set of member
//! clients per session.

use std::sync::Arc;

use tokio::sync::Mutex;

use super::cluster::{ClusterSnapshot, MemberClients, cluster_status};
use super::connect::EndpointClient;
use super::errors::EtcdError;
use super::metrics_scrape::scrape;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClusterOp {
    /// Member list, each member's status, alarms.
    Status,
    /// `/metrics` of each `(member id, base URL)`.
    Metrics { targets: Vec<(u64, String)> },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClusterAnswer {
    Status(Box<ClusterSnapshot>),
    /// Raw exposition text per member, or why it could not be read.
    Metrics(Vec<(u64, Result<String, EtcdError>)>),
}

pub type SharedMembers = Arc<Mutex<MemberClients>>;

pub async fn run_op(
    seed: &EndpointClient,
    members: &SharedMembers,
    op: ClusterOp,
) -> Result<ClusterAnswer, EtcdError> {
    match op {
        ClusterOp::Status => {
            let mut m = members.lock().await;
            Ok(ClusterAnswer::Status(Box::new(
                cluster_status(seed, &mut m).await?,
            )))
        }
        ClusterOp::Metrics { targets } => {
            let (tls, timeout) = {
                let mut m = members.lock().await;
                let tls = m.tls()?.cloned();
                (tls, m.command_timeout())
            };
            let scrapes = targets.into_iter().map(|(id, url)| {
                let tls = tls.clone();
                async move { (id, scrape(&url, tls.as_ref(), timeout).await) }
            });
            Ok(ClusterAnswer::Metrics(
                futures::future::join_all(scrapes).await,
            ))
        }
    }
}
