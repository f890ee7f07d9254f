//! The first key of each of the next first-byte buckets of what is left of a node,
//! read in one transaction: the anchors of a listing below the top of the tree.
//!
//! Before etcd 3.7 a limited `Range` counts every key of its span, so when the narrow
//! probes after a child find nothing, the only range left (to the node's end) counts
//! the rest of the node — once per child found that way. Expanding `/registry/` at ten
//! million keys made 160 such ranges (14 s on etcd 3.6). Splitting `[from, node end)`
//! at the byte after the node (`/registry/a`, `/registry/b`, …) into disjoint ranges
//! of one transaction counts each bucket read once; each bucket's first key then
//! bounds every later range (`skipscan::plan_next`), so no later range reaches past
//! the next bucket's first child, and a big child is counted at most once more, when
//! found. A split reads a window of buckets, doubled at each split of the listing:
//! a page of 500 namespaces under `/registry/events/` needs a few letters' worth, not
//! the whole directory counted.

use etcd_client::{GetOptions, TxnOp};

use super::super::connect::EndpointClient;
use super::super::errors::{EtcdError, Problem};
use super::anchors::first_keys;
use super::children::{Read, note};

/// First bytes below this share one bucket: they are control characters, rare in keys.
const FIRST: u8 = 0x21;
/// First bytes from this on share the last bucket: non-ASCII keys are rare too, and
/// one transaction may hold at most 128 operations by default (`--max-txn-ops`).
const LAST: u8 = 0x80;

/// The inner bounds splitting `[from, end)` by the byte after `node`, in order. The
/// buckets are `[from, b0)`, `[b0, b1)`, …, `[bn, end)`: disjoint and covering it all.
/// Empty when `from` already sits in the last bucket.
pub fn bounds(node: &[u8], from: &[u8]) -> Vec<Vec<u8>> {
    let lowest = match from.strip_prefix(node) {
        Some([b, ..]) => b.saturating_add(1),
        // `from` is the node itself (or before it): every bucket is ahead.
        _ => 0,
    }
    .max(FIRST);
    (u16::from(lowest)..=u16::from(LAST))
        .filter_map(|b| u8::try_from(b).ok())
        .map(|b| {
            let mut k = node.to_vec();
            k.push(b);
            k
        })
        .filter(|k| k.as_slice() > from)
        .collect()
}

/// Buckets in a listing's first split: a page of children rarely needs more, and each
/// bucket read is counted whole. Each later split of the same listing reads twice as
/// many, up to all that are left.
pub const FIRST_WINDOW: usize = 4;
pub const MAX_WINDOW: usize = 128;

/// What one split read.
pub struct Split {
    /// The first key of each non-empty bucket, sorted.
    pub firsts: Vec<Vec<u8>>,
    /// The revision read at.
    pub revision: i64,
    /// Where the last bucket read ends: the node's end once every bucket was read.
    pub upto: Vec<u8>,
}

/// Operations in one split's transaction, inside etcd's default `--max-txn-ops` (128).
const MAX_OPS: usize = 120;

/// `[start, end)` of one range a split reads.
pub type Span = (Vec<u8>, Vec<u8>);

/// The ranges one split reads: the first `window` buckets of `[from, end)`, cut further
/// at the `edges` (sorted) that fall inside them, disjoint and in order, covering
/// `[from, upto)`; and `upto`, the node's end once every bucket is read.
pub fn spans(
    node: &[u8],
    from: &[u8],
    end: &[u8],
    window: usize,
    edges: &[Vec<u8>],
) -> (Vec<Span>, Vec<u8>) {
    let mut inner = bounds(node, from);
    let upto = match inner.get(window.max(1) - 1) {
        Some(b) => b.clone(),
        None => end.to_vec(),
    };
    inner.truncate(window.max(1) - 1);
    let room = MAX_OPS.saturating_sub(inner.len() + 1);
    inner.extend(
        edges
            .iter()
            .filter(|e| e.as_slice() > from && e.as_slice() < upto.as_slice())
            .take(room)
            .cloned(),
    );
    inner.sort();
    inner.dedup();
    let starts = std::iter::once(from.to_vec()).chain(inner.iter().cloned());
    let ends = inner.iter().cloned().chain(std::iter::once(upto.clone()));
    (starts.zip(ends).collect(), upto)
}

/// The first key of each non-empty bucket among the first `window` of `[from, end)`
/// at `revision` (0: now, which is then returned); `edges` (sorted) split those
/// buckets further where they fall inside them. `Ok(None)`: the member refused the
/// transaction (a user who may not read all of the node, or a lowered
/// `--max-txn-ops`); the caller ranges as before.
pub async fn firsts(
    c: &EndpointClient,
    node: &[u8],
    from: &[u8],
    end: &[u8],
    revision: i64,
    window: usize,
    edges: &[Vec<u8>],
) -> Result<Option<Split>, EtcdError> {
    let (spans, upto) = spans(node, from, end, window, edges);
    note(|| Read::Buckets {
        from: from.to_vec(),
        end: upto.clone(),
    });
    let mut opts = GetOptions::new().with_keys_only().with_limit(1);
    if revision > 0 {
        opts = opts.with_revision(revision);
    }
    let ops: Vec<TxnOp> = spans
        .into_iter()
        .map(|(s, e)| TxnOp::get(s, Some(opts.clone().with_range(e))))
        .collect();
    let (firsts, revision) = match first_keys(c, ops, revision).await {
        Ok(r) => r,
        Err(e) if matches!(e.problem, Problem::PermissionDenied | Problem::Other) => {
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    Ok(Some(Split {
        firsts,
        revision,
        upto,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_start_after_the_byte_where_the_listing_stands() {
        let b = bounds(b"/r/", b"/r/x0");
        let expected: Vec<Vec<u8>> = (b'y'..=LAST)
            .map(|c| [&b"/r/"[..], &[c]].concat())
            .collect();
        assert_eq!(b, expected);
    }

    #[test]
    fn from_the_node_itself_every_printable_byte_is_a_bound() {
        let b = bounds(b"/r/", b"/r/");
        assert_eq!(b.len(), usize::from(LAST - FIRST) + 1);
        assert_eq!(b[0], b"/r/!");
        assert_eq!(b.last().map(Vec::as_slice), Some(&b"/r/\x80"[..]));
        // One transaction stays inside etcd's default limit of 128 operations.
        assert!(b.len() < 128);
        assert!(b.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn a_split_covers_its_window_once_cut_at_the_edges_inside_it() {
        let edges: Vec<Vec<u8>> = ["/r/events/", "/r/events0", "/r/pods/", "/r/pods0"]
            .map(|e| e.as_bytes().to_vec())
            .to_vec();
        let (window, upto) = spans(b"/r/", b"/r/d0", b"/r0", 4, &edges);
        assert_eq!(upto, b"/r/h");
        let shown: Vec<(String, String)> = window
            .iter()
            .map(|(a, b)| {
                (
                    String::from_utf8_lossy(a).into_owned(),
                    String::from_utf8_lossy(b).into_owned(),
                )
            })
            .collect();
        let expected = [
            ("/r/d0", "/r/e"),
            ("/r/e", "/r/events/"),
            ("/r/events/", "/r/events0"),
            ("/r/events0", "/r/f"),
            ("/r/f", "/r/g"),
            ("/r/g", "/r/h"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()));
        assert_eq!(shown, expected, "the pods edges lie past the window");
        // All the buckets: the last span ends at the node's end, within etcd's
        // default limit of operations per transaction even with many edges.
        let many: Vec<Vec<u8>> = (0..200)
            .map(|i| format!("/r/x{i:03}").into_bytes())
            .collect();
        let (all, upto) = spans(b"/r/", b"/r/", b"/r0", MAX_WINDOW, &many);
        assert_eq!(upto, b"/r0");
        assert!(all.len() <= MAX_OPS);
        assert!(all.windows(2).all(|w| w[0].1 == w[1].0 && w[0].0 < w[0].1));
    }

    #[test]
    fn the_root_and_high_bytes() {
        // The root: the bucket bounds are single bytes.
        let b = bounds(b"", &[0]);
        assert_eq!(b[0], [FIRST]);
        // Standing past the last bound: one bucket, nothing to split.
        assert!(bounds(b"/r/", b"/r/\xc3\xa9").is_empty());
        assert!(bounds(b"/r/", b"/r/\xff").is_empty());
        // Every bound lies after `from`.
        for b in bounds(b"/r/", b"/r/a") {
            assert!(b.as_slice() > &b"/r/a"[..]);
        }
    }
}
