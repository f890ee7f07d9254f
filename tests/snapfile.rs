//! The snapshot reader against files written by real etcd: a snapshot saved with
//! `etcdctl snapshot save` and a stopped member's raw `member/snap/db` must read like the
//! cluster they came from, and give the status numbers etcd's own tool prints.

mod common;
mod snapfile_damage;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use etcd_client::{Client, CompactionOptions, GetOptions, PutOptions};
use etcdtui::localcluster::LocalCluster;
use etcdtui::snapfile::{Entry, Integrity, SnapError, SnapshotFile, read_status};
use serde_json::Value;

/// (key, value, create, mod, version, lease) as the live cluster holds it.
type Live = BTreeMap<Vec<u8>, (Vec<u8>, i64, i64, i64, i64)>;

struct Seeded {
    cluster: LocalCluster,
    client: Client,
    lease: i64,
    compacted: i64,
    /// The revision before the deletes and the last puts, for reading the past.
    before_deletes: i64,
}

/// Puts, overwrites, deletes, a compaction, a binary value, a value bigger than a page
/// (overflow pages) and a key with a lease: a few hundred keys in all.
async fn seed(cluster: LocalCluster) -> Seeded {
    let mut client = common::connect(&cluster).await;
    let c = &mut client;
    for i in 0..300 {
        put(c, &format!("/app/k{i:03}"), format!("value {i}").as_bytes()).await;
    }
    let before_compact = put(c, "/app/k001", b"overwritten").await;
    c.compact(
        before_compact,
        Some(CompactionOptions::new().with_physical()),
    )
    .await
    .expect("compact");
    put(c, "/app/k000", b"first overwrite").await;
    let before_deletes = put(c, "/app/k001", b"overwritten again").await;
    for i in 10..20 {
        c.delete(format!("/app/k{i:03}"), None)
            .await
            .expect("delete");
    }
    put(c, "/bin", &(0..=255u8).collect::<Vec<_>>()).await;
    put(c, "/big", &vec![b'x'; 20_000]).await;
    let lease = c.lease_grant(600, None).await.expect("lease grant").id();
    c.put("/leased", "held", Some(PutOptions::new().with_lease(lease)))
        .await
        .expect("put with lease");
    Seeded {
        cluster,
        client,
        lease,
        compacted: before_compact,
        before_deletes,
    }
}

async fn put(c: &mut Client, key: &str, value: &[u8]) -> i64 {
    let resp = c.put(key, value, None).await.expect("put");
    resp.header().map_or(0, |h| h.revision())
}

async fn live(c: &mut Client) -> (Live, i64) {
    live_with(c, GetOptions::new().with_all_keys()).await
}

/// The cluster's answer to a range `get` with these options.
async fn live_with(c: &mut Client, options: GetOptions) -> (Live, i64) {
    let resp = c.get("", Some(options)).await.expect("get keys");
    let rev = resp.header().map_or(0, |h| h.revision());
    (
        fields(resp.kvs().iter().map(|kv| {
            (
                kv.key(),
                kv.value(),
                kv.create_revision(),
                kv.mod_revision(),
                kv.version(),
                kv.lease(),
            )
        })),
        rev,
    )
}

fn fields<'a>(kvs: impl Iterator<Item = (&'a [u8], &'a [u8], i64, i64, i64, i64)>) -> Live {
    kvs.map(|(k, v, create, modified, version, lease)| {
        (k.to_vec(), (v.to_vec(), create, modified, version, lease))
    })
    .collect()
}

/// Entries with their values read from the file.
fn as_live<'a>(snap: &SnapshotFile, entries: impl Iterator<Item = Entry<'a>>) -> Live {
    let kvs: Vec<_> = entries
        .map(|e| snap.kv(e).expect("read the value"))
        .collect();
    fields(kvs.iter().map(|kv| {
        (
            kv.key.as_slice(),
            kv.value.as_slice(),
            kv.create_revision,
            kv.mod_revision,
            kv.version,
            kv.lease,
        )
    }))
}

fn read(snap: &SnapshotFile) -> Live {
    as_live(snap, snap.keys())
}

/// `etcdutl snapshot status -w json` when etcdutl sits beside etcdctl (3.5), else
/// `etcdctl snapshot status -w json` (3.4).
fn etcd_status(file: &Path) -> Value {
    let etcdctl = common::etcdctl_bin().expect("etcdctl is required");
    let etcdutl = etcdctl.with_file_name("etcdutl");
    let mut cmd = if etcdutl.is_file() {
        Command::new(etcdutl)
    } else {
        let mut c = Command::new(etcdctl);
        c.env("ETCDCTL_API", "3");
        c
    };
    let out = cmd
        .args(["snapshot", "status", "-w", "json"])
        .arg(file)
        .output()
        .expect("run snapshot status");
    assert!(
        out.status.success(),
        "snapshot status failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("snapshot status prints JSON")
}

fn assert_status_matches_etcd(s: &etcdtui::snapfile::Status, file: &Path) {
    let theirs = etcd_status(file);
    assert_eq!(
        theirs["hash"].as_u64(),
        s.hash.map(u64::from),
        "hash of {}",
        file.display()
    );
    assert_eq!(theirs["revision"], s.revision, "revision");
    assert_eq!(
        theirs["totalKey"],
        common::total_key_as_etcd_counts(&theirs, s),
        "totalKey"
    );
    assert_eq!(theirs["totalSize"], s.total_size, "totalSize");
}

fn save_snapshot(cluster: &LocalCluster, dir: &Path) -> PathBuf {
    let file = dir.join("snap.db");
    common::etcdctl_ok(cluster, &["snapshot", "save", &file.display().to_string()]);
    file
}

#[tokio::test]
async fn a_saved_snapshot_reads_like_the_cluster_it_came_from() {
    let Some(cluster) = common::start_cluster(1).await else {
        return;
    };
    let mut seeded = seed(cluster).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (live, live_rev) = live(&mut seeded.client).await;
    let file = save_snapshot(&seeded.cluster, dir.path());

    let snap = SnapshotFile::open(&file).expect("open the snapshot");
    assert_eq!(snap.problems(), &[]);
    let status_only = read_status(&file).expect("read the status alone");
    assert_status_matches_etcd(&status_only.status, &file);
    // Browsing leaves out etcd's hash and nothing else.
    let without_hash = etcdtui::snapfile::Status {
        hash: None,
        ..status_only.status.clone()
    };
    assert_eq!(&without_hash, snap.status());
    assert_eq!(&status_only.etcd, snap.etcd_meta());
    let s = snap.status();
    assert_eq!(s.revision, live_rev);
    assert_eq!(s.integrity, Integrity::Verified);
    assert_eq!(s.file_size, s.total_size + 32);
    assert_eq!(s.total_size, s.page_count * u64::from(s.page_size));
    assert_eq!(snap.etcd_meta().compacted_revision, Some(seeded.compacted));
    let members = seeded.client.member_list().await.expect("member list");
    let member_ids: Vec<u64> = members.members().iter().map(|m| m.id()).collect();
    let ours: Vec<u64> = snap.etcd_meta().members.iter().map(|m| m.id).collect();
    assert_eq!(ours, member_ids);
    let cluster_id = members.header().map(|h| h.cluster_id());
    assert_eq!(snap.etcd_meta().derived_cluster_id(), cluster_id);

    // Every key and value, with its revisions, version and lease, as the cluster has them.
    let ours = read(&snap);
    assert_eq!(ours.len(), live.len());
    assert_eq!(ours, live);
    assert_eq!(s.live_keys, live.len() as u64);
    let leased = snap
        .get(b"/leased")
        .expect("read")
        .expect("/leased is in the snapshot");
    assert_eq!(leased.lease, seeded.lease);
    let len = |key: &[u8]| snap.get(key).expect("read").map(|kv| kv.value.len());
    assert_eq!(len(b"/bin"), Some(256));
    assert_eq!(len(b"/big"), Some(20_000));

    assert_history(&snap, seeded.compacted);
    value_reads_notice_a_changed_file(&file, dir.path());

    // The past as the cluster itself serves it, and a prefix.
    let at = seeded.before_deletes;
    let (then, _) = live_with(
        &mut seeded.client,
        GetOptions::new().with_all_keys().with_revision(at),
    )
    .await;
    assert_eq!(as_live(&snap, snap.keys_at(at)), then);
    assert_ne!(then, live);
    let (apps, _) = live_with(&mut seeded.client, GetOptions::new().with_all_keys()).await;
    let apps: Live = apps
        .into_iter()
        .filter(|(k, _)| k.starts_with(b"/app/"))
        .collect();
    assert_eq!(as_live(&snap, snap.keys_with_prefix(b"/app/")), apps);
    snapfile_damage::bad_copies_of(&file, dir.path());
    cli_on(&file);
}

/// Overwrites keep both versions, deletions leave a tombstone and no live key, and a
/// compaction drops what it covers.
fn assert_history(snap: &SnapshotFile, compacted: i64) {
    let values = |events: &[etcdtui::snapfile::Event]| -> Vec<Vec<u8>> {
        events
            .iter()
            .map(|e| snap.value_of(e).expect("read"))
            .collect()
    };
    let k000 = snap.history(b"/app/k000");
    assert_eq!(values(k000), [&b"value 0"[..], b"first overwrite"]);
    assert_eq!(k000[1].version, 2);
    assert!(k000.iter().all(|e| !e.tombstone));

    // Compacted at the revision of "overwritten": the older "value 1" is gone.
    let k001 = snap.history(b"/app/k001");
    assert_eq!(values(k001), [&b"overwritten"[..], b"overwritten again"]);
    assert_eq!(k001[0].revision.main, compacted);

    let deleted = snap.history(b"/app/k015");
    assert_eq!(deleted.len(), 2);
    assert!(deleted[1].tombstone);
    assert!(deleted[1].revision > deleted[0].revision);
    assert_eq!(snap.get(b"/app/k015"), Ok(None));
    assert!(snap.all_keys().any(|k| k == b"/app/k015"));
    assert!(!snap.keys().any(|kv| kv.key == b"/app/k015"));
}

/// Values stay in the file until shown: once the file is cut short under an open
/// snapshot, reading one is an error that says so, not a panic or wrong bytes.
fn value_reads_notice_a_changed_file(file: &Path, dir: &Path) {
    let copy = dir.join("changing.db");
    std::fs::copy(file, &copy).expect("copy the snapshot");
    let snap = SnapshotFile::open(&copy).expect("open the copy");
    let big = snap.get(b"/big").expect("read before the change");
    assert_eq!(big.map(|kv| kv.value.len()), Some(20_000));
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&copy)
        .expect("reopen");
    f.set_len(8192).expect("truncate the copy");
    let err = snap.get(b"/big").expect_err("the file was cut short");
    assert!(matches!(err, SnapError::Changed { .. }), "{err:?}");
    assert!(
        err.to_string().contains("changed after it was opened"),
        "{err}"
    );
}

pub fn etcdtui(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_etcdtui"))
        .args(args)
        .output()
        .expect("run etcdtui")
}

fn cli_on(file: &Path) {
    let path = file.display().to_string();
    let out = etcdtui(&["snapshot", "status", &path, "-o", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ours: Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let theirs = etcd_status(file);
    for field in ["hash", "revision", "totalSize"] {
        assert_eq!(ours[field], theirs[field], "{field}");
    }
    if common::counts_live_keys(&theirs) {
        assert_eq!(
            ours["totalKey"], theirs["totalKey"],
            "totalKey (etcdutl 3.6+)"
        );
        assert_eq!(ours["version"], theirs["version"], "storage version");
    } else {
        assert_eq!(
            ours["bucketEntries"], theirs["totalKey"],
            "totalKey (etcdutl 3.5)"
        );
    }
    assert_eq!(ours["integrity"], "verified");

    let out = etcdtui(&["snapshot", "status", &path]);
    assert!(out.status.success());
    let table = String::from_utf8_lossy(&out.stdout);
    let hash = format!("{:x}", theirs["hash"].as_u64().unwrap_or_default());
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("HASH") && l.ends_with(&hash)),
        "{table}"
    );
    assert!(table.contains("INTEGRITY         verified"), "{table}");
}

#[tokio::test]
async fn a_stopped_members_raw_db_opens_and_matches_etcd() {
    let Some(cluster) = common::start_cluster(1).await else {
        return;
    };
    let mut seeded = seed(cluster).await;
    let (live, live_rev) = live(&mut seeded.client).await;
    let db = seeded.cluster.member(0).data_dir.join("member/snap/db");
    // etcd commits its write batch every 100 ms: wait until the last one is in the file,
    // or SIGKILL would leave it only in the WAL.
    let deadline = Instant::now() + Duration::from_secs(10);
    while read_status(&db).map(|r| r.status.revision) != Ok(live_rev) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    seeded.cluster.kill(0);

    let snap = SnapshotFile::open(&db).expect("open the raw db");
    assert_eq!(snap.problems(), &[]);
    assert_eq!(snap.status().integrity, Integrity::Raw);
    assert_eq!(snap.status().integrity.to_string(), "none: a raw db file");
    let status = read_status(&db).expect("status of the raw db").status;
    assert_status_matches_etcd(&status, &db);
    assert_eq!(read(&snap), live);
}

#[test]
fn files_that_are_not_snapshots_are_clear_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("empty.db", Vec::new(), "the file is empty"),
        (
            "notes.txt",
            b"just some text\n".repeat(400),
            "not an etcd snapshot",
        ),
        ("random.db", pseudo_random(40_000), "not an etcd snapshot"),
        ("short.db", b"hello".to_vec(), "too short"),
    ];
    for (name, bytes, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).expect("write the file");
        let err = SnapshotFile::open(&path).expect_err(name);
        assert!(err.to_string().contains(expected), "{name}: {err}");

        let out = etcdtui(&["snapshot", "status", &path.display().to_string()]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert!(out.stdout.is_empty());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("etcdtui: cannot read"), "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let missing = dir.path().join("missing.db");
    let out = etcdtui(&["snapshot", "status", &missing.display().to_string()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("No such file"));
    // A data dir instead of the db file in it: the message points at the file.
    let db = dir.path().join("member/snap/db");
    std::fs::create_dir_all(dir.path().join("member/snap")).expect("create member/snap");
    std::fs::write(&db, b"").expect("write an empty db");
    let out = etcdtui(&["snapshot", "status", &dir.path().display().to_string()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("a directory, not a file: did you mean"),
        "{stderr}"
    );
    assert!(stderr.contains("member/snap/db?"), "{stderr}");
}

/// Deterministic noise (xorshift), so a failure reproduces.
fn pseudo_random(n: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}
