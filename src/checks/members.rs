//! The members check: every member answers `status` and its own health endpoint on its
//! own client URL and follows the leader the majority follows. A voter that is down,
//! frozen or cut off fails by name; a learner in trouble or far behind warns.

use super::facts::{Facts, MemberHealth, MemberState};
use super::{Check, Status};

/// Entries a learner may trail the leader by before it warns: catching up from a
/// snapshot moves in jumps, so small gaps are normal.
const LEARNER_LAG: u64 = 10_000;

fn label(m: &MemberHealth) -> String {
    format!("{} ({})", m.name, m.url)
}

fn problem(m: &MemberHealth) -> Option<String> {
    let said = problem_only(m)?;
    Some(if m.probes.is_empty() {
        said
    } else {
        format!("{said} [{}]", m.probes)
    })
}

fn problem_only(m: &MemberHealth) -> Option<String> {
    let who = label(m);
    match &m.state {
        MemberState::Ok => None,
        MemberState::Down(why) => Some(format!("{who} down: {why}")),
        MemberState::CutOff(why) => Some(format!(
            "{} cut off from its peers (partitioned) at {}: {why}",
            m.name, m.url
        )),
        MemberState::Unhealthy(why) => Some(format!("{who} unhealthy: {why}")),
        MemberState::NotPermitted | MemberState::NotStarted => None,
    }
}

pub(super) fn members(f: &Facts) -> Check {
    let mut c = Check {
        group: "cluster",
        name: "members",
        status: Status::Unknown,
        value: String::new(),
        threshold: "every member answers on its own URL, is healthy and follows the leader".into(),
        why: "a member that is down, frozen or cut off from its peers no longer counts towards quorum: one more failure stops all writes",
        next: String::new(),
        commands: [
            "etcdctl endpoint status --cluster -w table   # leader and raft term per member",
            "etcdctl endpoint health --cluster",
            "curl URL/health   # 3.6+: URL/readyz?verbose and URL/livez?verbose",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
    };
    let list = match &f.health {
        Err(e) => {
            c.value = format!("could not list the members: {e}");
            return c;
        }
        Ok(list) => list,
    };
    let (learners, voters): (Vec<&MemberHealth>, Vec<&MemberHealth>) =
        list.iter().partition(|m| m.learner);
    let failed: Vec<String> = voters.iter().filter_map(|m| problem(m)).collect();
    let mut warned: Vec<String> = learners.iter().filter_map(|m| problem(m)).collect();
    warned.extend(
        learners
            .iter()
            .filter(|m| m.state == MemberState::Ok && m.lag.is_some_and(|l| l > LEARNER_LAG))
            .map(|m| {
                format!(
                    "learner {} is {} entries behind",
                    label(m),
                    m.lag.unwrap_or(0)
                )
            }),
    );
    let denied: Vec<&str> = list
        .iter()
        .filter(|m| m.state == MemberState::NotPermitted)
        .map(|m| m.name.as_str())
        .collect();
    let ok = list.iter().filter(|m| m.state == MemberState::Ok).count();
    let mut parts = failed.clone();
    parts.extend(warned.iter().cloned());
    if !denied.is_empty() {
        parts.push(format!("status not permitted on {}", denied.join(", ")));
    }
    parts.push(format!("{ok} of {} members healthy", list.len()));
    // What the healthy ones said of themselves, once when they all said the same.
    let mut said: Vec<&str> = list
        .iter()
        .filter(|m| m.state == MemberState::Ok && !m.probes.is_empty())
        .map(|m| m.probes.as_str())
        .collect();
    said.dedup();
    if let [one] = said.as_slice() {
        parts.push(format!("each: {one}"));
    }
    c.value = parts.join("; ");
    if !failed.is_empty() {
        c.status = Status::Fail;
        c.next = "bring it back or replace it: start a dead member, look at the network between a cut-off member and its peers".into();
    } else if !warned.is_empty() {
        c.status = Status::Warn;
        c.next =
            "let the learner catch up before promoting it; look at its disk and network".into();
    } else if denied.is_empty() {
        c.status = Status::Ok;
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(name: &str, learner: bool, state: MemberState, lag: u64) -> MemberHealth {
        MemberHealth {
            name: name.into(),
            url: format!("http://{name}:2379"),
            learner,
            state,
            lag: Some(lag),
            probes: String::new(),
        }
    }

    fn judged(list: Vec<MemberHealth>) -> Check {
        let mut f = Facts::unmeasured();
        f.health = Ok(list);
        members(&f)
    }

    #[test]
    fn a_bad_voter_fails_by_name_and_a_lagging_learner_warns() {
        let ok = |n| m(n, false, MemberState::Ok, 0);
        let c = judged(vec![
            ok("a"),
            ok("b"),
            m(
                "c",
                false,
                MemberState::Down("connection refused".into()),
                0,
            ),
        ]);
        assert_eq!(c.status, Status::Fail);
        assert!(
            c.value
                .starts_with("c (http://c:2379) down: connection refused"),
            "{}",
            c.value
        );
        let c = judged(vec![
            ok("a"),
            ok("b"),
            m("c", false, MemberState::CutOff("sees no leader".into()), 0),
        ]);
        assert_eq!(c.status, Status::Fail);
        assert!(c.value.contains("c cut off from its peers"), "{}", c.value);
        let c = judged(vec![
            ok("a"),
            ok("b"),
            m("l", true, MemberState::Ok, 50_000),
        ]);
        assert_eq!(c.status, Status::Warn);
        assert!(
            c.value
                .contains("learner l (http://l:2379) is 50000 entries behind"),
            "{}",
            c.value
        );
        let c = judged(vec![ok("a"), ok("b"), ok("c")]);
        assert_eq!(
            (c.status, c.value.as_str()),
            (Status::Ok, "3 of 3 members healthy")
        );
        let c = judged(vec![m("a", false, MemberState::NotPermitted, 0)]);
        assert_eq!(c.status, Status::Unknown, "{}", c.value);
    }
}
