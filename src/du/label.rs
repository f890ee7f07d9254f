//! Names for groups under Kubernetes' `/registry/`: the kind a resource directory holds,
//! so a row reads "Event" rather than only `/registry/events/`.

use crate::decode::k8s::layout::{Layout, describe};

/// "Pod", "Pod in kube-system", "example.com (custom resources)", or `None` outside
/// `/registry/` and for directories that hold no one kind (`/registry/services/`).
pub fn label(path: &[u8]) -> Option<String> {
    Some(match describe(path)? {
        Layout::Resource { kind, .. } => kind.to_string(),
        Layout::Namespace { kind, namespace } => format!("{kind} in {namespace}"),
        Layout::Object { kind, .. } => kind.to_string(),
        Layout::Group { group } => format!("{group} (custom resources)"),
    })
}
