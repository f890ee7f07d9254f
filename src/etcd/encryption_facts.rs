//! What the encryption scan counts: per resource, how many values each provider and
//! key protects, beside the keys the EncryptionConfiguration names.

use std::collections::BTreeMap;

/// `(provider, key)` as the value prefix names it; plain values are `("identity", "")`.
pub type KeyLabel = (String, String);

/// Values of one resource per key: counts only, so 100,000 Secrets cost a few numbers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyCounts {
    pub total: u64,
    pub by_key: BTreeMap<KeyLabel, u64>,
}

impl KeyCounts {
    pub fn observe(&mut self, value: &[u8]) {
        self.total += 1;
        let label = match crate::encryption::split(value) {
            Some((p, "v1", name, _)) => (p.to_string(), name.to_string()),
            Some((p, v, name, _)) => (format!("{p} {v}"), name.to_string()),
            None if value.starts_with(b"k8s:enc:") => ("unreadable prefix".into(), String::new()),
            None => ("identity".into(), String::new()),
        };
        *self.by_key.entry(label).or_default() += 1;
    }
}

/// The configuration's keys for one resource, the writer first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfiguredKeys {
    pub resource: String,
    pub keys: Vec<KeyLabel>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct EncryptionFacts {
    /// Where the EncryptionConfiguration came from; `None` when none was given.
    pub config_path: Option<String>,
    /// Per resource in the configuration (Secrets always), its keys.
    pub configured: Vec<ConfiguredKeys>,
    /// Per resource read: its counts, or why it could not be read.
    pub counted: BTreeMap<String, Result<KeyCounts, String>>,
}

impl EncryptionFacts {
    /// What the installed configuration says about `resources` (Secrets first).
    pub fn from_config(cfg: Option<&crate::encryption::EncryptionConfig>) -> EncryptionFacts {
        let mut f = EncryptionFacts::default();
        let Some(cfg) = cfg else {
            return f;
        };
        f.config_path = Some(cfg.path.display().to_string());
        let mut resources = vec!["secrets".to_string()];
        resources.extend(cfg.named_resources().into_iter().filter(|r| r != "secrets"));
        for r in resources {
            let keys = cfg
                .rules_for(&r)
                .first()
                .map(|rule| rule.providers.iter().flat_map(|p| p.key_labels()).collect())
                .unwrap_or_default();
            f.configured.push(ConfiguredKeys { resource: r, keys });
        }
        f
    }

    /// The resources to count: Secrets, then every other configured one.
    pub fn resources(&self) -> Vec<String> {
        let mut out = vec!["secrets".to_string()];
        for c in &self.configured {
            if !out.contains(&c.resource) {
                out.push(c.resource.clone());
            }
        }
        out
    }
}
