//! The Churn view against real etcd: two prefixes written at different rates from a
//! writer task; the busy one ranks first with rates near what was written, the
//! PUT/DELETE split is exact and no event is lost. And the Watch view's diff, now read
//! at revision − 1 instead of through prev_kv, on real etcd, compaction included.

mod common;

use std::time::{Duration, Instant};

use etcdtui::app::churn::ChurnConn;
use etcdtui::app::watch_prev::PrevState;
use etcdtui::app::{Msg, ViewId};
use etcdtui::etcd::watch::PrevValue;
use etcdtui::headless::Headless;

fn connect(c: &etcdtui::localcluster::LocalCluster) -> Headless {
    Headless::connect_spec(
        etcdtui::etcd::ConnectSpec {
            endpoints: c.client_urls(),
            ..Default::default()
        },
        160,
        45,
        false,
    )
}

/// Ticks and feeds etcd's events until `pred` holds.
async fn pump(h: &mut Headless, what: &str, within: Duration, pred: impl Fn(&Headless) -> bool) {
    let deadline = Instant::now() + within;
    while !pred(h) {
        assert!(
            Instant::now() < deadline,
            "{what}: not within {within:?}\n{}",
            h.render(160, 45)
        );
        h.pump_for(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ranks_the_busy_prefix_first_with_exact_counts() {
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    let mut h = connect(&c);
    h.settle_until("connected", |a| a.keys.loaded).await;
    h.keys(":churn /t/\n");
    assert_eq!(h.app.view, ViewId::Churn);
    assert_eq!(h.app.churn.spec.as_ref().map(|s| s.depth), Some(1));
    h.keys("+");
    assert_eq!(h.app.churn.spec.as_ref().map(|s| s.depth), Some(2));
    pump(&mut h, "churn live", Duration::from_secs(10), |h| {
        matches!(h.app.churn.conn, ChurnConn::Live { .. })
    })
    .await;

    // /t/busy/ at ~100 ops/s (one in four a delete), /t/slow/ at ~10/s, for 11 s.
    let urls = c.client_urls();
    let writer = tokio::spawn(async move {
        let mut cl = etcd_client::Client::connect(urls, None)
            .await
            .expect("writer connects");
        let (mut puts, mut deletes, mut slow) = (0u64, 0u64, 0u64);
        let mut bytes = 0u64;
        let start = Instant::now();
        let mut tick = tokio::time::interval(Duration::from_millis(10));
        let mut i = 0u64;
        while start.elapsed() < Duration::from_secs(11) {
            tick.tick().await;
            i += 1;
            if i.is_multiple_of(4) {
                let key = format!("/t/busy/k{}", i - 1);
                cl.delete(key, None).await.expect("delete");
                deletes += 1;
            } else {
                let (key, value) = (format!("/t/busy/k{i}"), "x".repeat(100));
                bytes += (key.len() + value.len()) as u64;
                cl.put(key, value, None).await.expect("put");
                puts += 1;
            }
            if i.is_multiple_of(10) {
                cl.put(format!("/t/slow/k{}", i % 50), "v", None)
                    .await
                    .expect("put");
                slow += 1;
            }
        }
        (puts, deletes, slow, bytes, start.elapsed())
    });
    // Sample the ranking while the writer is still at it, after 10 s of writing.
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(10_500) {
        h.pump_for(Duration::from_millis(200)).await;
    }
    let during = h.app.churn.rates.ranked();
    let (puts, deletes, slow, bytes, took) = writer.await.expect("writer");
    let total = puts + deletes + slow;
    let written_rate = (puts + deletes) as f64 / took.as_secs_f64();
    pump(
        &mut h,
        "every event counted",
        Duration::from_secs(10),
        |h| h.app.churn.rates.total_events >= total,
    )
    .await;
    assert_eq!(
        h.app.churn.rates.total_events, total,
        "no event lost or doubled"
    );

    assert_eq!(during[0].group, "/t/busy/", "{during:?}");
    assert_eq!(during[1].group, "/t/slow/");
    // The 10 s rate against what the writer achieved: within 25 %.
    let seen = during[0].events[0];
    assert!(
        (seen - written_rate).abs() <= 0.25 * written_rate,
        "10 s rate {seen:.1}/s, written {written_rate:.1}/s"
    );
    assert!(during[0].events[0] > 5.0 * during[1].events[0]);

    // Two seconds on, every event sits in a whole second of the 1-minute window.
    let later = Instant::now() + Duration::from_secs(2);
    while Instant::now() < later {
        h.pump_for(Duration::from_millis(200)).await;
    }
    h.msg(Msg::Tick(Instant::now()));
    let rows = h.app.churn.rates.ranked();
    let busy = rows
        .iter()
        .find(|r| r.group == "/t/busy/")
        .expect("busy row");
    assert_eq!((busy.minute.puts, busy.minute.deletes), (puts, deletes));
    let slow_row = rows
        .iter()
        .find(|r| r.group == "/t/slow/")
        .expect("slow row");
    assert_eq!((slow_row.minute.puts, slow_row.minute.deletes), (slow, 0));
    // Bytes: key plus value of every put, over the minute.
    let per_sec = busy.bytes[1];
    let watched = busy.events[1];
    assert!(per_sec > 0.0 && watched > 0.0);
    let counted = (per_sec / watched * (puts + deletes) as f64).round() as u64;
    assert!(
        counted.abs_diff(bytes) <= bytes / 100,
        "{counted} vs {bytes}"
    );
    let screen = h.render(160, 45);
    assert!(screen.contains("/t/busy/"), "{screen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watch_diff_reads_the_previous_value_at_revision_minus_one() {
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    common::etcdctl_ok(&c, &["put", "/d/k", "first"]);
    let mut h = connect(&c);
    h.settle_until("connected", |a| a.keys.loaded).await;
    h.keys(":watch /d/\n");
    h.settle_within("live", Duration::from_secs(10), |a| {
        matches!(
            a.watch.tab().map(|t| &t.state),
            Some(etcdtui::app::watch::TabState::Live { .. })
        )
    })
    .await;
    assert!(!h.app.watch.tab().expect("tab").spec.prev_kv, "no prev_kv");
    common::etcdctl_ok(&c, &["put", "/d/k", "second"]);
    h.settle_until("the event", |a| a.watch.tab().is_some_and(|t| t.total == 1))
        .await;
    let ev = h.app.watch.tab().expect("tab").events[0].ev.clone();
    assert_eq!(ev.prev_value, None, "etcd sent no previous value");
    assert!(
        h.render(160, 45)
            .contains("enter: read the value at revision")
    );
    h.keys("\n");
    h.settle_until("the previous value", |a| {
        matches!(
            a.watch.prev.get(&ev.key, ev.mod_revision),
            Some(PrevState::Loaded(_))
        )
    })
    .await;
    assert_eq!(
        h.app.watch.prev.get(&ev.key, ev.mod_revision),
        Some(&PrevState::Loaded(PrevValue::Value(b"first".to_vec())))
    );
    let screen = h.render(160, 45);
    assert!(
        screen.contains("changes from the previous value"),
        "{screen}"
    );
    assert!(
        screen.contains("- first") && screen.contains("+ second"),
        "{screen}"
    );

    // Once revision − 1 is compacted away, the diff says so.
    common::etcdctl_ok(&c, &["put", "/d/k", "third"]);
    h.settle_until("the third event", |a| {
        a.watch.tab().is_some_and(|t| t.total == 2)
    })
    .await;
    let third = h.app.watch.tab().expect("tab").events[1].ev.clone();
    common::etcdctl_ok(&c, &["compaction", &third.mod_revision.to_string()]);
    h.keys("\n");
    h.settle_until("the compacted answer", |a| {
        matches!(
            a.watch.prev.get(&third.key, third.mod_revision),
            Some(PrevState::Loaded(_))
        )
    })
    .await;
    assert_eq!(
        h.app.watch.prev.get(&third.key, third.mod_revision),
        Some(&PrevState::Loaded(PrevValue::Compacted {
            revision: third.mod_revision
        }))
    );
    let screen = h.render(160, 45);
    assert!(screen.contains("was compacted"), "{screen}");
}
