use super::*;

fn k(s: &str, rev: i64) -> (Vec<u8>, i64) {
    (s.as_bytes().to_vec(), rev)
}

#[test]
fn groups_by_the_first_two_directories() {
    assert_eq!(group_of(b"/registry/pods/default/web"), "/registry/pods");
    assert_eq!(
        group_of(b"/registry/namespaces/default"),
        "/registry/namespaces"
    );
    assert_eq!(group_of(b"/app/x"), "/app");
    assert_eq!(group_of(b"/x"), "/");
    assert_eq!(group_of(b"a/b/c/d"), "a/b");
}

#[test]
fn compare_finds_added_removed_and_rewritten_keys() {
    let snap = [k("/a/1", 5), k("/a/2", 6), k("/b/x/1", 7)];
    let live = [k("/a/1", 5), k("/a/2", 9), k("/a/3", 10)];
    let d = compare(&snap, &live, (7, 10));
    assert_eq!(
        d.keys,
        vec![
            (b"/a/2".to_vec(), Change::Changed),
            (b"/a/3".to_vec(), Change::Added),
            (b"/b/x/1".to_vec(), Change::Removed),
        ]
    );
    assert_eq!(d.groups["/a"].changed, 1);
    assert_eq!(d.groups["/b/x"].removed, 1);
    assert!(summary(&d).contains("1 added, 1 changed, 1 removed"));
    assert_eq!(d.candidates(), vec![b"/a/2".to_vec()]);
}

#[test]
fn a_key_written_back_with_its_value_is_rewritten_not_changed() {
    let snap = [k("/a/1", 5), k("/a/2", 6), k("/b/1", 7)];
    let live = [k("/a/1", 8), k("/a/2", 9), k("/b/1", 10)];
    let mut d = compare(&snap, &live, (7, 10));
    assert_eq!(d.total.changed, 3);
    let same = [b"/a/1".to_vec(), b"/b/1".to_vec()].into_iter().collect();
    d.set_rewritten(&same);
    assert_eq!((d.total.changed, d.total.rewritten), (1, 2));
    assert_eq!(d.keys[0], (b"/a/1".to_vec(), Change::Rewritten));
    assert!(!d.groups.contains_key("/b"), "{:?}", d.groups);
    let s = summary(&d);
    assert!(
        s.contains("1 keys differ — 0 added, 1 changed, 0 removed"),
        "{s}"
    );
    assert!(s.contains("2 more rewritten with the same value"), "{s}");
    d.set_rewritten(&[b"/a/2".to_vec()].into_iter().collect());
    assert!(summary(&d).contains("nothing changed"), "{}", summary(&d));
}

#[test]
fn counts_read_with_thousands_separators() {
    assert_eq!(n(1203), "1,203");
    assert_eq!(n(12), "12");
    assert_eq!(n(1_000_000), "1,000,000");
}
