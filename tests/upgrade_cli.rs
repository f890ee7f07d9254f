//! `etcdtui upgrade plan` against a real cluster of the version under test: the members,
//! the cluster version, and the next step by the guides' rules. A plan straight to two
//! minors ahead is refused with the guide's reason (on 3.4: 3.4 → 3.6, the case the
//! issue names), exit code 2; versions differ: only 3.6+ report a storage version.

mod common;

fn server_version(c: &etcdtui::localcluster::LocalCluster) -> etcdtui::upgrade::Version {
    let out = common::etcdctl_ok(c, &["endpoint", "status", "-w", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let text = v[0]["Status"]["version"].as_str().expect("version");
    etcdtui::upgrade::Version::parse(text).expect("a version")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_two_minors_ahead_is_refused_with_the_guides_reason() {
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let v = server_version(&c);
    let skip = format!("{}.{}", v.major, v.minor + 2);
    let out = common::etcdtui_at_home(home.path())
        .args([
            "upgrade",
            "plan",
            "--endpoints",
            &c.client_urls()[0],
            "--to",
            &skip,
        ])
        .args(["--kubeadm-manifest", "/nonexistent/etcd.yaml"])
        .output()
        .expect("run etcdtui");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("one minor version at a time"), "{stdout}");
    if v.minor < 7 {
        assert!(stdout.contains("skips a minor version"), "{stdout}");
        assert!(
            stdout.contains(&format!("Upgrade to {}.{} first", v.major, v.minor + 1)),
            "{stdout}"
        );
    } else {
        // No guide past 3.7: etcdtui says it knows none.
        assert!(stdout.contains("no documented upgrade"), "{stdout}");
    }

    let out = common::etcdtui_at_home(home.path())
        .args([
            "upgrade",
            "plan",
            "--endpoints",
            &c.client_urls()[0],
            "-o",
            "json",
        ])
        .args(["--kubeadm-manifest", "/nonexistent/etcd.yaml"])
        .output()
        .expect("run etcdtui");
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json plan");
    let plan = &j["plan"];
    assert_eq!(plan["members"].as_array().map(Vec::len), Some(1), "{j:#}");
    assert_eq!(
        plan["cluster_version"],
        format!("{}.{}", v.major, v.minor),
        "{j:#}"
    );
    if v.minor >= 6 {
        assert!(
            plan["storage_version"].is_string(),
            "3.6+ report a storage version: {j:#}"
        );
    } else {
        assert!(
            plan["storage_version"].is_null(),
            "3.4 and 3.5 report none: {j:#}"
        );
    }
    if v.minor < 7 {
        // The next minor, with its checks; one member is also the leader to restart.
        assert_eq!(
            plan["target"],
            format!("{}.{}", v.major, v.minor + 1),
            "{j:#}"
        );
        assert_eq!(plan["next"]["kind"], "restart", "{j:#}");
    } else {
        assert_eq!(
            plan["next"]["kind"], "up_to_date",
            "no guide past 3.7: {j:#}"
        );
    }
}
