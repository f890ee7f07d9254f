//! `etcdtui snapshot restore-plan FILE`: the plan as text to follow, or JSON whose steps
//! carry every command as arguments, for a script (or a test) to run.

use std::fmt::Write as _;

use serde_json::json;

use super::plan::{Plan, PlanInput};

pub fn text(input: &PlanInput, plan: &Plan, notes: &[String]) -> String {
    let mut out = String::new();
    let s = &input.snap;
    let _ = writeln!(out, "Restore plan for {}", s.path.display());
    let _ = writeln!(
        out,
        "  snapshot   revision {}, {} keys, hash {}, {}",
        s.revision,
        s.keys,
        s.hash.map_or("-".into(), |h| format!("{h:x}")),
        s.integrity
    );
    let _ = writeln!(out, "  members    from {}:", input.members_from);
    for m in &input.members {
        let _ = writeln!(
            out,
            "             {}  peer {}{}{}",
            m.name,
            m.peer_urls.join(","),
            if m.client_urls.is_empty() {
                String::new()
            } else {
                format!("  client {}", m.client_urls.join(","))
            },
            m.data_dir
                .as_ref()
                .map(|d| format!("  data {}", d.display()))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(
        out,
        "  etcd       {} (from {}): {} snapshot restore",
        input.version.as_deref().unwrap_or("unknown"),
        input.version_from,
        plan.tool.program()
    );
    let _ = writeln!(
        out,
        "  token      {} (new: the restored cluster is a new cluster)",
        plan.token
    );
    let b = &plan.bump;
    if b.supported {
        let _ = writeln!(
            out,
            "  bump       --bump-revision {} --mark-compacted: the cluster starts at revision {}",
            b.by, b.expected_revision
        );
        let _ = writeln!(out, "             why: {}", b.reason);
    } else {
        let _ = writeln!(
            out,
            "  bump       not available with {}",
            plan.tool.program()
        );
    }
    for w in plan.warnings.iter().chain(notes) {
        let _ = writeln!(out, "  warning    {w}");
    }
    let _ = writeln!(out);
    for (i, st) in plan.steps.iter().enumerate() {
        let on = st
            .member
            .as_deref()
            .map_or("all".to_string(), |m| format!("on {m}"));
        let _ = writeln!(out, "{:>2}. [{}] {}: {}", i + 1, st.phase, on, st.text);
        if !st.command.is_empty() {
            let _ = writeln!(out, "      {}", st.command);
        }
    }
    out
}

pub fn json(input: &PlanInput, plan: &Plan, notes: &[String]) -> String {
    let s = &input.snap;
    let steps: Vec<_> = plan
        .steps
        .iter()
        .map(|st| {
            json!({
                "phase": st.phase,
                "member": st.member,
                "text": st.text,
                "command": st.command,
                "argv": st.argv,
                "dataDir": st.data_dir,
            })
        })
        .collect();
    let members: Vec<_> = input
        .members
        .iter()
        .map(|m| {
            json!({
                "name": m.name,
                "peerURLs": m.peer_urls,
                "clientURLs": m.client_urls,
                "dataDir": m.data_dir,
                "manifest": m.manifest,
            })
        })
        .collect();
    let v = json!({
        "snapshot": {
            "path": s.path,
            "revision": s.revision,
            "totalKey": s.keys,
            "hash": s.hash,
            "integrity": s.integrity,
        },
        "membersFrom": input.members_from,
        "members": members,
        "etcdVersion": input.version,
        "versionFrom": input.version_from,
        "tool": plan.tool.program(),
        "token": plan.token,
        "initialCluster": plan.initial_cluster,
        "kubeadm": plan.kubeadm,
        "bump": {
            "supported": plan.bump.supported,
            "by": plan.bump.by,
            "expectedRevision": if plan.bump.supported { plan.bump.expected_revision } else { s.revision },
            "reason": plan.bump.reason,
        },
        "warnings": plan.warnings.iter().chain(notes).collect::<Vec<_>>(),
        "steps": steps,
    });
    format!("{v:#}\n")
}
