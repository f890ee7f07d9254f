//! A real 3-member cluster backed up four times with `snapshot save --dir --keep 3`
//! (three files remain), destroyed, and rebuilt by running the commands of
//! `snapshot restore-plan -o json`: every key equals the snapshot, the revision is
//! bumped as planned (etcd 3.4's etcdctl has no bump: the revision stays), the cluster
//! is healthy.

mod common;

use std::time::{Duration, Instant};

use common::backup::{Members, all_at, json_of, names_in, restore_tool, run, spawn_etcd, stderr};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn back_up_destroy_and_rebuild_by_the_plan() {
    let Some(c) = common::start_cluster(3).await else {
        return;
    };
    let work = tempfile::tempdir().expect("work dir");
    let home = work.path().join("home");
    let backups = work.path().join("backups");
    let endpoints = c.client_urls().join(",");
    let d = backups.display().to_string();
    let mut client = common::connect(&c).await;
    for i in 0..20 {
        client
            .put(format!("/app/{i:02}"), format!("v{i}"), None)
            .await
            .expect("put");
    }
    client.delete("/app/05", None).await.expect("delete");
    let mut saved: Vec<Value> = Vec::new();
    for round in 0..4 {
        client
            .put("/app/round", round.to_string(), None)
            .await
            .expect("put");
        let o = run(
            &home,
            &[
                "snapshot",
                "save",
                "--endpoints",
                &endpoints,
                "--dir",
                &d,
                "--keep",
                "3",
                "-o",
                "json",
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        saved.push(json_of(&o));
    }
    let names = names_in(&backups);
    assert_eq!(names.len(), 3, "{names:?}");
    let newest: Vec<String> = saved[1..]
        .iter()
        .map(|j| {
            std::path::Path::new(j["path"].as_str().expect("path"))
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(names, newest, "the three newest remain");
    let last = &saved[3];
    let file = last["path"].as_str().expect("path").to_string();
    let snap_rev = last["revision"].as_i64().expect("revision");
    let expected = all_at(&mut client, snap_rev).await;
    // Written after the snapshot: the restored cluster must not have it.
    client.put("/after", "x", None).await.expect("put");

    let data = work.path().join("data");
    let template = format!("{}/{{name}}", data.display());
    let o = run(
        &home,
        &[
            "snapshot",
            "restore-plan",
            &file,
            "--endpoints",
            &endpoints,
            "--new-data-dir",
            &template,
            "-o",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let plan = json_of(&o);
    assert_eq!(plan["membersFrom"], "the live cluster", "{plan}");
    assert_eq!(plan["snapshot"]["revision"].as_i64(), Some(snap_rev));
    let version = plan["etcdVersion"].as_str().expect("version").to_string();
    let bump = &plan["bump"];
    let is_34 = version.starts_with("3.4.");
    assert_eq!(bump["supported"], !is_34, "{plan}");
    let expected_rev = bump["expectedRevision"]
        .as_i64()
        .expect("expected revision");
    if is_34 {
        // etcdctl 3.4 cannot bump: the restored cluster starts at the snapshot's revision.
        assert_eq!(expected_rev, snap_rev);
    } else {
        assert!(expected_rev > snap_rev + 1_000_000, "{bump}");
    }
    drop(client);
    drop(c); // destroyed: members SIGKILLed, data gone

    let steps = plan["steps"].as_array().expect("steps").clone();
    let argv = |s: &Value| -> Vec<String> {
        s["argv"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| x.as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut restored = 0;
    for s in steps.iter().filter(|s| s["phase"] == "restore") {
        let a = argv(s);
        assert!(a.iter().any(|x| x == "--initial-cluster-token"), "{a:?}");
        let mut cmd = std::process::Command::new(restore_tool(&a[0]));
        common::clear_etcdctl_env(&mut cmd);
        let out = cmd
            .args(&a[1..])
            .env("ETCDCTL_API", "3")
            .output()
            .expect("restore");
        assert!(
            out.status.success(),
            "{a:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        restored += 1;
    }
    assert_eq!(restored, 3);
    let mut members = Members(Vec::new());
    let mut client_urls = Vec::new();
    for s in steps.iter().filter(|s| s["phase"] == "start-etcd") {
        let a = argv(s);
        assert_eq!(a[0], "etcd", "{a:?}");
        let name = s["member"].as_str().expect("member");
        members
            .0
            .push(spawn_etcd(&a, &work.path().join(format!("{name}.log"))));
        let at = a
            .iter()
            .position(|x| x == "--advertise-client-urls")
            .expect("client URL");
        client_urls.push(a[at + 1].clone());
    }
    assert_eq!(members.0.len(), 3);

    // Healthy: every member answers on its own URL, all follow one leader. The client over
    // all three URLs is made only after that: a balanced channel made while one member was
    // still starting can hand a later request the refused connection of that moment.
    let start = Instant::now();
    for url in &client_urls {
        loop {
            let ok = async {
                let mut cl = etcd_client::Client::connect([url], None).await.ok()?;
                cl.get("/", None).await.ok()
            }
            .await;
            if ok.is_some() {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "the restored member at {url} did not come up"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let mut client = etcd_client::Client::connect(client_urls.clone(), None)
        .await
        .expect("connect to the restored cluster");
    let mut leaders = Vec::new();
    for url in &client_urls {
        let mut one = etcd_client::Client::connect([url], None)
            .await
            .expect("connect");
        let st = one.status().await.expect("status");
        leaders.push(st.leader());
        let r = one.get("/app/round", None).await.expect("get");
        let rev = r.header().expect("header").revision();
        assert_eq!(rev, expected_rev, "{url}: revision as planned ({version})");
    }
    assert!(
        leaders.iter().all(|l| *l != 0 && *l == leaders[0]),
        "{leaders:?}"
    );
    assert_eq!(
        client.member_list().await.expect("members").members().len(),
        3
    );
    let now = all_at(&mut client, 0).await;
    assert_eq!(now, expected, "every key equals the snapshot");
    assert!(now.iter().all(|(k, _)| k != b"/after"));
    // Writes go on above the bump.
    let put = client.put("/again", "y", None).await.expect("put");
    assert_eq!(put.header().expect("header").revision(), expected_rev + 1);
}
