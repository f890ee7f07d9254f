//! The pure half of listing a node's direct children: turning a sorted batch of keys
//! into child rows and deciding where the next range starts. Jumping the start past a
//! child's whole subtree is what keeps a prefix with millions of descendants cheap.

/// The smallest key greater than every key with this prefix (etcd's `--prefix` end).
/// `None` when there is no such key (the prefix is all 0xff), meaning "to the end".
pub fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// Range ends to try, narrowest first, when looking for the first key at or after
/// `from` under `node`, given the last key seen (`last`). etcd counts every key in a
/// range even with a limit, so a range over the rest of a huge directory costs as much
/// as listing it; the next sibling usually shares a prefix with the last one
/// (`ns-0001`, `ns-0002`), and a range bounded by that prefix is cheap. The caller
/// falls back to the end of `node` when none of these holds a key.
pub fn narrow_ends(node: &[u8], last: &[u8], from: &[u8]) -> Vec<Vec<u8>> {
    let mut ends = Vec::new();
    if !last.starts_with(node) {
        return ends;
    }
    for cut in (node.len() + 1..=last.len()).rev() {
        if let Some(end) = prefix_end(&last[..cut])
            && end.as_slice() > from
            && ends.last() != Some(&end)
        {
            ends.push(end);
        }
    }
    ends
}

/// The direct child of `node` that holds `key`: its directory path (ending in `sep`),
/// or `key` itself when it is a leaf child. `None` when `key` is not strictly under
/// `node`.
pub fn child_of(node: &[u8], sep: u8, key: &[u8]) -> Option<Child> {
    let rest = key.strip_prefix(node).filter(|r| !r.is_empty())?;
    Some(match rest.iter().position(|b| *b == sep) {
        Some(i) => {
            let dir = key[..node.len() + i + 1].to_vec();
            Child {
                // Only a key under it is known, not its first: expanding it lists it.
                first: dir.clone(),
                key: dir,
                is_dir: true,
            }
        }
        None => Child {
            key: key.to_vec(),
            is_dir: false,
            first: key.to_vec(),
        },
    })
}

/// What to ask next when continuing from `from` under `node`. `anchor` is a key known
/// to exist under `node` at the listing's revision, at or after `from` (see
/// `keys::anchors`). Without one: the narrow ends cut from `last`, and `None` (the
/// caller then falls back to the node's end). With one: the narrow ends that stop
/// before the anchor's child, then the range up to that child, and the child itself,
/// which the caller takes as the next row when those ranges are empty — no range ever
/// reaches past it, so none counts the keys beyond.
pub fn plan_next(
    node: &[u8],
    sep: u8,
    last: Option<&[u8]>,
    from: &[u8],
    anchor: Option<&[u8]>,
) -> (Vec<Vec<u8>>, Option<Child>) {
    let mut ends = last.map(|l| narrow_ends(node, l, from)).unwrap_or_default();
    let Some(child) = anchor
        .filter(|k| *k >= from)
        .and_then(|k| child_of(node, sep, k))
    else {
        return (ends, None);
    };
    ends.retain(|e| *e < child.key);
    if child.key.as_slice() > from && ends.last() != Some(&child.key) {
        ends.push(child.key.clone());
    }
    (ends, Some(child))
}

/// The key right after `key` in etcd's byte order.
pub fn key_after(key: &[u8]) -> Vec<u8> {
    let mut k = key.to_vec();
    k.push(0);
    k
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Child {
    /// The full key of the row: a leaf's own key, or a directory's path ending in the
    /// separator.
    pub key: Vec<u8>,
    pub is_dir: bool,
    /// The first key seen under it: listing the child later starts from there without
    /// asking etcd for it again. A directory whose first key was not read (it was known
    /// to hold keys from a point read) carries its own path here: no head start.
    pub first: Vec<u8>,
}

/// Where the scan stands after one batch.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// Continue from this key (inclusive).
    From(Vec<u8>),
    /// Nothing more under the node.
    Done,
}

/// Folds a sorted batch of keys under `node` into new children, appending to `out` and
/// stopping at `want` rows. `more` says whether etcd had keys beyond this batch.
pub fn fold_batch(
    node: &[u8],
    sep: u8,
    keys: &[&[u8]],
    more: bool,
    want: usize,
    out: &mut Vec<Child>,
) -> Next {
    for key in keys {
        let Some(rest) = key.strip_prefix(node) else {
            continue;
        };
        let child = match rest.iter().position(|b| *b == sep) {
            Some(i) => Child {
                key: key[..node.len() + i + 1].to_vec(),
                is_dir: true,
                first: key.to_vec(),
            },
            None => Child {
                key: key.to_vec(),
                is_dir: false,
                first: key.to_vec(),
            },
        };
        if out
            .last()
            .is_some_and(|c| c.key == child.key && c.is_dir == child.is_dir)
        {
            continue;
        }
        if out.len() >= want {
            // A full page: the next page starts with this child.
            return Next::From(key.to_vec());
        }
        out.push(child);
    }
    if !more {
        return Next::Done;
    }
    match out.last() {
        // The batch ended inside a directory: skip the rest of its subtree.
        Some(last) if last.is_dir => match prefix_end(&last.key) {
            Some(end) => Next::From(end),
            None => Next::Done,
        },
        _ => match keys.last() {
            Some(k) => Next::From(key_after(k)),
            None => Next::Done,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(node: &str, keys: &[&str], more: bool, want: usize) -> (Vec<String>, Next) {
        let keys: Vec<&[u8]> = keys.iter().map(|k| k.as_bytes()).collect();
        let mut out = Vec::new();
        let next = fold_batch(node.as_bytes(), b'/', &keys, more, want, &mut out);
        let names = out
            .iter()
            .map(|c| {
                String::from_utf8_lossy(&c.key).into_owned() + if c.is_dir { " (dir)" } else { "" }
            })
            .collect();
        (names, next)
    }

    #[test]
    fn narrow_ends_widen_one_character_at_a_time() {
        let ends = narrow_ends(b"/e/", b"/e/ns-0001/x", b"/e/ns-00010");
        let shown: Vec<String> = ends
            .iter()
            .map(|e| String::from_utf8_lossy(e).into_owned())
            .collect();
        // Ends at or before `from` are useless and skipped.
        assert_eq!(
            shown[..4],
            ["/e/ns-0002", "/e/ns-001", "/e/ns-01", "/e/ns-1"]
        );
        assert_eq!(shown.last().map(String::as_str), Some("/e/o"));
        assert!(narrow_ends(b"/a/", b"/b/x", b"/b/y").is_empty());
    }

    fn shown(ends: &[Vec<u8>]) -> Vec<String> {
        ends.iter()
            .map(|e| String::from_utf8_lossy(e).into_owned())
            .collect()
    }

    #[test]
    fn an_anchor_stops_every_range_at_its_child() {
        let (ends, child) = plan_next(b"/", b'/', None, b"\0", Some(b"/registry/ns/default"));
        assert_eq!(shown(&ends), ["/registry/"]);
        let child = child.expect("the anchor's child");
        assert_eq!(child.key, b"/registry/");
        assert!(child.is_dir);
        assert_eq!(child.first, b"/registry/", "its first key is not known");

        // Narrow ends past the child are dropped; those before it stay, in order.
        let (ends, _) = plan_next(b"/", b'/', Some(b"/apps/x"), b"/apps0", Some(b"/b/c"));
        assert_eq!(shown(&ends), ["/appt", "/apq", "/aq", "/b", "/b/"]);
        let (ends, _) = plan_next(b"/", b'/', Some(b"/a/x"), b"/a0", Some(b"/b/c"));
        assert_eq!(shown(&ends), ["/b", "/b/"]);
    }

    #[test]
    fn at_the_anchors_child_there_is_nothing_to_ask_before_it() {
        let (ends, child) = plan_next(b"/", b'/', None, b"/registry/", Some(b"/registry/x"));
        assert!(ends.is_empty());
        assert_eq!(child.map(|c| c.key), Some(b"/registry/".to_vec()));
    }

    #[test]
    fn an_anchor_behind_from_or_outside_the_node_is_no_anchor() {
        let (ends, child) = plan_next(b"/", b'/', Some(b"/a/x"), b"/a0", Some(b"/a/b"));
        assert_eq!(child, None);
        assert_eq!(ends, narrow_ends(b"/", b"/a/x", b"/a0"));
        assert_eq!(plan_next(b"/r/", b'/', None, b"/r/", Some(b"/s/x")).1, None);
        assert_eq!(plan_next(b"/r/", b'/', None, b"/r/", Some(b"/r/")).1, None);
    }

    #[test]
    fn a_leaf_anchor_is_its_own_child() {
        let (ends, child) = plan_next(b"", b'/', None, b"\0", Some(b"version"));
        assert_eq!(shown(&ends), ["version"]);
        let child = child.expect("leaf");
        assert!(!child.is_dir);
        assert_eq!(child.first, b"version");
        // Under the empty root every key of a "/" tree lies in "/".
        let (_, child) = plan_next(b"", b'/', None, b"\0", Some(b"/registry/x"));
        assert_eq!(child.map(|c| c.key), Some(b"/".to_vec()));
    }

    #[test]
    fn prefix_end_carries_over_ff() {
        assert_eq!(prefix_end(b"/a/"), Some(b"/a0".to_vec()));
        assert_eq!(prefix_end(b"a\xff"), Some(b"b".to_vec()));
        assert_eq!(prefix_end(b"\xff\xff"), None);
        assert_eq!(prefix_end(b""), None);
    }

    #[test]
    fn groups_descendants_into_directories() {
        let (names, next) = fold(
            "/registry/",
            &[
                "/registry/pods/a/x",
                "/registry/pods/b/y",
                "/registry/secrets/a/z",
                "/registry/version",
            ],
            false,
            100,
        );
        assert_eq!(
            names,
            vec![
                "/registry/pods/ (dir)",
                "/registry/secrets/ (dir)",
                "/registry/version"
            ]
        );
        assert_eq!(next, Next::Done);
    }

    #[test]
    fn a_batch_ending_inside_a_directory_jumps_past_it() {
        let (names, next) = fold("/r/", &["/r/a/1", "/r/a/2"], true, 100);
        assert_eq!(names, vec!["/r/a/ (dir)"]);
        assert_eq!(next, Next::From(b"/r/a0".to_vec()));
    }

    #[test]
    fn a_batch_ending_on_a_leaf_continues_right_after_it() {
        let (_, next) = fold("/r/", &["/r/a", "/r/b"], true, 100);
        assert_eq!(next, Next::From(b"/r/b\0".to_vec()));
    }

    #[test]
    fn a_full_page_resumes_at_the_first_child_not_taken() {
        let (names, next) = fold("/r/", &["/r/a", "/r/b/1", "/r/c"], true, 2);
        assert_eq!(names, vec!["/r/a", "/r/b/ (dir)"]);
        assert_eq!(next, Next::From(b"/r/c".to_vec()));
    }

    #[test]
    fn a_leaf_and_a_directory_of_the_same_name_are_two_rows() {
        let (names, _) = fold("/", &["/a", "/a/b"], false, 10);
        assert_eq!(names, vec!["/a", "/a/ (dir)"]);
    }

    #[test]
    fn binary_keys_are_handled_as_bytes() {
        let keys: Vec<&[u8]> = vec![b"/\xff\xfe/x", b"/\xff\xfe/y"];
        let mut out = Vec::new();
        fold_batch(b"/", b'/', &keys, false, 10, &mut out);
        assert_eq!(
            out,
            vec![Child {
                key: b"/\xff\xfe/".to_vec(),
                is_dir: true,
                first: b"/\xff\xfe/x".to_vec(),
            }]
        );
    }
}
