//! Helpers for the backup, restore and triage tests: running `etcdtui` with a home of
//! its own and reading its JSON.

use std::path::Path;
use std::process::Output;

/// Runs etcdtui with `args` at `home` (no config, kubeconfig or ETCDCTL_* of the
/// developer's; the kubeadm manifest looked for does not exist).
pub fn run(home: &Path, args: &[&str]) -> Output {
    super::etcdtui_at_home(home)
        .args(args)
        .args(["--kubeadm-manifest", "/nonexistent"])
        .output()
        .expect("run etcdtui")
}

/// The JSON on standard output, or a failure showing both streams.
pub fn json_of(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}), exit {:?}:\n{}\n{}",
            o.status.code(),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// File names in `dir`, sorted; empty when it does not exist.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// etcd members a test started by hand (from restored data dirs): SIGKILLed on drop.
pub struct Members(pub Vec<std::process::Child>);

impl Drop for Members {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
        }
        for c in &mut self.0 {
            let _ = c.wait();
        }
    }
}

/// Starts `argv` (a plan's `etcd …` line) with the etcd under test, its output in `log`.
pub fn spawn_etcd(argv: &[String], log: &Path) -> std::process::Child {
    let bin = etcdtui::localcluster::find_etcd_binary().expect("etcd binary");
    let out = std::fs::File::create(log).expect("log file");
    let err = out.try_clone().expect("log file");
    let mut cmd = std::process::Command::new(bin);
    cmd.args(&argv[1..]).stdout(out).stderr(err);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("ETCD_") {
            cmd.env_remove(k);
        }
    }
    cmd.spawn().expect("start etcd")
}

/// The program that runs a plan's restore line: etcdutl for 3.5+, else etcdctl.
pub fn restore_tool(program: &str) -> std::path::PathBuf {
    match program {
        "etcdutl" => super::etcdutl_bin().expect("etcdutl for etcd 3.5+"),
        _ => super::etcdctl_bin().expect("etcdctl"),
    }
}

/// Every key and value at `revision` (0: latest), sorted.
pub async fn all_at(client: &mut etcd_client::Client, revision: i64) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut opts = etcd_client::GetOptions::new().with_prefix();
    if revision > 0 {
        opts = opts.with_revision(revision);
    }
    let r = client
        .get(vec![0u8], Some(opts.with_from_key()))
        .await
        .expect("get all");
    let mut v: Vec<(Vec<u8>, Vec<u8>)> = r
        .kvs()
        .iter()
        .map(|kv| (kv.key().to_vec(), kv.value().to_vec()))
        .collect();
    v.sort();
    v
}

/// 24 MiB of values under `/big/`: a snapshot stream long enough to be caught half-way.
pub async fn put_24_mib(c: &super::LocalCluster) {
    let mut client = super::connect(c).await;
    let big = vec![b'x'; 1024 * 1024];
    for i in 0..24 {
        client
            .put(format!("/big/{i}"), big.clone(), None)
            .await
            .expect("put");
    }
}
