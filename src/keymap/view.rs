//! The views, as the key bindings name them.

/// One tab of the screen. Lives beside the bindings because every binding names the
/// views it works in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ViewId {
    Keys,
    Watch,
    Cluster,
    Leases,
    Auth,
    Checks,
    Churn,
}

impl ViewId {
    pub const ALL: [ViewId; 7] = [
        ViewId::Keys,
        ViewId::Watch,
        ViewId::Cluster,
        ViewId::Leases,
        ViewId::Auth,
        ViewId::Checks,
        ViewId::Churn,
    ];

    pub fn title(self) -> &'static str {
        match self {
            ViewId::Keys => "Keys",
            ViewId::Watch => "Watch",
            ViewId::Cluster => "Cluster",
            ViewId::Leases => "Leases",
            ViewId::Auth => "Auth",
            ViewId::Checks => "Checks",
            ViewId::Churn => "Churn",
        }
    }

    pub fn digit(self) -> char {
        match self {
            ViewId::Keys => '1',
            ViewId::Watch => '2',
            ViewId::Cluster => '3',
            ViewId::Leases => '4',
            ViewId::Auth => '5',
            ViewId::Checks => '6',
            ViewId::Churn => '7',
        }
    }

    pub fn help_line(self) -> &'static str {
        match self {
            ViewId::Keys => "Keys view",
            ViewId::Watch => "Watch view",
            ViewId::Cluster => "Cluster view",
            ViewId::Leases => "Leases view",
            ViewId::Auth => "Auth view",
            ViewId::Checks => "Checks view",
            ViewId::Churn => "Churn view",
        }
    }

    fn index(self) -> usize {
        ViewId::ALL.iter().position(|v| *v == self).unwrap_or(0)
    }

    pub fn next(self) -> ViewId {
        ViewId::ALL[(self.index() + 1) % ViewId::ALL.len()]
    }

    pub fn prev(self) -> ViewId {
        ViewId::ALL[(self.index() + ViewId::ALL.len() - 1) % ViewId::ALL.len()]
    }

    pub fn from_name(name: &str) -> Option<ViewId> {
        ViewId::ALL
            .into_iter()
            .find(|v| v.title().eq_ignore_ascii_case(name) || name == v.digit().to_string())
    }
}
