//! Guarded operations against real 3-member clusters, driven through the app as a user
//! would (keys, dialogs, typed confirmations): snapshot save checked by the real
//! etcdctl/etcdutl, cancel leaves no file, a learner added that a real 4th etcd joins
//! as, promoted and removed, leadership moved, defragmentation leader last, compaction,
//! refusals that protect quorum, and one audit line per operation.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use etcdtui::app::{App, ConnState, Msg, Overlay};
use etcdtui::etcd::cluster::Health;
use etcdtui::headless::Headless;
use etcdtui::keymap::{Key, KeyCode};
use etcdtui::localcluster::{LocalCluster, free_port};

const OP_LIMIT: Duration = Duration::from_secs(60);

async fn tick_until(h: &mut Headless, what: &str, pred: impl Fn(&App) -> bool) {
    let start = Instant::now();
    loop {
        h.msg(Msg::Tick(Instant::now()));
        h.settle_within(what, Duration::from_secs(15), |_| true)
            .await;
        if pred(&h.app) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(40),
            "{what}: not within 40 s; log {:?}",
            h.app.cluster.log
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

fn member_up(a: &App, name: &str) -> bool {
    a.cluster.snapshot.as_ref().is_some_and(|s| {
        s.members
            .iter()
            .any(|m| m.name == name && m.health == Health::Up)
    })
}

async fn open_cluster(c: &LocalCluster) -> Headless {
    let mut h = Headless::connect(c.client_urls(), 140, 40);
    h.settle_until("connected", |a| {
        matches!(a.conn, ConnState::Connected { .. })
    })
    .await;
    h.keys("3");
    tick_until(&mut h, "all members up", |a| {
        a.cluster
            .snapshot
            .as_ref()
            .is_some_and(|s| s.members.iter().all(|m| m.health == Health::Up))
    })
    .await;
    h
}

fn leader_name(a: &App) -> String {
    let s = a.cluster.snapshot.as_ref().expect("cluster snapshot");
    let l = s.leader.expect("a leader");
    s.member(l).expect("leader listed").name.clone()
}

/// Moves the cursor onto `name` with the keys a user would press.
fn select(h: &mut Headless, name: &str) {
    h.keys("g");
    for _ in 0..8 {
        if h.app.cluster.selected().is_some_and(|m| m.name == name) {
            return;
        }
        h.keys("j");
    }
    panic!("no member {name} to select");
}

fn status_text(h: &Headless) -> String {
    h.app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

fn dialog(a: &App) -> (String, Vec<String>) {
    match &a.overlay {
        Overlay::Confirm(c) => (c.title.clone(), c.lines.clone()),
        other => panic!("expected a dialog, got {other:?}; status {:?}", a.status),
    }
}

/// Presses `keys`, then waits for the operation to end; returns its window's lines.
async fn run_op(h: &mut Headless, keys: &str) -> Vec<String> {
    h.keys(keys);
    assert!(
        h.app.ops.running.is_some() || h.app.ops.finished.is_some(),
        "{keys:?} started nothing; status {:?}",
        h.app.status
    );
    h.pump_until("the operation to finish", OP_LIMIT, |a| {
        a.ops.finished.is_some()
    })
    .await;
    let f = h.app.ops.finished.clone().expect("finished");
    assert!(f.ok, "{}: {:?}", f.title, f.lines);
    // Any key closes the result window.
    h.keys(" ");
    assert!(h.app.ops.finished.is_none());
    f.lines
}

fn audit_lines(h: &Headless) -> Vec<serde_json::Value> {
    let path = h.app.ops.audit_log.clone().expect("audit log path");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("audit line is JSON"))
        .collect()
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(_) => Vec::new(),
    }
}

/// `snapshot status -w json` by etcdutl when it sits beside etcdctl (3.5), else etcdctl.
fn snapshot_status(path: &Path) -> serde_json::Value {
    let etcdctl = common::etcdctl_bin().expect("etcdctl");
    let etcdutl = etcdctl.with_file_name("etcdutl");
    let tool = if etcdutl.exists() { etcdutl } else { etcdctl };
    let out = Command::new(&tool)
        .env("ETCDCTL_API", "3")
        .args(["snapshot", "status", "-w", "json"])
        .arg(path)
        .output()
        .expect("run snapshot status");
    assert!(
        out.status.success(),
        "{} snapshot status failed: {}",
        tool.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("snapshot status JSON")
}

async fn seed(c: &LocalCluster, keys: usize, size: usize) {
    let mut client = common::connect(c).await;
    let value = vec![b'v'; size];
    for i in 0..keys {
        client
            .put(format!("/seed/{i:05}"), value.clone(), None)
            .await
            .expect("seed put");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_is_saved_verified_and_a_cancelled_one_leaves_no_file() {
    let Some(c) = common::start_cluster(3).await else {
        return;
    };
    seed(&c, 300, 10_000).await;
    let mut h = open_cluster(&c).await;
    let target = c.member(1).name.clone();
    select(&mut h, &target);

    h.keys("s");
    let (title, lines) = dialog(&h.app);
    assert_eq!(title, format!("Snapshot of {target}"));
    assert!(
        lines.iter().any(|l| l.starts_with(&format!(
            "etcdctl --endpoints={} snapshot save",
            c.member(1).client_url
        ))),
        "{lines:?}"
    );
    let done = run_op(&mut h, "y").await;
    assert!(done[0].starts_with("saved "), "{done:?}");
    let dir = h.app.ops.snapshot_dir.clone();
    let files = files_in(&dir);
    assert_eq!(files.len(), 1, "one file, no leftovers: {files:?}");
    let status = snapshot_status(&files[0]);
    let total_keys = status["totalKey"].as_u64().expect("totalKey");
    assert!(total_keys >= 300, "{status}");
    let revision = status["revision"].as_i64().expect("revision");
    assert!(
        done[1].contains(&format!("at revision {revision};")),
        "{done:?} vs {status}"
    );
    let size = std::fs::metadata(&files[0]).expect("snapshot file").len();
    // The file is the database plus the 32-byte SHA-256 etcd appends, as etcdctl saves it.
    assert_eq!(status["totalSize"].as_u64(), Some(size - 32), "{status}");
    // The project's own reader agrees with etcd's tool on the project's own save.
    let ours = etcdtui::snapfile::SnapshotFile::open(&files[0]).expect("our reader opens it");
    let st = ours.status();
    // Browsing skips etcd's hash; the status read computes it.
    let hash = etcdtui::snapfile::read_status(&files[0]).map(|r| r.status.hash);
    assert_eq!(hash.ok().flatten().map(u64::from), status["hash"].as_u64());
    assert_eq!(Some(st.revision), status["revision"].as_i64());
    assert_eq!(
        Some(common::total_key_as_etcd_counts(&status, st)),
        status["totalKey"].as_u64()
    );
    assert!(
        matches!(st.integrity, etcdtui::snapfile::Integrity::Verified),
        "{:?}",
        st.integrity
    );
    let seeded = ours.keys_with_prefix(b"/seed/").count();
    assert_eq!(seeded, 300, "every seeded key is in the saved file");

    // Cancelled while the member does not answer: nothing is left behind.
    let before = files_in(&dir);
    h.keys("s");
    dialog(&h.app);
    c.stop_signal(1);
    h.keys("y");
    assert!(h.app.ops.running.is_some());
    h.key(Key::plain(KeyCode::Esc));
    h.pump_until("the cancel", OP_LIMIT, |a| a.ops.finished.is_some())
        .await;
    c.cont_signal(1);
    let f = h.app.ops.finished.clone().expect("finished");
    assert!(!f.ok && f.lines[0].starts_with("cancelled"), "{f:?}");
    assert_eq!(files_in(&dir), before, "no partial file after a cancel");

    let audit = audit_lines(&h);
    assert_eq!(audit.len(), 2, "{audit:?}");
    assert_eq!(audit[0]["operation"], "snapshot save");
    assert!(audit[0]["result"].as_str().unwrap_or("").starts_with("ok"));
    assert_eq!(audit[1]["result"], "cancelled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_learner_joins_is_promoted_and_removed() {
    let Some(c) = common::start_cluster(3).await else {
        return;
    };
    let mut h = open_cluster(&c).await;
    let (peer, client) = (free_port().expect("port"), free_port().expect("port"));

    // etcd refuses membership changes until every member has been connected for 5 s;
    // a fresh cluster gets the refusal, in words, and the retry goes through.
    let deadline = Instant::now() + Duration::from_secs(20);
    let added = loop {
        h.keys(&format!(":member add m4 http://127.0.0.1:{peer}\n"));
        let (title, lines) = dialog(&h.app);
        assert_eq!(title, "Add member m4 as a learner");
        assert!(lines.iter().any(|l| l.contains("--learner")), "{lines:?}");
        h.keys("y");
        h.pump_until("member add", OP_LIMIT, |a| a.ops.finished.is_some())
            .await;
        let f = h.app.ops.finished.take().expect("finished");
        if f.ok {
            break f.lines;
        }
        assert!(f.lines[0].contains("wait and retry"), "{f:?}");
        assert!(Instant::now() < deadline, "member add kept failing: {f:?}");
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    let start = added
        .iter()
        .find(|l| l.starts_with("etcd --name m4"))
        .expect("start line");
    let initial = start
        .split("--initial-cluster ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .expect("--initial-cluster value");
    assert_eq!(initial.matches('=').count(), 4, "{initial}");
    let dir = tempfile::tempdir().expect("temp dir");
    let bin = common::etcd_bin_or_skip().expect("etcd");
    let _m4 = common::start_joiner(&bin, "m4", dir.path(), (peer, client), initial);
    tick_until(&mut h, "m4 up as a learner", |a| member_up(a, "m4")).await;

    // Promotion is offered once it has caught up; until then it is refused.
    select(&mut h, "m4");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        h.keys("p");
        if matches!(h.app.overlay, Overlay::Confirm(_)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "never caught up: {:?}",
            h.app.status
        );
        tick_until(&mut h, "refresh", |_| true).await;
    }
    let promoted = run_op(&mut h, "y").await;
    assert_eq!(promoted, ["m4 is now a voting member"]);
    tick_until(&mut h, "m4 a voter", |a| {
        a.cluster
            .snapshot
            .as_ref()
            .is_some_and(|s| s.members.len() == 4 && s.members.iter().all(|m| !m.is_learner))
    })
    .await;

    // Removal needs the name typed; a wrong name does nothing.
    select(&mut h, "m4");
    h.keys("D");
    let (title, lines) = dialog(&h.app);
    assert_eq!(title, "Remove member m4");
    assert!(
        lines
            .iter()
            .any(|l| l == "after removing m4: 3 members, 3 voters, quorum 2, tolerates 1 failure"),
        "{lines:?}"
    );
    h.keys("m3\n");
    assert!(
        matches!(h.app.overlay, Overlay::Confirm(_)),
        "wrong name must not confirm"
    );
    h.key(Key::plain(KeyCode::Backspace));
    h.key(Key::plain(KeyCode::Backspace));
    let removed = run_op(&mut h, "m4\n").await;
    assert_eq!(removed, ["m4 removed"]);
    // A member list is served from the answering member's own state, which may apply
    // the removal a moment after the leader did.
    let mut etcd = common::connect(&c).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let list = etcd.member_list().await.expect("member list");
        if list.members().len() == 3 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "m4 still listed: {:?}",
            list.members()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let ops: Vec<String> = audit_lines(&h)
        .iter()
        .map(|l| l["operation"].as_str().unwrap_or("").to_string())
        .collect();
    let adds = ops.iter().filter(|o| *o == "member add (learner)").count();
    assert!(adds >= 1, "{ops:?}");
    assert_eq!(ops.len(), adds + 2, "one line per operation run: {ops:?}");
    assert_eq!(ops[adds..], ["member promote", "member remove"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_moves_defrag_goes_leader_last_compaction_and_quorum_refusals() {
    let Some(mut c) = common::start_cluster(3).await else {
        return;
    };
    let mut etcd = common::connect(&c).await;
    for i in 0..30 {
        etcd.put("/counter", i.to_string(), None)
            .await
            .expect("put");
    }
    let mut h = open_cluster(&c).await;

    let old = leader_name(&h.app);
    let new = (0..3)
        .map(|i| c.member(i).name.clone())
        .find(|n| *n != old)
        .expect("a follower");
    select(&mut h, &new);
    h.keys("L");
    assert_eq!(dialog(&h.app).0, format!("Move leadership to {new}"));
    run_op(&mut h, "y").await;
    tick_until(&mut h, "new leader", |a| leader_name(a) == new).await;

    h.keys("F");
    let (_, lines) = dialog(&h.app);
    assert!(
        lines[0].ends_with(&format!("→ {new}")),
        "leader last: {lines:?}"
    );
    let done = run_op(&mut h, "all\n").await;
    assert!(done[0].ends_with(&format!("then {new}")), "{done:?}");
    assert_eq!(done[0].matches("then").count(), 2, "{done:?}");

    // Or with leadership handed to the first (already defragmented) follower first.
    h.keys(":defrag all --move-leader\n");
    let (_, lines) = dialog(&h.app);
    assert!(lines[0].contains("leadership to "), "{lines:?}");
    let done = run_op(&mut h, "all\n").await;
    let first = done[0]
        .strip_prefix("defragmented ")
        .and_then(|r| r.split(',').next())
        .expect("first member")
        .to_string();
    assert!(
        done[0].ends_with(&format!("(leadership moved to {first} first)")),
        "{done:?}"
    );
    tick_until(&mut h, "handed over", |a| leader_name(a) == first).await;
    let new = first;

    // Under 10,000 revisions the default compaction has nothing to do.
    h.keys("C");
    assert!(matches!(h.app.overlay, Overlay::None));
    let said = status_text(&h);
    assert!(said.contains("nothing to compact"), "{said}");
    let rev = etcd
        .get("/counter", None)
        .await
        .expect("get")
        .header()
        .expect("header")
        .revision();
    let target = rev - 5;
    h.keys(&format!(":compact {target} --physical\n"));
    assert_eq!(dialog(&h.app).0, format!("Compact to revision {target}"));
    run_op(&mut h, &format!("{target}\n")).await;
    let old_read = etcd
        .get(
            "/counter",
            Some(etcd_client::GetOptions::new().with_revision(target - 1)),
        )
        .await;
    assert!(
        old_read.is_err_and(|e| e.to_string().contains("compacted")),
        "a read before the compaction point must fail"
    );

    // With a follower dead, removing a healthy member or the leader is refused.
    let victim = (0..3).find(|&i| c.member(i).name != new).expect("follower");
    let victim_name = c.member(victim).name.clone();
    c.kill(victim);
    tick_until(&mut h, "victim down", |a| !member_up(a, &victim_name)).await;
    let other = (0..3)
        .map(|i| c.member(i).name.clone())
        .find(|n| *n != new && *n != victim_name)
        .expect("the other follower");
    select(&mut h, &other);
    h.keys("D");
    assert!(matches!(h.app.overlay, Overlay::None));
    let said = status_text(&h);
    assert!(said.contains("1 of 2 voters would be healthy"), "{said}");
    select(&mut h, &new);
    h.keys("D");
    let said = status_text(&h);
    assert!(said.contains("is the leader"), "{said}");

    let ops: Vec<String> = audit_lines(&h)
        .iter()
        .map(|l| l["operation"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        ops,
        ["move-leader", "defrag", "defrag", "compact (physical)"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_without_the_root_role_has_no_operations_and_root_has_them() {
    use etcdtui::etcd::ConnectSpec;
    use etcdtui::etcd::spec::{Credentials, Password};
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    for args in [
        &["user", "add", "root:rootpw"][..],
        &["role", "add", "reader"],
        &[
            "role",
            "grant-permission",
            "reader",
            "read",
            "/",
            "--prefix=true",
        ],
        &["user", "add", "alice:alicepw"],
        &["user", "grant-role", "alice", "reader"],
        &["auth", "enable"],
    ] {
        common::etcdctl_ok(&c, args);
    }
    let as_user = |user: &str, pw: &str| ConnectSpec {
        endpoints: c.client_urls(),
        credentials: Some(Credentials {
            user: user.into(),
            password: Some(Password::new(pw)),
        }),
        ..ConnectSpec::default()
    };
    let mut h = Headless::connect_spec(as_user("alice", "alicepw"), 120, 40, false);
    h.pump_until("alice's roles", Duration::from_secs(10), |a| {
        a.ops_denied.is_some()
    })
    .await;
    for k in "saupDLfFAC".chars() {
        assert_eq!(
            h.app
                .keymap
                .lookup(etcdtui::app::ViewId::Cluster, Key::char(k)),
            None,
            "{k}"
        );
    }
    // Her own writes stay: only the operations go.
    assert!(
        h.app
            .keymap
            .lookup(etcdtui::app::ViewId::Keys, Key::char('e'))
            .is_some()
    );
    h.keys(":defrag\n");
    let said = status_text(&h);
    assert!(said.contains("alice lacks the root role"), "{said}");
    h.app.overlay = Overlay::Help { scroll: 0 };
    assert!(h.render(120, 60).contains("No cluster operations"));

    let mut h = Headless::connect_spec(as_user("root", "rootpw"), 120, 40, false);
    h.settle_until("connected", |a| {
        matches!(a.conn, ConnState::Connected { .. })
    })
    .await;
    h.keys("3");
    tick_until(&mut h, "member up", |a| a.cluster.snapshot.is_some()).await;
    let done = run_op(&mut h, "fy").await;
    assert!(done[0].starts_with("defragmented m1"), "{done:?}");
    assert!(h.app.ops_denied.is_none());
    let audit = audit_lines(&h);
    assert_eq!(audit[0]["etcd_user"], "root");
    assert!(
        !std::fs::read_to_string(h.app.ops.audit_log.clone().expect("audit"))
            .unwrap_or_default()
            .contains("rootpw"),
        "no password in the audit log"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nospace_alarm_is_listed_and_disarmed_after_freeing_space() {
    let Some(bin) = common::etcd_bin_or_skip() else {
        return;
    };
    let mut opts = etcdtui::localcluster::ClusterOptions::new(1, bin);
    opts.extra_args = vec!["--quota-backend-bytes=2000000".into()];
    let c = common::start(opts).await;
    let mut etcd = common::connect(&c).await;
    let big = vec![b'x'; 100_000];
    let mut last_ok = 0;
    for i in 0..100 {
        match etcd.put(format!("/big/{i}"), big.clone(), None).await {
            Ok(r) => last_ok = r.header().map(|h| h.revision()).unwrap_or(last_ok),
            Err(e) => {
                assert!(e.to_string().contains("space exceeded"), "{e}");
                break;
            }
        }
    }
    let mut h = open_cluster(&c).await;
    tick_until(&mut h, "the alarm listed", |a| {
        a.cluster
            .snapshot
            .as_ref()
            .is_some_and(|s| !s.alarms.is_empty())
    })
    .await;
    h.keys("A");
    let (title, lines) = dialog(&h.app);
    assert_eq!(title, "Disarm 1 alarm(s)");
    assert!(
        lines.iter().any(|l| l.starts_with("NOSPACE on m1")),
        "{lines:?}"
    );
    // Free the space first, as the dialog says, then disarm (typing the alarm).
    h.key(Key::plain(KeyCode::Esc));
    etcd.delete(
        "/big/",
        Some(etcd_client::DeleteOptions::new().with_prefix()),
    )
    .await
    .expect("delete is allowed under NOSPACE");
    let rev = etcd
        .get("/", None)
        .await
        .expect("get")
        .header()
        .expect("header")
        .revision();
    h.keys(&format!(":compact {rev}\n"));
    run_op(&mut h, &format!("{rev}\n")).await;
    run_op(&mut h, "fy").await;
    h.keys("A");
    let done = run_op(&mut h, "NOSPACE\n").await;
    assert!(done[0].starts_with("disarmed NOSPACE"), "{done:?}");
    etcd.put("/after", "ok", None)
        .await
        .expect("writes work again");
    assert!(last_ok > 0);
}
