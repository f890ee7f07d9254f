//! Flags + environment + config.yaml + kube context + kubeadm → one `ConnectSpec`.

use std::path::PathBuf;
use std::time::Duration;

use super::base::{Base, lookup};
use super::credentials::credentials;
use super::error::ConfigError;
use super::file::{Config, ContextConfig};
use super::kubeadm::KubeadmEtcd;
use super::overrides::{Overrides, gather};
use crate::etcd::spec::{ConnectSpec, TlsFiles, UserFlag};

/// The connection flags, named and shaped as etcdctl's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnectFlags {
    /// Comma separated.
    pub endpoints: Option<String>,
    pub cacert: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    /// `name` or `name:password`.
    pub user: Option<UserFlag>,
    pub insecure_skip_tls_verify: bool,
    pub dial_timeout: Option<Duration>,
    pub command_timeout: Option<Duration>,
    pub context: Option<String>,
    pub read_only: bool,
}

pub struct ResolveInputs<'a> {
    pub flags: &'a ConnectFlags,
    pub env: &'a dyn Fn(&str) -> Option<String>,
    pub config: &'a Config,
    pub kube_context: Option<String>,
    pub kubeadm: Option<KubeadmEtcd>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickedBy {
    /// Named explicitly: `--context NAME` or `:ctx NAME`.
    Flag,
    /// Its `kube_context` is the current kubectl context.
    KubeContext(String),
    /// `current_context` in config.yaml.
    CurrentContext,
}

/// Where the connection settings came from, to show the user why we connect where we do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `--endpoints` or `ETCDCTL_ENDPOINTS`.
    Flags,
    Context {
        name: String,
        picked_by: PickedBy,
    },
    Kubeadm {
        manifest: PathBuf,
    },
    Default,
}

impl Source {
    pub fn describe(&self) -> String {
        match self {
            Source::Flags => "command-line flags / ETCDCTL_* environment".to_string(),
            Source::Context { name, picked_by } => match picked_by {
                PickedBy::Flag => format!("context {name} (selected by name)"),
                PickedBy::KubeContext(kube) => {
                    format!("context {name} (matches kube context {kube})")
                }
                PickedBy::CurrentContext => {
                    format!("context {name} (current_context in config.yaml)")
                }
            },
            Source::Kubeadm { manifest } => {
                format!("detected kubeadm manifest {}", manifest.display())
            }
            Source::Default => "default endpoint".to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedContext {
    pub name: String,
    pub spec: ConnectSpec,
    pub read_only: bool,
    pub theme: Option<String>,
    pub source: Source,
    /// Known only from a kubeadm manifest.
    pub metrics_urls: Vec<String>,
    /// The context's `password_file` could not be read; the caller should show this
    /// when it prompts for the password instead.
    pub password_file_error: Option<String>,
    /// The context's `password_file` may be read by other accounts.
    pub password_file_warning: Option<String>,
}

/// The context to start with. Order: `--context`; endpoints from flags/env (ad hoc);
/// the config context tagged with the current kube context; config `current_context`;
/// a detected kubeadm manifest; `127.0.0.1:2379`. Explicit flags and `ETCDCTL_*`
/// values override the chosen context field by field.
pub fn resolve(inputs: &ResolveInputs) -> Result<ResolvedContext, ConfigError> {
    let overrides = gather(inputs.flags, inputs.env)?;
    let base = if let Some(name) = &inputs.flags.context {
        lookup(name, "--context", inputs, PickedBy::Flag)?
    } else if let Some((_, origin)) = &overrides.endpoints {
        Base::ad_hoc(origin)
    } else if let Some((name, ctx, kube)) = kube_match(inputs) {
        Base::from_context(name, ctx, PickedBy::KubeContext(kube.to_string()))?
    } else if let Some(name) = &inputs.config.current_context {
        lookup(
            name,
            "current_context in config.yaml",
            inputs,
            PickedBy::CurrentContext,
        )?
    } else if let Some(k) = &inputs.kubeadm {
        Base::from_kubeadm(k)
    } else {
        Base::default_endpoint()
    };
    finish(base, &overrides, inputs)
}

/// Switching context from inside the TUI: the named context as configured. Flags and
/// `ETCDCTL_*` values were aimed at the start-up cluster and are not applied, except
/// `--read-only`, which is a promise about the whole session.
pub fn resolve_named(name: &str, inputs: &ResolveInputs) -> Result<ResolvedContext, ConfigError> {
    let base = lookup(name, "", inputs, PickedBy::Flag)?;
    finish(base, &Overrides::default(), inputs)
}

/// Several contexts may point at the same kube cluster; `current_context` breaks the
/// tie, then name order (contexts are sorted), so the choice is stable.
fn kube_match<'c>(inputs: &'c ResolveInputs) -> Option<(&'c str, &'c ContextConfig, &'c str)> {
    let kube = inputs.kube_context.as_deref()?;
    let matches = |ctx: &ContextConfig| ctx.kube_context.as_deref() == Some(kube);
    let contexts = &inputs.config.contexts;
    let preferred = inputs
        .config
        .current_context
        .as_deref()
        .and_then(|cur| contexts.get_key_value(cur))
        .filter(|(_, ctx)| matches(ctx));
    preferred
        .or_else(|| contexts.iter().find(|(_, ctx)| matches(ctx)))
        .map(|(name, ctx)| (name.as_str(), ctx, kube))
}

fn finish(
    base: Base,
    ov: &Overrides,
    inputs: &ResolveInputs,
) -> Result<ResolvedContext, ConfigError> {
    let within = match &base.source {
        Source::Flags => String::new(),
        _ => format!(" (context {})", base.name),
    };
    let endpoints = match &ov.endpoints {
        Some((eps, _)) => eps.clone(),
        None => base.endpoints.clone(),
    };
    if endpoints.is_empty() {
        return Err(ConfigError::invalid(format!(
            "no endpoints to connect to{within}: give --endpoints or list them in config.yaml"
        )));
    }

    let tls = TlsFiles {
        cacert: ov.cacert.clone().or_else(|| base.cacert.clone()),
        cert: ov.cert.clone().or_else(|| base.cert.clone()),
        key: ov.key.clone().or_else(|| base.key.clone()),
        insecure_skip_verify: ov.insecure || base.insecure,
    };
    match (&tls.cert, &tls.key) {
        (Some(cert), None) => {
            return Err(ConfigError::invalid(format!(
                "--cert needs --key: client certificate {} was given without its private key{within}",
                cert.display()
            )));
        }
        (None, Some(key)) => {
            return Err(ConfigError::invalid(format!(
                "--key needs --cert: private key {} was given without its client certificate{within}",
                key.display()
            )));
        }
        _ => {}
    }

    let (credentials, password_file_error) = credentials(&base, ov, inputs.env);
    let password_file_warning = super::credentials::password_file_warning(&base);
    let defaults = ConnectSpec::default();
    Ok(ResolvedContext {
        spec: ConnectSpec {
            endpoints,
            tls: (!tls.is_empty()).then_some(tls),
            credentials,
            dial_timeout: ov
                .dial_timeout
                .or(base.dial_timeout)
                .unwrap_or(defaults.dial_timeout),
            command_timeout: ov
                .command_timeout
                .or(base.command_timeout)
                .unwrap_or(defaults.command_timeout),
        },
        read_only: inputs.flags.read_only || base.read_only,
        theme: base.theme.clone().or_else(|| inputs.config.theme.clone()),
        name: base.name,
        source: base.source,
        metrics_urls: base.metrics_urls,
        password_file_error,
        password_file_warning,
    })
}
