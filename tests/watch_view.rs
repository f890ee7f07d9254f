//! The Watch view against real etcd: events tail live into a tab, nothing is lost when
//! the serving member dies, pause and filter work on the collected events, `:record`
//! writes JSON lines, a compacted start revision is shown as such.

mod common;

use std::time::{Duration, Instant};

use etcdtui::app::watch::TabState;
use etcdtui::app::{Msg, ViewId};
use etcdtui::headless::Headless;

fn tab(h: &Headless) -> &etcdtui::app::watch::Tab {
    h.app.watch.tab().expect("a watch tab")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tails_writes_survives_a_killed_member_and_records() {
    let Some(mut c) = common::start_cluster(3).await else {
        return;
    };
    let mut spec = etcdtui::etcd::ConnectSpec {
        endpoints: c.client_urls(),
        ..Default::default()
    };
    spec.command_timeout = Duration::from_secs(1);
    let mut h = Headless::connect_spec(spec, 140, 40, false);
    h.settle_until("connected", |a| a.keys.loaded).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let record = dir.path().join("events.jsonl");
    h.keys(":watch /w/\n");
    assert_eq!(h.app.view, ViewId::Watch);
    h.keys(&format!(":record {}\n", record.display()));
    h.settle_within("live", Duration::from_secs(10), |a| {
        matches!(a.watch.tab().map(|t| &t.state), Some(TabState::Live { .. }))
    })
    .await;
    let serving = match &tab(&h).state {
        TabState::Live { endpoint } => endpoint.clone(),
        other => panic!("{other:?}"),
    };
    let victim = (0..3)
        .find(|&i| c.member(i).client_url == serving)
        .expect("serving member");

    // A writer that survives the kill: each key once, retried on another member.
    let urls = c.client_urls();
    let writer = tokio::spawn(async move {
        for i in 0..100 {
            loop {
                let Ok(mut cl) = etcd_client::Client::connect(urls.clone(), None).await else {
                    continue;
                };
                let put = cl.put(format!("/w/k{i:03}"), format!("v{i}"), None);
                if tokio::time::timeout(Duration::from_secs(3), put)
                    .await
                    .is_ok_and(|r| r.is_ok())
                {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
    h.settle_within("first events", Duration::from_secs(10), |a| {
        a.watch.tab().is_some_and(|t| t.total >= 30)
    })
    .await;
    c.kill(victim);
    let deadline = Instant::now() + Duration::from_secs(40);
    while tab(&h).total < 100 {
        assert!(
            Instant::now() < deadline,
            "only {} events arrived",
            tab(&h).total
        );
        h.msg(Msg::Tick(Instant::now()));
        h.settle_within("more events", Duration::from_secs(40), |a| {
            a.watch.tab().is_some_and(|t| t.total >= 100)
        })
        .await;
    }
    writer.await.expect("writer");
    // A retried put can land twice, so 100 events may come before the last key: wait
    // for the last key itself.
    let last = |a: &etcdtui::app::App| {
        a.watch
            .tab()
            .is_some_and(|t| t.events.iter().any(|r| r.ev.key == b"/w/k099"))
    };
    while !last(&h.app) {
        assert!(Instant::now() < deadline, "the last key never arrived");
        h.msg(Msg::Tick(Instant::now()));
        h.settle_within("the last key", Duration::from_secs(40), last)
            .await;
    }
    let t = tab(&h);
    let keys: Vec<String> = t
        .events
        .iter()
        .map(|r| String::from_utf8_lossy(&r.ev.key).into_owned())
        .collect();
    let want: Vec<String> = (0..100).map(|i| format!("/w/k{i:03}")).collect();
    // Retried puts may have landed twice; the watch must show each revision once, in order.
    let revs: Vec<i64> = t.events.iter().map(|r| r.ev.mod_revision).collect();
    assert!(
        revs.windows(2).all(|w| w[0] < w[1]),
        "revisions not strictly increasing"
    );
    let mut dedup = keys.clone();
    dedup.dedup();
    assert_eq!(dedup, want, "every key, in order");
    let lines = std::fs::read_to_string(&record).expect("record file");
    assert_eq!(
        lines.lines().count() as u64,
        t.total,
        "one JSON line per event"
    );

    // Pause holds the display while events keep arriving; the filter narrows.
    h.keys("p");
    let shown = tab(&h).visible().len();
    let live: Vec<String> = (0..3)
        .filter(|&i| i != victim)
        .map(|i| c.member(i).client_url.clone())
        .collect();
    let mut cl = etcd_client::Client::connect(live, None)
        .await
        .expect("connect to the survivors");
    for i in 0..5 {
        cl.put(format!("/w/late{i}"), "x", None).await.expect("put");
    }
    h.settle_within("late events", Duration::from_secs(10), |a| {
        a.watch.tab().is_some_and(|t| t.held_back() == 5)
    })
    .await;
    assert_eq!(tab(&h).visible().len(), shown);
    assert!(h.render_body(140, 30).contains("PAUSED, 5 new"));
    h.keys("p/late\n");
    assert_eq!(tab(&h).visible().len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compacted_start_revision_is_shown_and_r_resumes_from_now() {
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    let mut cl = common::connect(&c).await;
    for i in 0..10 {
        cl.put("/c/k", format!("{i}"), None).await.expect("put");
    }
    let rev = cl
        .get("/c/k", None)
        .await
        .expect("get")
        .header()
        .map(|h| h.revision())
        .unwrap_or(0);
    cl.compact(rev, None).await.expect("compact");
    let mut h = Headless::connect(c.client_urls(), 120, 30);
    h.settle_until("connected", |a| a.keys.loaded).await;
    h.keys(":watch /c/ --rev 2\n");
    h.settle_within("compacted", Duration::from_secs(10), |a| {
        matches!(
            a.watch.tab().map(|t| &t.state),
            Some(TabState::Compacted { .. })
        )
    })
    .await;
    let screen = h.render_body(120, 20);
    assert!(
        screen.contains(&format!("compacted up to {rev}")),
        "{screen}"
    );
    h.keys("R");
    h.settle_within("live again", Duration::from_secs(10), |a| {
        matches!(a.watch.tab().map(|t| &t.state), Some(TabState::Live { .. }))
    })
    .await;
    cl.put("/c/k", "after", None).await.expect("put");
    h.settle_within("new event", Duration::from_secs(10), |a| {
        a.watch.tab().is_some_and(|t| t.total == 1)
    })
    .await;
}
