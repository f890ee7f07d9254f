//! Seeding for the `du` tests: Kubernetes-shaped and application keys, several revisions
//! of some, deletions of others, with every write recorded so the expected figures can
//! be computed by brute force, apart from etcdtui's own code.

use std::collections::BTreeMap;

use etcdtui::localcluster::LocalCluster;

/// One write: the key and the value's length, `None` for a deletion.
pub type Write = (String, Option<usize>);

/// Events outnumber and outweigh everything else, as in a cluster whose events flood in.
pub const EVENTS: usize = 1200;

/// Writes the data set through etcd-client, returning every write in order.
pub async fn seed(cluster: &LocalCluster) -> Vec<Write> {
    let mut c = super::connect(cluster).await;
    let mut writes: Vec<Write> = Vec::new();
    let mut ops: Vec<(String, Option<String>)> = Vec::new();
    for i in 0..EVENTS {
        let ns = ["default", "kube-system", "flood"][i % 3];
        ops.push((
            format!("/registry/events/{ns}/ev{i:05}"),
            Some("e".repeat(200 + i % 50)),
        ));
    }
    // Some events written again: older revisions for the history figures.
    for i in (0..EVENTS).step_by(10) {
        let ns = ["default", "kube-system", "flood"][i % 3];
        ops.push((
            format!("/registry/events/{ns}/ev{i:05}"),
            Some("E".repeat(100)),
        ));
    }
    for i in 0..20 {
        ops.push((
            format!("/registry/pods/default/pod{i}"),
            Some("p".repeat(900)),
        ));
    }
    ops.push(("/registry/pods/default/pod0".into(), None));
    ops.push(("/registry/health".into(), Some("ok".into())));
    for v in ["a", "bb", "ccccc"] {
        ops.push(("/app/config/a".into(), Some(v.repeat(10))));
    }
    ops.push(("/app/config/b".into(), Some("b".into())));
    ops.push(("/app/tmp/x".into(), Some("x".repeat(40))));
    ops.push(("/app/tmp/x".into(), None));
    ops.push(("/app/tmp/y".into(), Some("y".into())));
    ops.push(("/app/tmp/y".into(), None));
    ops.push(("/app/tmp/y".into(), Some("yy".into())));
    ops.push(("top".into(), Some("level".into())));
    for (k, v) in ops {
        match v {
            Some(v) => {
                c.put(k.as_str(), v.as_str(), None).await.expect("seed put");
                writes.push((k, Some(v.len())));
            }
            None => {
                c.delete(k.as_str(), None).await.expect("seed delete");
                writes.push((k, None));
            }
        }
    }
    writes
}

/// The group of `key` at `depth` levels below `prefix`, written apart from etcdtui's:
/// split the rest on '/', keep `depth` components if there are more.
pub fn brute_group(prefix: &str, key: &str, depth: usize) -> String {
    let rest = &key[prefix.len()..];
    let (lead, body) = match rest.strip_prefix('/') {
        Some(b) => ("/", b),
        None => ("", rest),
    };
    let parts: Vec<&str> = body.split('/').collect();
    if parts.len() > depth {
        format!("{prefix}{lead}{}/", parts[..depth].join("/"))
    } else {
        key.to_string()
    }
}

/// (keys, key bytes, value bytes) per group, from `etcdctl get PREFIX --prefix -w json`.
pub fn brute_live(
    cluster: &LocalCluster,
    prefix: &str,
    depth: usize,
) -> BTreeMap<String, (u64, u64, u64)> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let out = super::etcdctl_ok(cluster, &["get", prefix, "--prefix", "-w", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("etcdctl json");
    let mut groups = BTreeMap::new();
    for kv in v["kvs"].as_array().cloned().unwrap_or_default() {
        let key = b64
            .decode(kv["key"].as_str().expect("key"))
            .expect("base64 key");
        let value = kv["value"]
            .as_str()
            .map(|s| b64.decode(s).expect("base64 value"))
            .unwrap_or_default();
        let key = String::from_utf8(key).expect("the seeded keys are text");
        let g = groups
            .entry(brute_group(prefix, &key, depth))
            .or_insert((0, 0, 0));
        g.0 += 1;
        g.1 += key.len() as u64;
        g.2 += value.len() as u64;
    }
    groups
}

/// (revisions, bytes) per group that a compaction at the last revision would remove,
/// from the writes: all but a live key's last put, every write of a deleted key (a
/// deletion weighs its key).
pub fn brute_history(writes: &[Write], prefix: &str, depth: usize) -> BTreeMap<String, (u64, u64)> {
    let mut per_key: BTreeMap<&str, Vec<Option<usize>>> = BTreeMap::new();
    for (k, v) in writes.iter().filter(|(k, _)| k.starts_with(prefix)) {
        per_key.entry(k.as_str()).or_default().push(*v);
    }
    let mut groups = BTreeMap::new();
    for (k, mut ops) in per_key {
        if let Some(Some(_)) = ops.last() {
            ops.pop();
        }
        if ops.is_empty() {
            continue;
        }
        let g = groups
            .entry(brute_group(prefix, k, depth))
            .or_insert((0, 0));
        for op in ops {
            g.0 += 1;
            g.1 += (k.len() + op.unwrap_or(0)) as u64;
        }
    }
    groups
}

/// The groups of a `du -o json` output: path -> the JSON row.
pub fn rows(v: &serde_json::Value) -> BTreeMap<String, serde_json::Value> {
    v["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| (g["path"].as_str().expect("path").to_string(), g.clone()))
        .collect()
}
