//! Counting which key protects each value of a resource (`/registry/<resource>/`), for
//! the Secrets and key-rotation checks. Paged: values come back whole (etcd cannot return
//! a prefix of a value), so each page is counted and dropped; memory stays one page.

use etcd_client::GetOptions;

use super::encryption_facts::KeyCounts;
use super::facts::SecretFacts;

use super::connect::EndpointClient;
use super::errors::EtcdError;

/// Values per range: bounded memory on a cluster with 100,000 Secrets.
const PAGE: i64 = 500;

pub async fn count(c: &EndpointClient, resource: &str) -> Result<KeyCounts, EtcdError> {
    let mut counts = KeyCounts::default();
    let prefix = format!("/registry/{resource}/").into_bytes();
    let mut end = prefix.clone();
    // The prefix ends in '/', so '/' + 1 closes the range.
    if let Some(last) = end.last_mut() {
        *last += 1;
    }
    let mut from = prefix;
    loop {
        let (start, stop) = (from.clone(), end.clone());
        let page = c
            .call(|mut cl| async move {
                cl.get(
                    start,
                    Some(GetOptions::new().with_range(stop).with_limit(PAGE)),
                )
                .await
            })
            .await?;
        for kv in page.kvs() {
            counts.observe(kv.value());
        }
        match page.kvs().last() {
            Some(last) if page.more() => {
                from = last.key().to_vec();
                from.push(0);
            }
            _ => return Ok(counts),
        }
    }
}

/// The Secrets check's view of the same counts: total, encrypted, per provider.
pub fn secret_facts(k: &KeyCounts) -> SecretFacts {
    let mut s = SecretFacts {
        total: k.total,
        ..SecretFacts::default()
    };
    for ((provider, _), n) in &k.by_key {
        if provider == "identity" {
            continue;
        }
        s.encrypted += n;
        let name = provider.split(' ').next().unwrap_or(provider).to_string();
        *s.providers.entry(name).or_default() += n;
    }
    s
}
