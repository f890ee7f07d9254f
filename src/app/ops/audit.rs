//! The audit log: one JSON line per operation that ran, with who, where, what and how it
//! ended. JSON so that a key or URL holding quotes or control bytes cannot forge a line.

use std::time::SystemTime;

use serde_json::json;

use crate::etcd::operations::Operation;

/// Where the operation was sent from: the context and the etcd user (never a password).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Who {
    pub context: String,
    pub etcd_user: Option<String>,
}

/// The login name, and under sudo the person behind it.
pub fn operator() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    match std::env::var("SUDO_USER") {
        Ok(real) if real != user => format!("{user} (sudo by {real})"),
        _ => user,
    }
}

/// `(operation, target)` in the words of the dialog.
pub fn describe(op: &Operation) -> (String, String) {
    let member = |m: &crate::etcd::operations::MemberRef| format!("{} ({:x})", m.label(), m.id);
    match op {
        Operation::Snapshot { member: m, path } => (
            "snapshot save".into(),
            format!("{} to {}", member(m), path.display()),
        ),
        Operation::MemberAdd {
            name,
            peer_urls,
            learner,
        } => (
            if *learner {
                "member add (learner)"
            } else {
                "member add (voter)"
            }
            .into(),
            format!("{name} at {}", peer_urls.join(",")),
        ),
        Operation::MemberPromote { member: m } => ("member promote".into(), member(m)),
        Operation::MemberRemove { member: m } => ("member remove".into(), member(m)),
        Operation::MemberUpdate {
            member: m,
            peer_urls,
        } => (
            "member update".into(),
            format!("{} peer URLs {}", member(m), peer_urls.join(",")),
        ),
        Operation::MoveLeader { leader, target } => (
            "move-leader".into(),
            format!("{} to {}", member(leader), member(target)),
        ),
        Operation::Defrag { members, .. } => (
            "defrag".into(),
            members
                .iter()
                .map(member)
                .collect::<Vec<_>>()
                .join(", then "),
        ),
        Operation::AlarmDisarm { alarms } => (
            "alarm disarm".into(),
            alarms
                .iter()
                .map(|(m, a)| format!("{a} on {m:x}"))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        Operation::Compact { revision, physical } => (
            if *physical {
                "compact (physical)"
            } else {
                "compact"
            }
            .into(),
            format!("revision {revision}"),
        ),
        Operation::Downgrade { action, version } => {
            (format!("downgrade {}", action.word()), version.clone())
        }
    }
}

pub fn line(when: SystemTime, who: &Who, operator: &str, op: &Operation, result: &str) -> String {
    let secs = when
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (operation, target) = describe(op);
    json!({
        "time": crate::decode::k8s::gotime::rfc3339(secs, 0, false),
        "context": who.context,
        "etcd_user": who.etcd_user,
        "operator": operator,
        "operation": operation,
        "target": target,
        "result": result,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::etcd::operations::MemberRef;

    #[test]
    fn one_line_of_json_with_who_what_and_how_it_ended() {
        let op = Operation::MemberRemove {
            member: MemberRef {
                id: 0xabc,
                name: "m\"3\n".into(),
                client_urls: Vec::new(),
            },
        };
        let who = Who {
            context: "prod".into(),
            etcd_user: Some("root".into()),
        };
        let l = line(
            SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(86_400),
            &who,
            "alice",
            &op,
            "ok",
        );
        assert!(!l.contains('\n'), "{l}");
        let v: serde_json::Value = serde_json::from_str(&l).unwrap();
        assert_eq!(v["time"], "1970-01-02T00:00:00Z");
        assert_eq!(v["operation"], "member remove");
        assert_eq!(v["target"], "m\"3\n (abc)");
        assert_eq!(v["etcd_user"], "root");
        assert_eq!(v["operator"], "alice");
        assert_eq!(v["result"], "ok");
    }
}
