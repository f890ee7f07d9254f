//! The fault suite, writes part: a value edited in the Keys view is written to the
//! leader just as it freezes. Nothing may be written half: etcd holds the old value or
//! the new one, never anything else, and once the cluster is back the screen shows
//! what etcd holds; meanwhile the UI says the outcome is not known and keeps the edit.
//! (On etcd 3.5 the write is often applied after the app has given up on it, once the
//! leader thaws: exactly why "timed out" must not read as "not written".)

mod common;

use std::time::{Duration, Instant};

use etcdtui::app::{App, Overlay};
use etcdtui::etcd::ConnectSpec;
use etcdtui::headless::Headless;
use etcdtui::localcluster::LocalCluster;

const W: u16 = 110;
const H: u16 = 30;
const KEY: &str = "/fault/config";

/// Member index of the current leader, asked of etcd itself.
async fn leader(c: &LocalCluster) -> usize {
    let mut client = common::connect(c).await;
    let id = client.status().await.expect("status").leader();
    let members = client.member_list().await.expect("member list");
    let name = members
        .members()
        .iter()
        .find(|m| m.id() == id)
        .map(|m| m.name().to_string())
        .expect("the leader is listed");
    (0..c.size())
        .find(|&i| c.member(i).name == name)
        .expect("the leader is ours")
}

/// The value every member that answers agrees on, once they do.
async fn agreed_value(c: &LocalCluster) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut values = Vec::new();
        for i in 0..c.size() {
            let opts = etcd_client::ConnectOptions::new()
                .with_connect_timeout(Duration::from_secs(2))
                .with_timeout(Duration::from_secs(3));
            let url = c.member(i).client_url.clone();
            if let Ok(mut cl) = etcd_client::Client::connect([url], Some(opts)).await
                && let Ok(r) = cl.get(KEY, None).await
            {
                values.push(
                    r.kvs()
                        .first()
                        .map(|kv| kv.value_str().unwrap_or("?").to_string()),
                );
            }
        }
        if values.len() == c.size() && values.iter().all(|v| v == &values[0]) {
            return values[0].clone().expect("the key exists");
        }
        assert!(Instant::now() < deadline, "members disagree: {values:?}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

fn shown_value(a: &App) -> Option<String> {
    let v = a.keys.value.as_ref()?;
    v.kv.as_ref()
        .map(|kv| String::from_utf8_lossy(&kv.value).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_written_to_a_freezing_leader_is_all_or_nothing() {
    let Some(c) = common::start_cluster(3).await else {
        return;
    };
    common::etcdctl_ok(&c, &["put", KEY, "old"]);
    let l = leader(&c).await;
    // The leader first, so the app writes through it.
    let mut endpoints = vec![c.member(l).client_url.clone()];
    endpoints.extend(
        (0..3)
            .filter(|&i| i != l)
            .map(|i| c.member(i).client_url.clone()),
    );
    let spec = ConnectSpec {
        endpoints,
        dial_timeout: Duration::from_secs(1),
        command_timeout: Duration::from_secs(2),
        ..ConnectSpec::default()
    };
    let mut h = Headless::connect_spec(spec, W, H, false);
    h.settle_until("tree", |a| a.keys.loaded).await;
    h.keys(&format!(":goto {KEY}\n"));
    h.settle_until("value", |a| shown_value(a).as_deref() == Some("old"))
        .await;
    h.editor = Some(Box::new(|_: &[u8]| b"new".to_vec()));
    h.keys("e");
    assert!(
        matches!(h.app.overlay, Overlay::Confirm(_)),
        "{:?}",
        h.app.status
    );

    c.stop_signal(l);
    h.keys("y");
    h.settle_within("the write to end", Duration::from_secs(20), |_| true)
        .await;
    let screen = h.render(W, H);
    eprintln!("write to the frozen leader:\n{screen}");
    let said = h
        .app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(said.starts_with(&format!("{KEY}: timed out")), "{said}");
    assert!(said.contains("may or may not have been written"), "{said}");
    assert!(said.contains("your edit is kept"), "{said}");
    assert!(screen.contains("may or may not"), "{screen}");
    let draft = h
        .drafts
        .path()
        .read_dir()
        .expect("drafts")
        .filter_map(|e| e.ok())
        .find(|e| e.file_name().to_string_lossy().starts_with("draft"))
        .map(|e| e.path())
        .expect("the draft is kept");
    assert_eq!(std::fs::read(&draft).expect("draft"), b"new");

    c.cont_signal(l);
    // The request may still sit in the thawed leader's socket and be applied now, after
    // the app gave up on it (etcd 3.5 does so): so no single read of etcd is final.
    // Every read must find the old or the new value, and the screen must come to show
    // what etcd holds.
    let deadline = Instant::now() + Duration::from_secs(40);
    let mut stored = agreed_value(&c).await;
    loop {
        assert!(
            stored == "old" || stored == "new",
            "half written: {stored:?}"
        );
        if shown_value(&h.app).as_deref() == Some(stored.as_str()) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "shows {:?}, etcd holds {stored:?}\n{}",
            shown_value(&h.app),
            h.render(W, H)
        );
        h.keys("r");
        h.pump_for(Duration::from_millis(700)).await;
        stored = agreed_value(&c).await;
    }
    eprintln!("etcd holds {stored:?}, the screen agrees");
}
