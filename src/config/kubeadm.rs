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
mod tests {
    use super::*;

    /// As written by `kubeadm init` (v1.30) on a node whose address is 192.168.56.10.
    const MANIFEST: &str = r#"apiVersion: v1
kind: Pod
metadata:
  annotations:
    kubeadm.kubernetes.io/etcd.advertise-client-urls: https://192.168.56.10:2379
  creationTimestamp: null
  labels:
    component: etcd
    tier: control-plane
  name: etcd
  namespace: kube-system
spec:
  containers:
  - command:
    - etcd
    - --advertise-client-urls=https://192.168.56.10:2379
    - --cert-file=/etc/kubernetes/pki/etcd/server.crt
    - --client-cert-auth=true
    - --data-dir=/var/lib/etcd
    - --experimental-initial-corrupt-check=true
    - --experimental-watch-progress-notify-interval=5s
    - --initial-advertise-peer-urls=https://192.168.56.10:2380
    - --initial-cluster=cp1=https://192.168.56.10:2380
    - --key-file=/etc/kubernetes/pki/etcd/server.key
    - --listen-client-urls=https://127.0.0.1:2379,https://192.168.56.10:2379
    - --listen-metrics-urls=http://127.0.0.1:2381
    - --listen-peer-urls=https://192.168.56.10:2380
    - --name=cp1
    - --peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt
    - --peer-client-cert-auth=true
    - --peer-key-file=/etc/kubernetes/pki/etcd/peer.key
    - --peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt
    - --snapshot-count=10000
    - --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt
    image: registry.k8s.io/etcd:3.5.12-0
    imagePullPolicy: IfNotPresent
    livenessProbe:
      failureThreshold: 8
      httpGet:
        host: 127.0.0.1
        path: /health?exclude=NOSPACE&serializable=true
        port: 2381
        scheme: HTTP
      initialDelaySeconds: 10
      periodSeconds: 10
      timeoutSeconds: 15
    name: etcd
    resources:
      requests:
        cpu: 100m
        memory: 100Mi
    startupProbe:
      failureThreshold: 24
      httpGet:
        host: 127.0.0.1
        path: /health?serializable=false
        port: 2381
        scheme: HTTP
      initialDelaySeconds: 10
      periodSeconds: 10
      timeoutSeconds: 15
    volumeMounts:
    - mountPath: /var/lib/etcd
      name: etcd-data
    - mountPath: /etc/kubernetes/pki/etcd
      name: etcd-certs
  hostNetwork: true
  priority: 2000001000
  priorityClassName: system-node-critical
  securityContext:
    seccompProfile:
      type: RuntimeDefault
  volumes:
  - hostPath:
      path: /etc/kubernetes/pki/etcd
      type: DirectoryOrCreate
    name: etcd-certs
  - hostPath:
      path: /var/lib/etcd
      type: DirectoryOrCreate
    name: etcd-data
status: {}
"#;

    fn manifest_path() -> &'static Path {
        Path::new(DEFAULT_KUBEADM_MANIFEST)
    }

    fn everything_exists(_: &Path) -> bool {
        true
    }

    #[test]
    fn realistic_kubeadm_manifest() {
        let k = parse_manifest(MANIFEST, manifest_path(), &everything_exists).unwrap();
        assert_eq!(k.manifest, manifest_path());
        assert_eq!(k.client_url, "https://127.0.0.1:2379");
        assert_eq!(
            k.all_client_urls,
            vec!["https://127.0.0.1:2379", "https://192.168.56.10:2379"]
        );
        assert_eq!(k.cacert, Path::new("/etc/kubernetes/pki/etcd/ca.crt"));
        assert_eq!(
            k.cert,
            Path::new("/etc/kubernetes/pki/etcd/healthcheck-client.crt")
        );
        assert_eq!(
            k.key,
            Path::new("/etc/kubernetes/pki/etcd/healthcheck-client.key")
        );
        assert_eq!(k.metrics_urls, vec!["http://127.0.0.1:2381"]);
        assert_eq!(k.member_name.as_deref(), Some("cp1"));
        assert_eq!(k.data_dir.as_deref(), Some(Path::new("/var/lib/etcd")));
    }

    #[test]
    fn falls_back_to_apiserver_etcd_client_when_healthcheck_pair_is_missing() {
        let only_apiserver = |p: &Path| !p.to_string_lossy().contains("healthcheck");
        let k = parse_manifest(MANIFEST, manifest_path(), &only_apiserver).unwrap();
        assert_eq!(
            k.cert,
            Path::new("/etc/kubernetes/pki/apiserver-etcd-client.crt")
        );
        assert_eq!(
            k.key,
            Path::new("/etc/kubernetes/pki/apiserver-etcd-client.key")
        );
        // Half a pair is no pair.
        let no_key = |p: &Path| p.extension().is_some_and(|e| e == "crt");
        let k = parse_manifest(MANIFEST, manifest_path(), &no_key).unwrap();
        assert_eq!(
            k.key,
            Path::new("/etc/kubernetes/pki/apiserver-etcd-client.key")
        );
    }

    #[test]
    fn without_loopback_listen_url_the_advertise_url_is_used() {
        let text = MANIFEST.replace(
            "--listen-client-urls=https://127.0.0.1:2379,https://192.168.56.10:2379",
            "--listen-client-urls=https://0.0.0.0:2379",
        );
        let k = parse_manifest(&text, manifest_path(), &everything_exists).unwrap();
        assert_eq!(k.client_url, "https://192.168.56.10:2379");
        assert_eq!(k.all_client_urls, vec!["https://192.168.56.10:2379"]);
    }

    #[test]
    fn without_advertise_flag_or_annotation_the_first_listen_url_is_used() {
        let text = MANIFEST
            .replace("    - --advertise-client-urls=https://192.168.56.10:2379\n", "")
            .replace(
                "    kubeadm.kubernetes.io/etcd.advertise-client-urls: https://192.168.56.10:2379\n",
                "    other: x\n",
            )
            .replace(
                "--listen-client-urls=https://127.0.0.1:2379,https://192.168.56.10:2379",
                "--listen-client-urls=https://192.168.56.11:2379,https://192.168.56.10:2379",
            );
        let k = parse_manifest(&text, manifest_path(), &everything_exists).unwrap();
        assert_eq!(k.client_url, "https://192.168.56.11:2379");
    }

    #[test]
    fn advertise_annotation_is_used_when_the_flag_is_absent() {
        let text = MANIFEST
            .replace(
                "    - --advertise-client-urls=https://192.168.56.10:2379\n",
                "",
            )
            .replace(
                "--listen-client-urls=https://127.0.0.1:2379,https://192.168.56.10:2379",
                "--listen-client-urls=https://[::]:2379",
            );
        let k = parse_manifest(&text, manifest_path(), &everything_exists).unwrap();
        assert_eq!(k.client_url, "https://192.168.56.10:2379");
    }

    #[test]
    fn ipv6_and_localhost_count_as_loopback() {
        assert!(is_loopback("https://[::1]:2379"));
        assert!(is_loopback("https://localhost:2379"));
        assert!(is_loopback("http://127.0.0.5:2379"));
        assert!(!is_loopback("https://[2001:db8::1]:2379"));
        assert!(!is_loopback("https://10.127.0.1:2379"));
    }

    #[test]
    fn flags_in_args_and_as_separate_items() {
        let text = r#"
spec:
  containers:
  - name: sidecar
    command: ["sleep", "infinity"]
  - name: etcd-main
    command: [etcd]
    args:
    - --listen-client-urls
    - https://[::1]:2379
    - --trusted-ca-file
    - /pki/etcd/ca.crt
    - --client-cert-auth
    - --name=n1
"#;
        let k = parse_manifest(text, Path::new("/m.yaml"), &everything_exists).unwrap();
        assert_eq!(k.client_url, "https://[::1]:2379");
        assert_eq!(k.cacert, Path::new("/pki/etcd/ca.crt"));
        assert_eq!(k.cert, Path::new("/pki/etcd/healthcheck-client.crt"));
        assert_eq!(k.member_name.as_deref(), Some("n1"));
        assert!(k.metrics_urls.is_empty());
        assert_eq!(k.data_dir, None);
    }

    #[test]
    fn parse_flags_handles_both_forms_and_last_wins() {
        let items: Vec<String> = [
            "etcd", "--a=1", "--b", "2", "--c", "--d=x=y", "-e=3", "--a=9",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let f = parse_flags(items.iter());
        assert_eq!(f["a"], "9");
        assert_eq!(f["b"], "2");
        assert_eq!(f["c"], "true");
        assert_eq!(f["d"], "x=y");
        assert_eq!(f["e"], "3");
        assert!(!f.contains_key("etcd"));
    }

    #[test]
    fn unusable_manifests_are_errors_naming_the_file() {
        let no_etcd = "spec:\n  containers:\n  - name: nginx\n    command: [nginx]\n";
        let msg = parse_manifest(no_etcd, Path::new("/m.yaml"), &everything_exists)
            .unwrap_err()
            .to_string();
        assert_eq!(msg, "/m.yaml: no etcd container in spec.containers");

        let no_ca = MANIFEST.replace(
            "    - --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt\n",
            "",
        );
        let msg = parse_manifest(&no_ca, manifest_path(), &everything_exists)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("--trusted-ca-file"), "{msg}");

        let no_urls =
            "spec:\n  containers:\n  - name: etcd\n    command: [etcd, --trusted-ca-file=/ca]\n";
        let msg = parse_manifest(no_urls, Path::new("/m.yaml"), &everything_exists)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("--listen-client-urls"), "{msg}");

        let broken = "spec:\n  containers: [\n";
        let msg = parse_manifest(broken, Path::new("/m.yaml"), &everything_exists)
            .unwrap_err()
            .to_string();
        assert!(msg.starts_with("/m.yaml:"), "{msg}");
    }

    #[test]
    fn detect_missing_file_is_none_and_real_file_is_parsed() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(detect_kubeadm(&dir.path().join("etcd.yaml")).unwrap(), None);
        let path = dir.path().join("etcd.yaml");
        std::fs::write(&path, MANIFEST).unwrap();
        let k = detect_kubeadm(&path).unwrap().unwrap();
        assert_eq!(k.manifest, path);
        assert_eq!(k.client_url, "https://127.0.0.1:2379");
    }

    #[test]
    fn detect_unreadable_file_is_an_error_with_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let err = detect_kubeadm(dir.path()).unwrap_err();
        assert!(
            err.to_string().contains(&dir.path().display().to_string()),
            "{err}"
        );
    }

    #[test]
    fn read_failures_are_classified() {
        let p = manifest_path();
        assert_eq!(
            read_failure(p, io::ErrorKind::NotFound.into()).unwrap(),
            None
        );
        let err = read_failure(p, io::ErrorKind::PermissionDenied.into()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "permission denied reading /etc/kubernetes/manifests/etcd.yaml: try `sudo etcdtui`"
        );
        let err = read_failure(p, io::Error::other("disk on fire")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot read /etc/kubernetes/manifests/etcd.yaml: disk on fire"
        );
    }

    #[test]
    fn permission_denied_on_a_real_file_suggests_sudo() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("etcd.yaml");
        std::fs::write(&path, MANIFEST).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
        if std::fs::read(&path).is_ok() {
            // Running as root: mode bits do not apply, so EACCES cannot be provoked.
            return;
        }
        let err = detect_kubeadm(&path).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "permission denied reading {}: try `sudo etcdtui`",
                path.display()
            )
        );
    }
}
