//! `etcdtui triage` on members stopped at different moments of a real 5-member cluster:
//! m1 stopped, more writes, m2 stopped, more writes, m3 stopped. Each dir's applied index
//! is checked against what that member reported having applied just before it was
//! killed, and the last one stopped is named the freshest. A directory that is not a
//! member's and one whose db is cut short are said to be so.

mod common;

use std::time::Duration;

use common::backup::{json_of, run, stderr};
use etcd_client::Client;
use serde_json::Value;

/// Waits until member `url` has applied everything and its backend has committed it
/// (etcd commits its batch every 100 ms), and returns the applied index.
async fn settled_applied(url: &str) -> u64 {
    let mut c = Client::connect([url], None).await.expect("connect");
    let mut last = 0;
    let mut errors = 0;
    loop {
        // Right after a peer was killed an answer may be late: ask again.
        let a = match c.status().await {
            Ok(s) => s.raft_applied_index(),
            Err(e) => {
                errors += 1;
                assert!(errors < 20, "{url}: {e}");
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        if a == last && a > 0 {
            return a;
        }
        last = a;
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
}

async fn write(c: &mut Client, n: usize, tag: &str) {
    for i in 0..n {
        // Killing the leader makes a put time out until the next election: ask again.
        let mut tries = 0;
        while let Err(e) = c.put(format!("/t/{tag}/{i}"), "v", None).await {
            tries += 1;
            assert!(tries < 30, "put: {e}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_the_member_that_applied_the_most() {
    let Some(mut c) = common::start_cluster(5).await else {
        return;
    };
    // Writes go through the two members never stopped.
    let mut client = Client::connect(
        [
            c.member(3).client_url.clone(),
            c.member(4).client_url.clone(),
        ],
        None,
    )
    .await
    .expect("connect");
    let mut applied = Vec::new();
    for (i, tag) in ["a", "b", "c"].iter().enumerate() {
        write(&mut client, 20, tag).await;
        applied.push(settled_applied(&c.member(i).client_url).await);
        c.kill(i);
    }
    assert!(
        applied[0] < applied[1] && applied[1] < applied[2],
        "{applied:?}"
    );
    let work = tempfile::tempdir().expect("work");
    let dirs: Vec<String> = (0..3)
        .map(|i| c.member(i).data_dir.display().to_string())
        .collect();
    // Not a member's dir, and a member dir whose db is cut short.
    let stranger = work.path().join("stranger");
    std::fs::create_dir_all(&stranger).expect("dir");
    let broken = work.path().join("broken");
    std::fs::create_dir_all(broken.join("member/snap")).expect("dir");
    let db = std::fs::read(c.member(0).data_dir.join("member/snap/db")).expect("db");
    std::fs::write(broken.join("member/snap/db"), &db[..1000]).expect("db");
    let home = work.path().join("home");
    let mut args: Vec<&str> = vec!["triage"];
    args.extend(dirs.iter().map(String::as_str));
    let (s, b) = (stranger.display().to_string(), broken.display().to_string());
    args.extend([s.as_str(), b.as_str(), "-o", "json"]);
    let o = run(&home, &args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j = json_of(&o);
    let found = j["dirs"].as_array().expect("dirs");
    for (i, want) in applied.iter().enumerate() {
        let d = &found[i];
        assert_eq!(d["state"], "member", "{d}");
        assert_eq!(d["name"], format!("m{}", i + 1), "{d}");
        assert_eq!(
            d["appliedIndex"].as_u64(),
            Some(*want),
            "{d}: what m{} applied",
            i + 1
        );
        assert!(d["walLastIndex"].as_u64().unwrap_or(0) >= *want, "{d}");
        assert!(d["committedIndex"].as_u64().unwrap_or(0) >= *want, "{d}");
    }
    assert_eq!(j["freshest"], Value::from(dirs[2].clone()), "{j}");
    assert_eq!(found[3]["state"], "not-member", "{}", found[3]);
    assert_eq!(found[4]["state"], "damaged", "{}", found[4]);
    let commands = j["commands"].to_string();
    assert!(
        commands.contains(&format!("--data-dir {} --force-new-cluster", dirs[2])),
        "{commands}"
    );
    assert!(commands.contains("--name m3"), "{commands}");
    // The table names it too.
    let o = run(&home, &args[..args.len() - 2]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains(&format!("freshest: {} (m3)", dirs[2])),
        "{text}"
    );
    assert!(
        text.contains("not a member's data dir") && text.contains("damaged"),
        "{text}"
    );
    // Nothing readable: exit 1.
    let o = run(&home, &["triage", &s]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}
