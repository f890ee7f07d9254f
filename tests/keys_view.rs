//! The Keys view against a real etcd seeded with the demo's Kubernetes-shaped data:
//! the tree, counts, paging, `:goto`, values, and safe drawing of hostile keys.

mod common;

use etcdtui::app::keys::Row;
use etcdtui::etcd::keys::KeysOp;
use etcdtui::headless::Headless;
use etcdtui::keymap::{Key, KeyCode};

async fn seeded() -> Option<(etcdtui::localcluster::LocalCluster, Headless)> {
    let cluster = common::start_cluster(1).await?;
    let mut client = common::connect(&cluster).await;
    etcdtui::demo::seed::seed(&mut client).await.expect("seed");
    let h = Headless::connect(cluster.client_urls(), 100, 30);
    Some((cluster, h))
}

fn labels(h: &Headless) -> Vec<String> {
    let ks = &h.app.keys;
    ks.tree
        .rows
        .iter()
        .map(|r| match *r {
            Row::Node { id, depth } => {
                let n = ks.tree.node(id);
                format!("{}{}", "  ".repeat(depth), String::from_utf8_lossy(&n.key))
            }
            Row::More { depth, .. } => format!("{}more", "  ".repeat(depth)),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn top_level_opens_with_counts_from_etcd() {
    let Some((_c, mut h)) = seeded().await else {
        return;
    };
    h.settle_until("tree loaded", |a| a.keys.tree.rows.len() >= 3)
        .await;
    assert_eq!(labels(&h), vec!["/", "  /app/", "  /registry/"]);
    let ks = &h.app.keys;
    let count = |k: &str| {
        ks.tree
            .find(k.as_bytes())
            .and_then(|id| ks.tree.node(id).count)
    };
    let entries = etcdtui::demo::seed::entries();
    let under = |p: &str| {
        entries
            .iter()
            .filter(|(k, _)| k.starts_with(p.as_bytes()))
            .count() as i64
    };
    // Three leased session keys are written besides the entries.
    assert_eq!(count("/app/"), Some(under("/app/") + 3));
    assert_eq!(count("/registry/"), Some(under("/registry/")));
    assert_eq!(count("/"), Some(entries.len() as i64 + 3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expand_collapse_and_parent_navigation() {
    let Some((_c, mut h)) = seeded().await else {
        return;
    };
    h.settle_until("tree loaded", |a| a.keys.tree.rows.len() >= 3)
        .await;
    h.keys("jj"); // /registry/
    h.key(Key::plain(KeyCode::Right));
    h.settle().await;
    let rows = labels(&h);
    assert!(
        rows.contains(&"    /registry/pods/".to_string()),
        "{rows:?}"
    );
    assert!(
        rows.contains(&"    /registry/apiextensions.k8s.io/".to_string()),
        "{rows:?}"
    );
    h.keys("l"); // into the first child
    h.settle().await;
    h.keys("h"); // back to /registry/
    assert_eq!(h.selected_key(), Some(b"/registry/".to_vec()));
    h.keys("h"); // collapse
    assert_eq!(labels(&h), vec!["/", "  /app/", "  /registry/"]);
    h.keys("G");
    assert_eq!(h.selected_key(), Some(b"/registry/".to_vec()));
    h.keys("g");
    assert_eq!(h.selected_key(), Some(b"/".to_vec()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn goto_a_protobuf_pod_loads_its_value_and_metadata() {
    let Some((_c, mut h)) = seeded().await else {
        return;
    };
    h.settle_until("tree loaded", |a| a.keys.loaded).await;
    h.keys(":goto /registry/pods/default/redis-0\n");
    h.settle_until("value loaded", |a| {
        a.keys.value.as_ref().is_some_and(|v| !v.loading)
    })
    .await;
    assert_eq!(
        h.selected_key(),
        Some(b"/registry/pods/default/redis-0".to_vec())
    );
    let v = h.app.keys.value.as_ref().expect("value pane");
    let kv = v.kv.as_ref().expect("key exists");
    assert!(kv.value.starts_with(b"k8s\0"));
    assert_eq!(kv.version, 1);
    assert!(kv.mod_revision > 1);
    insta::assert_snapshot!("goto_pod", h.render_keys(100, 16));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn goto_a_prefix_selects_the_directory_and_a_missing_key_says_so() {
    let Some((_c, mut h)) = seeded().await else {
        return;
    };
    h.settle_until("tree loaded", |a| a.keys.loaded).await;
    h.keys(":goto /registry/secrets\n");
    h.settle().await;
    assert_eq!(h.selected_key(), Some(b"/registry/secrets/".to_vec()));
    h.keys(":goto /registry/secrets/payments/nope\n");
    h.settle().await;
    assert_eq!(
        h.selected_key(),
        Some(b"/registry/secrets/payments/".to_vec())
    );
    let status = h
        .app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(status.contains("not found"), "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_keys_and_values_are_drawn_escaped() {
    let Some((_c, mut h)) = seeded().await else {
        return;
    };
    h.settle_until("tree loaded", |a| a.keys.loaded).await;
    h.keys(":goto /app/hostile/escape\n");
    h.settle_until("value", |a| {
        a.keys.value.as_ref().is_some_and(|v| !v.loading)
    })
    .await;
    let hex = h.render_keys(100, 16);
    assert!(
        hex.contains("1b 5d 30 3b"),
        "control bytes show as hex first:\n{hex}"
    );
    h.keys("f");
    let screen = h.render_keys(100, 16);
    assert!(screen.contains("\\xff\\xfe-not-utf8"), "{screen}");
    assert!(screen.contains("\\x1b]0;pwned\\x07"), "{screen}");
    assert!(
        !screen.chars().any(|c| c.is_control() && c != '\n'),
        "raw control character in:\n{screen}"
    );
    insta::assert_snapshot!("hostile", screen);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_with_thousands_of_children_pages_with_a_more_row() {
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    let mut client = common::connect(&c).await;
    for i in 0..1200 {
        client
            .put(format!("/many/k{i:05}"), "v", None)
            .await
            .expect("put");
    }
    // A deep subtree the listing must jump over, not walk.
    for i in 0..3000 {
        client
            .put(format!("/many/zdeep/{i:05}"), "v", None)
            .await
            .expect("put");
    }
    let mut h = Headless::connect(c.client_urls(), 100, 30);
    h.settle_until("tree", |a| a.keys.loaded).await;
    h.keys("j");
    h.key(Key::plain(KeyCode::Enter));
    h.settle().await;
    let rows = labels(&h);
    assert_eq!(
        rows.len(),
        2 + 500 + 1,
        "first page plus a more row: {:?}",
        &rows[..3]
    );
    assert_eq!(rows.last().map(String::as_str), Some("    more"));
    h.keys("G");
    h.key(Key::plain(KeyCode::Enter));
    h.settle().await;
    h.keys("G");
    h.key(Key::plain(KeyCode::Enter));
    h.settle().await;
    let rows = labels(&h);
    assert_eq!(
        rows.len(),
        2 + 1201,
        "all 1200 leaves and the deep directory, no more row"
    );
    assert_eq!(rows.last().map(String::as_str), Some("    /many/zdeep/"));
    let deep = h.app.keys.tree.find(b"/many/zdeep/").expect("deep dir row");
    h.settle_until("count of the deep dir", |a| {
        a.keys.tree.node(deep).count.is_some()
            || !a
                .keys
                .window()
                .any(|(_, r)| r == Row::Node { id: deep, depth: 1 })
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skip_scan_pages_agree_with_a_full_listing() {
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    let mut client = common::connect(&c).await;
    let mut keys = Vec::new();
    for d in 0..30 {
        for i in 0..(d * 7 % 11) {
            keys.push(format!("/s/d{d:02}/{i}"));
        }
        keys.push(format!("/s/leaf{d:02}"));
    }
    keys.push("/s/\u{1b}[2Jodd".to_string());
    for k in &keys {
        client.put(k.as_str(), "v", None).await.expect("put");
    }
    let mut expected: Vec<String> = keys
        .iter()
        .map(|k| {
            let rest = &k[3..];
            match rest.find('/') {
                Some(i) => format!("/s/{}", &rest[..=i]),
                None => k.clone(),
            }
        })
        .collect();
    expected.sort();
    expected.dedup();

    let spec = etcdtui::etcd::ConnectSpec {
        endpoints: c.client_urls(),
        ..Default::default()
    };
    let ep = etcdtui::etcd::connect::connect_endpoint(&spec.endpoints[0], &spec, None)
        .await
        .expect("connect");
    // With and without the first key known (as the parent's listing gives it).
    for (want, hint) in [1, 3, 7, 64, 1000].into_iter().flat_map(|w| {
        [
            (w, None),
            (w, keys.iter().min().map(|k| k.as_bytes().to_vec())),
        ]
    }) {
        let mut got = Vec::new();
        let mut start = None;
        let mut revision = None;
        loop {
            let first_page = start.is_none();
            let op = KeysOp::Children {
                node: b"/s/".to_vec(),
                sep: b'/',
                start,
                revision,
                want,
                hint: if first_page { hint.clone() } else { None },
            };
            let ans = etcdtui::etcd::keys::run_op(&ep, op).await.expect("list");
            let etcdtui::etcd::keys::KeysAnswer::Children(page) = ans else {
                panic!("wrong answer")
            };
            assert!(page.children.len() <= want);
            got.extend(
                page.children
                    .iter()
                    .map(|c| String::from_utf8_lossy(&c.key).into_owned()),
            );
            revision = Some(page.revision);
            match page.next {
                Some(n) => start = Some(n),
                None => break,
            }
        }
        assert_eq!(got, expected, "pages of {want}, hint {hint:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_filters_every_key_from_the_index_and_enter_jumps_there() {
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    let mut client = common::connect(&c).await;
    etcdtui::demo::seed::seed(&mut client).await.expect("seed");
    // More keys than one index page, so the index is built from several.
    for batch in 0..450 {
        let ops: Vec<etcd_client::TxnOp> = (0..100)
            .map(|i| etcd_client::TxnOp::put(format!("/bulk/{:06}", batch * 100 + i), "", None))
            .collect();
        client
            .txn(etcd_client::Txn::new().and_then(ops))
            .await
            .expect("txn");
    }
    let mut h = Headless::connect(c.client_urls(), 100, 30);
    h.settle_until("tree", |a| a.keys.loaded).await;
    h.keys("/redis");
    h.settle_until("index complete", |a| {
        a.keys.index.done || a.keys.index.error.is_some()
    })
    .await;
    assert_eq!(h.app.keys.index.error, None);
    let total = etcdtui::demo::seed::entries().len() + 3 + 45_000;
    assert_eq!(h.app.keys.index.len(), total);
    let f = h.app.keys.filter.as_ref().expect("filter open");
    assert_eq!(f.total, 1, "one key mentions redis");
    insta::assert_snapshot!("filter", h.render_keys(100, 8));
    h.key(Key::plain(KeyCode::Enter)); // stop typing
    h.key(Key::plain(KeyCode::Enter)); // jump
    h.settle().await;
    assert!(h.app.keys.filter.is_none());
    assert_eq!(
        h.selected_key(),
        Some(b"/registry/pods/default/redis-0".to_vec())
    );
    // Esc leaves the filter without moving.
    h.keys("/bulk/0449");
    h.key(Key::plain(KeyCode::Esc));
    assert!(h.app.keys.filter.is_none());
    assert_eq!(
        h.selected_key(),
        Some(b"/registry/pods/default/redis-0".to_vec())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_walks_back_to_creation_diffs_and_stops_at_compaction() {
    let Some((c, mut h)) = seeded().await else {
        return;
    };
    h.settle_until("tree", |a| a.keys.loaded).await;
    h.keys(":goto /app/config/feature-flags\n");
    h.settle_until("value", |a| {
        a.keys.value.as_ref().is_some_and(|v| !v.loading)
    })
    .await;
    h.keys("H");
    h.settle().await;
    let hist = h.app.keys.history.as_ref().expect("history open");
    let versions: Vec<i64> = hist.entries.iter().map(|kv| kv.version).collect();
    assert_eq!(versions, vec![4, 3, 2, 1], "every revision, newest first");
    assert_eq!(hist.end, Some(etcdtui::etcd::keys::HistoryEnd::Created));
    // Diff of the current value against the one before it.
    h.keys("c");
    let hist = h.app.keys.history.as_ref().expect("history open");
    let etcdtui::app::keys::history::Shown::Diff { lines, .. } = &hist.shown else {
        panic!("compare did not show a diff");
    };
    use etcdtui::app::keys::history::DiffLine;
    assert!(
        lines
            .iter()
            .any(|l| matches!(l, DiffLine::Added(t) if t.contains("100"))),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| matches!(l, DiffLine::Removed(t) if t.contains("75"))),
        "{lines:?}"
    );
    insta::assert_snapshot!("history_diff", h.render_keys(110, 20));
    h.keys("h");
    assert!(h.app.keys.history.is_none());

    // Compact away the first two versions: history must say where it ends.
    let mut client = common::connect(&c).await;
    let second = h
        .app
        .keys
        .value
        .as_ref()
        .and_then(|v| v.kv.as_ref())
        .map(|kv| kv.mod_revision)
        .expect("kv");
    let compact_at = second - 1;
    client.compact(compact_at, None).await.expect("compact");
    h.keys("H");
    h.settle().await;
    let hist = h.app.keys.history.as_ref().expect("history open");
    assert_eq!(
        hist.end,
        Some(etcdtui::etcd::keys::HistoryEnd::Compacted {
            revision: compact_at
        })
    );
    assert!(hist.entries.len() < 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn y_copies_the_key_escaped_and_shift_y_the_value_as_shown() {
    let Some((_c, mut h)) = seeded().await else {
        return;
    };
    h.settle_until("tree", |a| a.keys.loaded).await;
    h.keys(":goto /app/hostile/\\xff\\xfe-not-utf8\n");
    h.settle_until("value", |a| {
        a.keys.value.as_ref().is_some_and(|v| !v.loading)
    })
    .await;
    h.keys("yY");
    assert_eq!(
        h.clipboard.copied,
        vec![
            "/app/hostile/\\xff\\xfe-not-utf8".to_string(),
            "key is not valid UTF-8".to_string()
        ]
    );
    let status = h
        .app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(status.contains("copied the value"), "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_writes_the_subtree_as_json_or_yaml_with_binary_as_base64() {
    let Some((_c, mut h)) = seeded().await else {
        return;
    };
    h.settle_until("tree", |a| a.keys.loaded).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("app.json");
    h.keys(":goto /app/\n");
    h.settle().await;
    h.keys(&format!(":export {}\n", json.display()));
    h.settle().await;
    let status = h
        .app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(status.contains("exported 9 keys"), "{status}");
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("file")).expect("json");
    assert_eq!(doc["prefix"], "/app/");
    assert_eq!(doc["count"], 9);
    let keys = doc["keys"].as_array().expect("keys");
    let odd = keys
        .iter()
        .find(|k| k.get("key_base64").is_some())
        .expect("the non-UTF-8 key");
    use base64::Engine;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(odd["key_base64"].as_str().expect("str"))
        .expect("base64");
    assert_eq!(raw, b"/app/hostile/\xff\xfe-not-utf8");
    let escape = keys
        .iter()
        .find(|k| k["key"] == "/app/hostile/escape")
        .expect("escape key");
    assert!(
        escape.get("value_base64").is_some(),
        "escape sequences go as base64: {escape}"
    );
    let session = keys
        .iter()
        .find(|k| k["key"] == "/app/sessions/session-1")
        .expect("session");
    assert!(session["lease"].as_i64().is_some_and(|l| l != 0));

    let yaml = dir.path().join("app.yaml");
    h.keys(&format!(":export {}\n", yaml.display()));
    h.settle().await;
    let doc: serde_yaml::Value =
        serde_yaml::from_slice(&std::fs::read(&yaml).expect("file")).expect("yaml");
    assert_eq!(doc["count"].as_u64(), Some(9));

    // A directory that does not exist: a clear error and no stray file.
    h.keys(":export /nonexistent/dir/x.json\n");
    h.settle().await;
    let status = h
        .app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(status.contains("/nonexistent/dir"), "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_separator_builds_the_tree_on_it() {
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    let mut client = common::connect(&c).await;
    for k in ["svc:a:1", "svc:a:2", "svc:b", "other"] {
        client.put(k, "v", None).await.expect("put");
    }
    let mut h = Headless::connect(c.client_urls(), 100, 30);
    h.app.keys = etcdtui::app::keys::KeysState::new(b':');
    h.settle_until("tree", |a| a.keys.loaded).await;
    assert_eq!(labels(&h), vec!["other", "svc:"]);
    h.keys("jl");
    h.settle().await;
    assert_eq!(labels(&h), vec!["other", "svc:", "  svc:a:", "  svc:b"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_are_masked_until_x_and_encrypted_values_say_so() {
    let Some((_c, mut h)) = seeded().await else {
        return;
    };
    h.settle_until("tree", |a| a.keys.loaded).await;
    h.keys(":goto /registry/secrets/payments/db-credentials\n");
    h.settle_until("value", |a| {
        a.keys.value.as_ref().is_some_and(|v| !v.loading)
    })
    .await;
    let text = |h: &Headless| {
        h.app
            .keys
            .value
            .as_ref()
            .map(|v| v.rendered.text.clone())
            .unwrap_or_default()
    };
    let masked = text(&h);
    assert!(masked.contains("kind: Secret"), "{masked}");
    assert!(
        !masked.contains("aHVudGVyMg=="),
        "secret data shown unmasked:\n{masked}"
    );
    assert!(masked.contains("••••••"), "{masked}");
    // Neither the copy nor another format may leak it while masked.
    h.keys("Y");
    assert!(!h.clipboard.copied.concat().contains("aHVudGVyMg=="));
    h.keys("x");
    let revealed = text(&h);
    assert!(
        revealed.contains("aHVudGVyMg=="),
        "x must reveal the base64 data:\n{revealed}"
    );
    h.keys("x");
    assert!(!text(&h).contains("aHVudGVyMg=="), "x again masks");

    h.keys(":goto /registry/secrets/kube-system/bootstrap-token-abcdef\n");
    h.settle_until("value", |a| {
        a.keys
            .value
            .as_ref()
            .is_some_and(|v| !v.loading && v.key.ends_with(b"abcdef"))
    })
    .await;
    let enc = text(&h);
    assert!(
        enc.contains("encrypted at rest") && enc.contains("aescbc") && enc.contains("key1"),
        "{enc}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubernetes_fixtures_show_decoded_and_the_layout_names_kinds() {
    let dir = std::env::var_os("ETCDTUI_K8S_FIXTURES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/k8s-api")
        });
    let (Ok(deployment), Ok(node)) = (
        std::fs::read(dir.join("apps.v1.Deployment.pb")),
        std::fs::read(dir.join("core.v1.Node.pb")),
    ) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "fixtures missing at {} under CI",
            dir.display()
        );
        return;
    };
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    let mut client = common::connect(&c).await;
    client
        .put("/registry/deployments/default/web", deployment, None)
        .await
        .expect("put");
    client
        .put("/registry/minions/node-1", node, None)
        .await
        .expect("put");
    let mut h = Headless::connect(c.client_urls(), 120, 40);
    h.settle_until("tree", |a| a.keys.loaded).await;
    h.keys(":goto /registry/deployments/default/web\n");
    h.settle_until("value", |a| {
        a.keys.value.as_ref().is_some_and(|v| !v.loading)
    })
    .await;
    let text = h
        .app
        .keys
        .value
        .as_ref()
        .map(|v| v.rendered.text.clone())
        .unwrap_or_default();
    assert!(
        text.starts_with("apiVersion: apps/v1\nkind: Deployment\n"),
        "{text}"
    );
    insta::assert_snapshot!("deployment", h.render_keys(120, 30));
    h.keys(":goto /registry/minions/node-1\n");
    h.settle_until("value", |a| {
        a.keys
            .value
            .as_ref()
            .is_some_and(|v| !v.loading && v.key.ends_with(b"node-1"))
    })
    .await;
    let screen = h.render_keys(120, 30);
    assert!(screen.contains("kind: Node"), "{screen}");
    assert!(
        screen.contains("Node"),
        "the minions directory is labelled with its kind"
    );
    insta::assert_snapshot!("node", screen);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_selects_the_row_under_it_and_the_wheel_moves() {
    use etcdtui::app::{Mouse, MouseKind, Msg};
    let Some((_c, mut h)) = seeded().await else {
        return;
    };
    h.settle_until("tree loaded", |a| a.keys.tree.rows.len() >= 3)
        .await;
    // Rows start below the header (2), the tab bar (1) and the pane's border (1).
    let screen = h.render(100, 30);
    let y = screen
        .lines()
        .position(|l| l.contains("registry/"))
        .expect("registry row drawn") as u16;
    h.msg(Msg::Mouse(Mouse {
        kind: MouseKind::Click,
        x: 5,
        y,
    }));
    h.settle().await;
    assert_eq!(h.selected_key().as_deref(), Some(&b"/registry/"[..]));
    h.msg(Msg::Mouse(Mouse {
        kind: MouseKind::ScrollUp,
        x: 5,
        y,
    }));
    h.settle().await;
    assert_eq!(h.selected_key().as_deref(), Some(&b"/app/"[..]));
}
