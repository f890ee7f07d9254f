//! Where the EncryptionConfiguration is: `--encryption-config`, else the context's
//! `encryption_config:`, else what the kube-apiserver static pod manifest next to the
//! etcd one passes as `--encryption-provider-config` (as the cluster itself finds it).

use std::path::{Path, PathBuf};

pub const APISERVER_MANIFEST: &str = "kube-apiserver.yaml";
const FLAG: &str = "--encryption-provider-config";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    Flag(PathBuf),
    Context(PathBuf),
    /// (the manifest, the path it names)
    Manifest(PathBuf, PathBuf),
}

impl Found {
    pub fn path(&self) -> &Path {
        match self {
            Found::Flag(p) | Found::Context(p) | Found::Manifest(_, p) => p,
        }
    }
    pub fn describe(&self) -> String {
        match self {
            Found::Flag(p) => format!("{} (--encryption-config)", p.display()),
            Found::Context(p) => format!("{} (context encryption_config)", p.display()),
            Found::Manifest(m, p) => format!("{} (from {})", p.display(), m.display()),
        }
    }
}

/// `manifest_dir`: where the static pod manifests are (`/etc/kubernetes/manifests`).
/// `Err` only for a manifest that is there but unreadable or unparsable.
pub fn locate(
    flag: Option<&Path>,
    context: Option<&Path>,
    manifest_dir: &Path,
) -> Result<Option<Found>, String> {
    if let Some(p) = flag {
        return Ok(Some(Found::Flag(p.to_path_buf())));
    }
    if let Some(p) = context {
        return Ok(Some(Found::Context(expand_home(p))));
    }
    let manifest = manifest_dir.join(APISERVER_MANIFEST);
    let text = match std::fs::read_to_string(&manifest) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", manifest.display())),
    };
    Ok(provider_config_flag(&text)
        .map_err(|e| format!("{}: {e}", manifest.display()))?
        .map(|p| Found::Manifest(manifest, p)))
}

/// The `--encryption-provider-config` value in a kube-apiserver pod manifest.
pub fn provider_config_flag(text: &str) -> Result<Option<PathBuf>, String> {
    let pod: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
    let containers = pod
        .get("spec")
        .and_then(|s| s.get("containers"))
        .and_then(|c| c.as_sequence())
        .cloned()
        .unwrap_or_default();
    for c in &containers {
        let words = ["command", "args"]
            .iter()
            .filter_map(|k| c.get(*k).and_then(|v| v.as_sequence()))
            .flatten()
            .filter_map(|v| v.as_str());
        let mut take_next = false;
        for w in words {
            if take_next {
                return Ok(Some(PathBuf::from(w)));
            }
            if let Some(v) = w.strip_prefix(FLAG) {
                match v.strip_prefix('=') {
                    Some(path) => return Ok(Some(PathBuf::from(path))),
                    None if v.is_empty() => take_next = true,
                    None => {}
                }
            }
        }
    }
    Ok(None)
}

fn expand_home(p: &Path) -> PathBuf {
    match (p.strip_prefix("~"), dirs::home_dir()) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => p.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_flag_in_an_apiserver_manifest() {
        let m = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --encryption-provider-config=/etc/kubernetes/enc/enc.yaml\n";
        assert_eq!(
            provider_config_flag(m).unwrap(),
            Some(PathBuf::from("/etc/kubernetes/enc/enc.yaml"))
        );
        let m = "spec:\n  containers:\n  - args: [--encryption-provider-config, /e.yaml]\n";
        assert_eq!(
            provider_config_flag(m).unwrap(),
            Some(PathBuf::from("/e.yaml"))
        );
        assert_eq!(provider_config_flag("spec: {}").unwrap(), None);
        assert!(provider_config_flag("spec: [").is_err());
    }

    #[test]
    fn flag_beats_context_beats_manifest() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(APISERVER_MANIFEST),
            "spec:\n  containers:\n  - command: [kube-apiserver, --encryption-provider-config=/m.yaml]\n",
        )
        .unwrap();
        let (f, c) = (Path::new("/f.yaml"), Path::new("/c.yaml"));
        assert_eq!(
            locate(Some(f), Some(c), dir.path()).unwrap(),
            Some(Found::Flag(f.into()))
        );
        assert_eq!(
            locate(None, Some(c), dir.path()).unwrap(),
            Some(Found::Context(c.into()))
        );
        let found = locate(None, None, dir.path()).unwrap().unwrap();
        assert_eq!(found.path(), Path::new("/m.yaml"));
        assert!(found.describe().contains(APISERVER_MANIFEST));
        assert_eq!(locate(None, None, &dir.path().join("none")).unwrap(), None);
    }
}
