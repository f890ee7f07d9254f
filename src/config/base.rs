//! The starting point of a resolution, before flags and environment are laid over it:
//! a config context, the kubeadm manifest, the default endpoint, or nothing (ad hoc).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::error::ConfigError;
use super::file::ContextConfig;
use super::kubeadm::KubeadmEtcd;
use super::overrides::split_endpoints;
use super::resolve::{PickedBy, ResolveInputs, Source};
use crate::etcd::spec::DEFAULT_ENDPOINT;
use crate::go_values::parse_duration;

/// Name under which a detected kubeadm manifest can be selected like a context.
pub(crate) const KUBEADM_CONTEXT: &str = "kubeadm";

#[derive(Debug, Clone)]
pub(crate) struct Base {
    pub name: String,
    pub source: Source,
    pub endpoints: Vec<String>,
    pub cacert: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub insecure: bool,
    pub user: Option<String>,
    pub password_env: Option<String>,
    pub password_file: Option<PathBuf>,
    pub read_only: bool,
    pub theme: Option<String>,
    pub dial_timeout: Option<Duration>,
    pub command_timeout: Option<Duration>,
    pub metrics_urls: Vec<String>,
}

impl Base {
    fn empty(name: &str, source: Source) -> Base {
        Base {
            name: name.to_string(),
            source,
            endpoints: Vec::new(),
            cacert: None,
            cert: None,
            key: None,
            insecure: false,
            user: None,
            password_env: None,
            password_file: None,
            read_only: false,
            theme: None,
            dial_timeout: None,
            command_timeout: None,
            metrics_urls: Vec::new(),
        }
    }

    /// Endpoints come from flags or environment; nothing else may leak in, since a
    /// config context's certificates belong to some other cluster.
    pub fn ad_hoc(name: &str) -> Base {
        Base::empty(name, Source::Flags)
    }

    pub fn default_endpoint() -> Base {
        Base {
            endpoints: vec![DEFAULT_ENDPOINT.to_string()],
            ..Base::empty("default", Source::Default)
        }
    }

    pub fn from_kubeadm(k: &KubeadmEtcd) -> Base {
        Base {
            endpoints: vec![k.client_url.clone()],
            cacert: Some(k.cacert.clone()),
            cert: Some(k.cert.clone()),
            key: Some(k.key.clone()),
            metrics_urls: k.metrics_urls.clone(),
            ..Base::empty(
                KUBEADM_CONTEXT,
                Source::Kubeadm {
                    manifest: k.manifest.clone(),
                },
            )
        }
    }

    pub fn from_context(
        name: &str,
        ctx: &ContextConfig,
        picked_by: PickedBy,
    ) -> Result<Base, ConfigError> {
        let home = dirs::home_dir();
        let path = |p: &Option<PathBuf>| p.as_deref().map(|p| expand_home(p, home.as_deref()));
        let timeout = |value: &Option<String>,
                       field: &str|
         -> Result<Option<Duration>, ConfigError> {
            value
                .as_deref()
                .map(|v| {
                    parse_duration(v)
                        .map_err(|e| ConfigError::invalid(format!("context {name}: {field}: {e}")))
                })
                .transpose()
        };
        Ok(Base {
            name: name.to_string(),
            source: Source::Context {
                name: name.to_string(),
                picked_by,
            },
            endpoints: ctx
                .endpoints
                .iter()
                .flat_map(|e| split_endpoints(e))
                .collect(),
            cacert: path(&ctx.cacert),
            cert: path(&ctx.cert),
            key: path(&ctx.key),
            insecure: ctx.insecure_skip_tls_verify,
            user: ctx.user.clone().filter(|u| !u.is_empty()),
            password_env: ctx.password_env.clone().filter(|v| !v.is_empty()),
            password_file: path(&ctx.password_file),
            read_only: ctx.read_only,
            theme: ctx.theme.clone(),
            dial_timeout: timeout(&ctx.dial_timeout, "dial_timeout")?,
            command_timeout: timeout(&ctx.command_timeout, "command_timeout")?,
            metrics_urls: Vec::new(),
        })
    }
}

/// A context by name: one from config.yaml, or `kubeadm` when a manifest was detected
/// and config.yaml does not define a context of that name itself.
pub(crate) fn lookup(
    name: &str,
    wanted_by: &str,
    inputs: &ResolveInputs,
    picked_by: PickedBy,
) -> Result<Base, ConfigError> {
    if let Some(ctx) = inputs.config.contexts.get(name) {
        return Base::from_context(name, ctx, picked_by);
    }
    if name == KUBEADM_CONTEXT
        && let Some(k) = &inputs.kubeadm
    {
        return Ok(Base::from_kubeadm(k));
    }
    Err(ConfigError::UnknownContext {
        name: name.to_string(),
        wanted_by: wanted_by.to_string(),
        known: known_names(inputs),
    })
}

pub(crate) fn known_names(inputs: &ResolveInputs) -> Vec<String> {
    let mut names = inputs.config.context_names();
    if inputs.kubeadm.is_some() && !inputs.config.contexts.contains_key(KUBEADM_CONTEXT) {
        names.push(KUBEADM_CONTEXT.to_string());
    }
    names
}

/// `~/x` in config.yaml means the user's home, as it would in a shell.
pub(crate) fn expand_home(path: &Path, home: Option<&Path>) -> PathBuf {
    match (path.strip_prefix("~"), home) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tilde_means_home() {
        let home = Path::new("/home/ann");
        assert_eq!(
            expand_home(Path::new("~/certs/ca.crt"), Some(home)),
            Path::new("/home/ann/certs/ca.crt")
        );
        assert_eq!(
            expand_home(Path::new("~"), Some(home)),
            Path::new("/home/ann")
        );
        assert_eq!(
            expand_home(Path::new("/etc/ca.crt"), Some(home)),
            Path::new("/etc/ca.crt")
        );
        assert_eq!(
            expand_home(Path::new("~bob/ca.crt"), Some(home)),
            Path::new("~bob/ca.crt")
        );
        assert_eq!(
            expand_home(Path::new("~/ca.crt"), None),
            Path::new("~/ca.crt")
        );
    }

    #[test]
    fn context_fields_are_carried_over() {
        let ctx = ContextConfig {
            endpoints: vec![
                "https://a:2379, https://b:2379".into(),
                "https://c:2379".into(),
            ],
            cacert: Some("/ca.crt".into()),
            user: Some("root".into()),
            read_only: true,
            dial_timeout: Some("1500ms".into()),
            ..ContextConfig::default()
        };
        let b = Base::from_context("prod", &ctx, PickedBy::CurrentContext).unwrap();
        assert_eq!(
            b.endpoints,
            vec!["https://a:2379", "https://b:2379", "https://c:2379"]
        );
        assert_eq!(b.cacert, Some("/ca.crt".into()));
        assert_eq!(b.user.as_deref(), Some("root"));
        assert!(b.read_only);
        assert_eq!(b.dial_timeout, Some(Duration::from_millis(1500)));
        assert_eq!(b.command_timeout, None);
    }

    #[test]
    fn bad_context_timeout_names_context_and_field() {
        let ctx = ContextConfig {
            endpoints: vec!["a:2379".into()],
            command_timeout: Some("fast".into()),
            ..ContextConfig::default()
        };
        let err = Base::from_context("prod", &ctx, PickedBy::Flag)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("context prod: command_timeout: invalid duration \"fast\""),
            "{err}"
        );
    }
}
