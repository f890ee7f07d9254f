//! Where the API server keeps each kind in etcd: `/registry/<resource>/<namespace>/<name>`
//! for namespaced kinds, `/registry/<resource>/<name>` for cluster-scoped ones, and
//! `/registry/<group>/<resource>/...` for custom and aggregated resources. A few built-in
//! resources keep historical names (Nodes are `minions`, Services `services/specs`).

/// `(storage prefix under /registry/, kind, namespaced)`, from kube-apiserver's default
/// storage layout.
const RESOURCES: &[(&str, &str, bool)] = &[
    ("minions", "Node", false),
    ("services/specs", "Service", true),
    ("services/endpoints", "Endpoints", true),
    ("controllers", "ReplicationController", true),
    ("ingress", "Ingress", true),
    ("pods", "Pod", true),
    ("configmaps", "ConfigMap", true),
    ("secrets", "Secret", true),
    ("namespaces", "Namespace", false),
    ("serviceaccounts", "ServiceAccount", true),
    ("events", "Event", true),
    ("limitranges", "LimitRange", true),
    ("resourcequotas", "ResourceQuota", true),
    ("persistentvolumes", "PersistentVolume", false),
    ("persistentvolumeclaims", "PersistentVolumeClaim", true),
    ("podtemplates", "PodTemplate", true),
    ("deployments", "Deployment", true),
    ("replicasets", "ReplicaSet", true),
    ("statefulsets", "StatefulSet", true),
    ("daemonsets", "DaemonSet", true),
    ("controllerrevisions", "ControllerRevision", true),
    ("jobs", "Job", true),
    ("cronjobs", "CronJob", true),
    ("horizontalpodautoscalers", "HorizontalPodAutoscaler", true),
    ("leases", "Lease", true),
    ("endpointslices", "EndpointSlice", true),
    ("networkpolicies", "NetworkPolicy", true),
    ("ingressclasses", "IngressClass", false),
    ("poddisruptionbudgets", "PodDisruptionBudget", true),
    ("clusterroles", "ClusterRole", false),
    ("clusterrolebindings", "ClusterRoleBinding", false),
    ("roles", "Role", true),
    ("rolebindings", "RoleBinding", true),
    ("storageclasses", "StorageClass", false),
    ("volumeattachments", "VolumeAttachment", false),
    ("csidrivers", "CSIDriver", false),
    ("csinodes", "CSINode", false),
    ("csistoragecapacities", "CSIStorageCapacity", true),
    ("priorityclasses", "PriorityClass", false),
    ("runtimeclasses", "RuntimeClass", false),
    (
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
        false,
    ),
    (
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
        false,
    ),
    (
        "validatingadmissionpolicies",
        "ValidatingAdmissionPolicy",
        false,
    ),
    (
        "validatingadmissionpolicybindings",
        "ValidatingAdmissionPolicyBinding",
        false,
    ),
    (
        "certificatesigningrequests",
        "CertificateSigningRequest",
        false,
    ),
    ("flowschemas", "FlowSchema", false),
    (
        "prioritylevelconfigurations",
        "PriorityLevelConfiguration",
        false,
    ),
    (
        "apiextensions.k8s.io/customresourcedefinitions",
        "CustomResourceDefinition",
        false,
    ),
    ("apiregistration.k8s.io/apiservices", "APIService", false),
    ("ranges/serviceips", "service IP allocation", false),
    ("ranges/servicenodeports", "node port allocation", false),
    ("masterleases", "API server lease", false),
];

/// The directories kube-apiserver creates right under `/registry/` (`services` for
/// `services/specs`), in no particular order.
pub fn top_dirs() -> impl Iterator<Item = &'static str> {
    RESOURCES
        .iter()
        .map(|(p, _, _)| p.split('/').next().unwrap_or(p))
}

/// What a key or directory under `/registry/` holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Layout {
    /// The directory of one resource.
    Resource {
        kind: &'static str,
        namespaced: bool,
    },
    /// A namespace directory inside a namespaced resource.
    Namespace {
        kind: &'static str,
        namespace: String,
    },
    /// One object.
    Object {
        kind: &'static str,
        namespace: Option<String>,
        name: String,
    },
    /// `/registry/<group>/`: custom resources or an aggregated API (stored as JSON).
    Group { group: String },
}

/// `key` is a full key; directories end with `/`.
pub fn describe(key: &[u8]) -> Option<Layout> {
    let rest = std::str::from_utf8(key.strip_prefix(b"/registry/")?).ok()?;
    // The longest matching prefix wins: services/specs over a bare `services`.
    let (prefix, kind, namespaced) = RESOURCES
        .iter()
        .filter(|(p, _, _)| rest == *p || rest.strip_prefix(p).is_some_and(|r| r.starts_with('/')))
        .max_by_key(|(p, _, _)| p.len())
        .copied()
        .or_else(|| group_of(rest).map(|_| ("", "", false)))?;
    if prefix.is_empty() {
        return group_of(rest).map(|g| Layout::Group {
            group: g.to_string(),
        });
    }
    let tail = rest[prefix.len()..].trim_start_matches('/');
    let parts: Vec<&str> = tail.split('/').collect();
    Some(match (namespaced, parts.as_slice()) {
        (_, [""]) => Layout::Resource { kind, namespaced },
        (true, [ns, ""]) => Layout::Namespace {
            kind,
            namespace: (*ns).to_string(),
        },
        (true, [ns, name]) => Layout::Object {
            kind,
            namespace: Some((*ns).to_string()),
            name: (*name).to_string(),
        },
        (false, [name]) => Layout::Object {
            kind,
            namespace: None,
            name: (*name).to_string(),
        },
        _ => return None,
    })
}

/// A first segment with a dot is an API group (`example.com`, `metrics.k8s.io`).
fn group_of(rest: &str) -> Option<&str> {
    let first = rest.split('/').next()?;
    (first.contains('.') && rest.len() > first.len()).then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renamed_prefixes_and_scopes() {
        assert_eq!(
            describe(b"/registry/minions/"),
            Some(Layout::Resource {
                kind: "Node",
                namespaced: false
            })
        );
        assert_eq!(
            describe(b"/registry/minions/node-1"),
            Some(Layout::Object {
                kind: "Node",
                namespace: None,
                name: "node-1".into()
            })
        );
        assert_eq!(
            describe(b"/registry/services/specs/default/kubernetes"),
            Some(Layout::Object {
                kind: "Service",
                namespace: Some("default".into()),
                name: "kubernetes".into()
            })
        );
        assert_eq!(
            describe(b"/registry/services/endpoints/kube-system/"),
            Some(Layout::Namespace {
                kind: "Endpoints",
                namespace: "kube-system".into()
            })
        );
        assert_eq!(
            describe(b"/registry/ingress/"),
            Some(Layout::Resource {
                kind: "Ingress",
                namespaced: true
            })
        );
        assert_eq!(
            describe(b"/registry/example.com/widgets/"),
            Some(Layout::Group {
                group: "example.com".into()
            })
        );
        assert_eq!(describe(b"/app/x"), None);
        assert_eq!(
            describe(b"/registry/services/"),
            None,
            "only its two sub-directories are resources"
        );
    }
}
