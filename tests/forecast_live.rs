//! The forecast against real etcd: a member filled with 120 MiB and emptied again
//! (deleted and compacted) has a DB file mostly of free pages; the Cluster view's
//! forecast line and the check report what a defragmentation would free, equal to
//! `status`'s dbSize − dbSizeInUse, and the check suggests the defragmentation.

mod common;

use std::time::Duration;

use etcdtui::app::ViewId;
use etcdtui::checks::Status;
use etcdtui::checks::forecast::mib;
use etcdtui::headless::Headless;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defragmentation_figure_equals_status_numbers() {
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    let mut cl = common::connect(&c).await;
    let value = vec![b'x'; 1 << 20];
    for i in 0..120 {
        cl.put(format!("/fill/{i:03}"), value.clone(), None)
            .await
            .expect("put");
    }
    let del = cl
        .delete(
            "/fill/",
            Some(etcd_client::DeleteOptions::new().with_prefix()),
        )
        .await
        .expect("delete");
    let rev = del.header().expect("header").revision();
    cl.compact(
        rev,
        Some(etcd_client::CompactionOptions::new().with_physical()),
    )
    .await
    .expect("compact");
    // bbolt releases freed pages only once no older transaction reads them: a few
    // small writes (each a backend commit) let the compacted pages count as free.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let (size, in_use) = loop {
        cl.put("/tick", "x", None).await.expect("put");
        tokio::time::sleep(Duration::from_millis(200)).await;
        let st = cl.status().await.expect("status");
        let (size, in_use) = (st.db_size(), st.raft_used_db_size());
        if size - in_use > 100 << 20 {
            break (size, in_use);
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still in use: {size} - {in_use}"
        );
    };
    let free = size - in_use;

    let mut h = Headless::connect(c.client_urls(), 160, 45);
    h.settle_until("connected", |a| a.keys.loaded).await;
    h.keys("3");
    assert_eq!(h.app.view, ViewId::Cluster);
    h.settle_until("member status", |a| {
        a.cluster
            .snapshot
            .as_ref()
            .is_some_and(|s| s.members.iter().any(|m| m.db_size_in_use.is_some()))
    })
    .await;
    let screen = h.render(160, 45);
    let line = format!("defragmentation would free {}", mib(free));
    assert!(screen.contains(&line), "want {line:?} in\n{screen}");

    h.keys("6");
    h.settle_within("checks", Duration::from_secs(30), |a| {
        a.checks.list.is_some()
    })
    .await;
    let list = h.app.checks.list.clone().expect("checks");
    let check = list
        .iter()
        .find(|c| c.name == "forecast")
        .expect("the forecast check");
    let name = &c.member(0).name;
    let want = format!("defragmentation of {name} would free {}", mib(free));
    assert!(check.value.contains(&want), "want {want:?} in {check:?}");
    assert_eq!(check.status, Status::Warn, "{check:?}");
    assert!(
        check.next.contains(&format!("defragment {name}")),
        "{check:?}"
    );
}
