//! etcd release numbers as the server reports them (`3.6.17`, `3.7.0-rc.0`, a cluster
//! version `3.6.0` or `3.6`), compared by minor line and patch.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl Version {
    pub const fn new(major: u32, minor: u32, patch: u32) -> Version {
        Version {
            major,
            minor,
            patch,
        }
    }

    /// `3.6.17`, `v3.6.17`, `3.7.0-rc.0`, `3.6`; `None` for anything else.
    pub fn parse(text: &str) -> Option<Version> {
        let text = text.trim().trim_start_matches('v');
        let core = text.split(['-', '+']).next()?;
        let mut parts = core.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let patch = match parts.next() {
            Some(p) => p.parse().ok()?,
            None => 0,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(Version::new(major, minor, patch))
    }

    /// The minor line, `(3, 6)`.
    pub fn line(self) -> (u32, u32) {
        (self.major, self.minor)
    }

    /// `3.6`.
    pub fn minor_name(self) -> String {
        format!("{}.{}", self.major, self.minor)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_servers_and_people_write() {
        assert_eq!(Version::parse("3.6.17"), Some(Version::new(3, 6, 17)));
        assert_eq!(Version::parse("v3.5.36"), Some(Version::new(3, 5, 36)));
        assert_eq!(Version::parse("3.7.0-rc.0"), Some(Version::new(3, 7, 0)));
        assert_eq!(Version::parse("3.6"), Some(Version::new(3, 6, 0)));
        assert_eq!(Version::parse("three"), None);
        assert_eq!(Version::parse("3.6.1.2"), None);
        assert!(Version::new(3, 5, 36) < Version::new(3, 6, 0));
    }
}
