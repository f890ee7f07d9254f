//! Key rotation, as the checklist sees it: which provider and key protects each
//! encrypted resource's values (counted from their prefixes), compared with the
//! EncryptionConfiguration: values still in plain text, values under a key that is no
//! longer the one that writes (rotation not finished), keys nothing uses any more.

use super::facts::Facts;
use super::rules::check;
use super::{Check, Status};

pub use crate::etcd::encryption_facts::*;

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
