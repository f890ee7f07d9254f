//! `config.yaml`: named contexts (clusters) and UI preferences.

pub use crate::paths::{default_config_dir, default_config_path, state_dir};
use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};

use super::error::ConfigError;
use super::overrides::split_endpoints;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields, default)]
pub struct Config {
    pub current_context: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub contexts: BTreeMap<String, ContextConfig>,
    pub theme: Option<String>,
    /// What splits keys into a tree in the Keys view; one ASCII character, `/` unless set.
    pub separator: Option<String>,
    /// Thresholds of the Checks view and `etcdtui check`.
    pub checks: crate::checks::Thresholds,
    /// Key bindings: `scope: { action: key or [keys] }`.
    pub keys: crate::keymap::Overrides,
}

impl Config {
    /// The separator as a byte, or why it is unusable.
    pub fn separator_byte(&self) -> Result<u8, String> {
        match self.separator.as_deref() {
            None => Ok(b'/'),
            Some(s) if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
            Some(s) => Err(format!("separator must be one ASCII character, not {s:?}")),
        }
    }
}

/// One cluster. Paths may start with `~/`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub struct ContextConfig {
    /// Required: a context that does not say where the cluster is would be a typo.
    /// Accepts a list or, like `--endpoints`, one comma-separated string.
    #[serde(deserialize_with = "endpoint_list")]
    pub endpoints: Vec<String>,
    #[serde(default)]
    pub cacert: Option<PathBuf>,
    #[serde(default)]
    pub cert: Option<PathBuf>,
    #[serde(default)]
    pub key: Option<PathBuf>,
    #[serde(default)]
    pub insecure_skip_tls_verify: bool,
    #[serde(default)]
    pub user: Option<String>,
    /// Name of an environment variable holding the password.
    #[serde(default)]
    pub password_env: Option<String>,
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    #[serde(default)]
    pub read_only: bool,
    #[serde(default)]
    pub theme: Option<String>,
    /// Picked automatically when this is the current kubectl context.
    #[serde(default)]
    pub kube_context: Option<String>,
    /// Go-style duration, e.g. "2s" or "500ms".
    #[serde(default)]
    pub dial_timeout: Option<String>,
    #[serde(default)]
    pub command_timeout: Option<String>,
    /// The cluster's `--quota-backend-bytes`, e.g. "8GiB", for the Cluster view's
    /// quota share (etcd before 3.6 does not report it in `status`).
    #[serde(default)]
    pub quota_bytes: Option<String>,
    /// How often the Cluster view refreshes, e.g. "2s".
    #[serde(default)]
    pub refresh: Option<String>,
    /// The API server's EncryptionConfiguration, to read Secrets encrypted at rest.
    #[serde(default)]
    pub encryption_config: Option<PathBuf>,
}

/// "8GiB", "512MiB", "2G", "100M", or plain bytes.
pub fn parse_bytes(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("not a size: {text:?} (try 8GiB)"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "kib" => 1024.0,
        "m" | "mb" => 1e6,
        "mib" => 1024.0 * 1024.0,
        "g" | "gb" => 1e9,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(format!(
                "unknown size unit {other:?} in {text:?} (try 8GiB)"
            ));
        }
    };
    let v = n * mult;
    if !(1.0..=1e15).contains(&v) {
        return Err(format!("size out of range: {text:?}"));
    }
    Ok(v as i64)
}

impl Config {
    /// Context names in sorted order.
    pub fn context_names(&self) -> Vec<String> {
        self.contexts.keys().cloned().collect()
    }
}

/// Loads `path`, or the default file when `path` is `None`. A missing default file is
/// normal (first run) and gives an empty config; a missing explicit file is an error
/// because the user clearly expected it to be used.
pub fn load_config(path: Option<&Path>) -> Result<Config, ConfigError> {
    let (path, explicit) = match path {
        Some(p) => (p.to_path_buf(), true),
        None => match default_config_path() {
            Some(p) => (p, false),
            None => return Ok(Config::default()),
        },
    };
    load_from(path, explicit)
}

fn load_from(path: PathBuf, explicit: bool) -> Result<Config, ConfigError> {
    match std::fs::read_to_string(&path) {
        Ok(text) => parse_config(&text, &path),
        Err(e) if e.kind() == io::ErrorKind::NotFound && !explicit => Ok(Config::default()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(ConfigError::Missing { path }),
        Err(error) => Err(ConfigError::Read { path, error }),
    }
}

/// Parses config text; `path` is only used in error messages.
pub fn parse_config(text: &str, path: &Path) -> Result<Config, ConfigError> {
    // serde_yaml rejects an empty document for a struct, but an empty or comment-only
    // file is a perfectly good "nothing configured yet".
    if text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        return Ok(Config::default());
    }
    serde_yaml::from_str(text).map_err(|e| ConfigError::from_yaml(path, &e))
}

/// `contexts:` with nothing under it is what people leave behind while editing.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn endpoint_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct EndpointList;
    impl<'de> Visitor<'de> for EndpointList {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of endpoints or a comma-separated string")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(split_endpoints(v))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(s) = seq.next_element::<String>()? {
                out.extend(split_endpoints(&s));
            }
            Ok(out)
        }
    }
    d.deserialize_any(EndpointList)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        parse_config(text, Path::new("/home/u/.config/etcdtui/config.yaml"))
    }

    const FULL: &str = r#"
current_context: prod
theme: dark
contexts:
  prod:
    endpoints:
      - https://10.0.0.1:2379
      - https://10.0.0.2:2379
    cacert: /etc/etcd/ca.crt
    cert: ~/certs/client.crt
    key: ~/certs/client.key
    user: root
    password_file: ~/.etcd-pass
    read_only: true
    theme: red
    kube_context: prod-admin
    dial_timeout: 3s
    command_timeout: 500ms
  local:
    endpoints: "127.0.0.1:2379, 127.0.0.2:2379,"
    insecure_skip_tls_verify: true
    password_env: LOCAL_PW
"#;

    #[test]
    fn full_config_parses_every_field() {
        let c = parse(FULL).unwrap();
        assert_eq!(c.current_context.as_deref(), Some("prod"));
        assert_eq!(c.theme.as_deref(), Some("dark"));
        assert_eq!(c.context_names(), vec!["local", "prod"]);
        let p = &c.contexts["prod"];
        assert_eq!(
            p.endpoints,
            vec!["https://10.0.0.1:2379", "https://10.0.0.2:2379"]
        );
        assert_eq!(p.cacert.as_deref(), Some(Path::new("/etc/etcd/ca.crt")));
        assert_eq!(p.cert.as_deref(), Some(Path::new("~/certs/client.crt")));
        assert_eq!(p.key.as_deref(), Some(Path::new("~/certs/client.key")));
        assert_eq!(p.user.as_deref(), Some("root"));
        assert_eq!(p.password_file.as_deref(), Some(Path::new("~/.etcd-pass")));
        assert!(p.read_only);
        assert!(!p.insecure_skip_tls_verify);
        assert_eq!(p.theme.as_deref(), Some("red"));
        assert_eq!(p.kube_context.as_deref(), Some("prod-admin"));
        assert_eq!(p.dial_timeout.as_deref(), Some("3s"));
        assert_eq!(p.command_timeout.as_deref(), Some("500ms"));
        let l = &c.contexts["local"];
        assert_eq!(l.endpoints, vec!["127.0.0.1:2379", "127.0.0.2:2379"]);
        assert!(l.insecure_skip_tls_verify);
        assert!(!l.read_only);
        assert_eq!(l.password_env.as_deref(), Some("LOCAL_PW"));
        assert_eq!(l.cacert, None);
    }

    #[test]
    fn empty_and_comment_only_files_are_empty_configs() {
        assert_eq!(parse("").unwrap(), Config::default());
        assert_eq!(parse("# nothing yet\n\n").unwrap(), Config::default());
        assert_eq!(parse("contexts:\n").unwrap(), Config::default());
    }

    #[test]
    fn unknown_field_is_reported_with_file_line_column_and_path() {
        let text = "contexts:\n  prod:\n    endpoint: https://x:2379\n";
        let msg = parse(text).unwrap_err().to_string();
        assert!(
            msg.starts_with("/home/u/.config/etcdtui/config.yaml:3:5: contexts.prod: unknown field `endpoint`, expected one of"),
            "{msg}"
        );
        assert!(msg.contains("`endpoints`"), "{msg}");
        assert!(!msg.contains(" at line "), "{msg}");
    }

    #[test]
    fn unknown_top_level_field_is_caught() {
        let msg = parse("current-context: prod\n").unwrap_err().to_string();
        assert!(
            msg.contains(":1:1: unknown field `current-context`"),
            "{msg}"
        );
    }

    #[test]
    fn context_without_endpoints_is_an_error() {
        let msg = parse("contexts:\n  prod:\n    user: root\n")
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("contexts.prod: missing field `endpoints`"),
            "{msg}"
        );
    }

    #[test]
    fn malformed_yaml_has_line_and_column() {
        let text = "contexts:\n  prod:\n    endpoints: [a, b\n    user: x\n";
        match parse(text).unwrap_err() {
            ConfigError::Parse { line, column, .. } => {
                assert!(line.is_some() && column.is_some());
                assert!(line.unwrap_or(0) >= 3);
            }
            other => panic!("wrong error {other:?}"),
        }
    }

    #[test]
    fn wrong_type_is_reported() {
        let msg = parse("contexts:\n  prod:\n    endpoints: [a]\n    read_only: maybe\n")
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains(":4:16: contexts.prod.read_only: invalid type"),
            "{msg}"
        );
    }

    #[test]
    fn missing_explicit_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope.yaml");
        let err = load_config(Some(&path)).unwrap_err();
        assert!(matches!(err, ConfigError::Missing { .. }));
        assert!(err.to_string().contains("nope.yaml"));
    }

    #[test]
    fn missing_default_file_is_an_empty_config() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.yaml");
        assert_eq!(load_from(path, false).unwrap(), Config::default());
    }

    #[test]
    fn explicit_file_is_loaded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.yaml");
        std::fs::write(&path, FULL).unwrap();
        assert_eq!(load_config(Some(&path)).unwrap().contexts.len(), 2);
    }

    #[test]
    fn malformed_file_error_names_the_real_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.yaml");
        std::fs::write(&path, "theme: [\n").unwrap();
        let msg = load_config(Some(&path)).unwrap_err().to_string();
        assert!(msg.starts_with(&format!("{}:", path.display())), "{msg}");
    }

    #[test]
    fn unreadable_file_names_file_and_os_error() {
        let dir = tempfile::tempdir().unwrap();
        // A directory cannot be read as a file, even by root (who ignores mode bits).
        let err = load_config(Some(dir.path())).unwrap_err();
        assert!(matches!(err, ConfigError::Read { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains(&dir.path().display().to_string()), "{msg}");
        assert!(msg.contains("os error"), "{msg}");
    }

    #[test]
    fn default_path_is_under_etcdtui() {
        if let Some(p) = default_config_path() {
            assert!(p.ends_with("etcdtui/config.yaml"));
        }
    }
}

#[cfg(test)]
mod separator_tests {
    use super::*;

    #[test]
    fn sizes_parse_like_etcd_people_write_them() {
        assert_eq!(parse_bytes("8GiB"), Ok(8 * 1024 * 1024 * 1024));
        assert_eq!(parse_bytes("2G"), Ok(2_000_000_000));
        assert_eq!(parse_bytes("2147483648"), Ok(2_147_483_648));
        assert_eq!(parse_bytes("512 MiB"), Ok(512 * 1024 * 1024));
        assert!(parse_bytes("lots").is_err());
        assert!(parse_bytes("8XB").is_err());
        assert!(parse_bytes("0").is_err());
    }

    #[test]
    fn separator_is_one_ascii_character_defaulting_to_slash() {
        let mut c = Config::default();
        assert_eq!(c.separator_byte(), Ok(b'/'));
        c.separator = Some(":".into());
        assert_eq!(c.separator_byte(), Ok(b':'));
        c.separator = Some("::".into());
        assert!(c.separator_byte().is_err());
        c.separator = Some("é".into());
        assert!(c.separator_byte().is_err());
    }
}
