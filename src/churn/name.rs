//! How churn names a group: as `du` does, by the Kubernetes kind a `/registry/` group
//! holds ("Event in flood-ns", "Pod", "Node"), else by its path. Pure.

/// The row's name: du's kind label, or the path where there is none (outside
/// `/registry/`, a directory of no one kind, the "(other)" row).
pub fn display(group: &str) -> String {
    crate::du::label(group.as_bytes()).unwrap_or_else(|| group.to_string())
}

/// Whether [`display`] named a kind rather than repeating the path.
pub fn has_kind(group: &str) -> bool {
    crate::du::label(group.as_bytes()).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_groups_read_as_du_names_them() {
        assert_eq!(display("/registry/events/flood-ns/"), "Event in flood-ns");
        assert_eq!(display("/registry/pods/"), "Pod");
        // Renamed resources: nodes are stored as minions.
        assert_eq!(display("/registry/minions/"), "Node");
        assert_eq!(
            display("/registry/leases/kube-node-lease/"),
            "Lease in kube-node-lease"
        );
        assert!(has_kind("/registry/pods/default/"));
    }

    #[test]
    fn other_groups_keep_their_path() {
        assert_eq!(display("/app/"), "/app/");
        assert_eq!(display("/registry/"), "/registry/");
        assert_eq!(display(crate::churn::OTHER), crate::churn::OTHER);
        assert!(!has_kind("/app/"));
    }
}
