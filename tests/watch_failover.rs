//! The Watch view's etcd side against real etcd: a watch survives the member serving
//! it being killed or frozen without losing or repeating an event, reports
//! compaction, carries previous values, keeps transactions whole, and stops with its
//! handle.

mod common;

use std::time::Duration;

use etcd_client::{Compare, CompareOp, Txn, TxnOp};
use etcdtui::etcd::connect::{EndpointClient, connect_all};
use etcdtui::etcd::spec::ConnectSpec;
use etcdtui::etcd::watch::{EventKind, WatchEvent, WatchSpec, WatchUpdate, spawn_watch};
use etcdtui::localcluster::LocalCluster;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep, timeout, timeout_at};

/// The watch's command timeout: also how long it lets a stream stay silent before
/// asking for progress, and how long it waits for the answer.
const PATIENCE: Duration = Duration::from_secs(2);
const WAIT: Duration = Duration::from_secs(20);

async fn clients(cluster: &LocalCluster) -> Vec<EndpointClient> {
    let spec = ConnectSpec {
        endpoints: cluster.client_urls(),
        dial_timeout: Duration::from_secs(1),
        command_timeout: PATIENCE,
        ..ConnectSpec::default()
    };
    connect_all(&spec)
        .await
        .expect("usable spec")
        .into_iter()
        .map(|c| c.expect("connect to a member"))
        .collect()
}

fn watch_spec(key: &str, start_revision: Option<i64>, prev_kv: bool) -> WatchSpec {
    WatchSpec {
        key: key.as_bytes().to_vec(),
        prefix: true,
        start_revision,
        prev_kv,
    }
}

async fn next(rx: &mut mpsc::Receiver<WatchUpdate>) -> WatchUpdate {
    timeout(WAIT, rx.recv())
        .await
        .expect("no watch update in time")
        .expect("watch channel closed")
}

/// Waits for `Live`; returns its endpoint and first revision.
async fn live(rx: &mut mpsc::Receiver<WatchUpdate>) -> (String, i64) {
    match next(rx).await {
        WatchUpdate::Live {
            endpoint,
            from_revision,
        } => (endpoint, from_revision),
        other => panic!("expected Live, got {other:?}"),
    }
}

/// Collects events until `n` have arrived; any other update fails the test.
async fn events(rx: &mut mpsc::Receiver<WatchUpdate>, n: usize) -> Vec<WatchEvent> {
    let mut all = Vec::new();
    while all.len() < n {
        match next(rx).await {
            WatchUpdate::Events(batch) => all.extend(batch),
            other => panic!("expected events, got {other:?} after {all:?}"),
        }
    }
    all
}

fn keys(events: &[WatchEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| String::from_utf8_lossy(&e.key).into_owned())
        .collect()
}

/// Writes `/w/k00000`.. one per revision, each exactly once: a put whose answer was
/// lost to a dying leader is retried on the next member, and the create-only guard
/// turns a retry of a put that did land into a no-op.
async fn write_keys(clients: Vec<EndpointClient>, n: usize) {
    let mut at = 0;
    for i in 0..n {
        let key = format!("/w/k{i:05}");
        loop {
            let txn = Txn::new()
                .when([Compare::create_revision(key.clone(), CompareOp::Equal, 0)])
                .and_then([TxnOp::put(key.clone(), format!("v{i}"), None)]);
            let c = &clients[at];
            match c.call(|mut cl| async move { cl.txn(txn).await }).await {
                Ok(_) => break,
                Err(_) => {
                    at = (at + 1) % clients.len();
                    sleep(Duration::from_millis(100)).await;
                }
            }
        }
        // Spread the writes so the fault lands in the middle of the stream.
        sleep(Duration::from_millis(5)).await;
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Fault {
    Kill,
    Freeze,
}

async fn survives(fault: Fault) {
    const N: usize = 300;
    let Some(mut cluster) = common::start_cluster(3).await else {
        return;
    };
    let urls = cluster.client_urls();
    let (tx, mut rx) = mpsc::channel(16);
    let handle = spawn_watch(clients(&cluster).await, watch_spec("/w/", None, false), tx);
    let (serving, _) = live(&mut rx).await;
    assert_eq!(serving, urls[0], "the watch starts on the first endpoint");
    let victim = 0;
    let writer = tokio::spawn(write_keys(clients(&cluster).await, N));
    let role = match clients(&cluster).await[victim]
        .client
        .clone()
        .status()
        .await
    {
        Ok(s) if s.leader() == s.header().map_or(0, |h| h.member_id()) => "leader",
        Ok(_) => "follower",
        Err(_) => "member",
    };

    let started = Instant::now();
    let deadline = started + Duration::from_secs(45);
    let mut seen: Vec<WatchEvent> = Vec::new();
    let mut faulted_at = None;
    let mut reconnecting = 0;
    let mut failed_over_to = None;
    while seen.len() < N {
        let update = timeout_at(deadline, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("only {} of {N} events in time", seen.len()))
            .expect("watch channel closed");
        match update {
            WatchUpdate::Events(batch) => {
                seen.extend(batch);
                if faulted_at.is_none() && seen.len() >= 100 {
                    match fault {
                        Fault::Kill => cluster.kill(victim),
                        Fault::Freeze => cluster.stop_signal(victim),
                    }
                    faulted_at = Some(Instant::now());
                }
            }
            WatchUpdate::Reconnecting { error, .. } => {
                assert!(
                    faulted_at.is_some(),
                    "reconnecting before the fault: {error}"
                );
                eprintln!("reconnecting: {error} ({:?})", error.problem);
                reconnecting += 1;
            }
            WatchUpdate::Live {
                endpoint,
                from_revision,
            } => {
                assert!(reconnecting > 0, "Live again without Reconnecting");
                let last = seen.last().map_or(0, |e| e.mod_revision);
                assert_eq!(from_revision, last + 1, "resumes after the last event");
                assert_ne!(endpoint, serving, "resumed on the faulty member");
                failed_over_to.get_or_insert((endpoint, faulted_at.map(|t| t.elapsed())));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    writer.await.expect("writer finished");
    // Anything arriving now would be a repeat.
    sleep(Duration::from_millis(300)).await;
    if let Ok(WatchUpdate::Events(extra)) = rx.try_recv() {
        panic!("events after the last key: {:?}", keys(&extra));
    }
    if fault == Fault::Freeze {
        cluster.cont_signal(victim);
    }
    drop(handle);

    let want: Vec<String> = (0..N).map(|i| format!("/w/k{i:05}")).collect();
    assert_eq!(keys(&seen), want, "every key once, in order");
    for pair in seen.windows(2) {
        assert!(pair[0].mod_revision < pair[1].mod_revision, "{pair:?}");
    }
    let (endpoint, after) = failed_over_to.expect("the watch moved to another member");
    let signal = if fault == Fault::Kill {
        "SIGKILL"
    } else {
        "SIGSTOP"
    };
    eprintln!(
        "{signal} the {role}: failed over to {endpoint} {after:?} after the fault, {reconnecting} reconnect(s), {:?} in all",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_member_loses_and_repeats_nothing() {
    survives(Fault::Kill).await;
}

/// A frozen member keeps its connections open and says nothing: only the unanswered
/// progress request reveals it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frozen_member_loses_and_repeats_nothing() {
    survives(Fault::Freeze).await;
}

/// A "from now" watch that fails before delivering anything resumes after the
/// revision it was created at, not from whatever "now" is on the next member.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_between_creation_and_failure_are_not_lost() {
    let Some(cluster) = common::start_cluster(3).await else {
        return;
    };
    let (tx, mut rx) = mpsc::channel(16);
    let _handle = spawn_watch(clients(&cluster).await, watch_spec("/w/", None, false), tx);
    let (serving, from) = live(&mut rx).await;
    cluster.stop_signal(0);
    // Written through the two others while the watch still waits on the frozen one.
    let mut others = clients(&cluster).await;
    others.remove(0);
    write_keys(others, 3).await;
    let WatchUpdate::Reconnecting { resume_from, .. } = next(&mut rx).await else {
        panic!("expected Reconnecting");
    };
    assert_eq!(resume_from, from);
    let (endpoint, resumed) = live(&mut rx).await;
    assert_ne!(endpoint, serving);
    assert_eq!(resumed, from);
    let got = events(&mut rx, 3).await;
    assert_eq!(keys(&got), ["/w/k00000", "/w/k00001", "/w/k00002"]);
    cluster.cont_signal(0);
}

/// A member cut off from the others still answers progress requests from its own
/// state, but it can no longer serve a linearizable read: that is how the watch
/// notices it will never see another event. (Freezing the two others cuts it off
/// without touching the network.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn member_without_quorum_is_left() {
    let Some(cluster) = common::start_cluster(3).await else {
        return;
    };
    let (tx, mut rx) = mpsc::channel(16);
    let _handle = spawn_watch(clients(&cluster).await, watch_spec("/q/", None, false), tx);
    let (serving, _) = live(&mut rx).await;
    cluster.stop_signal(1);
    cluster.stop_signal(2);
    let cut_off = Instant::now();
    let WatchUpdate::Reconnecting { error, .. } = next(&mut rx).await else {
        panic!("expected Reconnecting");
    };
    eprintln!(
        "left the cut-off member after {:?}: {error}",
        cut_off.elapsed()
    );
    assert_eq!(error.endpoint.as_deref(), Some(serving.as_str()));
    assert!(cut_off.elapsed() < PATIENCE * 3, "{:?}", cut_off.elapsed());
    cluster.cont_signal(1);
    cluster.cont_signal(2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compaction_is_reported_and_resume_from_now_continues() {
    let Some(cluster) = common::start_cluster(1).await else {
        return;
    };
    let mut client = common::connect(&cluster).await;
    let mut rev = 0;
    for i in 0..5 {
        let r = client
            .put(format!("/c/k{i}"), "v", None)
            .await
            .expect("put");
        rev = r.header().map_or(0, |h| h.revision());
    }
    client.compact(rev, None).await.expect("compact");

    let (tx, mut rx) = mpsc::channel(16);
    let handle = spawn_watch(
        clients(&cluster).await,
        watch_spec("/c/", Some(2), false),
        tx,
    );
    // etcd confirms the watch before it notices the compaction.
    let compacted = loop {
        match next(&mut rx).await {
            WatchUpdate::Live { .. } => {}
            other => break other,
        }
    };
    assert_eq!(
        compacted,
        WatchUpdate::Compacted {
            requested: 2,
            compact_revision: rev
        }
    );

    handle.resume_from_now();
    let (_, from) = live(&mut rx).await;
    assert_eq!(from, rev + 1, "resumes from the current revision");
    client.put("/c/new", "n", None).await.expect("put");
    let got = events(&mut rx, 1).await;
    assert_eq!(keys(&got), ["/c/new"]);
    assert_eq!(got[0].mod_revision, from);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn previous_values_and_whole_transactions() {
    let Some(cluster) = common::start_cluster(1).await else {
        return;
    };
    let mut client = common::connect(&cluster).await;
    client.put("/p/a", "1", None).await.expect("put");
    let (tx, mut rx) = mpsc::channel(16);
    let _handle = spawn_watch(clients(&cluster).await, watch_spec("/p/", None, true), tx);
    live(&mut rx).await;

    client.put("/p/a", "2", None).await.expect("put");
    client.delete("/p/a", None).await.expect("delete");
    let got = events(&mut rx, 2).await;
    assert_eq!(got[0].kind, EventKind::Put);
    assert_eq!(got[0].value, b"2");
    assert_eq!(got[0].prev_value.as_deref(), Some(&b"1"[..]));
    assert_eq!(got[1].kind, EventKind::Delete);
    assert_eq!(got[1].key, b"/p/a");
    assert!(got[1].value.is_empty());
    assert_eq!(got[1].prev_value.as_deref(), Some(&b"2"[..]));

    let puts = ["x", "y", "z"].map(|k| TxnOp::put(format!("/p/{k}"), k, None));
    client.txn(Txn::new().and_then(puts)).await.expect("txn");
    let WatchUpdate::Events(batch) = next(&mut rx).await else {
        panic!("expected the transaction's events");
    };
    assert_eq!(keys(&batch), ["/p/x", "/p/y", "/p/z"], "one message");
    assert!(
        batch
            .iter()
            .all(|e| e.mod_revision == batch[0].mod_revision)
    );
    assert!(batch.iter().all(|e| e.prev_value.is_none()), "new keys");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_from_a_given_revision() {
    let Some(cluster) = common::start_cluster(1).await else {
        return;
    };
    let mut client = common::connect(&cluster).await;
    let first = client.put("/h/a", "1", None).await.expect("put");
    let start = first.header().map_or(0, |h| h.revision());
    client.put("/h/b", "2", None).await.expect("put");
    client.put("/h/c", "3", None).await.expect("put");

    let (tx, mut rx) = mpsc::channel(16);
    let _handle = spawn_watch(
        clients(&cluster).await,
        watch_spec("/h/", Some(start), false),
        tx,
    );
    let (_, from) = live(&mut rx).await;
    assert_eq!(from, start);
    let got = events(&mut rx, 3).await;
    assert_eq!(keys(&got), ["/h/a", "/h/b", "/h/c"]);
    let revs: Vec<i64> = got.iter().map(|e| e.mod_revision).collect();
    assert_eq!(revs, [start, start + 1, start + 2]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_or_stopping_the_handle_ends_the_watch() {
    let Some(cluster) = common::start_cluster(1).await else {
        return;
    };
    let mut client = common::connect(&cluster).await;

    let (tx, mut rx) = mpsc::channel(16);
    let handle = spawn_watch(clients(&cluster).await, watch_spec("/d/", None, false), tx);
    live(&mut rx).await;
    drop(handle);
    client.put("/d/after-drop", "x", None).await.expect("put");
    let last = timeout(WAIT, rx.recv()).await.expect("channel closes");
    assert_eq!(last, None, "nothing is sent after the handle is dropped");

    let (tx, mut rx) = mpsc::channel(16);
    let handle = spawn_watch(clients(&cluster).await, watch_spec("/d/", None, false), tx);
    live(&mut rx).await;
    handle.stop();
    let reason = "stopped".to_string();
    assert_eq!(next(&mut rx).await, WatchUpdate::Cancelled { reason });
    client.put("/d/after-stop", "x", None).await.expect("put");
    let last = timeout(WAIT, rx.recv()).await.expect("channel closes");
    assert_eq!(last, None, "nothing is sent after Cancelled");
}
