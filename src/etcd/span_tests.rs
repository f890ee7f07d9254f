//! The bounded-scan plan against an in-memory key set that answers like etcd's limited
//! `Range` (the count of the whole span, the first `limit` keys): every key is read
//! once and in order, no page but the first and the last few runs to the end, and what
//! etcd counts stays near what is read, on layouts chosen to fool the interpolation.

use super::*;

struct Stats {
    requests: usize,
    counted: u64,
    /// Pages after the first that ran to the end while more than `2 × target` keys
    /// were left.
    open_ended: usize,
    /// The most etcd counted in one request after the first.
    widest: u64,
}

/// Scans `keys` (sorted) in `[from, end)` with pages of `target` keys.
fn scan(keys: &[Vec<u8>], from: &[u8], end: &[u8], target: u64) -> (Vec<Vec<u8>>, Stats) {
    let inside = |k: &[u8], lo: &[u8], hi: &Bound| {
        k >= lo
            && match hi {
                Bound::End => end == [0] || k < end,
                Bound::Key(h) => k < h.as_slice(),
            }
    };
    let mut spans = Spans::new(from.to_vec(), end.to_vec());
    let mut got = Vec::new();
    let mut stats = Stats {
        requests: 0,
        counted: 0,
        open_ended: 0,
        widest: 0,
    };
    while !spans.done() {
        assert!(stats.requests < 100_000, "the scan does not end");
        let bound = spans.plan(target);
        if let Bound::Key(b) = &bound {
            assert!(b.as_slice() > spans.from.as_slice(), "empty range {b:?}");
        }
        let in_range: Vec<&Vec<u8>> = keys
            .iter()
            .filter(|k| inside(k, &spans.from, &bound))
            .collect();
        let left = keys
            .iter()
            .filter(|k| inside(k, &spans.from, &Bound::End))
            .count() as u64;
        if stats.requests > 0 && bound == Bound::End && left > 2 * target {
            stats.open_ended += 1;
        }
        if std::env::var_os("SPAN_TRACE").is_some() {
            eprintln!(
                "{:?} .. {:?}: {}",
                String::from_utf8_lossy(&spans.from),
                bound,
                in_range.len()
            );
        }
        if stats.requests > 0 {
            stats.widest = stats.widest.max(in_range.len() as u64);
        }
        stats.requests += 1;
        stats.counted += in_range.len() as u64;
        let page: Vec<Vec<u8>> = in_range
            .iter()
            .take(target as usize)
            .map(|k| k.to_vec())
            .collect();
        let edges = page.get(page.len() / 2).zip(page.last());
        spans.record(
            &bound,
            target,
            in_range.len() as u64,
            page.len() as u64,
            edges.map(|(a, b)| (a.as_slice(), b.as_slice())),
        );
        got.extend(page);
    }
    (got, stats)
}

fn check(mut keys: Vec<Vec<u8>>, from: &[u8], end: &[u8], target: u64) -> Stats {
    keys.sort();
    keys.dedup();
    let want: Vec<Vec<u8>> = keys
        .iter()
        .filter(|k| k.as_slice() >= from && (end == [0] || k.as_slice() < end))
        .cloned()
        .collect();
    let (got, stats) = scan(&keys, from, end, target);
    assert_eq!(got.len(), want.len(), "every key once");
    assert!(got == want, "in order");
    assert_eq!(
        stats.open_ended, 0,
        "no page ran to the end with many keys left"
    );
    let n = want.len() as u64;
    eprintln!(
        "{n} keys, target {target}: {} requests, {} counted",
        stats.requests, stats.counted
    );
    // The first page counts everything once. After that what matters is that no
    // request counts everything left, and that the requests stay few. Counting a key
    // costs etcd far less than sending it (on 1,000,000 keys ~0.17 µs each), so a
    // range tens of pages wide now and then, where a gap was crossed, is cheap.
    assert!(
        stats.widest <= 64 * target,
        "one request counted {} for pages of {target}",
        stats.widest
    );
    assert!(
        stats.counted <= n + 12 * n + 32 * target,
        "counted {} for {n} keys",
        stats.counted
    );
    assert!(
        stats.requests as u64 <= 8 * n / target + 64,
        "{} requests for {n} keys",
        stats.requests
    );
    stats
}

fn k8s() -> Vec<Vec<u8>> {
    let mut keys = Vec::new();
    for (kind, per_ns) in [
        ("configmaps", 3),
        ("events", 40),
        ("pods", 12),
        ("secrets", 2),
    ] {
        for ns in 0..50 {
            for i in 0..per_ns {
                keys.push(format!("/registry/{kind}/ns-{ns:03}/{kind}-{i:05}").into_bytes());
            }
        }
    }
    keys
}

#[test]
fn kubernetes_shaped_keys() {
    let keys = k8s();
    check(keys.clone(), b"/registry/", b"/registry0", 100);
    check(keys, &[0], &[0], 250);
}

#[test]
fn numbered_names_across_carries() {
    let keys: Vec<Vec<u8>> = (0..5000)
        .map(|i| format!("pod-{i:04}").into_bytes())
        .collect();
    let s = check(keys, b"pod-", b"pod.", 100);
    assert!(s.requests <= 200, "{}", s.requests);
}

#[test]
fn a_dense_directory_after_sparse_ones() {
    let mut keys: Vec<Vec<u8>> = (0..200)
        .map(|i| format!("/a/sparse-{:02}/x", i % 100 + (i / 100) * 7).into_bytes())
        .collect();
    keys.extend((0..20_000).map(|i| format!("/a/t/{i:06}").into_bytes()));
    keys.extend((0..50).map(|i| format!("/b/{i}").into_bytes()));
    let s = check(keys, &[0], &[0], 500);
    assert!(s.requests <= 150, "{}", s.requests);
}

#[test]
fn binary_keys_and_0xff_bytes() {
    let mut keys: Vec<Vec<u8>> = (0u32..3000)
        .map(|i| {
            let x = i.wrapping_mul(2_654_435_761);
            x.to_be_bytes().to_vec()
        })
        .collect();
    keys.extend((0..300u32).map(|i| {
        let mut k = vec![0xff; 6];
        k.extend(i.to_be_bytes());
        k
    }));
    keys.push(vec![0xff; 12]);
    keys.push(vec![0]);
    keys.push(vec![0, 0, 0]);
    check(keys.clone(), &[0], &[0], 100);
    check(keys, &[0xff], &[0], 50);
}

#[test]
fn a_prefix_at_the_end_of_the_key_space() {
    let keys: Vec<Vec<u8>> = (0..2000u32)
        .map(|i| {
            let mut k = vec![0xff, 0xff];
            k.extend(format!("{i:05}").bytes());
            k
        })
        .collect();
    // prefix_end of [ff ff] is none: the scan runs to the end of the key space.
    check(keys, &[0xff, 0xff], &[0], 64);
}

#[test]
fn a_page_size_that_changes_between_pages() {
    let keys: Vec<Vec<u8>> = (0..20_000)
        .map(|i| format!("/registry/pods/ns-{:02}/pod-{i:06}", i % 13).into_bytes())
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    let mut spans = Spans::new(b"/registry/".to_vec(), b"/registry0".to_vec());
    let (mut read, mut requests, mut target) = (0u64, 0, 100u64);
    while !spans.done() {
        let bound = spans.plan(target);
        let from = spans.from.clone();
        let in_range: Vec<&Vec<u8>> = sorted
            .iter()
            .filter(|k| {
                k.as_slice() >= from.as_slice()
                    && match &bound {
                        Bound::End => true,
                        Bound::Key(b) => k.as_slice() < b.as_slice(),
                    }
            })
            .collect();
        let n = in_range.len().min(target as usize);
        let edges = (n > 0).then(|| (in_range[n / 2].as_slice(), in_range[n - 1].as_slice()));
        spans.record(&bound, target, in_range.len() as u64, n as u64, edges);
        read += n as u64;
        requests += 1;
        eprintln!(
            "{target}: {:?} count {} read {n}",
            match &bound {
                Bound::End => "END".to_string(),
                Bound::Key(k) => String::from_utf8_lossy(k).to_string(),
            },
            in_range.len()
        );
        // The page doubles up to 3,200, as du's pace grows it on a quiet cluster.
        target = (target * 2).min(3200);
    }
    assert_eq!(read, 20_000);
    assert!(requests <= 30, "{requests} requests");
}

#[test]
fn a_few_keys_are_one_page() {
    let keys: Vec<Vec<u8>> = (0..10).map(|i| format!("k{i}").into_bytes()).collect();
    let s = check(keys, &[0], &[0], 100);
    assert_eq!(s.requests, 1);
    let s = check(Vec::new(), b"p/", b"p0", 100);
    assert_eq!(s.requests, 1);
}

#[test]
fn projection_and_interpolation() {
    // pod-0100..pod-0199 seen: the next hundred land before the carry.
    assert_eq!(
        project(b"pod-0100", b"pod-0199", 1, 1, &[0]),
        Bound::Key(b"pod-01BB\0\0\0\0\0\0".to_vec())
    );
    // Past the common prefix's range: that prefix's end, clamped to the scan's end.
    assert_eq!(
        project(b"a\x00", b"a\xff", 2, 1, &[0]),
        Bound::Key(b"b".to_vec())
    );
    assert_eq!(project(b"a\x00", b"a\xff", 2, 1, b"a\xff\x01"), Bound::End);
    assert_eq!(project(&[0xff, 0], &[0xff, 0xff], 4, 1, &[0]), Bound::End);
    assert_eq!(
        between(b"a", &[0], 1, 2),
        Bound::Key(vec![0xb0, 0x80, 0, 0, 0, 0, 0, 0])
    );
    assert_eq!(
        between(b"x/a", b"x0", 1, 1),
        Bound::End,
        "all the way is the end"
    );
    assert_eq!(coord(b"ab", 1), 0x62 << 56);
    assert_eq!(coord(b"abcdefghijk", 0), u64::from_be_bytes(*b"abcdefgh"));
}
