//! `etcdtui snapshot save` in the built binary against real etcd: a follower is picked,
//! `--dir --keep N` names and prunes only its own files, the backups check reads the
//! same directory, the exit codes, and a SIGTERM mid-save leaves no partial file and
//! an audit line.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::backup::{json_of, names_in, run, stderr};
use etcdtui::snapfile::{Integrity, read_status};

fn ep(c: &etcdtui::localcluster::LocalCluster) -> String {
    c.client_urls().join(",")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn save_into_a_dir_keeps_the_newest_of_ours_and_the_check_reads_it() {
    let Some(c) = common::start_cluster(3).await else {
        return;
    };
    common::etcdctl_ok(&c, &["put", "/app/a", "1"]);
    let home = tempfile::tempdir().expect("home");
    let backups = home.path().join("backups");
    // The backups check and a save without FILE or --dir share checks.backup_dir.
    let cfg = home.path().join(".config/etcdtui");
    std::fs::create_dir_all(&cfg).expect("config dir");
    std::fs::write(
        cfg.join("config.yaml"),
        format!("checks:\n  backup_dir: {}\n", backups.display()),
    )
    .expect("config");
    let endpoints = ep(&c);
    let o = run(
        home.path(),
        &["snapshot", "save", "--endpoints", &endpoints, "-o", "json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j = json_of(&o);
    assert_eq!(j["member"]["leader"], false, "a follower is picked: {j}");
    let path = j["path"].as_str().expect("path").to_string();
    assert!(path.starts_with(&backups.display().to_string()), "{path}");
    let st = read_status(&path).expect("our reader opens it");
    assert_eq!(st.status.integrity, Integrity::Verified);
    assert_eq!(
        st.status.revision,
        j["revision"].as_i64().expect("revision")
    );
    let check = run(
        home.path(),
        &["check", "--endpoints", &endpoints, "-o", "json"],
    );
    let checks = json_of(&check);
    let backup = checks["checks"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["group"] == "backups").cloned())
        .unwrap_or_else(|| panic!("no backups check: {checks}"));
    let name = Path::new(&path)
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert_eq!(backup["status"], "ok", "{backup}");
    assert!(
        backup["value"].as_str().unwrap_or("").contains(&name),
        "{backup}"
    );

    // --dir with --keep 2: other files stay whatever their names.
    let dir = home.path().join("d");
    std::fs::create_dir_all(&dir).expect("dir");
    let foreign = [
        "manual.db",
        "etcdtui-0000000000000001-20200101T000000Z-r5.db",
        "notes.txt",
    ];
    for f in foreign {
        std::fs::write(dir.join(f), b"not ours").expect("foreign file");
    }
    let d = dir.display().to_string();
    let mut saved = Vec::new();
    for i in 0..3 {
        common::etcdctl_ok(&c, &["put", "/app/n", &i.to_string()]);
        let o = run(
            home.path(),
            &[
                "snapshot",
                "save",
                "--endpoints",
                &endpoints,
                "--dir",
                &d,
                "--keep",
                "2",
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let line = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(
            line.starts_with("saved ") && line.contains("SHA-256 verified"),
            "{line}"
        );
        assert_eq!(line.lines().count(), 1, "{line}");
        saved.push(line);
        // Names carry the second: the next save must not share it.
        std::thread::sleep(Duration::from_millis(1100));
    }
    assert!(saved[2].contains("removed 1 older"), "{}", saved[2]);
    let names = names_in(&dir);
    let ours: Vec<&String> = names
        .iter()
        .filter(|n| !foreign.contains(&n.as_str()))
        .collect();
    assert_eq!(ours.len(), 2, "{names:?}");
    for f in foreign {
        assert!(names.iter().any(|n| n == f), "{f} was removed: {names:?}");
    }
    // The two newest stayed: their revisions are the two highest saved.
    assert!(
        saved[1].contains(ours[0].as_str()) && saved[2].contains(ours[1].as_str()),
        "{saved:?} {ours:?}"
    );

    // Exit codes: an existing file 1, FILE with --keep 2, no member answering 3.
    let existing = dir.join("manual.db").display().to_string();
    let o = run(
        home.path(),
        &["snapshot", "save", "--endpoints", &endpoints, &existing],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(dir.join("manual.db")).expect("kept"),
        b"not ours"
    );
    let o = run(home.path(), &["snapshot", "save", &existing, "--keep", "2"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = run(
        home.path(),
        &[
            "snapshot",
            "save",
            "--endpoints",
            "127.0.0.1:1",
            "--dial-timeout",
            "300ms",
            "--dir",
            &d,
            "-o",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("127.0.0.1:1"), "{}", stderr(&o));
    assert_eq!(json_of(&o)["ok"], false);
}

/// A save stalled half-way (the members frozen with SIGSTOP after the first bytes
/// arrived) and then sent SIGTERM: exit 143, no file, no temporary file, an audit line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_save_leaves_no_partial_file_and_says_so_in_the_audit_log() {
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    // 24 MiB of values: the stream takes long enough to be caught half-way.
    common::backup::put_24_mib(&c).await;
    let home = tempfile::tempdir().expect("home");
    let dir = home.path().join("b");
    let child = common::etcdtui_at_home(home.path())
        .args([
            "snapshot",
            "save",
            "--endpoints",
            &ep(&c),
            "--command-timeout",
            "60s",
        ])
        .args(["--kubeadm-manifest", "/nonexistent", "--dir"])
        .arg(&dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let started = Instant::now();
    let part = loop {
        let found = names_in(&dir).into_iter().find(|n| n.ends_with(".part"));
        if let Some(p) = found {
            let len = std::fs::metadata(dir.join(&p))
                .map(|m| m.len())
                .unwrap_or(0);
            if len > 0 {
                break p;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no partial file appeared: {:?}",
            names_in(&dir)
        );
        std::thread::sleep(Duration::from_millis(1));
    };
    c.stop_signal(0);
    let len = std::fs::metadata(dir.join(&part))
        .map(|m| m.len())
        .unwrap_or(0);
    assert!(
        len > 0 && len < 24 * 1024 * 1024,
        "the save was caught half-way: {len} bytes"
    );
    // SAFETY: kill with a pid we spawned and have not reaped.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let out = child.wait_with_output().expect("wait");
    c.cont_signal(0);
    assert_eq!(out.status.code(), Some(143), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("interrupted by SIGTERM"),
        "{}",
        stderr(&out)
    );
    assert_eq!(names_in(&dir), Vec::<String>::new(), "nothing may be left");
    let audit =
        std::fs::read_to_string(home.path().join(".state/etcdtui/audit.log")).expect("audit log");
    let last: serde_json::Value =
        serde_json::from_str(audit.lines().last().expect("a line")).expect("JSON");
    assert_eq!(last["operation"], "snapshot save");
    assert!(
        last["result"]
            .as_str()
            .unwrap_or("")
            .contains("interrupted by SIGTERM"),
        "{last}"
    );
}

/// File system failures are file errors: the path and the OS's reason, exit 1, and not
/// a word about connection settings (the connection was fine).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_directory_that_cannot_take_the_file_is_a_file_error() {
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    let home = tempfile::tempdir().expect("home");
    let endpoints = ep(&c);
    let plain = home.path().join("plain-file");
    std::fs::write(&plain, b"not a directory").expect("write");
    let existing = home.path().join("taken.db");
    std::fs::write(&existing, b"already here").expect("write");
    let cases: [(Vec<String>, String); 3] = [
        // sysfs takes no new files, not even from root (EACCES, or EROFS in a container).
        (
            vec!["--dir".into(), "/sys".into()],
            "cannot create a file in /sys: ".into(),
        ),
        // A directory that cannot exist: its parent is a regular file.
        (
            vec![plain.join("sub/snap.db").display().to_string()],
            format!("cannot create {}: ", plain.join("sub").display()),
        ),
        (
            vec![existing.display().to_string()],
            format!("{} already exists", existing.display()),
        ),
    ];
    for (target, want) in cases {
        let mut args = vec!["snapshot", "save", "--endpoints", &endpoints];
        args.extend(target.iter().map(String::as_str));
        let o = run(home.path(), &args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{target:?}: {err}");
        assert!(err.contains(&want), "{target:?}: {err}");
        assert!(!err.contains("connection"), "{target:?}: {err}");
        assert!(!err.contains(".part"), "{target:?}: {err}");
        if !want.contains("already exists") {
            assert!(err.contains("(os error "), "{target:?}: {err}");
        }
    }
    assert_eq!(
        std::fs::read(&existing).expect("read"),
        b"already here",
        "the existing file was touched"
    );
    assert_eq!(
        names_in(Path::new("/sys"))
            .iter()
            .filter(|n| n.ends_with(".part"))
            .count(),
        0
    );
}

/// The same in the TUI: the Cluster view's `s` into a directory that takes no file ends
/// in a file error with the path and the reason, not connection advice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_the_tui_a_snapshot_dir_that_takes_no_file_is_a_file_error() {
    use etcdtui::app::{ConnState, Msg, Overlay};
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    let mut h = etcdtui::headless::Headless::connect(c.client_urls(), 140, 40);
    h.settle_until("connected", |a| {
        matches!(a.conn, ConnState::Connected { .. })
    })
    .await;
    h.app.ops.snapshot_dir = "/sys".into();
    h.keys("3");
    let start = Instant::now();
    while h
        .app
        .cluster
        .snapshot
        .as_ref()
        .is_none_or(|s| s.members.is_empty())
    {
        assert!(start.elapsed() < Duration::from_secs(20), "no members");
        h.msg(Msg::Tick(Instant::now()));
        h.pump_for(Duration::from_millis(200)).await;
    }
    h.keys("s");
    assert!(
        matches!(h.app.overlay, Overlay::Confirm(_)),
        "{:?}",
        h.app.status
    );
    h.keys("y");
    h.pump_until("the save to end", Duration::from_secs(20), |a| {
        a.ops.finished.is_some()
    })
    .await;
    let f = h.app.ops.finished.as_ref().expect("finished");
    let said = f.lines.join(" ");
    assert!(!f.ok, "{said}");
    assert!(said.contains("cannot create a file in /sys: "), "{said}");
    assert!(said.contains("(os error "), "{said}");
    assert!(
        !said.contains("connection") && !said.contains(".part"),
        "{said}"
    );
}
