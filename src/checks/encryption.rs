//! Key rotation, as the checklist sees it: which provider and key protects each
//! encrypted resource's values (counted from their prefixes), compared with the
//! EncryptionConfiguration: values still in plain text, values under a key that is no
//! longer the one that writes (rotation not finished), keys nothing uses any more.

use std::collections::BTreeMap;

use super::facts::Facts;
use super::rules::check;
use super::{Check, Status};

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

const REWRITE: &str = "kubectl get secrets -A -o json | kubectl replace -f -";

pub fn checks(f: &Facts) -> Vec<Check> {
    let e = &f.encryption;
    // Not a Kubernetes etcd (or Secrets unreadable, which the Secrets check reports) and
    // no configuration given: nothing to say.
    let stored = e
        .counted
        .values()
        .any(|c| c.as_ref().is_ok_and(|k| k.total > 0));
    if e.counted.is_empty() || (e.config_path.is_none() && !stored) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for resource in e.resources() {
        let Some(counted) = e.counted.get(&resource) else {
            continue;
        };
        let configured = e.configured.iter().find(|c| c.resource == resource);
        out.push(rotation(
            &resource,
            counted,
            configured,
            e.config_path.is_some(),
        ));
    }
    if let Some(c) = unused(e) {
        out.push(c);
    }
    out
}

fn rewrite_command(resource: &str) -> String {
    REWRITE.replace("secrets", resource)
}

fn rotation(
    resource: &str,
    counted: &Result<KeyCounts, String>,
    configured: Option<&ConfiguredKeys>,
    have_config: bool,
) -> Check {
    let prefix = format!("/registry/{resource}/");
    let mut c = check(
        "security",
        "encryption keys in use",
        "a key rotation is finished only when every value is rewritten under the new first key; until then the old key must stay",
    )
    .threshold("every value under the first key of the EncryptionConfiguration");
    c.commands = vec![
        format!(
            "etcdctl get {prefix} --prefix --print-value-only | grep -ao '^k8s:enc:[a-z0-9]*:v[0-9]*:[^:]*' | sort | uniq -c"
        ),
        rewrite_command(resource),
    ];
    let counts = match counted {
        Err(e) => {
            return c.set(
                Status::Unknown,
                format!("{resource}: could not read {prefix}: {e}"),
                "",
            );
        }
        Ok(k) if k.total == 0 => {
            return c.set(Status::Ok, format!("{resource}: none stored"), "");
        }
        Ok(k) => k,
    };
    let conf = configured.filter(|_| have_config);
    let writer = conf.and_then(|c| c.keys.first());
    let words: Vec<String> = counts
        .by_key
        .iter()
        .map(|((p, k), n)| match p.as_str() {
            "identity" => format!("{n} plain text"),
            // With a configuration, say which values a rotation has left behind.
            _ if writer.is_some_and(|w| (&w.0, &w.1) != (p, k)) => {
                format!("{n} {p} {k} (old)")
            }
            _ => format!("{n} {p} {k}"),
        })
        .collect();
    let value = format!("{resource}: {}", words.join(", "));
    let Some(conf) = conf else {
        return c.set(
            Status::Unknown,
            value,
            "give --encryption-config (or run where the kube-apiserver manifest names one) to compare with the configuration",
        );
    };
    let Some(writer) = conf.keys.first() else {
        return c.set(
            Status::Unknown,
            value,
            format!("the configuration has no providers for {resource}"),
        );
    };
    let mut next = Vec::new();
    let mut status = Status::Ok;
    let plain = counts
        .by_key
        .get(&("identity".to_string(), String::new()))
        .copied()
        .unwrap_or(0);
    if plain > 0 && writer.0 != "identity" {
        status = Status::Warn;
        next.push(format!(
            "{plain} {} still in plain text; rewrite them with `{}`",
            noun(resource, plain),
            rewrite_command(resource)
        ));
    }
    for ((p, k), n) in &counts.by_key {
        if p == "identity" || (p, k) == (&writer.0, &writer.1) {
            continue;
        }
        status = Status::Warn;
        let known = conf.keys.iter().any(|(cp, ck)| cp == p && ck == k);
        let why = if known {
            ""
        } else {
            " (a key the configuration does not have: they cannot be read)"
        };
        next.push(format!(
            "{n} {} still under {k}{why}; rewrite them with `{}`",
            noun(resource, *n),
            rewrite_command(resource)
        ));
    }
    if status == Status::Ok {
        return c.set(
            Status::Ok,
            format!(
                "{value}; all under the first key ({} {})",
                writer.0, writer.1
            ),
            "",
        );
    }
    c.set(status, value, next.join("; "))
}

fn unused(e: &EncryptionFacts) -> Option<Check> {
    e.config_path.as_ref()?;
    let mut names = Vec::new();
    for conf in &e.configured {
        let Some(Ok(counts)) = e.counted.get(&conf.resource) else {
            continue;
        };
        for (i, key) in conf.keys.iter().enumerate() {
            // identity further down is the usual read-only fallback, not a key to retire.
            let fallback = key.0 == "identity" && i > 0;
            if i > 0 && !fallback && !counts.by_key.contains_key(key) {
                names.push(format!("{} {} ({})", key.0, key.1, conf.resource));
            }
        }
    }
    let c = check(
        "security",
        "unused encryption keys",
        "a key no value is stored under only widens what a leaked configuration exposes",
    )
    .threshold("every configured key protects some value, or is the first (writing) key");
    Some(if names.is_empty() {
        c.set(Status::Ok, "every configured key is in use", "")
    } else {
        c.set(
            Status::Warn,
            format!("not used by any value: {}", names.join(", ")),
            "remove them from the EncryptionConfiguration and restart the API servers (the last step of a rotation)",
        )
    })
}

/// "3 Secrets", "1 Secret", "2 configmaps" as the user reads them.
fn noun(resource: &str, n: u64) -> String {
    let plural = match resource {
        "secrets" => "Secrets",
        "configmaps" => "ConfigMaps",
        other => other,
    };
    match plural.strip_suffix('s') {
        Some(one) if n == 1 => one.to_string(),
        _ => plural.to_string(),
    }
}

#[cfg(test)]
#[path = "encryption_tests.rs"]
mod tests;
