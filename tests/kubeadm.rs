//! Zero configuration on a kubeadm control-plane node: a directory laid out like
//! `/etc/kubernetes` (static pod manifest plus kubeadm's certificate files) in front of
//! a real TLS etcd that demands client certificates.

mod common;

use std::path::{Path, PathBuf};

use etcdtui::config::{Config, ConnectFlags, ResolveInputs, Source, detect_kubeadm, resolve};
use etcdtui::etcd::connect::connect_all;
use etcdtui::etcd::spec::{ConnectSpec, TlsFiles};
use etcdtui::etcd::{EtcdError, Problem};
use etcdtui::localcluster::free_port;
use tempfile::TempDir;

/// `kubeadm init` (v1.30) output, with the ports and directory of the test.
/// `{K8S}` is the `/etc/kubernetes` stand-in, `{ADVERTISE}` the node's client URL.
const MANIFEST: &str = r#"apiVersion: v1
kind: Pod
metadata:
  annotations:
    kubeadm.kubernetes.io/etcd.advertise-client-urls: {ADVERTISE}
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
    - --advertise-client-urls={ADVERTISE}
    - --cert-file={K8S}/pki/etcd/server.crt
    - --client-cert-auth=true
    - --data-dir=/var/lib/etcd
    - --experimental-initial-corrupt-check=true
    - --experimental-watch-progress-notify-interval=5s
    - --initial-advertise-peer-urls=https://192.0.2.10:2380
    - --initial-cluster=cp1=https://192.0.2.10:2380
    - --key-file={K8S}/pki/etcd/server.key
    - --listen-client-urls={LISTEN}
    - --listen-metrics-urls={METRICS}
    - --listen-peer-urls=https://192.0.2.10:2380
    - --name=cp1
    - --peer-cert-file={K8S}/pki/etcd/peer.crt
    - --peer-client-cert-auth=true
    - --peer-key-file={K8S}/pki/etcd/peer.key
    - --peer-trusted-ca-file={K8S}/pki/etcd/ca.crt
    - --snapshot-count=10000
    - --trusted-ca-file={K8S}/pki/etcd/ca.crt
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
    volumeMounts:
    - mountPath: /var/lib/etcd
      name: etcd-data
    - mountPath: {K8S}/pki/etcd
      name: etcd-certs
  hostNetwork: true
  priority: 2000001000
  priorityClassName: system-node-critical
  securityContext:
    seccompProfile:
      type: RuntimeDefault
  volumes:
  - hostPath:
      path: {K8S}/pki/etcd
      type: DirectoryOrCreate
    name: etcd-certs
  - hostPath:
      path: /var/lib/etcd
      type: DirectoryOrCreate
    name: etcd-data
status: {}
"#;

/// A fake `/etc/kubernetes`.
struct KubeDir {
    dir: TempDir,
}

impl KubeDir {
    /// Writes `manifests/etcd.yaml` and creates `pki/etcd/`.
    fn new(advertise: &str, listen: &str, metrics: &str) -> KubeDir {
        let dir = tempfile::Builder::new()
            .prefix("etcdtui-kubernetes-")
            .tempdir()
            .expect("create the /etc/kubernetes stand-in");
        let k = KubeDir { dir };
        std::fs::create_dir_all(k.path("manifests")).expect("create manifests/");
        std::fs::create_dir_all(k.path("pki/etcd")).expect("create pki/etcd/");
        let text = MANIFEST
            .replace("{K8S}", &k.dir.path().display().to_string())
            .replace("{ADVERTISE}", advertise)
            .replace("{LISTEN}", listen)
            .replace("{METRICS}", metrics);
        std::fs::write(k.manifest(), text).expect("write manifests/etcd.yaml");
        k
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn manifest(&self) -> PathBuf {
        self.path("manifests/etcd.yaml")
    }

    fn copy(&self, from: &Path, rel: &str) {
        std::fs::copy(from, self.path(rel)).unwrap_or_else(|e| panic!("copy to {rel}: {e}"));
    }

    /// The etcd CA and server pair, as kubeadm lays them out.
    fn install_server_pki(&self, pki: &common::TestPki) {
        self.copy(&pki.ca, "pki/etcd/ca.crt");
        self.copy(&pki.server_cert, "pki/etcd/server.crt");
        self.copy(&pki.server_key, "pki/etcd/server.key");
    }

    /// What etcdtui resolves to with no flags, no environment and no config.yaml.
    fn zero_config(&self) -> etcdtui::config::ResolvedContext {
        let kubeadm = detect_kubeadm(&self.manifest())
            .expect("the manifest is usable")
            .expect("the manifest is found");
        let flags = ConnectFlags::default();
        let env = |_: &str| None;
        let config = Config::default();
        resolve(&ResolveInputs {
            flags: &flags,
            env: &env,
            config: &config,
            kube_context: None,
            kubeadm: Some(kubeadm),
        })
        .expect("resolve with only the kubeadm manifest")
    }
}

/// Connects the spec's only endpoint and asks for the status.
async fn status_version(spec: &ConnectSpec) -> Result<String, EtcdError> {
    let mut all = connect_all(spec).await?;
    assert_eq!(all.len(), 1, "{spec:?}");
    let client = all.remove(0)?;
    let status = client
        .call(|mut cl| async move { cl.status().await })
        .await?;
    Ok(status.version().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubeadm_manifest_with_healthcheck_client() {
    let Some(tls) = common::start_tls_cluster(1, true).await else {
        return;
    };
    let member = tls.cluster.member(0);
    let url = member.client_url.clone();
    let k8s = KubeDir::new(&url, &url, &member.metrics_url);
    k8s.install_server_pki(&tls.pki);
    k8s.copy(&tls.pki.client_cert, "pki/etcd/healthcheck-client.crt");
    k8s.copy(&tls.pki.client_key, "pki/etcd/healthcheck-client.key");
    // The API server's pair is there too on a real controller; healthcheck wins.
    k8s.copy(&tls.pki.other_client_cert, "pki/apiserver-etcd-client.crt");
    k8s.copy(&tls.pki.other_client_key, "pki/apiserver-etcd-client.key");

    let resolved = k8s.zero_config();
    assert_eq!(
        resolved.source,
        Source::Kubeadm {
            manifest: k8s.manifest()
        }
    );
    assert_eq!(resolved.spec.endpoints, vec![url.clone()]);
    assert_eq!(
        resolved.spec.tls,
        Some(TlsFiles {
            cacert: Some(k8s.path("pki/etcd/ca.crt")),
            cert: Some(k8s.path("pki/etcd/healthcheck-client.crt")),
            key: Some(k8s.path("pki/etcd/healthcheck-client.key")),
            insecure_skip_verify: false,
        })
    );
    assert_eq!(resolved.spec.credentials, None);
    assert_eq!(resolved.metrics_urls, vec![member.metrics_url.clone()]);

    let version = status_version(&resolved.spec)
        .await
        .unwrap_or_else(|e| panic!("connect with the kubeadm files: {e} ({})", e.detail));
    assert!(version.starts_with("3."), "{version}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubeadm_falls_back_to_apiserver_etcd_client() {
    let Some(tls) = common::start_tls_cluster(1, true).await else {
        return;
    };
    let member = tls.cluster.member(0);
    let url = member.client_url.clone();
    let port = url.rsplit(':').next().expect("a port");
    // As on a real node: advertised on the node's address, listening on loopback too.
    let node_url = format!("https://192.0.2.10:{port}");
    let k8s = KubeDir::new(&node_url, &format!("{url},{node_url}"), &member.metrics_url);
    k8s.install_server_pki(&tls.pki);
    k8s.copy(&tls.pki.client_cert, "pki/apiserver-etcd-client.crt");
    k8s.copy(&tls.pki.client_key, "pki/apiserver-etcd-client.key");
    // Half a healthcheck pair is no pair.
    k8s.copy(
        &tls.pki.other_client_cert,
        "pki/etcd/healthcheck-client.crt",
    );

    let resolved = k8s.zero_config();
    assert_eq!(resolved.spec.endpoints, vec![url.clone()], "loopback first");
    let tls_files = resolved.spec.tls.clone().expect("TLS from the manifest");
    assert_eq!(tls_files.cacert, Some(k8s.path("pki/etcd/ca.crt")));
    assert_eq!(
        tls_files.cert,
        Some(k8s.path("pki/apiserver-etcd-client.crt"))
    );
    assert_eq!(
        tls_files.key,
        Some(k8s.path("pki/apiserver-etcd-client.key"))
    );

    let version = status_version(&resolved.spec)
        .await
        .unwrap_or_else(|e| panic!("connect with apiserver-etcd-client: {e} ({})", e.detail));
    assert!(version.starts_with("3."), "{version}");
}

/// Running as root, permissions cannot make a file unreadable; a directory or a
/// file that is not PEM stands in for it. No etcd is needed: the files are read
/// before anything is dialled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubeadm_unusable_key_names_the_file_and_the_fault() {
    let pki = common::TestPki::generate();
    let url = format!("https://127.0.0.1:{}", free_port().expect("a free port"));
    let metrics = format!("http://127.0.0.1:{}", free_port().expect("a free port"));
    let k8s = KubeDir::new(&url, &url, &metrics);
    k8s.install_server_pki(&pki);
    k8s.copy(&pki.client_cert, "pki/etcd/healthcheck-client.crt");
    let key = k8s.path("pki/etcd/healthcheck-client.key");

    // The key is a directory.
    std::fs::create_dir(&key).expect("make the key a directory");
    let spec = k8s.zero_config().spec;
    assert_eq!(
        spec.tls.as_ref().and_then(|t| t.key.clone()),
        Some(key.clone())
    );
    let e = status_version(&spec)
        .await
        .expect_err("a directory is no key");
    eprintln!("key is a directory: {e}");
    assert_eq!(e.problem, Problem::Settings, "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains(&key.display().to_string()), "{msg}");
    assert!(msg.contains("client key"), "{msg}");
    assert!(msg.contains("Is a directory"), "{msg}");

    // The key is not PEM (say, DER or a truncated copy).
    std::fs::remove_dir(&key).expect("remove the directory");
    std::fs::write(&key, b"\x30\x82\x04\xa4 not a key").expect("write a non-PEM key");
    let spec = k8s.zero_config().spec;
    let e = status_version(&spec)
        .await
        .expect_err("a non-PEM file is no key");
    eprintln!("key is not PEM: {e}");
    assert_eq!(e.problem, Problem::Settings, "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains(&key.display().to_string()), "{msg}");
    assert!(msg.contains("client key"), "{msg}");
    assert!(msg.contains("not a PEM file"), "{msg}");

    // The certificate copied where the key belongs.
    std::fs::copy(&pki.client_cert, &key).expect("copy the certificate over the key");
    let spec = k8s.zero_config().spec;
    let e = status_version(&spec)
        .await
        .expect_err("a certificate is no key");
    let msg = e.to_string();
    assert!(msg.contains("swapped"), "{msg}");
    assert!(msg.contains(&key.display().to_string()), "{msg}");
}
