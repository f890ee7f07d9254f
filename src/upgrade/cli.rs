//! What `etcdtui upgrade plan [--to VERSION] [-o json]` measures and prints (the
//! command itself, flags and context, is `crate::upgrade_cli`): the Cluster view's
//! upgrade panel, once, without a terminal UI. Exits 0 when the next step may go ahead with every
//! check ok, 1 with a warning, 2 when a check fails, the step is refused, or no
//! endpoint answers.

use std::path::Path;

use crate::etcd::ConnectSpec;
use crate::etcd::cluster::{ClusterSnapshot, Health, MemberClients, cluster_status};
use crate::etcd::connect::{EndpointClient, connect_all, load_tls};
use crate::metrics::parse;

use super::plan::{Input, Next, Plan, Status, plan};
use super::version::Version;

/// The kubeadm manifest's flags: `None` when this host has no manifest.
pub fn manifest_flags(path: &Path) -> Option<Result<Vec<String>, String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Some(
            crate::config::manifest_flag_names(&text)
                .map_err(|e| format!("{}: {e}", path.display())),
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => Some(Err(format!("cannot read {}: {e}", path.display()))),
    }
}

/// The cluster version from a member's metrics.
/// etcd keeps the gauge of a former cluster version at 0: the one at 1 is current.
pub fn cluster_version(scrape: &crate::metrics::Scrape) -> Option<String> {
    scrape
        .select("etcd_cluster_version", &[])
        .filter(|s| s.value > 0.0)
        .filter_map(|s| s.label("cluster_version"))
        .max_by_key(|v| Version::parse(v))
        .map(str::to_string)
}

async fn measure(spec: &ConnectSpec) -> Result<(ClusterSnapshot, Option<String>), String> {
    let clients = connect_all(spec).await.map_err(|e| e.to_string())?;
    let mut members = MemberClients::new(spec.clone());
    let mut errors = Vec::new();
    let seeds: Vec<EndpointClient> = clients
        .into_iter()
        .filter_map(|c| c.map_err(|e| errors.push(e.to_string())).ok())
        .collect();
    let mut snapshot = None;
    for seed in &seeds {
        match cluster_status(seed, &mut members).await {
            Ok(s) => {
                snapshot = Some(s);
                break;
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    let Some(s) = snapshot else {
        return Err(if errors.is_empty() {
            "no endpoint to ask".into()
        } else {
            errors.join("\n")
        });
    };
    let tls = spec
        .tls
        .as_ref()
        .map(load_tls)
        .transpose()
        .map_err(|e| e.to_string())?;
    let mut version = None;
    // The leader first: it decides the cluster version.
    let mut order: Vec<_> = s
        .members
        .iter()
        .filter(|m| m.health == Health::Up)
        .collect();
    order.sort_by_key(|m| Some(m.id) != s.leader);
    for m in order {
        let Some(url) = m.client_urls.first() else {
            continue;
        };
        if let Ok(text) =
            crate::etcd::metrics_scrape::scrape(url, tls.as_ref(), spec.command_timeout).await
            && let Some(v) = cluster_version(&parse(&text))
        {
            version = Some(v);
            break;
        }
    }
    Ok((s, version))
}

/// Measures and plans.
pub async fn run_plan(
    spec: &ConnectSpec,
    target: Option<Version>,
    backup_dir: &Path,
    manifest: Option<Result<Vec<String>, String>>,
    quota: Option<i64>,
) -> Result<Plan, String> {
    let (snapshot, cluster_version) = measure(spec).await?;
    let backups = crate::etcd::gather::backups(backup_dir);
    let quota = |m: &crate::etcd::cluster::MemberStatus| {
        crate::metrics::choose_quota(m.quota, None, quota).bytes
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    Ok(plan(&Input {
        snapshot: &snapshot,
        cluster_version,
        target,
        backups: &backups,
        now,
        quota: &quota,
        manifest,
        restarting: None,
    }))
}

pub fn exit_code(p: &Plan) -> u8 {
    if matches!(p.next, Next::Refused { .. }) || p.checks.iter().any(|c| c.status == Status::Fail) {
        2
    } else if p.checks.iter().any(|c| c.status == Status::Warn) {
        1
    } else {
        0
    }
}

/// The plan as a person reads it.
pub fn table(p: &Plan) -> String {
    let mut out = String::new();
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    out.push_str(&format!(
        "cluster version {}   storage version {}\n",
        dash(&p.cluster_version),
        p.storage_version
            .clone()
            .unwrap_or_else(|| "— (etcd 3.6+ reports it)".into())
    ));
    out.push_str(&format!(
        "{:<12} {:<12} {:<10} {}\n",
        "MEMBER", "VERSION", "STORAGE", "ROLE"
    ));
    for m in &p.members {
        let role = match (m.leader, m.learner) {
            (true, _) => "leader",
            (_, true) => "learner",
            _ => "follower",
        };
        let state = match (m.healthy, m.done) {
            (false, _) => ", down",
            (true, true) => ", upgraded",
            _ => "",
        };
        out.push_str(&format!(
            "{:<12} {:<12} {:<10} {role}{state}\n",
            m.name,
            dash(&m.version),
            dash(&m.storage_version)
        ));
    }
    if let (Some(from), Some(to)) = (&p.from, &p.target) {
        out.push_str(&format!("step {from} → {to}"));
        if let Some(g) = p.guide {
            out.push_str(&format!("   {g}"));
        }
        out.push('\n');
    }
    if !p.checks.is_empty() {
        out.push_str("pre-flight checks\n");
        for c in &p.checks {
            out.push_str(&format!(
                "  {:<5} {:<16} {}\n",
                c.status.label(),
                c.name,
                c.reason
            ));
        }
    }
    out.push_str(&format!("{}\n", p.next.describe()));
    out.push_str("etcdctl\n");
    for c in &p.commands {
        out.push_str(&format!("  {c}\n"));
    }
    out
}
