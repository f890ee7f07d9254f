//! Damaged copies of a real snapshot, for tests/snapfile.rs: each is a clear error or a
//! listed problem, never a panic.

use std::path::Path;

use etcdtui::snapfile::{Integrity, SnapshotFile};

use super::etcdtui;

/// Damaged copies of a real snapshot: each is a clear error or a listed problem, never a
/// panic.
pub fn bad_copies_of(file: &Path, dir: &Path) {
    let bytes = std::fs::read(file).expect("read the snapshot");
    let write = |name: &str, b: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, b).expect("write a damaged copy");
        p
    };

    let half = write("truncated.db", &bytes[..bytes.len() / 2]);
    let err_or_problems = match SnapshotFile::open(&half) {
        Ok(s) => s
            .problems()
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
        Err(e) => e.to_string(),
    };
    assert!(err_or_problems.contains("truncated"), "{err_or_problems}");

    let mut flipped = bytes.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0xff;
    let snap = SnapshotFile::open(write("flipped-hash.db", &flipped)).expect("opens");
    assert!(matches!(
        snap.status().integrity,
        Integrity::Mismatch { .. }
    ));

    // A byte of page 2 onwards changed: the data still reads, but no longer matches the
    // SHA-256 saved with it.
    let mut changed = bytes.clone();
    changed[2 * 4096 + 100] ^= 0x01;
    if let Ok(snap) = SnapshotFile::open(write("changed.db", &changed)) {
        assert!(matches!(
            snap.status().integrity,
            Integrity::Mismatch { .. }
        ));
    }

    // Both meta pages damaged: checksums, then the format version.
    let mut metas = bytes.clone();
    metas[72] ^= 0xff;
    metas[4096 + 72] ^= 0xff;
    let err = SnapshotFile::open(write("metas.db", &metas)).expect_err("no usable meta");
    assert!(
        err.to_string().contains("meta page 1 fails its checksum"),
        "{err}"
    );
    metas[20] = 3;
    metas[4096 + 20] = 3;
    let err = SnapshotFile::open(write("version.db", &metas)).expect_err("version 3");
    assert!(err.to_string().contains("format version 3"), "{err}");

    one_damaged_leaf(file, &bytes, dir);
    mutations_never_panic(&bytes, dir);
}

/// A key bucket leaf whose element count no longer fits: that page is reported by number,
/// every other page still read; the CLI prints what it read and fails.
fn one_damaged_leaf(original: &Path, bytes: &[u8], dir: &Path) {
    const PS: usize = 4096;
    let is_key_leaf = |p: &[u8]| p[8] == 2 && p.windows(7).any(|w| w == b"/app/k2");
    let path = dir.join("damaged-leaf.db");
    // Freed pages keep stale copies of old leaves, so a page that looks right may be one
    // no tree reaches: damage candidates until one is reported.
    let found = (2..bytes.len() / PS)
        .filter(|&i| is_key_leaf(&bytes[i * PS..(i + 1) * PS]))
        .find_map(|pgid| {
            let mut damaged = bytes.to_vec();
            damaged[pgid * PS + 10..pgid * PS + 12].copy_from_slice(&0xFFFFu16.to_le_bytes());
            std::fs::write(&path, &damaged).expect("write a damaged copy");
            let snap = SnapshotFile::open(&path).expect("the other pages still read");
            let expected = format!("page {pgid}: its 65535 elements do not fit in the page");
            let reported = snap
                .problems()
                .iter()
                .any(|p| p.to_string().starts_with(&expected));
            reported.then_some((snap, expected))
        });
    let (snap, expected) = found.expect("damaging a key bucket leaf is reported");
    // The page's entries are gone, all others kept. (Counting live keys would not do: a
    // lost tombstone brings its key back.)
    let events = |s: &SnapshotFile| -> usize { s.all_keys().map(|k| s.history(k).len()).sum() };
    let all = SnapshotFile::open(original).expect("the original opens");
    let lost = events(&all).saturating_sub(events(&snap));
    assert!(
        lost > 0 && lost < 100,
        "{lost} revisions lost with one page"
    );

    let out = etcdtui(&["snapshot", "status", &path.display().to_string()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("FILE"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&expected), "{stderr}");
    assert!(stderr.contains("is damaged: "), "{stderr}");
    assert!(stderr.contains("does not match"), "{stderr}");
}

/// Arbitrary byte changes and truncations of a real snapshot.
fn mutations_never_panic(bytes: &[u8], dir: &Path) {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    let len = bytes.len();
    let edits = prop::collection::vec((0..len, any::<u8>()), 1..20);
    let mut runner = TestRunner::new(Config {
        cases: 200,
        failure_persistence: None,
        ..Config::default()
    });
    let path = dir.join("mutated.db");
    let result = runner.run(&(edits, 0..=len), |(edits, keep)| {
        let mut b = bytes.to_vec();
        for (at, v) in edits {
            b[at] = v;
        }
        b.truncate(keep.max(1));
        std::fs::write(&path, &b).expect("write a mutated copy");
        // Either answer is fine; reaching here without a panic is the test.
        if let Ok(snap) = SnapshotFile::open(&path) {
            let _ = snap.keys().count();
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
