//! Tests of the local-cluster harness itself, against real etcd members.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use etcd_client::{Client, ConnectOptions, StatusResponse};
use etcdtui::localcluster::{ClusterOptions, LocalCluster, LocalClusterError};

/// Status of the single member at `url`, with a short overall deadline so a
/// dead or frozen member shows up as an error instead of a hang.
async fn member_status(url: &str) -> Result<StatusResponse, String> {
    let opts = ConnectOptions::new()
        .with_connect_timeout(Duration::from_millis(500))
        .with_timeout(Duration::from_millis(1500));
    let attempt = async {
        let mut client = Client::connect([url], Some(opts)).await?;
        client.status().await
    };
    match tokio::time::timeout(Duration::from_secs(3), attempt).await {
        Ok(Ok(status)) => Ok(status),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("timed out".into()),
    }
}

fn member_id(status: &StatusResponse) -> u64 {
    status.header().map_or(0, |h| h.member_id())
}

async fn status_ok(cluster: &LocalCluster, i: usize) -> StatusResponse {
    let url = &cluster.member(i).client_url;
    match member_status(url).await {
        Ok(status) => status,
        Err(e) => panic!("member {i} at {url} should answer status: {e}"),
    }
}

#[tokio::test]
async fn single_member_answers_status_and_kv() {
    let Some(cluster) = common::start_cluster(1).await else {
        return;
    };
    let status = status_ok(&cluster, 0).await;
    assert!(status.version().starts_with("3."), "{}", status.version());
    assert_ne!(status.leader(), 0, "a ready member knows its leader");

    let mut client = common::connect(&cluster).await;
    client.put("harness/key", "value", None).await.expect("put");
    let got = client.get("harness/key", None).await.expect("get");
    assert_eq!(got.kvs()[0].value(), b"value");

    let member = cluster.member(0);
    assert_eq!(member.name, "m1");
    assert!(member.data_dir.starts_with(cluster.dir()));
    assert!(
        member.data_dir.join("member").is_dir(),
        "etcd wrote its data dir"
    );
    assert!(member.log.is_file(), "member output is logged");
}

#[tokio::test]
async fn three_members_agree_on_exactly_one_leader() {
    let Some(cluster) = common::start_cluster(3).await else {
        return;
    };
    let mut client = common::connect(&cluster).await;
    let list = client.member_list().await.expect("member list");
    let mut names: Vec<&str> = list.members().iter().map(|m| m.name()).collect();
    names.sort_unstable();
    assert_eq!(names, ["m1", "m2", "m3"]);

    let mut statuses = Vec::new();
    for i in 0..3 {
        statuses.push(status_ok(&cluster, i).await);
    }
    let leader = statuses[0].leader();
    assert_ne!(leader, 0);
    assert!(
        statuses.iter().all(|s| s.leader() == leader),
        "members disagree on the leader"
    );
    let leaders = statuses.iter().filter(|s| member_id(s) == leader).count();
    assert_eq!(leaders, 1, "exactly one member is the leader");

    // The etcdctl helper reaches the same cluster, when etcdctl is there.
    if common::etcdctl_bin().is_some() {
        let out = common::etcdctl_ok(&cluster, &["member", "list"]);
        assert_eq!(out.lines().count(), 3, "{out}");
    }
}

#[tokio::test]
async fn tls_cluster_with_client_cert_auth() {
    let Some(tls) = common::start_tls_cluster(1, true).await else {
        return;
    };
    let (cluster, pki) = (&tls.cluster, &tls.pki);
    let url = &cluster.member(0).client_url;
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let endpoints = cluster.client_urls();

    let identity = Some((pki.client_cert.as_path(), pki.client_key.as_path()));
    let mut client = common::connect_tls(&endpoints, &pki.ca, identity)
        .await
        .expect("connect with client cert");
    let status = client.status().await.expect("status over TLS");
    assert_ne!(status.leader(), 0);

    // Refusals, so the test proves TLS is really enforced.
    let no_cert = async {
        common::connect_tls(&endpoints, &pki.ca, None)
            .await?
            .status()
            .await
    };
    assert!(
        no_cert.await.is_err(),
        "client without a certificate must be refused"
    );
    let other = Some((
        pki.other_client_cert.as_path(),
        pki.other_client_key.as_path(),
    ));
    let wrong_ca = async {
        common::connect_tls(&endpoints, &pki.other_ca, other)
            .await?
            .status()
            .await
    };
    assert!(
        wrong_ca.await.is_err(),
        "a client trusting another CA must not connect"
    );
    assert!(
        member_status(&format!("http://{}", &url["https://".len()..]))
            .await
            .is_err()
    );

    if common::etcdctl_bin().is_some() {
        common::etcdctl_ok(cluster, &["put", "tls/key", "v"]);
        let root = Some((pki.root_cert.as_path(), pki.root_key.as_path()));
        let out = common::etcdctl_with_identity(cluster, root, &["get", "tls/key"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains('v'));
    }
}

#[tokio::test]
async fn kill_stop_and_restart_members() {
    let Some(mut cluster) = common::start_cluster(3).await else {
        return;
    };
    let killed_id = member_id(&status_ok(&cluster, 1).await);
    cluster.kill(1);
    assert_eq!(cluster.pid(1), None);
    assert!(member_status(&cluster.member(1).client_url).await.is_err());
    status_ok(&cluster, 2).await;
    // A write forwarded to a leader that just died is lost and only times
    // out after 5 s, so wait for the survivors to agree on a live leader.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let leader = status_ok(&cluster, 0).await.leader();
        if leader != 0 && leader != killed_id {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no new leader after killing member 1"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Two of three members still form a quorum and accept writes.
    let mut client = Client::connect([&cluster.member(0).client_url], None)
        .await
        .expect("connect to member 0");
    client
        .put("while/down", "yes", None)
        .await
        .expect("put with one member down");

    cluster.restart(1).await.expect("restart member 1");
    let status = status_ok(&cluster, 1).await;
    assert_ne!(status.leader(), 0);
    let mut restarted = Client::connect([&cluster.member(1).client_url], None)
        .await
        .expect("connect to restarted member");
    let got = restarted.get("while/down", None).await.expect("get");
    assert_eq!(got.kvs().len(), 1, "the restarted member caught up");

    // A frozen member accepts TCP connections but answers nothing.
    cluster.stop_signal(2);
    assert!(member_status(&cluster.member(2).client_url).await.is_err());
    cluster.cont_signal(2);
    status_ok(&cluster, 2).await;
}

#[tokio::test]
async fn drop_leaves_no_etcd_running() {
    let Some(cluster) = common::start_cluster(3).await else {
        return;
    };
    let pids: Vec<u32> = (0..3).filter_map(|i| cluster.pid(i)).collect();
    assert_eq!(pids.len(), 3);
    let dir = cluster.dir().to_path_buf();
    // Frozen members must die too.
    cluster.stop_signal(0);
    drop(cluster);
    for pid in pids {
        assert!(
            !Path::new(&format!("/proc/{pid}")).exists(),
            "etcd pid {pid} survived drop"
        );
    }
    assert!(!dir.exists(), "cluster directory removed");
}

#[tokio::test]
async fn missing_binary_error_says_what_to_do() {
    let opts = ClusterOptions::new(1, "/nonexistent/etcd");
    let err = match LocalCluster::start(opts).await {
        Ok(_) => panic!("a missing binary cannot start"),
        Err(e) => e,
    };
    assert!(
        matches!(err, LocalClusterError::BinaryNotFound(_)),
        "{err:?}"
    );
    assert!(err.to_string().contains("ETCDTUI_ETCD_BIN"), "{err}");
}

#[tokio::test]
async fn failed_start_reports_the_member_log() {
    let Some(bin) = common::etcd_bin_or_skip() else {
        return;
    };
    let mut opts = ClusterOptions::new(1, bin);
    opts.extra_args = vec!["--no-such-flag".into()];
    let err = match LocalCluster::start(opts).await {
        Ok(_) => panic!("etcd must reject an unknown flag"),
        Err(e) => e,
    };
    assert!(matches!(err, LocalClusterError::Exited { .. }), "{err:?}");
    assert!(err.to_string().contains("no-such-flag"), "{err}");
}

#[tokio::test]
async fn taken_port_is_reported_as_port_in_use() {
    let Some(bin) = common::etcd_bin_or_skip() else {
        return;
    };
    // Hold a port and force the member onto it; the retry with fresh ports
    // cannot help because the override comes back every time.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a port");
    let port = taken.local_addr().expect("local addr").port();
    let mut opts = ClusterOptions::new(1, bin);
    opts.extra_args = vec![
        "--listen-metrics-urls".into(),
        format!("http://127.0.0.1:{port}"),
    ];
    let err = match LocalCluster::start(opts).await {
        Ok(_) => panic!("etcd cannot listen on a taken port"),
        Err(e) => e,
    };
    assert!(
        matches!(err, LocalClusterError::PortInUse { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("address already in use"), "{err}");
}

#[tokio::test]
async fn data_root_keeps_the_data_for_the_next_cluster() {
    let Some(bin) = common::etcd_bin_or_skip() else {
        return;
    };
    let root = tempfile::tempdir().expect("a temp dir for the data root");
    let mut opts = ClusterOptions::new(1, bin);
    opts.data_root = Some(root.path().to_path_buf());

    let first = common::start(opts.clone()).await;
    let data_dir = first.member(0).data_dir.clone();
    assert_eq!(data_dir, root.path().join("m1"));
    let mut client = common::connect(&first).await;
    client.put("kept/key", "v1", None).await.expect("put");
    drop(first);
    assert!(
        data_dir.join("member").is_dir(),
        "the data outlives the cluster"
    );

    // The second start finds `member/` and joins as an existing member.
    let second = common::start(opts).await;
    let mut client = common::connect(&second).await;
    let got = client.get("kept/key", None).await.expect("get");
    assert_eq!(got.kvs().len(), 1, "the key survived the restart");
    assert_eq!(got.kvs()[0].value(), b"v1");
}
