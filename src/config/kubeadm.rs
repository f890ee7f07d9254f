//! Zero-configuration start on a kubeadm control-plane node: the etcd static pod
//! manifest says where etcd listens and where its CA is, and kubeadm always puts
//! client certificates next to it.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::error::ConfigError;

pub const DEFAULT_KUBEADM_MANIFEST: &str = "/etc/kubernetes/manifests/etcd.yaml";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeadmEtcd {
    pub manifest: PathBuf,
    /// The URL to connect to from this host.
    pub client_url: String,
    /// Every connectable client URL in the manifest, `client_url` first.
    pub all_client_urls: Vec<String>,
    pub cacert: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
    pub metrics_urls: Vec<String>,
    pub member_name: Option<String>,
    pub data_dir: Option<PathBuf>,
}

/// `Ok(None)` when there is no manifest (not a kubeadm controller). A manifest that is
/// there but unreadable or unusable is an error: the user is on a controller and
/// would otherwise silently get the default endpoint.
pub fn detect_kubeadm(path: &Path) -> Result<Option<KubeadmEtcd>, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_manifest(&text, path, &|p: &Path| p.exists()).map(Some),
        Err(e) => read_failure(path, e),
    }
}

fn read_failure(path: &Path, error: io::Error) -> Result<Option<KubeadmEtcd>, ConfigError> {
    let path = path.to_path_buf();
    match error.kind() {
        io::ErrorKind::NotFound => Ok(None),
        io::ErrorKind::PermissionDenied => Err(ConfigError::ManifestPermission { path }),
        _ => Err(ConfigError::Read { path, error }),
    }
}

#[derive(Deserialize, Default)]
struct Pod {
    #[serde(default)]
    metadata: Metadata,
    #[serde(default)]
    spec: PodSpec,
}

#[derive(Deserialize, Default)]
struct Metadata {
    #[serde(default)]
    annotations: HashMap<String, String>,
}

#[derive(Deserialize, Default)]
struct PodSpec {
    #[serde(default)]
    containers: Vec<Container>,
}

#[derive(Deserialize)]
struct Container {
    #[serde(default)]
    name: String,
    #[serde(default)]
    command: Vec<String>,
    #[serde(default)]
    args: Vec<String>,
}

const ADVERTISE_ANNOTATION: &str = "kubeadm.kubernetes.io/etcd.advertise-client-urls";

/// Parses manifest text. `exists` decides which client certificate pair is present,
/// so tests need no real `/etc/kubernetes`.
pub fn parse_manifest(
    text: &str,
    manifest_path: &Path,
    exists: &dyn Fn(&Path) -> bool,
) -> Result<KubeadmEtcd, ConfigError> {
    let pod: Pod =
        serde_yaml::from_str(text).map_err(|e| ConfigError::from_yaml(manifest_path, &e))?;
    let fail = |msg: &str| ConfigError::parse(manifest_path, msg);

    let flags_of = |c: &Container| parse_flags(c.command.iter().chain(&c.args));
    let flags = pod
        .spec
        .containers
        .iter()
        .find(|c| c.name == "etcd")
        .or_else(|| {
            pod.spec.containers.iter().find(|c| {
                let f = flags_of(c);
                f.contains_key("listen-client-urls") || f.contains_key("trusted-ca-file")
            })
        })
        .map(flags_of)
        .ok_or_else(|| fail("no etcd container in spec.containers"))?;

    let listen = url_list(flags.get("listen-client-urls").map(String::as_str));
    let mut advertise = url_list(flags.get("advertise-client-urls").map(String::as_str));
    if advertise.is_empty() {
        advertise = url_list(
            pod.metadata
                .annotations
                .get(ADVERTISE_ANNOTATION)
                .map(String::as_str),
        );
    }
    // We run on the controller itself, and kubeadm's server certificate covers
    // 127.0.0.1, so loopback avoids depending on the node's network address.
    let client_url = listen
        .iter()
        .find(|u| is_loopback(u))
        .or_else(|| advertise.first())
        .or_else(|| listen.first())
        .cloned()
        .ok_or_else(|| {
            fail("the etcd command has no --listen-client-urls or --advertise-client-urls")
        })?;
    let mut all_client_urls = vec![client_url.clone()];
    for u in advertise.iter().chain(&listen) {
        if !all_client_urls.contains(u) {
            all_client_urls.push(u.clone());
        }
    }

    let cacert = flags
        .get("trusted-ca-file")
        .map(PathBuf::from)
        .ok_or_else(|| fail("the etcd command has no --trusted-ca-file, so the client certificates cannot be found"))?;
    let (cert, key) = client_pair(&cacert, exists);

    Ok(KubeadmEtcd {
        manifest: manifest_path.to_path_buf(),
        client_url,
        all_client_urls,
        cacert,
        cert,
        key,
        metrics_urls: url_list(flags.get("listen-metrics-urls").map(String::as_str)),
        member_name: flags.get("name").filter(|n| !n.is_empty()).cloned(),
        data_dir: flags
            .get("data-dir")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from),
    })
}

/// Every flag of the etcd container in a manifest's text, by name without dashes (the
/// restore plan needs `--initial-cluster` and the peer URLs, which the connection does not).
pub fn etcd_flags(
    text: &str,
    manifest_path: &Path,
) -> Result<HashMap<String, String>, ConfigError> {
    let pod: Pod =
        serde_yaml::from_str(text).map_err(|e| ConfigError::from_yaml(manifest_path, &e))?;
    let c = pod
        .spec
        .containers
        .iter()
        .find(|c| c.name == "etcd")
        .ok_or_else(|| ConfigError::parse(manifest_path, "no etcd container in spec.containers"))?;
    Ok(parse_flags(c.command.iter().chain(&c.args)))
}

/// kubeadm generates both `healthcheck-client` beside etcd's CA and, one level up,
/// `apiserver-etcd-client` for the API server; either is accepted by etcd. The
/// healthcheck pair is tried first because it lives next to the CA we already found;
/// the API server's pair is there on every controller that runs an API server.
fn client_pair(cacert: &Path, exists: &dyn Fn(&Path) -> bool) -> (PathBuf, PathBuf) {
    let etcd_dir = cacert.parent().unwrap_or(Path::new(""));
    let cert = etcd_dir.join("healthcheck-client.crt");
    let key = etcd_dir.join("healthcheck-client.key");
    if exists(&cert) && exists(&key) {
        return (cert, key);
    }
    let pki = etcd_dir.parent().unwrap_or(etcd_dir);
    (
        pki.join("apiserver-etcd-client.crt"),
        pki.join("apiserver-etcd-client.key"),
    )
}

/// Go-flag style arguments: `--flag=value`, `--flag value`, single dash too.
/// Later occurrences win, as in Go's flag package.
/// The flag names (without dashes) of the manifest's etcd container, for checks that
/// look at how etcd is started (the upgrade plan's renamed and removed flags).
pub fn manifest_flag_names(text: &str) -> Result<Vec<String>, String> {
    let pod: Pod = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
    let c = pod
        .spec
        .containers
        .iter()
        .find(|c| c.name == "etcd")
        .or_else(|| pod.spec.containers.first())
        .ok_or("no container in spec.containers")?;
    let mut names: Vec<String> = parse_flags(c.command.iter().chain(&c.args))
        .into_keys()
        .collect();
    names.sort();
    Ok(names)
}

fn parse_flags<'a>(items: impl Iterator<Item = &'a String>) -> HashMap<String, String> {
    let items: Vec<&String> = items.collect();
    let mut out = HashMap::new();
    let mut i = 0;
    while i < items.len() {
        let item = items[i].as_str();
        i += 1;
        let Some(flag) = item.strip_prefix("--").or_else(|| item.strip_prefix('-')) else {
            continue;
        };
        if let Some((name, value)) = flag.split_once('=') {
            out.insert(name.to_string(), value.to_string());
        } else if let Some(next) = items.get(i).filter(|n| !n.starts_with('-')) {
            out.insert(flag.to_string(), next.to_string());
            i += 1;
        } else {
            // A bare boolean flag such as `--client-cert-auth`.
            out.insert(flag.to_string(), "true".to_string());
        }
    }
    out
}

/// Comma-separated URLs, minus wildcard listen addresses nobody can connect to.
fn url_list(value: Option<&str>) -> Vec<String> {
    value
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .filter(|u| !matches!(host_of(u), "0.0.0.0" | "::" | ""))
        .map(str::to_string)
        .collect()
}

fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or(rest);
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next().unwrap_or(v6);
    }
    authority.rsplit_once(':').map_or(authority, |(h, _)| h)
}

fn is_loopback(url: &str) -> bool {
    let host = host_of(url);
    host == "localhost" || host == "::1" || host.starts_with("127.")
}

#[cfg(test)]
mod tests;
