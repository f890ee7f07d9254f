//! The Churn view as a prefix-scoped read-only user: etcd refuses a watch on the whole
//! keyspace to it, so churn watches the prefix its role may read; a `:churn` on a
//! prefix it may not read says "not permitted" in place, never a disconnection.

mod common;

use std::time::Duration;

use common::privilege;
use etcdtui::app::churn::ChurnConn;
use etcdtui::app::{ConnState, ViewId};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_user_churns_what_it_may_read() {
    let Some(s) = privilege::seed().await else {
        return;
    };
    let mut h = privilege::connect_learnt(privilege::spec(&s.cluster, "ro"), "ro").await;
    h.keys("7");
    assert_eq!(h.app.view, ViewId::Churn);
    assert_eq!(
        h.app.churn.spec.as_ref().map(|s| s.prefix.clone()),
        Some(b"/app/".to_vec()),
        "the role's prefix, not the whole keyspace"
    );
    h.pump_until("churn live", Duration::from_secs(10), |a| {
        matches!(a.churn.conn, ChurnConn::Live { .. })
    })
    .await;
    let opts = etcd_client::ConnectOptions::new().with_user("rw", "rwpw");
    let mut rw = etcd_client::Client::connect(s.cluster.client_urls(), Some(opts))
        .await
        .expect("rw connects");
    for i in 0..5 {
        rw.put(format!("/app/n/{i}"), "v", None).await.expect("put");
    }
    h.pump_until("five events", Duration::from_secs(10), |a| {
        a.churn.rates.total_events == 5
    })
    .await;

    h.keys(":churn /other/\n");
    h.pump_until("refused", Duration::from_secs(10), |a| {
        matches!(a.churn.conn, ChurnConn::Cancelled { .. })
    })
    .await;
    let screen = h.render(120, 30);
    assert!(
        screen.contains("not permitted: this user may not watch /other/"),
        "{screen}"
    );
    assert!(matches!(h.app.conn, ConnState::Connected { .. }));
}
