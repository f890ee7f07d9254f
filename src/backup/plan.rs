//! The restore plan: from a verified snapshot, the members and the etcd version, the
//! exact commands in order — stop the API servers, stop etcd, restore every member into
//! a new data dir, start, verify, bring the API servers back. Pure: the inputs are
//! gathered by `plan_inputs`, the output printed by `plan_output`.

use std::path::{Path, PathBuf};

pub use super::bump::{Bump, bump};
use crate::snapfile::tool::{SnapshotTool, snapshot_tool};

/// One member as the plan needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanMember {
    pub name: String,
    pub peer_urls: Vec<String>,
    pub client_urls: Vec<String>,
    /// Its data dir now, when a manifest says.
    pub data_dir: Option<PathBuf>,
    /// Its kubeadm static pod manifest, when the member came from one.
    pub manifest: Option<PathBuf>,
}

/// What the snapshot file holds, as verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapFacts {
    pub path: PathBuf,
    pub revision: i64,
    pub keys: u64,
    pub hash: Option<u32>,
    pub integrity: String,
    /// The version etcd wrote into the file (storage version, else cluster version).
    pub version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanInput {
    pub snap: SnapFacts,
    pub members: Vec<PlanMember>,
    /// "the live cluster", "kubeadm manifest …", "--member flags".
    pub members_from: String,
    pub version: Option<String>,
    pub version_from: String,
    /// The live cluster's revision, when it answered.
    pub live_revision: Option<i64>,
    /// `20261206T073357Z`: names the token and the new data dirs.
    pub stamp: String,
    /// `{name}` is replaced by the member's name.
    pub new_data_dir: Option<String>,
    /// `--bump-revision` given by the user.
    pub bump_override: Option<u64>,
    /// etcdctl endpoint flags for the verify step (TLS files), already shell words.
    pub etcdctl_tls: Vec<String>,
    /// The file has no SHA-256 trailer (a copied member db): the tool must be told.
    pub skip_hash_check: bool,
}

/// One thing to do, on one host (a member's) or everywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub phase: &'static str,
    /// The member whose host it runs on; `None`: once, from any host.
    pub member: Option<String>,
    pub text: String,
    /// A line to paste; empty when the step is only words.
    pub command: String,
    /// The same as separate arguments, for the commands a script may run as they are.
    pub argv: Vec<String>,
    /// The member's new data dir, for the restore and start steps.
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub tool: SnapshotTool,
    pub token: String,
    pub initial_cluster: String,
    pub bump: Bump,
    pub kubeadm: bool,
    pub steps: Vec<Step>,
    pub warnings: Vec<String>,
}

/// `s` as one shell word.
pub fn sh(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-:+@%=,".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

fn line(argv: &[String]) -> String {
    argv.iter().map(|a| sh(a)).collect::<Vec<_>>().join(" ")
}

fn data_dir_of(input: &PlanInput, m: &PlanMember) -> PathBuf {
    if let Some(t) = &input.new_data_dir {
        return PathBuf::from(t.replace("{name}", &m.name));
    }
    match &m.data_dir {
        Some(d) => PathBuf::from(format!("{}.restored-{}", d.display(), input.stamp)),
        None => PathBuf::from(format!("/var/lib/etcd-restored-{}", input.stamp)),
    }
}

fn step(phase: &'static str, member: Option<&str>, text: String, argv: Vec<String>) -> Step {
    Step {
        phase,
        member: member.map(String::from),
        text,
        command: line(&argv),
        argv,
        data_dir: None,
    }
}

fn shell_step(phase: &'static str, member: Option<&str>, text: String, command: String) -> Step {
    Step {
        phase,
        member: member.map(String::from),
        text,
        command,
        argv: Vec::new(),
        data_dir: None,
    }
}

/// Where a kubeadm node's stopped manifests wait: outside the directory the kubelet
/// watches, so moving a manifest there stops its pod and moving it back starts it.
fn stopped_dir(manifest: &Path) -> PathBuf {
    let dir = manifest
        .parent()
        .unwrap_or(Path::new("/etc/kubernetes/manifests"));
    let base = dir.parent().unwrap_or(Path::new("/etc/kubernetes"));
    base.join("manifests-stopped")
}

pub fn plan(input: &PlanInput) -> Result<Plan, String> {
    let voters: Vec<&PlanMember> = input.members.iter().collect();
    if voters.is_empty() {
        return Err(
            "no members to restore: the live cluster did not answer, no kubeadm manifest \
                    was found, no --member NAME=PEER_URL was given and the snapshot lists none"
                .into(),
        );
    }
    let mut warnings = Vec::new();
    for m in &voters {
        if m.peer_urls.is_empty() {
            return Err(format!("member {} has no peer URL", m.name));
        }
        if m.name.is_empty() {
            return Err(format!(
                "the member at {} has no name (it never started?): give the members with --member NAME=PEER_URL",
                m.peer_urls.join(",")
            ));
        }
    }
    let tool = match input.version.as_deref().and_then(snapshot_tool) {
        Some(t) => t,
        None => {
            warnings.push(
                "the etcd version is unknown: the plan uses etcdutl (3.5 and later); for 3.4 pass --etcd-version 3.4"
                    .into(),
            );
            SnapshotTool::Etcdutl
        }
    };
    let supported = tool == SnapshotTool::Etcdutl;
    let bump = bump(
        input.snap.revision,
        input.live_revision,
        input.bump_override,
        supported,
    );
    if !supported {
        warnings.push(format!(
            "etcd {}'s etcdctl snapshot restore has no --bump-revision or --mark-compacted: the \
             restored cluster starts at revision {} again. Clients that watched past it must start \
             over: restart every kube-apiserver, controller and kubelet after the restore (or run \
             the restore with etcdutl 3.5 or later, which writes the same files)",
            input.version.as_deref().unwrap_or("3.4"),
            input.snap.revision
        ));
    }
    let token = format!("etcd-restored-{}", input.stamp);
    let initial_cluster = voters
        .iter()
        .flat_map(|m| m.peer_urls.iter().map(move |u| format!("{}={u}", m.name)))
        .collect::<Vec<_>>()
        .join(",");
    let kubeadm = voters.iter().all(|m| m.manifest.is_some());
    let file = input.snap.path.display().to_string();
    let mut steps = Vec::new();

    // 1. Nothing may write while the data goes back in time.
    for m in &voters {
        if let Some(manifest) = &m.manifest {
            let dir = manifest
                .parent()
                .unwrap_or(Path::new("/etc/kubernetes/manifests"));
            let api = dir.join("kube-apiserver.yaml");
            let stopped = stopped_dir(manifest);
            steps.push(shell_step(
                "stop-apiservers",
                Some(&m.name),
                "stop the API server: the kubelet stops a static pod whose manifest leaves its directory".into(),
                format!(
                    "mkdir -p {s} && mv {a} {s}/ && until ! crictl ps -q --name kube-apiserver | grep -q .; do sleep 1; done",
                    s = sh(&stopped.display().to_string()),
                    a = sh(&api.display().to_string()),
                ),
            ));
        }
    }
    if !kubeadm {
        steps.push(shell_step(
            "stop-apiservers",
            None,
            "stop every client that writes to etcd (Kubernetes: every kube-apiserver) before etcd"
                .into(),
            String::new(),
        ));
    }
    // 2. Every member stops: a restore makes a new cluster, nothing of the old may run.
    for m in &voters {
        let (text, command) = match &m.manifest {
            Some(manifest) => {
                let stopped = stopped_dir(manifest);
                (
                    "stop etcd (its static pod)".to_string(),
                    format!(
                        "mv {} {}/ && until ! crictl ps -q --name etcd | grep -q .; do sleep 1; done",
                        sh(&manifest.display().to_string()),
                        sh(&stopped.display().to_string())
                    ),
                )
            }
            None => ("stop etcd".to_string(), "systemctl stop etcd".to_string()),
        };
        steps.push(shell_step("stop-etcd", Some(&m.name), text, command));
    }
    // 3. Restore each member into a new data dir, from the same file.
    for m in &voters {
        let dir = data_dir_of(input, m);
        let mut argv = vec![
            tool.program().to_string(),
            "snapshot".into(),
            "restore".into(),
            file.clone(),
        ];
        let mut flag = |k: &str, v: String| {
            argv.push(format!("--{k}"));
            argv.push(v);
        };
        flag("name", m.name.clone());
        flag("initial-cluster", initial_cluster.clone());
        flag("initial-cluster-token", token.clone());
        flag("initial-advertise-peer-urls", m.peer_urls.join(","));
        flag("data-dir", dir.display().to_string());
        if supported {
            flag("bump-revision", bump.by.to_string());
        }
        if supported {
            argv.push("--mark-compacted".into());
        }
        if input.skip_hash_check {
            argv.push("--skip-hash-check".into());
        }
        let mut s = step(
            "restore",
            Some(&m.name),
            format!(
                "restore {} into a new data dir (copy the snapshot to this host first)",
                m.name
            ),
            argv,
        );
        if tool == SnapshotTool::Etcdctl {
            s.command = format!("ETCDCTL_API=3 {}", s.command);
        }
        s.data_dir = Some(dir);
        steps.push(s);
    }
    // 4. Start every member on its new data.
    for m in &voters {
        let dir = data_dir_of(input, m);
        let mut s = match (&m.manifest, &m.data_dir) {
            (Some(manifest), Some(old)) if input.new_data_dir.is_none() => {
                let stopped = stopped_dir(manifest);
                let aside = format!("{}.before-restore-{}", old.display(), input.stamp);
                shell_step(
                    "start-etcd",
                    Some(&m.name),
                    format!(
                        "put the restored data where the manifest points ({}), keeping the old aside, and start etcd",
                        old.display()
                    ),
                    format!(
                        "mv {old} {aside} && mv {new} {old} && mv {s}/{f} {dir}/",
                        old = sh(&old.display().to_string()),
                        aside = sh(&aside),
                        new = sh(&dir.display().to_string()),
                        s = sh(&stopped.display().to_string()),
                        f = manifest
                            .file_name()
                            .map(|f| f.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                        dir = sh(&manifest
                            .parent()
                            .map(|p| p.display().to_string())
                            .unwrap_or_default()),
                    ),
                )
            }
            _ => {
                let mut argv = vec!["etcd".to_string()];
                let mut flag = |k: &str, v: String| {
                    argv.push(format!("--{k}"));
                    argv.push(v);
                };
                flag("name", m.name.clone());
                flag("data-dir", dir.display().to_string());
                flag("listen-peer-urls", m.peer_urls.join(","));
                flag("initial-advertise-peer-urls", m.peer_urls.join(","));
                if !m.client_urls.is_empty() {
                    flag("listen-client-urls", m.client_urls.join(","));
                    flag("advertise-client-urls", m.client_urls.join(","));
                }
                step(
                    "start-etcd",
                    Some(&m.name),
                    "start etcd on the new data dir, with its other flags (TLS, metrics) as before; \
                     the --initial-cluster flags are not needed now"
                        .into(),
                    argv,
                )
            }
        };
        s.data_dir = Some(dir);
        steps.push(s);
    }
    // 5. Verify before anything writes again.
    let endpoints: Vec<String> = voters
        .iter()
        .flat_map(|m| m.client_urls.iter().cloned())
        .collect();
    let mut health = vec![
        "etcdctl".to_string(),
        format!("--endpoints={}", endpoints.join(",")),
    ];
    health.extend(input.etcdctl_tls.iter().cloned());
    let mut status = health.clone();
    health.extend(["endpoint".into(), "health".into()]);
    status.extend([
        "endpoint".into(),
        "status".into(),
        "-w".into(),
        "table".into(),
    ]);
    steps.push(step(
        "verify",
        None,
        format!("every member healthy ({} of them)", voters.len()),
        health,
    ));
    let expect = if supported {
        format!(
            "revision {} on every member (the snapshot's {} + the bump {}), one leader, {} keys",
            bump.expected_revision, input.snap.revision, bump.by, input.snap.keys
        )
    } else {
        format!(
            "revision {} on every member, one leader, {} keys",
            input.snap.revision, input.snap.keys
        )
    };
    steps.push(step("verify", None, expect, status));
    // 6. Writers back.
    for m in &voters {
        if let Some(manifest) = &m.manifest {
            let dir = manifest
                .parent()
                .unwrap_or(Path::new("/etc/kubernetes/manifests"));
            let stopped = stopped_dir(manifest);
            steps.push(shell_step(
                "start-apiservers",
                Some(&m.name),
                "bring the API server back".into(),
                format!(
                    "mv {}/kube-apiserver.yaml {}/",
                    sh(&stopped.display().to_string()),
                    sh(&dir.display().to_string())
                ),
            ));
        }
    }
    steps.push(shell_step(
        "start-apiservers",
        None,
        if kubeadm {
            "then restart kube-controller-manager, kube-scheduler and every kubelet so none acts on state from before the snapshot".into()
        } else {
            "start the API servers (and other writers) again; on Kubernetes also restart kube-controller-manager, kube-scheduler and every kubelet".into()
        },
        String::new(),
    ));
    Ok(Plan {
        tool,
        token,
        initial_cluster,
        bump,
        kubeadm,
        steps,
        warnings,
    })
}
