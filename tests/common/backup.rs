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
