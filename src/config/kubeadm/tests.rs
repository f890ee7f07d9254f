//! Reading kubeadm's static pod manifest: real manifests, flags, and damaged ones.

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
        .replace(
            "    - --advertise-client-urls=https://192.168.56.10:2379\n",
            "",
        )
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
