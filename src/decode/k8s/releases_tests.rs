//! Objects as older API servers wrote them: fields and kinds that later releases removed still
//! decode by name, the way kubectl of their day printed them.

use super::schema::{Release, Schema};
use super::{K8sObject, decode};
use crate::decode::node::Node;
use crate::decode::wire::Writer;

fn meta_of(obj: &K8sObject) -> &Node {
    obj.node.get("metadata").expect("metadata")
}

fn keys(node: &Node) -> Vec<&str> {
    match node {
        Node::Map(entries) => entries.iter().map(|(k, _)| k.as_str()).collect(),
        _ => Vec::new(),
    }
}

/// A Job as a 2017 API server stored it: ObjectMeta field 15 (`clusterName`, gone since
/// 1.25) written as an empty string, because Go wrote non-pointer strings even when empty.
#[test]
fn empty_cluster_name_of_2017_is_omitted_like_go_did() {
    let mut raw = Writer::new();
    raw.message(1, |m| {
        m.string(1, "pi")
            .string(3, "default")
            .string(4, "/apis/batch/v1/namespaces/default/jobs/pi")
            .string(5, "0b9c2c2e-e0f4-11e7-8a4c-080027a52c9c")
            .string(6, "1234")
            .varint(7, 1)
            .message(8, |t| {
                t.varint(1, 1_513_382_400);
            })
            .string(15, "");
    })
    .message(2, |spec| {
        spec.varint(1, 1);
    });
    let obj = decode(&Writer::k8s_value("batch/v1", "Job", &raw.finish()));
    assert!(obj.notes.is_empty(), "{:?}", obj.notes);
    let meta = keys(meta_of(&obj));
    assert_eq!(
        meta,
        [
            "name",
            "namespace",
            "selfLink",
            "uid",
            "resourceVersion",
            "generation",
            "creationTimestamp"
        ],
        "no clusterName and no numbered field"
    );
    assert!(!meta.iter().any(|k| k.starts_with('#')));
}

#[test]
fn a_set_cluster_name_is_shown_by_name() {
    let mut raw = Writer::new();
    raw.message(1, |m| {
        m.string(1, "pi").string(15, "east");
    });
    let obj = decode(&Writer::k8s_value("v1", "ConfigMap", &raw.finish()));
    assert!(obj.notes.is_empty(), "{:?}", obj.notes);
    assert_eq!(
        meta_of(&obj).get("clusterName"),
        Some(&Node::Str("east".into()))
    );
    let schema = Schema::get();
    let meta = schema
        .message("k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta")
        .and_then(|i| schema.def(i))
        .expect("ObjectMeta");
    let (_, field) = meta.field(15).expect("field 15");
    assert_eq!(field.json, "clusterName");
    assert_eq!(
        field.releases.last,
        Some(Release {
            major: 1,
            minor: 24
        }),
        "clusterName was last in 1.24"
    );
    assert!(field.releases.removed());
    assert!(!meta.field(1).expect("name").1.releases.removed());
}

/// policy/v1beta1 PodSecurityPolicy, served until 1.24, as a cluster of that time stored it.
#[test]
fn removed_pod_security_policy_decodes_by_name() {
    let mut raw = Writer::new();
    raw.message(1, |m| {
        m.string(1, "restricted");
    })
    .message(2, |spec| {
        spec.varint(1, 1) // privileged
            .string(3, "NET_ADMIN") // requiredDropCapabilities
            .string(5, "configMap") // volumes
            .varint(6, 1); // hostNetwork
    });
    let obj = decode(&Writer::k8s_value(
        "policy/v1beta1",
        "PodSecurityPolicy",
        &raw.finish(),
    ));
    assert!(obj.notes.is_empty(), "{:?}", obj.notes);
    let spec = obj.node.get("spec").expect("spec");
    assert_eq!(spec.get("privileged"), Some(&Node::Bool(true)));
    assert_eq!(
        spec.get("requiredDropCapabilities"),
        Some(&Node::Seq(vec![Node::Str("NET_ADMIN".into())]))
    );
    assert_eq!(spec.get("hostNetwork"), Some(&Node::Bool(true)));
    let schema = Schema::get();
    let psp = schema
        .message("k8s.io.api.policy.v1beta1.PodSecurityPolicy")
        .and_then(|i| schema.def(i))
        .expect("PodSecurityPolicy");
    assert!(psp.releases.removed(), "no longer in the newest release");
}

/// extensions/v1beta1 Ingress (removed in 1.22) with a backend by service name and port.
#[test]
fn removed_extensions_ingress_decodes_by_name() {
    let mut raw = Writer::new();
    raw.message(1, |m| {
        m.string(1, "web").string(3, "shop");
    })
    .message(2, |spec| {
        spec.message(1, |backend| {
            backend.string(1, "web").message(2, |port| {
                port.varint(1, 0).varint(2, 8080);
            });
        });
    });
    let obj = decode(&Writer::k8s_value(
        "extensions/v1beta1",
        "Ingress",
        &raw.finish(),
    ));
    assert!(obj.notes.is_empty(), "{:?}", obj.notes);
    let backend = obj
        .node
        .get("spec")
        .and_then(|s| s.get("backend"))
        .expect("spec.backend");
    assert_eq!(backend.get("serviceName"), Some(&Node::Str("web".into())));
    assert_eq!(backend.get("servicePort"), Some(&Node::Int(8080)));
}
