//! The restore plan in the real binary: connected to a real 3-member cluster, `:open` a
//! snapshot saved from it, press `R`: the per-member restore lines are there with the
//! members' names, the token and (etcd 3.5 and later) the revision bump; the panel
//! scrolls, copies and closes. At 160x45 and at 80x24.

mod common;
mod tmux;

use std::time::Duration;

use tmux::{Tmux, require_tmux, sh_quote};

const T: Duration = Duration::from_secs(20);

/// The screen's text with the panel's borders and wrapping undone, so a command that
/// wraps over rows reads as one line.
fn unwrapped(screen: &str) -> String {
    screen
        .lines()
        .map(|l| l.trim_matches(|c| c == '│' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether the restore command (the text from `tool` to the next step) carries
/// `--bump-revision N --mark-compacted`; the plan's facts and warnings name the flags too.
fn command_bumps(text: &str, tool: &str) -> bool {
    let Some((_, rest)) = text.split_once(tool) else {
        return false;
    };
    let command = rest.split(". [").next().unwrap_or(rest);
    let numbered = command
        .split("--bump-revision ")
        .skip(1)
        .any(|r| r.starts_with(|c: char| c.is_ascii_digit()));
    numbered && command.contains("--mark-compacted")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_a_snapshot_and_read_its_restore_plan_with_the_live_members() {
    let Some(()) = require_tmux() else { return };
    let Some(c) = common::start_cluster(3).await else {
        return;
    };
    let mut client = common::connect(&c).await;
    for i in 0..5 {
        client
            .put(format!("/app/{i}"), "v", None)
            .await
            .expect("put");
    }
    // etcd 3.4 has no etcdutl and its etcdctl restore no --bump-revision: the plan says
    // so instead, and this test checks that.
    let version = client.status().await.expect("status").version().to_string();
    let bumps = !version.starts_with("3.4.");
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("before.db");
    let endpoints = c.client_urls().join(",");
    let saved = common::backup::run(
        dir.path(),
        &[
            "snapshot",
            "save",
            "--endpoints",
            &endpoints,
            &file.display().to_string(),
        ],
    );
    assert!(saved.status.success(), "{}", common::backup::stderr(&saved));
    // Written after the snapshot: the plan's bump must cover them.
    client.put("/app/later", "v", None).await.expect("put");

    for (w, h) in [(160, 45), (80, 24)] {
        let args = format!(
            "--endpoints {} --kubeadm-manifest /nonexistent",
            sh_quote(&endpoints)
        );
        let t = Tmux::start(&args, &[], w, h);
        t.wait_for("app/", T);
        t.type_text(&format!(":open {}", file.display()));
        t.key("Enter");
        t.wait_for("browsing snapshot", T);
        t.key("R");
        let s = t.wait_for("from the live cluster:", T);
        assert!(s.contains("Restore plan: before.db"), "{w}x{h}:\n{s}");
        // Page down until the restore lines are on screen.
        let restore = if bumps {
            "etcdutl snapshot restore"
        } else {
            "etcdctl snapshot restore"
        };
        let mut seen = String::new();
        for _ in 0..12 {
            seen = unwrapped(&t.screen());
            if seen.contains(restore) && seen.contains("--initial-cluster-token") {
                break;
            }
            t.key("PgDn");
            std::thread::sleep(Duration::from_millis(150));
        }
        assert!(seen.contains(restore), "{w}x{h}: {seen}");
        for name in ["m1", "m2", "m3"] {
            assert!(
                seen.contains(&format!("--name {name}")) || seen.contains(&format!("on {name}")),
                "{w}x{h}: no {name}: {seen}"
            );
        }
        assert!(seen.contains("--initial-cluster m"), "{w}x{h}: {seen}");
        for name in ["m1", "m2", "m3"] {
            assert!(seen.contains(&format!("{name}=http://")), "{w}x{h}: {seen}");
        }
        // On 3.4 the words name the flags (in the warning), no command carries them.
        assert_eq!(
            command_bumps(&seen, restore),
            bumps,
            "{w}x{h} on {version}: {seen}"
        );
        // g back to the top, G to the end, k one up.
        t.key("g");
        t.wait_for("Restore plan for", T);
        t.key("G");
        t.wait_until("the plan's last step", T, |s| {
            unwrapped(s).contains("kube-scheduler and every kubelet")
        });
        t.key("k");
        // y copies: the status line says where to (a clipboard or OSC 52).
        t.key("y");
        t.wait_for("copied the restore plan", T);
        t.key("Escape");
        t.wait_gone("Restore plan:", T);
        t.key("q");
        t.assert_clean_exit();
    }
}

/// Without a terminal: the same panel through `update` and the real actor, the plan made
/// by the headless runner as the runtime makes it, with the live members.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plan_of_an_opened_file_names_the_live_members() {
    use etcdtui::app::restore_plan::PlanState;
    use etcdtui::app::{ConnState, Overlay};
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("one.db");
    let saved = common::backup::run(
        dir.path(),
        &[
            "snapshot",
            "save",
            "--endpoints",
            &c.client_urls()[0],
            &file.display().to_string(),
        ],
    );
    assert!(saved.status.success(), "{}", common::backup::stderr(&saved));
    let mut h = etcdtui::headless::Headless::connect(c.client_urls(), 120, 40);
    h.settle_until("connected", |a| {
        matches!(a.conn, ConnState::Connected { .. })
    })
    .await;
    h.keys(&format!(":open {}\n", file.display()));
    h.settle_until("the file open", |a| a.snapshot.is_some())
        .await;
    h.keys("R");
    h.make_restore_plans().await;
    let Overlay::RestorePlan(p) = &h.app.overlay else {
        panic!("no panel: {:?}", h.app.overlay);
    };
    let PlanState::Ready(lines) = &p.state else {
        panic!("no plan: {:?}", p.state);
    };
    let text = etcdtui::app::restore_plan::text(lines);
    assert!(text.contains("from the live cluster:"), "{text}");
    assert!(text.contains("--name m1 "), "{text}");
    assert!(
        text.contains(&format!("Restore plan for {}", file.display())),
        "{text}"
    );
}
