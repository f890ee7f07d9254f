//! The Leases view against real etcd: TTLs counting down, keys per lease, jumping to a
//! key, revoke (typed ID) deleting the keys, 100,000 leases without a stall.

mod common;

use std::time::{Duration, Instant};

use etcd_client::PutOptions;
use etcdtui::app::{Msg, Overlay, ViewId};
use etcdtui::headless::Headless;
use etcdtui::keymap::{Key, KeyCode};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leases_show_ttls_counting_down_their_keys_and_revoke_deletes_them() {
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    let mut client = common::connect(&c).await;
    let short = client.lease_grant(300, None).await.expect("grant").id();
    let long = client.lease_grant(3600, None).await.expect("grant").id();
    for i in 0..3 {
        client
            .put(
                format!("/svc/instance-{i}"),
                "up",
                Some(PutOptions::new().with_lease(short)),
            )
            .await
            .expect("put");
    }
    let mut h = Headless::connect(c.client_urls(), 110, 30);
    h.settle_until("connected", |a| a.keys.loaded).await;
    h.keys("4");
    h.settle_until("leases", |a| a.leases.loaded && a.leases.details.len() == 2)
        .await;
    assert_eq!(h.app.view, ViewId::Leases);
    let mut ids = vec![short, long];
    ids.sort_unstable();
    assert_eq!(h.app.leases.ids, ids);
    let short_info = &h.app.leases.details[&short].0;
    assert_eq!(short_info.granted_ttl, 300);
    assert_eq!(short_info.keys.len(), 3);
    // The remaining TTL counts down on the clock, without asking etcd again.
    let now = h.app.now;
    let before = h.app.leases.remaining(short, now).expect("known");
    h.msg(Msg::Tick(now + Duration::from_secs(5)));
    let after = h.app.leases.remaining(short, h.app.now).expect("known");
    assert!(after <= before - 4, "{before} -> {after}");
    let screen = h.render_body(110, 14);
    for want in [
        "300s",
        "3600s",
        &format!("{short:x}"),
        "/svc/instance-0",
        "/svc/instance-2",
    ] {
        assert!(screen.contains(want), "{want} missing from\n{screen}");
    }

    // Select the short lease, open its keys, jump to one in the Keys view.
    while h.app.leases.selected() != Some(short) {
        h.keys("j");
    }
    h.key(Key::plain(KeyCode::Enter));
    h.keys("j");
    h.key(Key::plain(KeyCode::Enter));
    h.settle().await;
    assert_eq!(h.app.view, ViewId::Keys);
    assert_eq!(h.selected_key(), Some(b"/svc/instance-1".to_vec()));

    // Revoke needs the ID typed; then the keys are gone.
    h.keys("4h");
    h.keys("R");
    let Overlay::Confirm(dialog) = &h.app.overlay else {
        panic!("no dialog")
    };
    assert!(dialog.lines[0].contains("3 keys"), "{:?}", dialog.lines);
    h.keys(&format!("{short:x}\n"));
    h.settle().await;
    let left = client
        .get("/svc/", Some(etcd_client::GetOptions::new().with_prefix()))
        .await
        .expect("get");
    assert_eq!(left.count(), 0, "revoking the lease deleted its keys");
    assert_eq!(h.app.leases.ids, vec![long]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_leases_list_without_a_stall() {
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    let client = common::connect(&c).await;
    let started = Instant::now();
    let total = 100_000;
    let workers = 64;
    let mut tasks = Vec::new();
    for w in 0..workers {
        let mut cl = client.clone();
        tasks.push(tokio::spawn(async move {
            for _ in (w..total).step_by(workers) {
                cl.lease_grant(3600, None).await.expect("grant");
            }
        }));
    }
    for t in tasks {
        t.await.expect("granting task");
    }
    eprintln!("granted {total} leases in {:?}", started.elapsed());
    let mut h = Headless::connect(c.client_urls(), 110, 30);
    h.settle_until("connected", |a| a.keys.loaded).await;
    h.keys("4");
    h.settle_until("leases", |a| a.leases.loaded).await;
    assert_eq!(h.app.leases.ids.len(), total);
    // Only the rows on screen were asked about, not 100,000.
    assert!(
        h.app.leases.details.len() <= 64,
        "{}",
        h.app.leases.details.len()
    );
    h.keys("G");
    h.settle().await;
    let last = *h.app.leases.ids.last().expect("ids");
    assert!(
        h.app.leases.details.contains_key(&last),
        "the bottom rows got their details"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubernetes_leases_are_labelled_with_their_holder() {
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    let mut client = common::connect(&c).await;
    etcdtui::demo::seed::seed(&mut client).await.expect("seed");
    // A leader-election Lease object attached to an etcd lease, as an operator might find.
    let node_lease = client
        .get("/registry/leases/kube-node-lease/node-2", None)
        .await
        .expect("get")
        .kvs()
        .first()
        .map(|kv| kv.value().to_vec())
        .expect("seeded node lease");
    let lease = client.lease_grant(600, None).await.expect("grant").id();
    client
        .put(
            "/registry/leases/kube-system/elected",
            node_lease,
            Some(PutOptions::new().with_lease(lease)),
        )
        .await
        .expect("put");
    let mut h = Headless::connect(c.client_urls(), 140, 40);
    h.settle_until("connected", |a| a.keys.loaded).await;
    h.keys("4");
    h.settle_until("leases", |a| a.leases.loaded && !a.leases.k8s.is_empty())
        .await;
    let holders: Vec<(String, Option<String>)> = h
        .app
        .leases
        .k8s
        .iter()
        .map(|l| {
            (
                String::from_utf8_lossy(&l.key).into_owned(),
                l.holder.clone(),
            )
        })
        .collect();
    assert!(
        holders.contains(&(
            "/registry/leases/kube-node-lease/node-1".into(),
            Some("node-1".into())
        )),
        "{holders:?}"
    );
    while h.app.leases.selected() != Some(lease) {
        h.keys("j");
    }
    h.settle().await;
    let screen = h.render_body(140, 30);
    assert!(
        screen.contains("kube-node-lease/node-3") && screen.contains("node-3"),
        "{screen}"
    );
    assert!(
        screen.contains("/registry/leases/kube-system/elected  (held by node-2)"),
        "{screen}"
    );
}
