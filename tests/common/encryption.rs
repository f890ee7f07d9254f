//! Values encrypted the way kube-apiserver writes them: the Go helper in
//! tests/go-encrypt (Kubernetes' own value transformers and a KMS v2 plugin), built once
//! into a cache outside the clone, and EncryptionConfiguration files for the tests.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use base64::Engine;

pub fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// The helper's binary, built from tests/go-encrypt into
/// `$ETCDTUI_GO_CACHE`, else `${XDG_CACHE_HOME:-~/.cache}/etcdtui/go-encrypt`, under a
/// name that changes with its sources (so an edit rebuilds it). Go and the module
/// proxy are needed, as in CI.
pub fn goencrypt() -> PathBuf {
    // Once per test process: tests in one binary run in parallel.
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT.get_or_init(build_goencrypt).clone()
}

fn build_goencrypt() -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go-encrypt");
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for f in ["main.go", "go.mod", "go.sum"] {
        let bytes = std::fs::read(src.join(f)).unwrap_or_default();
        for b in bytes {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    let cache = std::env::var_os("ETCDTUI_GO_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("etcdtui")))
        .or_else(|| dirs::cache_dir().map(|d| d.join("etcdtui")))
        .unwrap_or_else(std::env::temp_dir)
        .join("go-encrypt");
    let bin = cache.join(format!("goencrypt-{hash:016x}"));
    if bin.exists() {
        return bin;
    }
    std::fs::create_dir_all(&cache).expect("go-encrypt cache dir");
    // Another test binary may build at the same time: build aside, then rename. A cold
    // build (Go's own cache empty) takes minutes; later runs find the binary.
    let tmp = cache.join(format!("goencrypt-{hash:016x}.{}", std::process::id()));
    let out = Command::new("go")
        .args(["build", "-o"])
        .arg(&tmp)
        .arg(".")
        .current_dir(&src)
        .env("GOFLAGS", "-mod=mod -buildvcs=false")
        .output()
        .expect("run go (needed for the Kubernetes transformer tests)");
    assert!(
        out.status.success(),
        "go build tests/go-encrypt: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::rename(&tmp, &bin).expect("rename the built helper");
    bin
}

/// `goencrypt seal`: the value kube-apiserver would store for `plaintext` under `etcd_key`.
pub fn seal(provider: &str, name: &str, key: &[u8], etcd_key: &str, plaintext: &[u8]) -> Vec<u8> {
    run_helper(&["seal", provider, name, &b64(key), etcd_key], plaintext)
}

pub fn kms_seal(
    socket: &Path,
    name: &str,
    etcd_key: &str,
    seed: bool,
    plaintext: &[u8],
) -> Vec<u8> {
    let socket = socket.to_string_lossy().into_owned();
    let mode = if seed { "seed" } else { "key" };
    run_helper(&["kms-seal", &socket, name, etcd_key, mode], plaintext)
}

fn run_helper(args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let mut child = Command::new(goencrypt())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start goencrypt");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin)
        .expect("write plaintext");
    let out = child.wait_with_output().expect("goencrypt output");
    assert!(
        out.status.success(),
        "goencrypt {}: {}",
        args[0],
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A KMS v2 plugin (k8s.io/kms) on a unix socket; killed on drop.
pub struct KmsPlugin {
    pub socket: PathBuf,
    child: Child,
}

impl KmsPlugin {
    pub fn start(dir: &Path) -> KmsPlugin {
        let socket = dir.join("kms.sock");
        let kek = b64(&etcdtui::encryption::seal::random(32));
        let mut child = Command::new(goencrypt())
            .arg("kms-plugin")
            .arg(&socket)
            .arg(kek)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the KMS plugin");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)
            .expect("plugin ready line");
        assert_eq!(line.trim(), "ready", "the KMS plugin did not start");
        KmsPlugin { socket, child }
    }
}

impl Drop for KmsPlugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Keys for a test configuration.
pub struct Keys {
    pub cbc_new: Vec<u8>,
    pub cbc_old: Vec<u8>,
    pub gcm: Vec<u8>,
    pub secretbox: Vec<u8>,
}

impl Keys {
    pub fn generate() -> Keys {
        let r = etcdtui::encryption::seal::random;
        Keys {
            cbc_new: r(32),
            cbc_old: r(32),
            gcm: r(32),
            secretbox: r(32),
        }
    }

    /// Secrets: aescbc key2 (writes), key1 (old), then aesgcm g1, secretbox s1, an
    /// optional KMS v2 provider `testkms`, identity; configmaps: secretbox s1, identity.
    pub fn config_yaml(&self, kms_socket: Option<&Path>) -> String {
        let kms = kms_socket
            .map(|s| {
                format!(
                    "  - kms:\n      apiVersion: v2\n      name: testkms\n      endpoint: unix://{}\n      timeout: 2s\n",
                    s.display()
                )
            })
            .unwrap_or_default();
        format!(
            "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n\
             - resources:\n  - secrets\n  providers:\n  - aescbc:\n      keys:\n      - name: key2\n        secret: {}\n      - name: key1\n        secret: {}\n  - aesgcm:\n      keys:\n      - name: g1\n        secret: {}\n  - secretbox:\n      keys:\n      - name: s1\n        secret: {}\n{kms}  - identity: {{}}\n\
             - resources:\n  - configmaps\n  providers:\n  - secretbox:\n      keys:\n      - name: s1\n        secret: {}\n  - identity: {{}}\n",
            b64(&self.cbc_new),
            b64(&self.cbc_old),
            b64(&self.gcm),
            b64(&self.secretbox),
            b64(&self.secretbox),
        )
    }

    /// Every key's base64 and raw bytes, for the no-leak tests.
    pub fn all(&self) -> Vec<&[u8]> {
        vec![&self.cbc_new, &self.cbc_old, &self.gcm, &self.secretbox]
    }
}

/// A Secret as JSON (the API server stores protobuf, but JSON is stored verbatim too and
/// makes the equality check byte for byte).
pub fn secret_json(ns: &str, name: &str, password: &str) -> Vec<u8> {
    format!(
        r#"{{"kind":"Secret","apiVersion":"v1","metadata":{{"name":"{name}","namespace":"{ns}"}},"data":{{"password":"{}"}},"type":"Opaque"}}"#,
        b64(password.as_bytes())
    )
    .into_bytes()
}

/// A kubeadm-style controller layout in a temp dir: `manifests/kube-apiserver.yaml`
/// whose `--encryption-provider-config` names `pki/enc.yaml` (no etcd manifest: the
/// tests give `--endpoints`).
pub struct Layout {
    pub dir: tempfile::TempDir,
    pub keys: Keys,
}

impl Layout {
    pub fn new() -> Layout {
        let dir = tempfile::tempdir().expect("temp dir");
        let keys = Keys::generate();
        let enc = dir.path().join("pki").join("enc.yaml");
        std::fs::create_dir_all(dir.path().join("pki")).expect("pki dir");
        std::fs::create_dir_all(dir.path().join("manifests")).expect("manifests dir");
        std::fs::write(&enc, keys.config_yaml(None)).expect("write enc.yaml");
        let manifest = format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n  namespace: kube-system\nspec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --etcd-servers=https://127.0.0.1:2379\n    - --encryption-provider-config={}\n",
            enc.display()
        );
        std::fs::write(dir.path().join("manifests/kube-apiserver.yaml"), manifest)
            .expect("write manifest");
        Layout { dir, keys }
    }

    /// The `--kubeadm-manifest` that puts etcdtui in this layout.
    pub fn etcd_manifest(&self) -> PathBuf {
        self.dir.path().join("manifests").join("etcd.yaml")
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("pki").join("enc.yaml")
    }
}

/// (etcd key, original plaintext) of what [`seed_encrypted`] wrote.
pub type Originals = Vec<(String, Vec<u8>)>;

/// Secrets as a rotation leaves them: `prod/db` under the new key2 (written by
/// Kubernetes' transformer), `prod/old-a` and `prod/old-b` under the old key1, `prod/gcm`
/// under aesgcm, `prod/plain` in plain text; and a ConfigMap under secretbox.
pub async fn seed_encrypted(client: &mut etcd_client::Client, keys: &Keys) -> Originals {
    let mut out = Vec::new();
    let secret = |name: &str| {
        (
            format!("/registry/secrets/prod/{name}"),
            secret_json("prod", name, &format!("pw-{name}-Zq8")),
        )
    };
    let items: Vec<(String, Vec<u8>, Vec<u8>)> = vec![
        {
            let (k, p) = secret("db");
            let v = seal("aescbc", "key2", &keys.cbc_new, &k, &p);
            (k, p, v)
        },
        {
            let (k, p) = secret("old-a");
            let v = etcdtui::encryption::seal::aescbc("key1", &keys.cbc_old, &p);
            (k, p, v)
        },
        {
            let (k, p) = secret("old-b");
            let v = seal("aescbc", "key1", &keys.cbc_old, &k, &p);
            (k, p, v)
        },
        {
            let (k, p) = secret("gcm");
            let v = seal("aesgcm", "g1", &keys.gcm, &k, &p);
            (k, p, v)
        },
        {
            let (k, p) = secret("plain");
            (k, p.clone(), p)
        },
        {
            let k = "/registry/configmaps/prod/cfg".to_string();
            let p = br#"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cfg","namespace":"prod"},"data":{"mode":"fast"}}"#.to_vec();
            let v = seal("secretbox", "s1", &keys.secretbox, &k, &p);
            (k, p, v)
        },
    ];
    for (k, p, v) in items {
        client.put(k.as_bytes(), v, None).await.expect("put");
        out.push((k, p));
    }
    out
}
