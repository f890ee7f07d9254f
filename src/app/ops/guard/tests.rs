use super::*;
use crate::etcd::Problem;
use crate::etcd::errors::EtcdError;

fn member(id: u64, up: bool, learner: bool, index: u64) -> MemberStatus {
    MemberStatus {
        id,
        name: format!("m{id}"),
        peer_urls: Vec::new(),
        client_urls: vec![format!("http://127.0.0.1:{id}")],
        is_learner: learner,
        health: if up {
            Health::Up
        } else {
            Health::Unreachable(EtcdError::new(Problem::Unreachable, None, "refused"))
        },
        version: None,
        db_size: None,
        db_size_in_use: None,
        leader: Some(1),
        raft_term: Some(2),
        raft_index: Some(index),
        raft_applied_index: Some(index),
        errors: Vec::new(),
        quota: None,
        rtt: None,
        since_36: None,
        probes: Default::default(),
    }
}

fn cluster(members: Vec<MemberStatus>) -> ClusterSnapshot {
    ClusterSnapshot {
        members,
        leader: Some(1),
        alarms: Vec::new(),
        alarms_error: None,
        cluster_id: 1,
        revision: 50_000,
        member_list_from: String::new(),
    }
}

fn healthy3() -> ClusterSnapshot {
    cluster((1..=3).map(|i| member(i, true, false, 1000)).collect())
}

#[test]
fn removing_a_follower_of_a_healthy_three_leaves_two_with_no_tolerance() {
    let s = healthy3();
    let impact = remove(&s, &s.members[1]).unwrap();
    assert_eq!(
        impact,
        "after removing m2: 2 members, 2 voters, quorum 2, tolerates 0 failures"
    );
}

#[test]
fn removing_the_leader_is_refused_with_the_way_out() {
    let s = healthy3();
    let why = remove(&s, &s.members[0]).unwrap_err();
    assert!(why.contains("m1 is the leader"), "{why}");
    assert!(why.contains("move leadership"), "{why}");
}

#[test]
fn removing_a_healthy_voter_when_another_is_down_is_refused() {
    let mut s = healthy3();
    s.members[2] = member(3, false, false, 0);
    let why = remove(&s, &s.members[1]).unwrap_err();
    assert!(why.contains("1 of 2 voters would be healthy"), "{why}");
    // Removing the dead one is what fixes the cluster, and is allowed.
    let ok = remove(&s, &s.members[2]).unwrap();
    assert!(ok.ends_with("quorum 2, tolerates 0 failures"), "{ok}");
}

#[test]
fn the_only_member_cannot_be_removed() {
    let s = cluster(vec![member(1, true, false, 10)]);
    assert!(
        remove(&s, &s.members[0])
            .unwrap_err()
            .contains("only member")
    );
}

#[test]
fn a_voter_is_not_added_to_an_unhealthy_cluster_but_a_learner_is() {
    let mut s = healthy3();
    s.members[2] = member(3, false, false, 0);
    let why = add(&s, true).unwrap_err();
    assert!(why.starts_with("m3 down"), "{why}");
    assert!(add(&s, false).unwrap().contains("does not vote"));
    let ok = add(&healthy3(), true).unwrap();
    assert_eq!(
        ok,
        "after adding: 4 voters, quorum 3, tolerates 1 failure; until the new member starts: \
         4 voters, quorum 3, tolerates 0 failures"
    );
}

#[test]
fn one_learner_at_a_time() {
    let mut s = healthy3();
    s.members.push(member(4, true, true, 1000));
    assert!(add(&s, false).unwrap_err().contains("promote or remove m4"));
}

#[test]
fn a_learner_is_promoted_only_once_caught_up() {
    let mut s = healthy3();
    s.members[0].raft_index = Some(100_000);
    s.members.push(member(4, true, true, 50_000));
    let why = promote(&s, &s.members[3]).unwrap_err();
    assert!(why.contains("50000 behind"), "{why}");
    s.members[3].raft_applied_index = Some(99_990);
    let ok = promote(&s, &s.members[3]).unwrap();
    assert!(
        ok.contains("4 voters, quorum 3, tolerates 1 failure"),
        "{ok}"
    );
    assert!(
        promote(&s, &s.members[1])
            .unwrap_err()
            .contains("already a voting")
    );
}

#[test]
fn leadership_moves_only_to_a_started_voter() {
    let mut s = healthy3();
    s.members.push(member(4, true, true, 1000));
    s.members[2] = member(3, false, false, 0);
    assert_eq!(move_leader(&s, &s.members[1]).unwrap().name, "m1");
    assert!(
        move_leader(&s, &s.members[0])
            .unwrap_err()
            .contains("already leads")
    );
    assert!(
        move_leader(&s, &s.members[2])
            .unwrap_err()
            .contains("not reachable")
    );
    assert!(
        move_leader(&s, &s.members[3])
            .unwrap_err()
            .contains("learner")
    );
}

#[test]
fn defragmentation_visits_followers_first_and_the_leader_last() {
    let mut s = healthy3();
    s.leader = Some(2);
    s.members.push(member(4, false, false, 0));
    let (order, skipped) = defrag_order(&s);
    let names: Vec<&str> = order.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["m1", "m3", "m2"]);
    assert_eq!(skipped, ["m4"]);
}

#[test]
fn compaction_keeps_the_last_revisions() {
    assert_eq!(compact_target(50_000, 10_000), Ok(40_000));
    assert!(
        compact_target(9_000, 10_000)
            .unwrap_err()
            .contains("nothing to compact")
    );
}
