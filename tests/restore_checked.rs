//! `etcdtui snapshot restore` runs the real etcdutl (etcd 3.4: etcdctl), refuses a
//! non-empty data dir, and checks the restored db with etcdtui's reader: the keys and the
//! revision the bump promised (3.4's etcdctl cannot bump, and is refused a bump).

mod common;

use common::backup::{json_of, restore_tool, run, stderr};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_into_an_empty_dir_and_check_it() {
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    let mut client = common::connect(&c).await;
    for i in 0..10 {
        client
            .put(format!("/k/{i}"), format!("v{i}"), None)
            .await
            .expect("put");
    }
    let version = client.status().await.expect("status").version().to_string();
    let work = tempfile::tempdir().expect("work");
    let home = work.path().join("home");
    let file = work.path().join("s.db").display().to_string();
    let o = run(
        &home,
        &[
            "snapshot",
            "save",
            "--endpoints",
            &c.client_urls()[0],
            &file,
            "-o",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let snap_rev = json_of(&o)["revision"].as_i64().expect("revision");
    drop(client);
    drop(c);
    let is_34 = version.starts_with("3.4.");
    let tool = restore_tool(if is_34 { "etcdctl" } else { "etcdutl" })
        .display()
        .to_string();
    let data = work.path().join("new").display().to_string();
    let mut args = vec![
        "snapshot",
        "restore",
        &file,
        "--name",
        "m1",
        "--data-dir",
        &data,
        "--initial-cluster",
        "m1=http://127.0.0.1:2380",
        "--initial-cluster-token",
        "t1",
        "--etcdutl",
        &tool,
        "-o",
        "json",
    ];
    if is_34 {
        // etcd 3.4's etcdctl has no bump: asking for one is refused before anything runs.
        let o = run(
            &home,
            &[
                args.as_slice(),
                &["--bump-revision", "100", "--mark-compacted"],
            ]
            .concat(),
        );
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("no --bump-revision"), "{}", stderr(&o));
        assert!(!std::path::Path::new(&data).exists());
    } else {
        args.extend(["--bump-revision", "1000", "--mark-compacted"]);
    }
    let o = run(&home, &args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j = json_of(&o);
    assert_eq!(j["keys"], 10, "{j}");
    let want = if is_34 { snap_rev } else { snap_rev + 1000 };
    assert_eq!(j["revision"].as_i64(), Some(want), "{j}");
    assert_eq!(j["members"][0], "m1");
    // The data dir now holds a member: a second restore into it is refused.
    let before = std::fs::read(format!("{data}/member/snap/db")).expect("db");
    let o = run(&home, &args);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("is not empty"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(format!("{data}/member/snap/db")).expect("db"),
        before
    );
}
