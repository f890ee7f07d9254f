//! The Downgrade RPC of etcd's Maintenance service (3.6+): validate a target version,
//! enable the downgrade, or cancel it. etcd answers with the cluster version; a refusal
//! comes back as its own words ("invalid downgrade target version", "no inflight
//! downgrade job"), which the operation window shows.

use etcd_client::DowngradeOptions;

use super::connect::EndpointClient;
use super::errors::EtcdError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DowngradeAction {
    Validate,
    Enable,
    Cancel,
}

impl DowngradeAction {
    pub fn word(self) -> &'static str {
        match self {
            DowngradeAction::Validate => "validate",
            DowngradeAction::Enable => "enable",
            DowngradeAction::Cancel => "cancel",
        }
    }

    /// What etcdctl runs for the same.
    pub fn etcdctl(self, version: &str) -> String {
        match self {
            DowngradeAction::Cancel => "etcdctl downgrade cancel".into(),
            a => format!("etcdctl downgrade {} {version}", a.word()),
        }
    }
}

/// Sends the request; etcd's answer in words, like etcdctl's.
pub async fn run(
    c: &EndpointClient,
    action: DowngradeAction,
    version: String,
) -> Result<String, EtcdError> {
    let opts = match action {
        DowngradeAction::Validate => DowngradeOptions::Validate(version),
        DowngradeAction::Enable => DowngradeOptions::Enable(version),
        DowngradeAction::Cancel => DowngradeOptions::Cancel,
    };
    let r = c
        .call(|c| async move { c.maintenance_client().downgrade(opts).await })
        .await?;
    Ok(format!(
        "etcd: downgrade {} success, cluster version {}",
        action.word(),
        r.version()
    ))
}
