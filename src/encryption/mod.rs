//! Reading values the API server encrypted at rest, with the cluster's own
//! EncryptionConfiguration: where it is (`locate`), what it says (`config`), the ciphers
//! (`ciphers`), KMS envelopes and plugins (`kms`).
//!
//! Never leak: key bytes live in `SecretBytes` and plaintext in `Zeroizing` buffers whose
//! Debug prints nothing; errors name the provider and key, never bytes; nothing here logs.

pub mod ciphers;
pub mod config;
pub mod kms;
pub mod locate;
#[doc(hidden)]
pub mod seal;

use std::fmt;
use std::path::Path;
use std::sync::{Arc, RwLock};

pub use ciphers::Plaintext;
pub use config::{ConfigFileError, EncryptionConfig, Provider};

const PREFIX: &[u8] = b"k8s:enc:";

/// A value opened with a key from the configuration.
pub struct Opened {
    /// As the prefix names it: `aescbc`, `aesgcm`, `secretbox`, `kms v2`.
    pub provider: String,
    pub key: String,
    pub plaintext: Plaintext,
}

impl fmt::Debug for Opened {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Opened {{ provider: {}, key: {}, plaintext: {} bytes redacted }}",
            self.provider,
            self.key,
            self.plaintext.len()
        )
    }
}

/// Why a value was not opened; the provider and key name, never bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecryptError {
    NotEncrypted,
    NoKey {
        provider: String,
        key: String,
    },
    Rejected {
        provider: String,
        key: String,
        reason: String,
    },
    Unsupported {
        provider: String,
        key: String,
        reason: String,
    },
}

impl fmt::Display for DecryptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecryptError::NotEncrypted => f.write_str("not encrypted at rest"),
            DecryptError::NoKey { provider, key } => write!(
                f,
                "the EncryptionConfiguration has no {provider} key named {key}"
            ),
            DecryptError::Rejected {
                provider,
                key,
                reason,
            } => write!(f, "{provider} key {key}: {reason}"),
            DecryptError::Unsupported {
                provider,
                key,
                reason,
            } => write!(f, "{provider} {key}: {reason}"),
        }
    }
}

/// The parts of an encrypted value: provider, version, name, data.
pub fn split(value: &[u8]) -> Option<(&str, &str, &str, &[u8])> {
    let rest = value.strip_prefix(PREFIX)?;
    let mut parts = rest.splitn(4, |&b| b == b':');
    let provider = std::str::from_utf8(parts.next()?).ok()?;
    let version = std::str::from_utf8(parts.next()?).ok()?;
    let name = std::str::from_utf8(parts.next()?).ok()?;
    Some((provider, version, name, parts.next()?))
}

/// The resource an etcd key belongs to: `/registry/secrets/ns/x` is `secrets`.
pub fn resource_of(etcd_key: &[u8]) -> Option<&str> {
    let rest = etcd_key.strip_prefix(b"/registry/")?;
    let end = rest.iter().position(|&b| b == b'/').unwrap_or(rest.len());
    std::str::from_utf8(&rest[..end]).ok()
}

/// Opens `value`, stored under `etcd_key` (the additional data of AES-GCM and KMS v2).
pub fn decrypt(
    cfg: &EncryptionConfig,
    etcd_key: &[u8],
    value: &[u8],
) -> Result<Opened, DecryptError> {
    let (provider, version, name, data) = split(value).ok_or(DecryptError::NotEncrypted)?;
    let label = if version == "v1" {
        provider.to_string()
    } else {
        format!("{provider} {version}")
    };
    let fail = |reason: String| DecryptError::Rejected {
        provider: label.clone(),
        key: name.to_string(),
        reason,
    };
    // The rules for this resource first (the API server reads with those), then the rest.
    let mut providers: Vec<&Provider> = resource_of(etcd_key)
        .map(|r| cfg.rules_for(r))
        .unwrap_or_default()
        .into_iter()
        .flat_map(|r| &r.providers)
        .collect();
    providers.extend(cfg.rules.iter().flat_map(|r| &r.providers));
    if provider == "kms" {
        return kms_open(&providers, version, name, data, etcd_key, &label);
    }
    let keys: Vec<&config::Key> = providers
        .iter()
        .filter(|p| p.kind() == provider)
        .flat_map(|p| match p {
            Provider::AesCbc(k) | Provider::AesGcm(k) | Provider::Secretbox(k) => k.as_slice(),
            _ => &[],
        })
        .filter(|k| k.name == name)
        .collect();
    if keys.is_empty() {
        return Err(DecryptError::NoKey {
            provider: label,
            key: name.to_string(),
        });
    }
    let mut last = None;
    let mut unproven = None;
    for k in keys {
        let secret = k.secret.expose();
        let opened = match provider {
            "aescbc" => ciphers::aescbc(secret, data),
            "aesgcm" => ciphers::aesgcm(secret, data, etcd_key),
            "secretbox" => ciphers::secretbox(secret, data),
            // Only these three providers carry keys.
            _ => Err(ciphers::CipherError::Rejected),
        };
        match opened {
            // CBC has no tag: a right padding under a wrong key happens 1 in ~256, so a
            // plaintext that is no stored object keeps the search going.
            Ok(p) if provider != "aescbc" || looks_stored(&p) => {
                return Ok(Opened {
                    provider: label,
                    key: name.to_string(),
                    plaintext: p,
                });
            }
            Ok(p) => unproven = unproven.or(Some(p)),
            Err(e) => last = Some(e),
        }
    }
    if let Some(p) = unproven {
        return Ok(Opened {
            provider: label,
            key: name.to_string(),
            plaintext: p,
        });
    }
    Err(fail(last.map(|e| e.to_string()).unwrap_or_default()))
}

/// What the API server stores: protobuf, JSON, or CBOR (self-described).
fn looks_stored(p: &[u8]) -> bool {
    p.starts_with(b"k8s\0") || p.starts_with(b"{") || p.starts_with(&[0xd9, 0xd9, 0xf7])
}

fn kms_open(
    providers: &[&Provider],
    version: &str,
    name: &str,
    data: &[u8],
    etcd_key: &[u8],
    label: &str,
) -> Result<Opened, DecryptError> {
    let unsupported = |reason: String| DecryptError::Unsupported {
        provider: label.to_string(),
        key: name.to_string(),
        reason,
    };
    if version != "v2" {
        return Err(unsupported(
            "KMS v1 values are shown, not decrypted (KMS v1 is deprecated; migrate to v2)".into(),
        ));
    }
    let provider = providers.iter().find_map(|p| match p {
        Provider::Kms(k) if k.name == name && k.api_version == "v2" => Some(k),
        _ => None,
    });
    let Some(provider) = provider else {
        return Err(DecryptError::NoKey {
            provider: label.to_string(),
            key: name.to_string(),
        });
    };
    let obj = kms::EncryptedObject::parse(data).map_err(unsupported)?;
    let dek = kms::dek(provider, &obj).map_err(unsupported)?;
    let opened = match obj.encrypted_dek_source_type {
        kms::AES_GCM_KEY => ciphers::aesgcm(&dek, &obj.encrypted_data, etcd_key),
        kms::HKDF_SHA256_XNONCE_AES_GCM_SEED => {
            ciphers::hkdf_seed_gcm(&dek, &obj.encrypted_data, etcd_key)
        }
        _ => {
            return Err(unsupported(format!(
                "encrypted DEK source type {} is not known",
                obj.source_type()
            )));
        }
    };
    opened
        .map(|plaintext| Opened {
            provider: label.to_string(),
            key: name.to_string(),
            plaintext,
        })
        .map_err(|e| DecryptError::Rejected {
            provider: label.to_string(),
            key: name.to_string(),
            reason: format!("the DEK from the plugin does not open it: {e}"),
        })
}

type Installed = RwLock<Option<Arc<EncryptionConfig>>>;

static INSTALLED: Installed = RwLock::new(None);

/// The configuration the views decrypt with (set once at start).
pub fn install(config: Option<Arc<EncryptionConfig>>) {
    if let Ok(mut g) = INSTALLED.write() {
        *g = config;
    }
    kms::forget();
}

pub fn installed() -> Option<Arc<EncryptionConfig>> {
    INSTALLED.read().ok().and_then(|g| g.clone())
}

/// One line for the connection details: which file, and the resources it encrypts.
pub fn summary() -> Option<String> {
    let cfg = installed()?;
    let keys: usize = cfg
        .rules
        .iter()
        .flat_map(|r| &r.providers)
        .map(|p| p.key_labels().len())
        .sum();
    let resources: Vec<&str> = cfg
        .rules
        .iter()
        .flat_map(|r| r.resources.iter().map(String::as_str))
        .collect();
    Some(format!(
        "encryption config {} ({keys} keys; {})",
        cfg.path.display(),
        resources.join(", ")
    ))
}

/// What start-up found: the configuration, where from, or why it could not be used
/// (the rest of etcdtui works on without it).
#[derive(Debug, Default)]
pub struct Loaded {
    pub config: Option<Arc<EncryptionConfig>>,
    /// "encryption config /etc/.../enc.yaml (from ...)".
    pub info: Option<String>,
    pub warning: Option<String>,
}

pub fn load(flag: Option<&Path>, context: Option<&Path>, manifest_dir: &Path) -> Loaded {
    let found = match locate::locate(flag, context, manifest_dir) {
        Ok(Some(f)) => f,
        Ok(None) => return Loaded::default(),
        Err(e) => {
            return Loaded {
                warning: Some(format!("encryption config not found: {e}")),
                ..Loaded::default()
            };
        }
    };
    match config::load(found.path()) {
        Ok(c) => Loaded {
            config: Some(Arc::new(c)),
            info: Some(format!("encryption config {}", found.describe())),
            warning: None,
        },
        Err(e) => Loaded {
            config: None,
            info: None,
            warning: Some(format!(
                "encryption config {}: {e}; encrypted values stay unread",
                found.describe()
            )),
        },
    }
}

#[cfg(test)]
#[path = "mod_tests.rs"]
mod tests;
