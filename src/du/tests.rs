use super::*;

#[test]
fn groups_follow_path_levels_below_the_prefix() {
    assert_eq!(group_of(b"", b"/registry/pods/a", 1), b"/registry/");
    assert_eq!(group_of(b"", b"/registry/pods/a", 2), b"/registry/pods/");
    assert_eq!(
        group_of(b"/registry/", b"/registry/pods/ns/a", 1),
        b"/registry/pods/"
    );
    assert_eq!(
        group_of(b"/registry", b"/registry/pods/ns/a", 1),
        b"/registry/pods/"
    );
    assert_eq!(
        group_of(b"/registry/", b"/registry/pods/ns/a", 2),
        b"/registry/pods/ns/"
    );
    // A key above the depth is its own row.
    assert_eq!(
        group_of(b"/registry/", b"/registry/health", 1),
        b"/registry/health"
    );
    assert_eq!(group_of(b"", b"plain", 3), b"plain");
    // Depth 0 means 1: every row is at least one level.
    assert_eq!(group_of(b"", b"/a/b", 0), b"/a/");
}

#[test]
fn sums_rank_and_merge_groups_seen_out_of_order() {
    let mut a = Aggregator::new(b"/", 1);
    a.live(b"/a/1", 10);
    a.live(b"/b/1", 100);
    a.live(b"/a/2", 5);
    a.history(b"/a/1", 2, 20);
    a.history(b"/gone/x", 1, 7);
    let r = a.finish(
        9,
        Source::Live {
            endpoint: "e".into(),
        },
    );
    let paths: Vec<&[u8]> = r.groups.iter().map(|g| g.path.as_slice()).collect();
    assert_eq!(paths, [&b"/b/"[..], b"/a/", b"/gone/"]);
    let a = r.sizes_of(b"/a/").unwrap();
    assert_eq!((a.keys, a.key_bytes, a.value_bytes), (2, 8, 15));
    assert_eq!((a.history_revisions, a.history_bytes), (2, 20));
    assert_eq!(r.total.keys, 3);
    assert_eq!(r.total.total(), 8 + 15 + 20 + 4 + 100 + 7);
}

#[test]
fn many_groups_keep_the_largest_and_fold_the_rest() {
    let mut a = Aggregator::new(b"", 1);
    for i in 0..(3 * MAX_GROUPS as u64) {
        a.live(format!("/k{i:06}").as_bytes(), i);
    }
    let r = a.finish(
        1,
        Source::Live {
            endpoint: "e".into(),
        },
    );
    assert_eq!(r.groups.len(), MAX_GROUPS);
    assert_eq!(r.total.keys, 3 * MAX_GROUPS as u64);
    let (n, s) = r.other.unwrap();
    assert_eq!(n, 2 * MAX_GROUPS as u64);
    assert_eq!(
        s.keys + r.groups.iter().map(|g| g.sizes.keys).sum::<u64>(),
        r.total.keys
    );
    // The largest value is the last key written.
    assert_eq!(r.groups[0].sizes.value_bytes, 3 * MAX_GROUPS as u64 - 1);
}

#[test]
fn kubernetes_rows_name_their_kind() {
    assert_eq!(label(b"/registry/pods/").as_deref(), Some("Pod"));
    assert_eq!(label(b"/registry/minions/").as_deref(), Some("Node"));
    assert_eq!(
        label(b"/registry/events/kube-system/").as_deref(),
        Some("Event in kube-system")
    );
    assert_eq!(label(b"/app/"), None);
}

#[test]
fn tables_say_what_live_cannot_know() {
    let mut a = Aggregator::new(b"", 1);
    a.live(b"/registry/events/x", 10);
    let r = a.finish(
        3,
        Source::Live {
            endpoint: "http://e".into(),
        },
    );
    let t = table(&r, 10);
    assert!(t.contains("/registry/"), "{t}");
    assert!(t.contains("etcdtui snapshot du"), "{t}");
    let j = json(&r, 0);
    assert_eq!(j["total"]["keys"], 1);
    assert!(j["total"].get("history_bytes").is_none());
}

#[test]
fn depths_are_checked() {
    assert_eq!(parse_depth("2"), Ok(2));
    assert!(parse_depth("0").is_err());
    assert!(parse_depth("-1").is_err());
    assert!(parse_depth("lots").is_err());
}
