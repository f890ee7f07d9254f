use super::*;
use crate::etcd::keys::KeyValue;

const NS: &str = "apiVersion: v1\nkind: Namespace\nmetadata:\n  creationTimestamp: \"2024-01-01T00:00:00Z\"\n  name: x\n  uid: 6f1c\nspec:\n  finalizers:\n  - kubernetes\nstatus:\n  phase: Terminating\n";

fn state_with(key: &str, value: Vec<u8>) -> KeysState {
    let mut ks = KeysState::default();
    let mut pane = super::super::ValuePane::loading(key.as_bytes().to_vec());
    pane.set(
        Some(KeyValue {
            key: key.as_bytes().to_vec(),
            value,
            create_revision: 5,
            mod_revision: 9,
            version: 2,
            lease: 0,
        }),
        None,
        9,
    );
    ks.value = Some(pane);
    ks
}

fn ns_bytes(yaml: &str) -> Vec<u8> {
    encode::encode_text(yaml, encode::InputFormat::Yaml).expect("encodes")
}

fn opened(ks: &mut KeysState) -> String {
    match super::super::write::edit(ks) {
        Ok(Effect::Edit {
            initial, expected, ..
        }) => {
            assert_eq!(expected, 9);
            String::from_utf8(initial).expect("utf-8")
        }
        other => panic!("no editor: {other:?}"),
    }
}

#[test]
fn opens_as_yaml_with_the_warning_and_writes_the_encoded_edit_after_the_typed_key() {
    let key = "/registry/namespaces/x";
    let mut ks = state_with(key, ns_bytes(NS));
    let text = opened(&mut ks);
    assert!(text.contains("BYPASSES the API server"), "{text}");
    assert!(text.contains("  - kubernetes\n"), "{text}");
    assert!(owns(&ks, key.as_bytes(), 9));
    let edited = text.replace("  finalizers:\n  - kubernetes\n", "");
    let c = on_edited(&mut ks, edited.as_bytes(), "/d/draft".into())
        .expect("valid edit")
        .expect("a change");
    let want = ns_bytes(&NS.replace("  finalizers:\n  - kubernetes\n", ""));
    assert_eq!(
        c.op,
        WriteOp::Put {
            key: key.as_bytes().to_vec(),
            value: want,
            expected: 9,
            draft: Some("/d/draft".into()),
        }
    );
    assert_eq!(
        c.typed.as_deref(),
        Some(key),
        "under /registry/ the key is typed"
    );
    assert!(
        c.lines
            .iter()
            .any(|l| l.contains("admission and validation"))
    );
    assert!(
        c.lines.iter().any(|l| l == "-   - kubernetes"),
        "{:?}",
        c.lines
    );
    assert!(!owns(&ks, key.as_bytes(), 9), "one answer per editor run");
}

#[test]
fn an_unchanged_edit_asks_nothing() {
    let mut ks = state_with("/registry/namespaces/x", ns_bytes(NS));
    let text = opened(&mut ks);
    assert_eq!(on_edited(&mut ks, text.as_bytes(), "/d/x".into()), Ok(None));
}

#[test]
fn identity_changes_and_bad_yaml_are_refused_and_the_draft_is_named() {
    for (from, to, why) in [
        ("name: x", "name: y", "metadata.name must not change"),
        ("uid: 6f1c", "uid: 0000", "metadata.uid must not change"),
        ("kind: Namespace", "kind: Pod", "does not encode"),
        ("apiVersion: v1", "apiVersion: v2", "does not encode"),
        ("phase: Terminating", "phase: [", "does not encode"),
        (
            "name: x",
            "name: x\n  namespace: default",
            "metadata.namespace must not change",
        ),
    ] {
        let mut ks = state_with("/registry/namespaces/x", ns_bytes(NS));
        let text = opened(&mut ks).replace(from, to);
        let err = on_edited(&mut ks, text.as_bytes(), "/d/kept".into()).expect_err(to);
        assert!(err.contains(why), "{to}: {err}");
        assert!(err.contains("your edit is kept in /d/kept"), "{err}");
    }
}

#[test]
fn encrypted_values_are_refused_with_the_provider() {
    let mut ks = state_with(
        "/registry/secrets/a/b",
        b"k8s:enc:aescbc:v1:key1:xxxx".to_vec(),
    );
    let err = super::super::write::edit(&mut ks).expect_err("refused");
    assert!(err.contains("encrypted at rest"), "{err}");
    assert!(err.contains("aescbc:v1:key1"), "{err}");
    assert_eq!(refusal(b"k8s\0abc"), None);
}

#[test]
fn identity_compares_the_five_fields() {
    let obj = |name: &str| crate::decode::k8s::decode(&ns_bytes(&NS.replace("name: x", name))).node;
    assert!(identity_unchanged(&obj("name: x"), &obj("name: x")).is_ok());
    let err = identity_unchanged(&obj("name: x"), &obj("name: z")).expect_err("renamed");
    assert_eq!(err, "metadata.name must not change (\"x\" → \"z\")");
}

#[test]
fn diff_is_capped_with_context() {
    let old: String = (0..40).map(|i| format!("k{i}: a\n")).collect();
    let new = old.replace(": a", ": b");
    let lines = diff_lines(&old, &new);
    assert_eq!(lines.len(), DIFF_LINES + 1);
    assert!(lines.last().is_some_and(|l| l.contains("more lines")));
    assert_eq!(
        diff_lines("a: 1\nb: 2\n", "a: 1\nb: 3\n"),
        ["  a: 1", "- b: 2", "+ b: 3"]
    );
}
