//! What the restore plan is made from: the snapshot as verified by etcdtui's reader, the
//! members (the live cluster, else kubeadm manifests, else `--member` flags; flags win
//! when given) and the etcd version.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::args::RestorePlanArgs;
use super::plan::{PlanInput, PlanMember, SnapFacts};
use crate::etcd::ConnectSpec;
use crate::etcd::connect::connect_all;
use crate::snapfile::{Integrity, read_status};

/// Reads and checks the snapshot; `Err` for a file that cannot be restored as it is.
pub fn verify(path: &Path) -> Result<(SnapFacts, bool, Vec<PlanMember>), String> {
    let st = read_status(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !st.problems.is_empty() {
        let list: Vec<String> = st.problems.iter().map(|p| p.to_string()).collect();
        return Err(format!(
            "{} is damaged: {}",
            path.display(),
            list.join("; ")
        ));
    }
    if let Integrity::Mismatch { stored, computed } = &st.status.integrity {
        return Err(format!(
            "{}: the SHA-256 etcd appended does not match the contents (stored {stored}, computed \
             {computed}): the file changed after it was saved; restore from another one",
            path.display()
        ));
    }
    let raw = st.status.integrity == Integrity::Raw;
    // The cluster the snapshot came from, as it was then: the last resort for members.
    let members = st
        .etcd
        .members
        .iter()
        .filter(|m| !m.is_learner)
        .map(|m| PlanMember {
            name: m.name.clone(),
            peer_urls: m.peer_urls.clone(),
            client_urls: m.client_urls.clone(),
            data_dir: None,
            manifest: None,
        })
        .collect();
    Ok((
        SnapFacts {
            path: std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
            revision: st.status.revision,
            keys: st.status.live_keys,
            hash: st.status.hash,
            integrity: st.status.integrity.to_string(),
            version: st
                .etcd
                .storage_version
                .clone()
                .or(st.etcd.cluster_version.clone()),
        },
        raw,
        members,
    ))
}

/// What the live cluster said.
#[derive(Debug, Default)]
pub struct Live {
    pub members: Vec<PlanMember>,
    pub version: Option<String>,
    pub revision: Option<i64>,
    /// Learners are left out of the plan (a restore makes every member a voter).
    pub learners: Vec<String>,
}

/// Asks the first endpoint that answers; `None` when none does within the timeouts.
pub async fn live(spec: &ConnectSpec) -> Option<Live> {
    let clients = connect_all(spec).await.ok()?;
    for c in clients.into_iter().flatten() {
        let Ok(list) = c.call(|mut cl| async move { cl.member_list().await }).await else {
            continue;
        };
        let status = c.call(|mut cl| async move { cl.status().await }).await.ok();
        let mut out = Live {
            version: status
                .as_ref()
                .map(|s| s.version().to_string())
                .filter(|v| !v.is_empty()),
            revision: status
                .as_ref()
                .and_then(|s| s.header().map(|h| h.revision())),
            ..Live::default()
        };
        for m in list.members() {
            if m.is_learner() {
                out.learners.push(m.name().to_string());
                continue;
            }
            out.members.push(PlanMember {
                name: m.name().to_string(),
                peer_urls: m.peer_urls().to_vec(),
                client_urls: m.client_urls().to_vec(),
                data_dir: None,
                manifest: None,
            });
        }
        return Some(out);
    }
    None
}

fn split_list(v: Option<&String>) -> Vec<String> {
    v.map(|s| {
        s.split(',')
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(String::from)
            .collect()
    })
    .unwrap_or_default()
}

/// Members a manifest names: its own (name, peer and client URLs, data dir) and the
/// others of its `--initial-cluster`, which on kubeadm have the same layout (manifest
/// and data dir paths) on their own nodes.
pub fn from_manifest(path: &Path) -> Result<Vec<PlanMember>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let flags = crate::config::etcd_flags(&text, path).map_err(|e| e.to_string())?;
    let name = flags.get("name").cloned().unwrap_or_default();
    let data_dir = flags.get("data-dir").map(PathBuf::from);
    let mut own_peers = split_list(flags.get("initial-advertise-peer-urls"));
    let mut out: Vec<PlanMember> = Vec::new();
    for pair in split_list(flags.get("initial-cluster")) {
        let Some((n, url)) = pair.split_once('=') else {
            continue;
        };
        if n == name && own_peers.is_empty() {
            own_peers.push(url.to_string());
        }
        if n == name {
            continue;
        }
        match out.iter_mut().find(|m| m.name == n) {
            Some(m) => m.peer_urls.push(url.to_string()),
            None => out.push(PlanMember {
                name: n.to_string(),
                peer_urls: vec![url.to_string()],
                client_urls: Vec::new(),
                data_dir: data_dir.clone(),
                manifest: Some(path.to_path_buf()),
            }),
        }
    }
    // kubeadm serves clients on every node at the same port, on the peer address.
    let own_clients = split_list(flags.get("advertise-client-urls"));
    if let Some(port) = own_clients
        .first()
        .and_then(|u| u.rsplit_once(':'))
        .map(|(_, p)| p.to_string())
    {
        for m in &mut out {
            m.client_urls = m
                .peer_urls
                .iter()
                .filter_map(|u| u.rsplit_once(':').map(|(host, _)| format!("{host}:{port}")))
                .collect();
        }
    }
    if name.is_empty() || own_peers.is_empty() {
        return Err(format!(
            "{}: the etcd command has no --name or peer URLs",
            path.display()
        ));
    }
    out.insert(
        0,
        PlanMember {
            name,
            peer_urls: own_peers,
            client_urls: own_clients,
            data_dir,
            manifest: Some(path.to_path_buf()),
        },
    );
    Ok(out)
}

/// Every manifest's members, the member's own manifest winning over another's guess.
pub fn from_manifests(paths: &[PathBuf]) -> Result<Vec<PlanMember>, String> {
    let mut all: Vec<PlanMember> = Vec::new();
    for p in paths {
        for (i, m) in from_manifest(p)?.into_iter().enumerate() {
            match all.iter_mut().position(|x| x.name == m.name) {
                // Index 0 is the manifest's own member: what it says about itself is fact.
                Some(at) if i == 0 => all[at] = m,
                Some(_) => {}
                None => all.push(m),
            }
        }
    }
    Ok(all)
}

fn from_flags(flags: &[String]) -> Result<Vec<PlanMember>, String> {
    let mut out: Vec<PlanMember> = Vec::new();
    for f in flags {
        let (name, url) = f
            .split_once('=')
            .filter(|(n, u)| !n.is_empty() && !u.is_empty())
            .ok_or_else(|| format!("--member {f}: expected NAME=PEER_URL"))?;
        match out.iter_mut().find(|m| m.name == name) {
            Some(m) => m.peer_urls.push(url.into()),
            None => out.push(PlanMember {
                name: name.into(),
                peer_urls: vec![url.into()],
                client_urls: Vec::new(),
                data_dir: None,
                manifest: None,
            }),
        }
    }
    Ok(out)
}

/// Everything the plan needs. `spec`: how to reach the live cluster, if it is asked.
pub async fn gather(
    args: &RestorePlanArgs,
    spec: Option<&ConnectSpec>,
    default_manifest: &Path,
) -> Result<(PlanInput, Vec<String>), String> {
    let (snap, raw, in_file) = verify(&args.file)?;
    let mut notes = Vec::new();
    if raw {
        notes.push(format!(
            "{} carries no SHA-256 (a copied member db?): the restore needs --skip-hash-check, added below",
            args.file.display()
        ));
    }
    let manifests: Vec<PathBuf> = if args.manifests.is_empty() && default_manifest.exists() {
        vec![default_manifest.to_path_buf()]
    } else {
        args.manifests.clone()
    };
    let from_files = if manifests.is_empty() {
        Vec::new()
    } else {
        from_manifests(&manifests)?
    };
    let live = match (args.offline, spec) {
        (false, Some(spec)) => {
            let quick = ConnectSpec {
                dial_timeout: spec.dial_timeout.min(Duration::from_secs(2)),
                ..spec.clone()
            };
            live(&quick).await
        }
        _ => None,
    };
    let (members, members_from) = if !args.members.is_empty() {
        (from_flags(&args.members)?, "--member flags".to_string())
    } else if let Some(l) = live.as_ref().filter(|l| !l.members.is_empty()) {
        // The live list, with what the manifests add (data dir, manifest path).
        let members = l
            .members
            .iter()
            .map(|m| {
                let known = from_files.iter().find(|f| f.name == m.name);
                PlanMember {
                    data_dir: known.and_then(|k| k.data_dir.clone()),
                    manifest: known.and_then(|k| k.manifest.clone()),
                    ..m.clone()
                }
            })
            .collect();
        (members, "the live cluster".to_string())
    } else if !from_files.is_empty() {
        let names: Vec<String> = manifests.iter().map(|p| p.display().to_string()).collect();
        (
            from_files.clone(),
            format!("kubeadm manifest {}", names.join(", ")),
        )
    } else {
        (
            in_file,
            "the snapshot's own member list (no live cluster, manifest or --member)".to_string(),
        )
    };
    if let Some(l) = &live {
        for n in &l.learners {
            notes.push(format!(
                "learner {n} is left out: a restore makes a cluster of voters; add it again with member add --learner"
            ));
        }
    }
    let (version, version_from) = match (
        &args.etcd_version,
        live.as_ref().and_then(|l| l.version.clone()),
        &snap.version,
    ) {
        (Some(v), _, _) => (Some(v.clone()), "--etcd-version".to_string()),
        (None, Some(v), _) => (Some(v), "the live cluster".to_string()),
        (None, None, Some(v)) => (Some(v.clone()), "the snapshot file".to_string()),
        _ => (None, "unknown".to_string()),
    };
    let tls = spec.and_then(|s| s.tls.as_ref());
    let mut etcdctl_tls = Vec::new();
    let mut tls_flag = |k: &str, v: &Option<PathBuf>| {
        if let Some(v) = v {
            etcdctl_tls.push(format!("--{k}={}", v.display()));
        }
    };
    if let Some(t) = tls {
        tls_flag("cacert", &t.cacert);
        tls_flag("cert", &t.cert);
        tls_flag("key", &t.key);
    }
    // On kubeadm the manifest knows the certificates etcdctl needs for the checks.
    if etcdctl_tls.is_empty()
        && let Some(first) = manifests.first()
        && let Ok(text) = std::fs::read_to_string(first)
        && let Ok(k) = crate::config::parse_manifest(&text, first, &|p: &Path| p.exists())
    {
        etcdctl_tls = vec![
            format!("--cacert={}", k.cacert.display()),
            format!("--cert={}", k.cert.display()),
            format!("--key={}", k.key.display()),
        ];
    }
    let input = PlanInput {
        snap,
        members,
        members_from,
        version,
        version_from,
        live_revision: live.as_ref().and_then(|l| l.revision),
        stamp: super::names::stamp(std::time::SystemTime::now()),
        new_data_dir: args.new_data_dir.clone(),
        bump_override: args.bump_revision,
        etcdctl_tls,
        skip_hash_check: raw,
    };
    Ok((input, notes))
}
