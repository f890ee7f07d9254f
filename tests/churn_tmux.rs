//! The Churn view in the real binary: Events flood one namespace while another
//! namespace writes slowly; the ranking names the flooded one first within 10 s.

mod common;
mod tmux;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tmux::{Tmux, require_tmux};

const T: Duration = Duration::from_secs(15);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_events_in_one_namespace_is_named_first() {
    let Some(()) = require_tmux() else { return };
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    let args = format!(
        "--endpoints {} --kubeadm-manifest /nonexistent",
        c.client_urls()[0]
    );
    let t = Tmux::start(&args, &[], 160, 45);
    t.wait_for("Keys", T);
    t.key("7");
    t.wait_for("live on", T);

    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    // Flood: as fast as one client goes. Calm: two writes a second.
    for (ns, pause) in [("flood-ns", None), ("calm-ns", Some(500u64))] {
        let urls = c.client_urls();
        let stop = stop.clone();
        writers.push(tokio::spawn(async move {
            let mut cl = etcd_client::Client::connect(urls, None)
                .await
                .expect("writer connects");
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let key = format!("/registry/events/{ns}/ev-{}", i % 200);
                cl.put(key, format!("{{\"count\":{i}}}"), None)
                    .await
                    .expect("put");
                i += 1;
                if let Some(ms) = pause {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                }
            }
        }));
    }
    let started = Instant::now();
    // The first data row is the busiest group, once both groups are on screen and
    // the first has a rate of its own.
    let first_row = |s: &str| {
        s.lines()
            // Rows are named as du names them: the kind, then the namespace.
            .find(|l| l.contains("Event in "))
            .unwrap_or_default()
            .to_string()
    };
    let screen = t.wait_until("both namespaces ranked", Duration::from_secs(10), |s| {
        s.contains("calm-ns") && !first_row(s).contains(" 0.0    0.0 ")
    });
    let elapsed = started.elapsed();
    let first = first_row(&screen);
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.expect("writer");
    }
    assert!(
        first.contains("Event in flood-ns"),
        "first row {first:?} in\n{screen}"
    );
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    t.key("q");
    t.assert_clean_exit();
}
