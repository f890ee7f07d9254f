//! Keys every Kubernetes cluster holds, read with point reads to split the key space
//! before etcd 3.7. A limited `Range` counts every key of its span before it answers,
//! so the top level's first range, `[\0, end of key space)`, costs as much as counting
//! the whole store (~170 ms at 1,000,000 keys). A point read counts nothing; a key
//! found this way says its top-level directory holds keys, so the listing can range up
//! to that directory, take the directory as a row without reading into it, and go on
//! after it.

use etcd_client::{GetOptions, Txn, TxnOp, TxnOpResponse};

use super::super::connect::EndpointClient;
use super::super::errors::{EtcdError, Problem};
use super::children::{Read, note};

/// Written by kube-apiserver on every start: the API services of the aggregator (the
/// core group's "v1." sorts first among them), the two namespaces it creates, and the
/// service IP allocator. OpenShift keeps the Kubernetes objects under `/kubernetes.io/`.
/// Sorted: the listing uses the first one at or after where it stands.
pub const ANCHORS: [&str; 7] = [
    "/kubernetes.io/apiregistration.k8s.io/apiservices/v1.",
    "/kubernetes.io/namespaces/default",
    "/kubernetes.io/namespaces/kube-system",
    "/registry/apiregistration.k8s.io/apiservices/v1.",
    "/registry/namespaces/default",
    "/registry/namespaces/kube-system",
    "/registry/ranges/serviceips",
];

/// Where each directory kube-apiserver creates under `node` starts and ends, sorted,
/// when `node` is `/registry/` or OpenShift's `/kubernetes.io/`: bucket bounds
/// (`buckets::firsts`) that make a big resource directory a bucket of its own, counted
/// once when the split reads it, rather than again with the sibling that shares its
/// first letter (events after endpointslices). Empty for any other node.
pub fn resource_edges(node: &[u8], sep: u8) -> Vec<Vec<u8>> {
    if sep != b'/' || !(node == b"/registry/" || node == b"/kubernetes.io/") {
        return Vec::new();
    }
    let mut edges: Vec<Vec<u8>> = crate::decode::k8s::layout::top_dirs()
        .flat_map(|d| {
            let dir = [node, d.as_bytes(), b"/"].concat();
            let after = [node, d.as_bytes(), b"0"].concat();
            [dir, after]
        })
        .collect();
    edges.sort();
    edges.dedup();
    edges
}

/// Whether the anchors can split this listing: the top of a `/` tree (the empty root,
/// or `/`). Deeper nodes have a first key from their parent's listing instead.
pub fn applies(node: &[u8], sep: u8) -> bool {
    sep == b'/' && (node.is_empty() || node == b"/")
}

/// The anchors that exist at `revision` (0: now, which is then returned), in one
/// transaction of point reads: one round trip, one revision. A user who may not read
/// one of them gets no anchors (the transaction is refused as a whole) and lists as
/// before.
pub async fn existing(c: &EndpointClient, revision: i64) -> Result<(Vec<Vec<u8>>, i64), EtcdError> {
    let mut opts = GetOptions::new().with_keys_only();
    if revision > 0 {
        opts = opts.with_revision(revision);
    }
    let ops: Vec<TxnOp> = ANCHORS
        .iter()
        .map(|k| TxnOp::get(*k, Some(opts.clone())))
        .collect();
    note(|| Read::Anchors);
    match first_keys(c, ops, revision).await {
        Err(e) if e.problem == Problem::PermissionDenied => Ok((Vec::new(), revision)),
        other => other,
    }
}

/// One transaction of `Get`s: the first key each found (those that found none left
/// out, in order) and the revision read at (`revision`, or the answer's when 0).
pub(super) async fn first_keys(
    c: &EndpointClient,
    ops: Vec<TxnOp>,
    revision: i64,
) -> Result<(Vec<Vec<u8>>, i64), EtcdError> {
    let txn = Txn::new().and_then(ops);
    let resp = c.call(|mut cl| async move { cl.txn(txn).await }).await?;
    let at = match revision {
        0 => resp.header().map(|h| h.revision()).unwrap_or(0),
        r => r,
    };
    let found = resp
        .op_responses()
        .into_iter()
        .filter_map(|op| match op {
            TxnOpResponse::Get(g) => g.kvs().first().map(|kv| kv.key().to_vec()),
            _ => None,
        })
        .collect();
    Ok((found, at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_are_sorted_and_split_the_top_of_a_slash_tree() {
        assert!(ANCHORS.windows(2).all(|w| w[0] < w[1]));
        assert!(applies(b"", b'/'));
        assert!(applies(b"/", b'/'));
        assert!(!applies(b"/registry/", b'/'));
        assert!(!applies(b"", b':'));
    }

    #[test]
    fn resource_edges_isolate_each_kubernetes_directory() {
        let edges = resource_edges(b"/registry/", b'/');
        assert!(edges.windows(2).all(|w| w[0] < w[1]));
        for dir in ["events", "pods", "services", "apiextensions.k8s.io"] {
            let start = format!("/registry/{dir}/").into_bytes();
            let end = format!("/registry/{dir}0").into_bytes();
            assert!(edges.contains(&start) && edges.contains(&end), "{dir}");
        }
        // `services/specs` gives `services`, not a second level.
        assert!(
            !edges
                .iter()
                .any(|e| e.starts_with(b"/registry/services/specs"))
        );
        assert!(
            resource_edges(b"/kubernetes.io/", b'/').contains(&b"/kubernetes.io/pods/".to_vec())
        );
        assert!(resource_edges(b"/registry/events/", b'/').is_empty());
        assert!(resource_edges(b"/registry/", b':').is_empty());
    }
}
