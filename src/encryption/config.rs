//! The API server's `EncryptionConfiguration` (apiserver.config.k8s.io/v1, and the older
//! apiserver.k8s.io/v1 with the same shape), parsed into typed rules. Key material is
//! decoded once into [`SecretBytes`]; nothing in this file's errors echoes it.

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine;
use serde::Deserialize;
use zeroize::Zeroizing;

/// Key bytes: zeroed when dropped, never printed.
#[derive(Clone)]
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    pub fn new(bytes: Vec<u8>) -> SecretBytes {
        SecretBytes(Zeroizing::new(bytes))
    }
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretBytes(redacted)")
    }
}

#[derive(Debug, Clone)]
pub struct Key {
    pub name: String,
    pub secret: SecretBytes,
}

#[derive(Debug, Clone)]
pub struct KmsProvider {
    pub name: String,
    /// `v1` or `v2`.
    pub api_version: String,
    /// `unix:///path/to/socket`.
    pub endpoint: String,
    pub timeout: Option<std::time::Duration>,
}

#[derive(Debug, Clone)]
pub enum Provider {
    Identity,
    AesCbc(Vec<Key>),
    AesGcm(Vec<Key>),
    Secretbox(Vec<Key>),
    Kms(KmsProvider),
}

impl Provider {
    /// The name in the stored prefix: `aescbc`, `aesgcm`, `secretbox`, `kms`, `identity`.
    pub fn kind(&self) -> &'static str {
        match self {
            Provider::Identity => "identity",
            Provider::AesCbc(_) => "aescbc",
            Provider::AesGcm(_) => "aesgcm",
            Provider::Secretbox(_) => "secretbox",
            Provider::Kms(_) => "kms",
        }
    }

    /// (provider label as `Encrypted::provider` shows it, key or KMS name) for each
    /// key this provider writes or reads, in order.
    pub fn key_labels(&self) -> Vec<(String, String)> {
        let keys = |ks: &[Key]| {
            ks.iter()
                .map(|k| (self.kind().to_string(), k.name.clone()))
                .collect()
        };
        match self {
            Provider::Identity => vec![("identity".into(), String::new())],
            Provider::AesCbc(ks) | Provider::AesGcm(ks) | Provider::Secretbox(ks) => keys(ks),
            Provider::Kms(k) if k.api_version == "v2" => vec![("kms v2".into(), k.name.clone())],
            Provider::Kms(k) => vec![("kms".into(), k.name.clone())],
        }
    }
}

#[derive(Debug, Clone)]
pub struct ResourceRule {
    /// As written: `secrets`, `configmaps`, `deployments.apps`, `*.*`, `*.apps`, `*.`.
    pub resources: Vec<String>,
    /// The first one writes; all of them read.
    pub providers: Vec<Provider>,
}

#[derive(Debug, Clone)]
pub struct EncryptionConfig {
    pub path: PathBuf,
    pub rules: Vec<ResourceRule>,
}

/// A file that could not be used: where, and why (never a key's bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFileError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub reason: String,
}

impl fmt::Display for ConfigFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: {}", self.path.display(), self.reason),
            None => write!(f, "{}: {}", self.path.display(), self.reason),
        }
    }
}

pub const API_VERSIONS: [&str; 2] = ["apiserver.config.k8s.io/v1", "apiserver.k8s.io/v1"];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawConfig {
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    resources: Vec<RawRule>,
}

#[derive(Deserialize)]
struct RawRule {
    #[serde(default)]
    resources: Vec<String>,
    #[serde(default)]
    providers: Vec<RawProvider>,
}

#[derive(Deserialize)]
struct RawProvider {
    identity: Option<serde_yaml::Value>,
    aescbc: Option<RawKeys>,
    aesgcm: Option<RawKeys>,
    secretbox: Option<RawKeys>,
    kms: Option<RawKms>,
}

#[derive(Deserialize)]
struct RawKeys {
    #[serde(default)]
    keys: Vec<RawKey>,
}

#[derive(Deserialize)]
struct RawKey {
    #[serde(default)]
    name: String,
    /// Taken as any YAML value so that a malformed secret never reaches serde's error
    /// text (which quotes the offending value).
    #[serde(default)]
    secret: serde_yaml::Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawKms {
    #[serde(default)]
    api_version: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    endpoint: Option<String>,
    #[serde(default)]
    timeout: Option<String>,
}

pub fn load(path: &Path) -> Result<EncryptionConfig, ConfigFileError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigFileError {
        path: path.to_path_buf(),
        line: None,
        reason: format!("cannot read: {e}"),
    })?;
    parse(&text, path)
}

pub fn parse(text: &str, path: &Path) -> Result<EncryptionConfig, ConfigFileError> {
    let fail = |line: Option<usize>, reason: String| ConfigFileError {
        path: path.to_path_buf(),
        line,
        reason,
    };
    let raw: RawConfig = serde_yaml::from_str(text).map_err(|e| {
        let line = e.location().map(|l| l.line());
        let mut msg = e.to_string();
        if let Some(at) = msg.find(" at line ") {
            msg.truncate(at);
        }
        fail(line, redact_quoted(&msg))
    })?;
    if raw.kind != "EncryptionConfiguration" {
        return Err(fail(
            line_of(text, "kind:"),
            format!("kind is {:?}, not EncryptionConfiguration", raw.kind),
        ));
    }
    if !API_VERSIONS.contains(&raw.api_version.as_str()) {
        return Err(fail(
            line_of(text, "apiVersion:"),
            format!(
                "apiVersion {:?} is not {}",
                raw.api_version,
                API_VERSIONS.join(" or ")
            ),
        ));
    }
    let mut rules = Vec::new();
    for r in raw.resources {
        let mut providers = Vec::new();
        for p in r.providers {
            providers.push(provider(p, text).map_err(|(line, reason)| fail(line, reason))?);
        }
        if providers.is_empty() {
            return Err(fail(
                line_of(text, "providers:"),
                format!("no providers for {}", r.resources.join(", ")),
            ));
        }
        rules.push(ResourceRule {
            resources: r.resources,
            providers,
        });
    }
    Ok(EncryptionConfig {
        path: path.to_path_buf(),
        rules,
    })
}

type Failure = (Option<usize>, String);

fn provider(p: RawProvider, text: &str) -> Result<Provider, Failure> {
    let set = [
        p.identity.is_some(),
        p.aescbc.is_some(),
        p.aesgcm.is_some(),
        p.secretbox.is_some(),
        p.kms.is_some(),
    ];
    if set.iter().filter(|s| **s).count() != 1 {
        return Err((
            line_of(text, "providers:"),
            "each provider entry must name exactly one of identity, aescbc, aesgcm, secretbox, kms"
                .into(),
        ));
    }
    if let Some(k) = p.aescbc {
        return Ok(Provider::AesCbc(keys("aescbc", k, &[32, 24, 16], text)?));
    }
    if let Some(k) = p.aesgcm {
        return Ok(Provider::AesGcm(keys("aesgcm", k, &[16, 24, 32], text)?));
    }
    if let Some(k) = p.secretbox {
        return Ok(Provider::Secretbox(keys("secretbox", k, &[32], text)?));
    }
    if let Some(k) = p.kms {
        let api_version = k.api_version.unwrap_or_else(|| "v1".into());
        if api_version != "v1" && api_version != "v2" {
            return Err((
                line_of(text, "apiVersion: v"),
                format!("kms {}: apiVersion {api_version:?} is not v1 or v2", k.name),
            ));
        }
        let timeout = match k.timeout.as_deref() {
            Some(t) => Some(crate::go_values::parse_duration(t).map_err(|e| {
                (
                    line_of(text, "timeout:"),
                    format!("kms {}: timeout: {e}", k.name),
                )
            })?),
            None => None,
        };
        return Ok(Provider::Kms(KmsProvider {
            name: k.name,
            api_version,
            endpoint: k.endpoint.unwrap_or_default(),
            timeout,
        }));
    }
    Ok(Provider::Identity)
}

fn keys(kind: &str, raw: RawKeys, sizes: &[usize], text: &str) -> Result<Vec<Key>, Failure> {
    if raw.keys.is_empty() {
        return Err((line_of(text, kind), format!("{kind} has no keys")));
    }
    let mut out = Vec::new();
    for k in raw.keys {
        let line = line_of(text, &format!("name: {}", k.name));
        let bad = |why: &str| (line, format!("{kind} key {:?}: {why}", k.name));
        if k.name.is_empty() {
            return Err(bad("has no name"));
        }
        let serde_yaml::Value::String(b64) = &k.secret else {
            return Err(bad("secret is missing or not a string"));
        };
        let b64 = Zeroizing::new(b64.trim().to_string());
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64.as_bytes())
            .map_err(|_| bad("secret is not valid base64"))?;
        let bytes = SecretBytes::new(bytes);
        if !sizes.contains(&bytes.expose().len()) {
            let sizes: Vec<String> = sizes.iter().map(usize::to_string).collect();
            return Err(bad(&format!(
                "secret is {} bytes; {kind} needs {}",
                bytes.expose().len(),
                sizes.join(", ")
            )));
        }
        out.push(Key {
            name: k.name,
            secret: bytes,
        });
    }
    Ok(out)
}

/// serde quotes the offending value (`invalid type: string "…", expected ...`); in this
/// file that value may be key material, so quoted text is left out.
fn redact_quoted(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut inside = false;
    for c in msg.chars() {
        if c == '"' {
            if inside {
                out.push_str("…\"");
            } else {
                out.push('"');
            }
            inside = !inside;
        } else if !inside {
            out.push(c);
        }
    }
    out
}

/// The first line (1-based) containing `needle`, so a semantic error points somewhere
/// useful even though serde_yaml only locates syntax errors.
fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1)
}

impl EncryptionConfig {
    /// The rules for `resource` (the etcd path segment after `/registry/`, e.g.
    /// `secrets`), most specific first as the API server reads them: an exact name, then
    /// `*.<group>`, then `*.*`. Core resources are matched as `name` or `name.`.
    pub fn rules_for(&self, resource: &str) -> Vec<&ResourceRule> {
        let mut exact = Vec::new();
        let mut wild = Vec::new();
        for r in &self.rules {
            for name in &r.resources {
                let bare = name.strip_suffix('.').unwrap_or(name);
                if bare == resource || name.split('.').next() == Some(resource) {
                    exact.push(r);
                } else if name == "*.*" || name == "*." {
                    wild.push(r);
                }
            }
        }
        exact.extend(wild);
        exact
    }

    /// The provider that writes `resource` now: the first of its first rule.
    pub fn writer_for(&self, resource: &str) -> Option<&Provider> {
        self.rules_for(resource)
            .first()
            .and_then(|r| r.providers.first())
    }

    /// Resource names the configuration encrypts (not only `identity` first), without
    /// wildcards, for the rotation check to read.
    pub fn named_resources(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in &self.rules {
            for name in &r.resources {
                if name.starts_with('*') {
                    continue;
                }
                let bare = name.split('.').next().unwrap_or(name).to_string();
                if !out.contains(&bare) {
                    out.push(bare);
                }
            }
        }
        out
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
