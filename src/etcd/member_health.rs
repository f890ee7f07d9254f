//! Health as each member sees it: its own `/health`, and on 3.6+ `/livez` and
//! `/readyz`, asked on its client URL with the connection's TLS; and whether it follows
//! the leader the majority follows. A member that answers `status` but sees no leader,
//! another leader or term, or whose raft index stopped while the leader's went on, is
//! cut off from its peers (a network partition): it must not count towards quorum.

use std::collections::HashMap;
use std::time::Duration;

use super::cluster::{Health, MemberStatus};
use super::connect::LoadedTls;
use super::errors::EtcdError;
use super::metrics_scrape::get;

/// One health endpoint's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probe {
    Healthy,
    /// What the member gives as the reason, if anything.
    Unhealthy(String),
    /// HTTP 404: this version has no such endpoint (`/livez`, `/readyz` came with 3.6
    /// and late 3.5 patches).
    NotServed,
    /// No answer at all.
    Failed(EtcdError),
}

impl Probe {
    /// A word for tables.
    pub fn word(&self) -> &'static str {
        match self {
            Probe::Healthy => "ok",
            Probe::Unhealthy(_) => "FAIL",
            Probe::NotServed => "-",
            Probe::Failed(_) => "?",
        }
    }

    /// A phrase for details and `check`.
    pub fn describe(&self) -> String {
        match self {
            Probe::Healthy => "ok".into(),
            Probe::Unhealthy(r) if r.is_empty() => "unhealthy".into(),
            Probe::Unhealthy(r) => format!("unhealthy ({r})"),
            Probe::NotServed => "not served by this version".into(),
            Probe::Failed(e) => format!("no answer: {}", e.headline()),
        }
    }
}

/// `/health`, `/livez`, `/readyz` of one member; `None`: not asked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Probes {
    pub health: Option<Probe>,
    pub livez: Option<Probe>,
    pub readyz: Option<Probe>,
}

impl Probes {
    /// The member's own verdict: `/readyz` where it is served (3.6+), else `/health`.
    /// `None` when neither answered: a health check that outlasts our timeout (a
    /// linearizable read during an election) says nothing that `status` does not.
    pub fn verdict(&self) -> Option<Result<(), String>> {
        let pick = match &self.readyz {
            Some(p @ (Probe::Healthy | Probe::Unhealthy(_))) => Some(("/readyz", p)),
            _ => self.health.as_ref().map(|p| ("/health", p)),
        };
        match pick? {
            (_, Probe::Healthy) => Some(Ok(())),
            (path, Probe::Unhealthy(r)) if r.is_empty() => Some(Err(format!("{path} unhealthy"))),
            (path, Probe::Unhealthy(r)) => Some(Err(format!("{path} unhealthy: {r}"))),
            (_, Probe::Failed(_) | Probe::NotServed) => None,
        }
    }

    /// `/health ok  /livez ok  /readyz FAIL`, for tables and `check`.
    pub fn summary(&self) -> String {
        [
            ("/health", &self.health),
            ("/livez", &self.livez),
            ("/readyz", &self.readyz),
        ]
        .iter()
        .filter_map(|(path, p)| match p {
            Some(Probe::NotServed) | None => None,
            Some(p) => Some(format!("{path} {}", p.describe())),
        })
        .collect::<Vec<_>>()
        .join(", ")
    }
}

/// Asks all three endpoints at once, each within `timeout`. A learner serves no
/// linearizable reads, and 3.6's `/readyz` has a `non_learner` check that fails on every
/// learner by design: a learner is asked what it can answer (a serializable `/health`,
/// `/readyz` without those two checks), or a healthy learner would look unhealthy.
pub async fn probe(url: &str, tls: Option<&LoadedTls>, timeout: Duration, learner: bool) -> Probes {
    let (health_path, readyz_path) = if learner {
        (
            "/health?serializable=true",
            "/readyz?verbose&exclude=non_learner&exclude=linearizable_read",
        )
    } else {
        ("/health", "/readyz?verbose")
    };
    let ask = |path: &'static str| async move {
        match get(url, path, tls, timeout).await {
            Ok((404, _, _)) => Probe::NotServed,
            Ok((status, body, _)) if path.starts_with("/health") => from_health(status, &body),
            Ok((status, body, _)) => from_readyz(status, &body),
            Err(e) => Probe::Failed(e),
        }
    };
    let (health, livez, readyz) =
        tokio::join!(ask(health_path), ask("/livez?verbose"), ask(readyz_path));
    Probes {
        health: Some(health),
        livez: Some(livez),
        readyz: Some(readyz),
    }
}

/// `{"health":"true"}`; 3.5+ add `"reason"` when false.
fn from_health(status: u16, body: &str) -> Probe {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    if status == 200 && v["health"] == "true" {
        return Probe::Healthy;
    }
    let reason = v["reason"].as_str().unwrap_or_default().to_string();
    if reason.is_empty() && v["health"] != "false" {
        let excerpt: String = body.trim().chars().take(120).collect();
        return Probe::Unhealthy(format!("HTTP {status}: {excerpt}"));
    }
    Probe::Unhealthy(reason)
}

/// Kubernetes-style: `ok`, or with `?verbose` one `[+]name ok` / `[-]name failed: why`
/// line per check.
fn from_readyz(status: u16, body: &str) -> Probe {
    if status == 200 {
        return Probe::Healthy;
    }
    let failed: Vec<&str> = body
        .lines()
        .filter_map(|l| l.trim().strip_prefix("[-]"))
        .collect();
    Probe::Unhealthy(if failed.is_empty() {
        format!("HTTP {status}")
    } else {
        failed.join("; ")
    })
}

/// Raft indexes from the previous refresh, to tell a stopped member from a quiet cluster.
#[derive(Clone, Debug, Default)]
pub struct Progress {
    indexes: HashMap<u64, u64>,
    leader_index: Option<u64>,
}

/// The leader and term the members agree on: the newest term wins (an old leader cut
/// off may still believe in itself at an older one), then the most votes.
pub fn majority_view(members: &[MemberStatus]) -> Option<(u64, u64)> {
    let mut votes: Vec<((u64, u64), usize)> = Vec::new();
    for m in members {
        let (Some(leader), Some(term)) = (m.leader, m.raft_term) else {
            continue;
        };
        match votes.iter_mut().find(|(k, _)| *k == (term, leader)) {
            Some((_, n)) => *n += 1,
            None => votes.push(((term, leader), 1)),
        }
    }
    votes
        .into_iter()
        .max_by_key(|&((term, _), n)| (term, n))
        .map(|((term, leader), _)| (leader, term))
}

/// Turns each answering member's provisional `Up` into `Up`, `Unhealthy` or `CutOff`,
/// and records the indexes for the next refresh.
pub fn classify(members: &mut [MemberStatus], progress: &mut Progress) {
    let answered: Vec<MemberStatus> = members
        .iter()
        .filter(|m| m.health == Health::Up)
        .cloned()
        .collect();
    let view = majority_view(&answered);
    let name = |id: u64| {
        members
            .iter()
            .find(|m| m.id == id)
            .filter(|m| !m.name.is_empty())
            .map_or_else(|| format!("{id:x}"), |m| m.name.clone())
    };
    let leader_index = view
        .and_then(|(l, _)| answered.iter().find(|m| m.id == l))
        .and_then(|m| m.raft_index);
    // Judged against the others first, written after: `name` borrows them all.
    let verdicts: Vec<Option<Health>> = members
        .iter()
        .map(|m| (m.health == Health::Up).then(|| judge(m, view, progress, &name)))
        .collect();
    for (m, v) in members.iter_mut().zip(verdicts) {
        if let Some(h) = v {
            m.health = h;
        }
    }
    progress.indexes = answered
        .iter()
        .filter_map(|m| Some((m.id, m.raft_index?)))
        .collect();
    progress.leader_index = leader_index;
}

/// `/health` is false while a NOSPACE alarm is raised (3.5+ say "ALARM NOSPACE", 3.4
/// gives no reason). The member still votes and serves reads and deletes, and the alarm
/// is shown on its own: calling the member unhealthy for it would also take it out of
/// the quorum count. `/readyz` does not look at NOSPACE, so only `/health` verdicts are
/// excused, and only when a NOSPACE alarm is actually raised on that member.
pub fn excuse_nospace(members: &mut [MemberStatus], alarms: &[(u64, String)]) {
    for m in members.iter_mut() {
        let raised = alarms.iter().any(|(id, a)| *id == m.id && a == "NOSPACE");
        if let Health::Unhealthy(why) = &m.health
            && raised
            && why.starts_with("/health")
            && (why == "/health unhealthy" || why.contains("NOSPACE"))
        {
            m.health = Health::Up;
        }
    }
}

fn judge(
    m: &MemberStatus,
    view: Option<(u64, u64)>,
    progress: &Progress,
    name: &dyn Fn(u64) -> String,
) -> Health {
    let Some(seen) = m.leader else {
        return Health::CutOff("sees no leader".into());
    };
    let term = m.raft_term.unwrap_or_default();
    if let Some((leader, majority_term)) = view
        && (seen, term) != (leader, majority_term)
    {
        return Health::CutOff(format!(
            "follows {} at term {term} while the majority follows {} at term {majority_term}",
            name(seen),
            name(leader)
        ));
    }
    let is_leader = view.is_some_and(|(l, _)| l == m.id);
    if let (Some(now), Some(before), Some(lead_before)) = (
        m.raft_index,
        progress.indexes.get(&m.id),
        progress.leader_index,
    ) && !is_leader
        && now == *before
        && now < lead_before
    {
        return Health::CutOff(format!(
            "its raft index stays at {now} while the leader's went past {lead_before}"
        ));
    }
    match m.probes.verdict() {
        Some(Err(why)) => Health::Unhealthy(why),
        _ => Health::Up,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: u64, leader: Option<u64>, term: u64, index: u64) -> MemberStatus {
        MemberStatus {
            id,
            name: format!("m{id}"),
            peer_urls: Vec::new(),
            client_urls: Vec::new(),
            is_learner: false,
            health: Health::Up,
            version: None,
            db_size: None,
            db_size_in_use: None,
            leader,
            raft_term: Some(term),
            raft_index: Some(index),
            raft_applied_index: Some(index),
            errors: Vec::new(),
            quota: None,
            rtt: None,
            probes: Probes::default(),
            since_36: None,
        }
    }

    #[test]
    fn a_nospace_alarm_does_not_make_its_member_unhealthy() {
        let mut a = member(1, Some(1), 2, 10);
        a.health = Health::Unhealthy("/health unhealthy: ALARM NOSPACE".into());
        let mut b = member(2, Some(1), 2, 10);
        b.health = Health::Unhealthy("/health unhealthy".into());
        let mut c = member(3, Some(1), 2, 10);
        c.health = Health::Unhealthy("/health unhealthy: RAFT NO LEADER".into());
        let mut ms = vec![a, b, c];
        excuse_nospace(&mut ms, &[(1, "NOSPACE".into()), (2, "NOSPACE".into())]);
        assert_eq!(ms[0].health, Health::Up);
        assert_eq!(ms[1].health, Health::Up, "3.4 gives no reason");
        assert!(
            matches!(ms[2].health, Health::Unhealthy(_)),
            "no alarm on m3"
        );
        let mut d = vec![member(4, Some(1), 2, 10)];
        d[0].health = Health::Unhealthy("/health unhealthy".into());
        excuse_nospace(&mut d, &[(1, "CORRUPT".into())]);
        assert!(
            matches!(d[0].health, Health::Unhealthy(_)),
            "no NOSPACE on it"
        );
    }

    fn judged(members: &[MemberStatus], progress: &mut Progress) -> Vec<Health> {
        let mut ms = members.to_vec();
        classify(&mut ms, progress);
        ms.into_iter().map(|m| m.health).collect()
    }

    #[test]
    fn no_leader_another_term_or_a_stalled_index_is_cut_off() {
        let mut p = Progress::default();
        let up = [
            member(1, Some(1), 5, 100),
            member(2, Some(1), 5, 100),
            member(3, Some(1), 5, 100),
        ];
        assert!(judged(&up, &mut p).iter().all(|h| *h == Health::Up));
        // A quiet cluster: nobody moves, nobody is stalled.
        assert!(judged(&up, &mut p).iter().all(|h| *h == Health::Up));

        let no_leader = [up[0].clone(), up[1].clone(), member(3, None, 5, 100)];
        let h = judged(&no_leader, &mut p);
        assert_eq!(h[2], Health::CutOff("sees no leader".into()));
        assert_eq!(h[0], Health::Up);

        // 3.4 without pre-vote: the cut-off member's term climbs; an old leader may
        // still believe in itself at an older term. The newest term with a leader wins.
        let old_leader = [
            member(1, Some(1), 5, 100),
            member(2, Some(2), 6, 100),
            member(3, Some(2), 6, 100),
        ];
        let h = judged(&old_leader, &mut p);
        assert!(
            matches!(&h[0], Health::CutOff(why) if why.contains("majority follows m2 at term 6")),
            "{h:?}"
        );
        assert_eq!((&h[1], &h[2]), (&Health::Up, &Health::Up));

        // The leader moved on twice, member 3 stayed where it was.
        let mut p = Progress::default();
        judged(
            &[member(1, Some(1), 5, 100), member(3, Some(1), 5, 100)],
            &mut p,
        );
        let h = judged(
            &[member(1, Some(1), 5, 180), member(3, Some(1), 5, 100)],
            &mut p,
        );
        assert_eq!(
            h[1],
            Health::Up,
            "behind, but not yet behind where the leader was"
        );
        let h = judged(
            &[member(1, Some(1), 5, 260), member(3, Some(1), 5, 100)],
            &mut p,
        );
        assert!(
            matches!(&h[1], Health::CutOff(why) if why.contains("stays at 100")),
            "{h:?}"
        );
    }

    #[test]
    fn its_own_health_decides_up_or_unhealthy_but_a_timeout_says_nothing() {
        let mut p = Progress::default();
        let mut a = member(1, Some(1), 5, 100);
        let mut b = member(2, Some(1), 5, 100);
        a.probes.health = Some(Probe::Unhealthy("NOSPACE".into()));
        b.probes.health = Some(Probe::Failed(EtcdError::timeout(
            "http://b",
            Duration::from_secs(1),
        )));
        b.probes.readyz = Some(Probe::NotServed);
        let h = judged(&[a, b], &mut p);
        assert_eq!(
            h,
            vec![
                Health::Unhealthy("/health unhealthy: NOSPACE".into()),
                Health::Up
            ]
        );
    }

    #[test]
    fn health_and_readyz_bodies() {
        assert_eq!(from_health(200, r#"{"health":"true"}"#), Probe::Healthy);
        assert_eq!(
            from_health(503, r#"{"health":"false","reason":"RAFT NO LEADER"}"#),
            Probe::Unhealthy("RAFT NO LEADER".into())
        );
        assert_eq!(
            from_health(503, r#"{"health":"false"}"#),
            Probe::Unhealthy(String::new())
        );
        assert_eq!(from_readyz(200, "ok"), Probe::Healthy);
        let body = "[+]serializable_read ok\n[-]linearizable_read failed: timed out\nok";
        assert_eq!(
            from_readyz(503, body),
            Probe::Unhealthy("linearizable_read failed: timed out".into())
        );
    }
}
