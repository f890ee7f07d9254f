//! Just enough of kubectl's configuration to know the current kube context, so a
//! config context tagged `kube_context: X` can follow `kubectl config use-context X`.
//! Everything here is best effort: a broken kubeconfig is kubectl's problem, not ours.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The current kube context, from the files in `$KUBECONFIG` (first file that sets
/// `current-context` wins, as kubectl merges them) or else `~/.kube/config`.
/// Any problem (no file, unreadable, malformed) gives `None`.
pub fn current_kube_context(env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    current_kube_context_in(env, dirs::home_dir().as_deref())
}

fn current_kube_context_in(
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Option<String> {
    // kubectl treats an empty KUBECONFIG like an unset one.
    let files: Vec<PathBuf> = match env("KUBECONFIG").filter(|v| !v.is_empty()) {
        Some(list) => std::env::split_paths(&list)
            .filter(|p| !p.as_os_str().is_empty())
            .collect(),
        None => vec![home?.join(".kube").join("config")],
    };
    files.iter().find_map(|path| {
        let text = std::fs::read_to_string(path).ok()?;
        parse_current_context(&text)
    })
}

/// `current-context` from kubeconfig text; `None` if absent, empty or unparsable.
pub fn parse_current_context(text: &str) -> Option<String> {
    // No deny_unknown_fields: the rest of the file is none of our business.
    #[derive(Deserialize)]
    struct Head {
        #[serde(rename = "current-context", default)]
        current_context: Option<String>,
    }
    let head: Head = serde_yaml::from_str(text).ok()?;
    head.current_context.filter(|c| !c.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KUBECONFIG: &str = r#"
apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTi...
    server: https://10.0.0.10:6443
  name: prod
contexts:
- context:
    cluster: prod
    user: prod-admin
  name: prod-admin@prod
current-context: prod-admin@prod
preferences: {}
users:
- name: prod-admin
  user:
    client-certificate-data: LS0t...
"#;

    #[test]
    fn parses_current_context_ignoring_the_rest() {
        assert_eq!(
            parse_current_context(KUBECONFIG).as_deref(),
            Some("prod-admin@prod")
        );
    }

    #[test]
    fn absent_empty_or_broken_is_none() {
        assert_eq!(
            parse_current_context("apiVersion: v1\nkind: Config\n"),
            None
        );
        assert_eq!(parse_current_context("current-context: \"\"\n"), None);
        assert_eq!(parse_current_context("current-context: [oops\n"), None);
        assert_eq!(
            parse_current_context("current-context:\n  nested: map\n"),
            None
        );
        assert_eq!(parse_current_context(""), None);
        assert_eq!(parse_current_context("\0\u{1}garbage: : :"), None);
    }

    fn env_with(kubeconfig: Option<String>) -> impl Fn(&str) -> Option<String> {
        move |k: &str| {
            if k == "KUBECONFIG" {
                kubeconfig.clone()
            } else {
                None
            }
        }
    }

    #[test]
    fn kubeconfig_list_first_file_with_a_context_wins() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a"); // no current-context
        let b = dir.path().join("b");
        let c = dir.path().join("c");
        let missing = dir.path().join("missing");
        std::fs::write(&a, "apiVersion: v1\nclusters: []\n").unwrap();
        std::fs::write(&b, "current-context: from-b\n").unwrap();
        std::fs::write(&c, "current-context: from-c\n").unwrap();
        let list = std::env::join_paths([&missing, &a, &b, &c]).unwrap();
        let env = env_with(Some(list.to_string_lossy().into_owned()));
        assert_eq!(
            current_kube_context_in(&env, None).as_deref(),
            Some("from-b")
        );
    }

    #[test]
    fn falls_back_to_home_kube_config() {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir(home.path().join(".kube")).unwrap();
        std::fs::write(home.path().join(".kube/config"), KUBECONFIG).unwrap();
        let got = current_kube_context_in(&env_with(None), Some(home.path()));
        assert_eq!(got.as_deref(), Some("prod-admin@prod"));
        // An empty KUBECONFIG counts as unset.
        let got = current_kube_context_in(&env_with(Some(String::new())), Some(home.path()));
        assert_eq!(got.as_deref(), Some("prod-admin@prod"));
    }

    #[test]
    fn kubeconfig_set_means_home_file_is_not_consulted() {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir(home.path().join(".kube")).unwrap();
        std::fs::write(home.path().join(".kube/config"), KUBECONFIG).unwrap();
        let elsewhere = home.path().join("other");
        std::fs::write(&elsewhere, "kind: Config\n").unwrap();
        let env = env_with(Some(elsewhere.display().to_string()));
        assert_eq!(current_kube_context_in(&env, Some(home.path())), None);
    }

    #[test]
    fn broken_files_never_fail() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad");
        std::fs::write(&bad, "current-context: [\n").unwrap();
        let env = env_with(Some(bad.display().to_string()));
        assert_eq!(current_kube_context_in(&env, None), None);
        assert_eq!(current_kube_context_in(&env_with(None), None), None);
        // A directory where a file should be.
        let env = env_with(Some(dir.path().display().to_string()));
        assert_eq!(current_kube_context_in(&env, None), None);
    }
}
