//! Which Kubernetes releases had a message or field: schema.txt's `@first-last` ranges.

/// A Kubernetes release, `1.<minor>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Release {
    pub major: u16,
    pub minor: u16,
}

impl Release {
    pub(crate) fn parse(s: &str) -> Option<Release> {
        let (major, minor) = s.split_once('.')?;
        Some(Release {
            major: major.parse().ok()?,
            minor: minor.parse().ok()?,
        })
    }
}

impl std::fmt::Display for Release {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The releases a message or field existed in (schema.txt's `@first-last`). `None` at
/// either end: from the oldest release read, or still in the newest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Releases {
    pub first: Option<Release>,
    pub last: Option<Release>,
}

impl Releases {
    /// Gone from the newest release: only objects written by older API servers have it.
    pub fn removed(&self) -> bool {
        self.last.is_some()
    }

    /// From a `@1.17-1.24` token; anything else means every release.
    pub(crate) fn parse(token: Option<&str>) -> Releases {
        let Some((first, last)) = token
            .and_then(|t| t.strip_prefix('@'))
            .and_then(|t| t.split_once('-'))
        else {
            return Releases::default();
        };
        Releases {
            first: Release::parse(first),
            last: Release::parse(last),
        }
    }
}
