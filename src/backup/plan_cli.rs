//! `etcdtui snapshot restore-plan FILE`: the plan as text to follow, or JSON whose steps
//! carry every command as arguments, for a script (or a test) to run.

use serde_json::json;

use super::plan::{Plan, PlanInput};
use crate::app::restore_plan::{LineKind, PlanLine};

/// The plan as text, exactly as the command prints it and the TUI's panel copies it.
pub fn text(input: &PlanInput, plan: &Plan, notes: &[String]) -> String {
    crate::app::restore_plan::text(&lines(input, plan, notes))
}

/// The plan's lines, each with what it is (for the TUI's colours).
pub fn lines(input: &PlanInput, plan: &Plan, notes: &[String]) -> Vec<PlanLine> {
    let mut out = Vec::new();
    let mut push = |kind: LineKind, text: String| out.push(PlanLine::new(kind, text));
    let s = &input.snap;
    push(
        LineKind::Title,
        format!("Restore plan for {}", s.path.display()),
    );
    push(
        LineKind::Fact,
        format!(
            "  snapshot   revision {}, {} keys, hash {}, {}",
            s.revision,
            s.keys,
            s.hash.map_or("-".into(), |h| format!("{h:x}")),
            s.integrity
        ),
    );
    push(
        LineKind::Fact,
        format!("  members    from {}:", input.members_from),
    );
    for m in &input.members {
        push(
            LineKind::Fact,
            format!(
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
            ),
        );
    }
    push(
        LineKind::Fact,
        format!(
            "  etcd       {} (from {}): {} snapshot restore",
            input.version.as_deref().unwrap_or("unknown"),
            input.version_from,
            plan.tool.program()
        ),
    );
    push(
        LineKind::Fact,
        format!(
            "  token      {} (new: the restored cluster is a new cluster)",
            plan.token
        ),
    );
    let b = &plan.bump;
    if b.supported {
        push(
            LineKind::Fact,
            format!(
                "  bump       --bump-revision {} --mark-compacted: the cluster starts at revision {}",
                b.by, b.expected_revision
            ),
        );
        push(LineKind::Fact, format!("             why: {}", b.reason));
    } else {
        push(
            LineKind::Fact,
            format!("  bump       not available with {}", plan.tool.program()),
        );
    }
    for w in plan.warnings.iter().chain(notes) {
        push(LineKind::Warning, format!("  warning    {w}"));
    }
    push(LineKind::Blank, String::new());
    for (i, st) in plan.steps.iter().enumerate() {
        let on = st
            .member
            .as_deref()
            .map_or("all".to_string(), |m| format!("on {m}"));
        push(
            LineKind::Step,
            format!("{:>2}. [{}] {}: {}", i + 1, st.phase, on, st.text),
        );
        if !st.command.is_empty() {
            push(LineKind::Command, format!("      {}", st.command));
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
