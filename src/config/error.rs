//! The one error type for everything under `config`: files, flags and context choice.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why we could not work out what to connect to. Every variant is the user's to fix
/// (a file, a flag, an environment variable), so all of them exit with status 2.
#[derive(Debug)]
pub enum ConfigError {
    /// A file the user named explicitly does not exist.
    Missing { path: PathBuf },
    /// A file exists but reading it failed.
    Read { path: PathBuf, error: io::Error },
    /// The kubeadm manifest is root-only on a stock controller; the fix is `sudo`.
    ManifestPermission { path: PathBuf },
    /// YAML that does not parse or does not fit the expected shape.
    Parse {
        path: PathBuf,
        line: Option<usize>,
        column: Option<usize>,
        message: String,
    },
    /// A context name that is not defined. `wanted_by` says who asked for it
    /// (`--context`, `current_context in config.yaml`), empty when obvious.
    UnknownContext {
        name: String,
        wanted_by: String,
        known: Vec<String>,
    },
    /// A flag, environment variable or setting whose value makes no sense.
    Invalid { message: String },
}

impl ConfigError {
    pub fn exit_code(&self) -> i32 {
        2
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        ConfigError::Invalid {
            message: message.into(),
        }
    }

    pub(crate) fn parse(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        ConfigError::Parse {
            path: path.into(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    /// serde_yaml appends " at line L column C" to its own message; we put the location
    /// in front instead (`file:line:col: ...`, the form editors can jump to), so the
    /// duplicate is removed.
    pub(crate) fn from_yaml(path: impl Into<PathBuf>, err: &serde_yaml::Error) -> Self {
        let mut message = err.to_string();
        let (line, column) = match err.location() {
            Some(loc) => {
                let suffix = format!(" at line {} column {}", loc.line(), loc.column());
                if let Some(at) = message.find(&suffix) {
                    message.replace_range(at..at + suffix.len(), "");
                }
                (Some(loc.line()), Some(loc.column()))
            }
            None => (None, None),
        };
        ConfigError::Parse {
            path: path.into(),
            line,
            column,
            message,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Missing { path } => {
                write!(f, "config file {} does not exist", path.display())
            }
            ConfigError::Read { path, error } => {
                write!(f, "cannot read {}: {error}", path.display())
            }
            ConfigError::ManifestPermission { path } => write!(
                f,
                "permission denied reading {}: try `sudo etcdtui`",
                path.display()
            ),
            ConfigError::Parse {
                path,
                line,
                column,
                message,
            } => match (line, column) {
                (Some(l), Some(c)) => write!(f, "{}:{l}:{c}: {message}", path.display()),
                _ => write!(f, "{}: {message}", path.display()),
            },
            ConfigError::UnknownContext {
                name,
                wanted_by,
                known,
            } => {
                write!(f, "unknown context \"{name}\"")?;
                if !wanted_by.is_empty() {
                    write!(f, " (from {wanted_by})")?;
                }
                f.write_str("; ")?;
                if known.is_empty() {
                    write!(f, "no contexts are defined in config.yaml")
                } else {
                    write!(f, "known contexts: {}", known.join(", "))
                }
            }
            ConfigError::Invalid { message } => f.write_str(message),
        }
    }
}

/// `source()` stays `None` on purpose: the OS error is already in the message, and
/// error reporters (color-eyre) would otherwise print it a second time as a cause.
impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_exits_with_2() {
        let errors = [
            ConfigError::Missing { path: "/x".into() },
            ConfigError::invalid("bad"),
            ConfigError::parse("/x", "bad"),
            ConfigError::ManifestPermission { path: "/x".into() },
        ];
        for e in errors {
            assert_eq!(e.exit_code(), 2, "{e}");
        }
    }

    #[test]
    fn read_error_names_file_and_os_error() {
        let e = ConfigError::Read {
            path: "/etc/etcdtui/config.yaml".into(),
            error: io::Error::from(io::ErrorKind::PermissionDenied),
        };
        let text = e.to_string();
        assert!(
            text.starts_with("cannot read /etc/etcdtui/config.yaml: "),
            "{text}"
        );
        assert!(text.to_lowercase().contains("permission denied"), "{text}");
    }

    #[test]
    fn unknown_context_lists_known_names_or_says_there_are_none() {
        let e = ConfigError::UnknownContext {
            name: "stage".into(),
            wanted_by: "--context".into(),
            known: vec!["dev".into(), "prod".into()],
        };
        assert_eq!(
            e.to_string(),
            "unknown context \"stage\" (from --context); known contexts: dev, prod"
        );
        let e = ConfigError::UnknownContext {
            name: "stage".into(),
            wanted_by: String::new(),
            known: vec![],
        };
        assert_eq!(
            e.to_string(),
            "unknown context \"stage\"; no contexts are defined in config.yaml"
        );
    }

    #[test]
    fn yaml_error_location_moves_to_the_front() {
        let err = serde_yaml::from_str::<Vec<u32>>("- 1\n- two\n").unwrap_err();
        let e = ConfigError::from_yaml("/c.yaml", &err);
        let text = e.to_string();
        assert!(text.starts_with("/c.yaml:2:3: "), "{text}");
        assert!(!text.contains("at line"), "{text}");
    }

    #[test]
    fn parse_error_without_location_has_plain_prefix() {
        assert_eq!(
            ConfigError::parse("/m.yaml", "no etcd").to_string(),
            "/m.yaml: no etcd"
        );
    }
}
