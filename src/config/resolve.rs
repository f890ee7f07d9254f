//! Flags + environment + config.yaml + kube context + kubeadm → one `ConnectSpec`.

use std::path::PathBuf;
use std::time::Duration;

use super::base::{Base, lookup};
use super::credentials::credentials;
use super::error::ConfigError;
use super::file::{Config, ContextConfig};
use super::kubeadm::KubeadmEtcd;
use super::overrides::{Overrides, gather};
use crate::etcd::spec::{ConnectSpec, TlsFiles};

/// The connection flags, named and shaped as etcdctl's. `Debug` is written by hand:
/// `user` may hold a password.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ConnectFlags {
    /// Comma separated.
    pub endpoints: Option<String>,
    pub cacert: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    /// `name` or `name:password`.
    pub user: Option<String>,
    pub insecure_skip_tls_verify: bool,
    pub dial_timeout: Option<Duration>,
    pub command_timeout: Option<Duration>,
    pub context: Option<String>,
    pub read_only: bool,
}

impl std::fmt::Debug for ConnectFlags {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectFlags")
            .field("endpoints", &self.endpoints)
            .field("cacert", &self.cacert)
            .field("cert", &self.cert)
            .field("key", &self.key)
            .field("user", &crate::etcd::spec::redact_user(&self.user))
            .field("insecure_skip_tls_verify", &self.insecure_skip_tls_verify)
            .field("dial_timeout", &self.dial_timeout)
            .field("command_timeout", &self.command_timeout)
            .field("context", &self.context)
            .field("read_only", &self.read_only)
            .finish()
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_config;
    use crate::etcd::spec::Password;
    use std::collections::HashMap;
    use std::path::Path;

    const CONFIG: &str = r#"
current_context: dev
theme: dark
contexts:
  dev:
    endpoints: [http://dev:2379]
    theme: green
  prod:
    endpoints: [https://p1:2379, https://p2:2379]
    cacert: /prod/ca.crt
    cert: /prod/c.crt
    key: /prod/c.key
    user: root
    password_env: PROD_PW
    read_only: true
    kube_context: prod-admin@prod
    dial_timeout: 4s
    command_timeout: 9s
  stage:
    endpoints: https://s:2379
    kube_context: stage-admin
"#;

    fn config() -> Config {
        parse_config(CONFIG, Path::new("/c.yaml")).unwrap()
    }

    fn kubeadm() -> KubeadmEtcd {
        KubeadmEtcd {
            manifest: "/etc/kubernetes/manifests/etcd.yaml".into(),
            client_url: "https://127.0.0.1:2379".into(),
            all_client_urls: vec!["https://127.0.0.1:2379".into()],
            cacert: "/etc/kubernetes/pki/etcd/ca.crt".into(),
            cert: "/etc/kubernetes/pki/apiserver-etcd-client.crt".into(),
            key: "/etc/kubernetes/pki/apiserver-etcd-client.key".into(),
            metrics_urls: vec!["http://127.0.0.1:2381".into()],
            member_name: Some("cp1".into()),
            data_dir: None,
        }
    }

    struct Case {
        flags: ConnectFlags,
        env: HashMap<String, String>,
        config: Config,
        kube: Option<String>,
        kubeadm: Option<KubeadmEtcd>,
    }

    impl Case {
        fn new(config: Config) -> Case {
            Case {
                flags: ConnectFlags::default(),
                env: HashMap::new(),
                config,
                kube: None,
                kubeadm: None,
            }
        }
        fn env(mut self, k: &str, v: &str) -> Case {
            self.env.insert(k.into(), v.into());
            self
        }
        fn kube(mut self, k: &str) -> Case {
            self.kube = Some(k.into());
            self
        }
        fn flags(mut self, f: ConnectFlags) -> Case {
            self.flags = f;
            self
        }
        fn with_kubeadm(mut self) -> Case {
            self.kubeadm = Some(kubeadm());
            self
        }
        fn with<T>(&self, f: impl FnOnce(&ResolveInputs) -> T) -> T {
            let env = |k: &str| self.env.get(k).cloned();
            let inputs = ResolveInputs {
                flags: &self.flags,
                env: &env,
                config: &self.config,
                kube_context: self.kube.clone(),
                kubeadm: self.kubeadm.clone(),
            };
            f(&inputs)
        }
        fn resolve(&self) -> Result<ResolvedContext, ConfigError> {
            self.with(resolve)
        }
        fn named(&self, name: &str) -> Result<ResolvedContext, ConfigError> {
            self.with(|i| resolve_named(name, i))
        }
    }

    fn context_flag(name: &str) -> ConnectFlags {
        ConnectFlags {
            context: Some(name.into()),
            ..ConnectFlags::default()
        }
    }

    fn tls(ca: Option<&str>, cert: Option<&str>, key: Option<&str>) -> Option<TlsFiles> {
        Some(TlsFiles {
            cacert: ca.map(PathBuf::from),
            cert: cert.map(PathBuf::from),
            key: key.map(PathBuf::from),
            insecure_skip_verify: false,
        })
    }

    #[test]
    fn context_flag_selects_that_context() {
        let r = Case::new(config())
            .flags(context_flag("prod"))
            .env("PROD_PW", "pw")
            .resolve()
            .unwrap();
        assert_eq!(r.name, "prod");
        assert_eq!(r.spec.endpoints, vec!["https://p1:2379", "https://p2:2379"]);
        assert_eq!(
            r.spec.tls,
            tls(
                Some("/prod/ca.crt"),
                Some("/prod/c.crt"),
                Some("/prod/c.key")
            )
        );
        let creds = r.spec.credentials.unwrap();
        assert_eq!(creds.user, "root");
        assert_eq!(creds.password.as_ref().map(Password::expose), Some("pw"));
        assert!(r.read_only);
        assert_eq!(r.theme.as_deref(), Some("dark"));
        assert_eq!(r.spec.dial_timeout, Duration::from_secs(4));
        assert_eq!(r.spec.command_timeout, Duration::from_secs(9));
        assert_eq!(
            r.source,
            Source::Context {
                name: "prod".into(),
                picked_by: PickedBy::Flag
            }
        );
    }

    #[test]
    fn context_flag_beats_endpoints_kube_context_and_current_context() {
        let mut flags = context_flag("stage");
        flags.endpoints = Some("https://x:2379".into());
        let r = Case::new(config())
            .flags(flags)
            .kube("prod-admin@prod")
            .resolve()
            .unwrap();
        assert_eq!(r.name, "stage");
        // ...but the explicit endpoints still override the context's.
        assert_eq!(r.spec.endpoints, vec!["https://x:2379"]);
    }

    #[test]
    fn flags_and_env_override_context_fields_one_by_one() {
        let mut flags = context_flag("prod");
        flags.cacert = Some("/flag/ca.crt".into());
        flags.dial_timeout = Some(Duration::from_secs(1));
        let r = Case::new(config())
            .flags(flags)
            .env("ETCDCTL_ENDPOINTS", "https://e:2379")
            .env("ETCDCTL_CACERT", "/env/ca.crt")
            .env("ETCDCTL_COMMAND_TIMEOUT", "2s")
            .env("ETCDCTL_PASSWORD", "envpw")
            .env("PROD_PW", "ctxpw")
            .resolve()
            .unwrap();
        assert_eq!(r.name, "prod");
        assert_eq!(r.spec.endpoints, vec!["https://e:2379"]);
        // Flag beats env beats context; unset fields keep the context's value.
        assert_eq!(
            r.spec.tls,
            tls(
                Some("/flag/ca.crt"),
                Some("/prod/c.crt"),
                Some("/prod/c.key")
            )
        );
        assert_eq!(r.spec.dial_timeout, Duration::from_secs(1));
        assert_eq!(r.spec.command_timeout, Duration::from_secs(2));
        let creds = r.spec.credentials.unwrap();
        assert_eq!(creds.password.as_ref().map(Password::expose), Some("envpw"));
    }

    #[test]
    fn unknown_context_flag_lists_known_names() {
        let err = Case::new(config())
            .flags(context_flag("qa"))
            .resolve()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown context \"qa\" (from --context); known contexts: dev, prod, stage"
        );
        let err = Case::new(config())
            .with_kubeadm()
            .flags(context_flag("qa"))
            .resolve()
            .unwrap_err();
        assert!(
            err.to_string()
                .ends_with("known contexts: dev, prod, stage, kubeadm"),
            "{err}"
        );
    }

    #[test]
    fn kubeadm_can_be_selected_by_name_when_detected() {
        let r = Case::new(config())
            .with_kubeadm()
            .flags(context_flag("kubeadm"))
            .resolve()
            .unwrap();
        assert_eq!(r.name, "kubeadm");
        assert!(matches!(r.source, Source::Kubeadm { .. }));
        assert!(
            Case::new(config())
                .flags(context_flag("kubeadm"))
                .resolve()
                .is_err()
        );
    }

    #[test]
    fn endpoints_flag_makes_an_ad_hoc_context_without_config_certificates() {
        let flags = ConnectFlags {
            endpoints: Some("https://a:2379, https://b:2379".into()),
            ..ConnectFlags::default()
        };
        let r = Case::new(config())
            .flags(flags)
            .kube("prod-admin@prod")
            .with_kubeadm()
            .env("PROD_PW", "pw")
            .resolve()
            .unwrap();
        assert_eq!(r.name, "flags");
        assert_eq!(r.source, Source::Flags);
        assert_eq!(r.spec.endpoints, vec!["https://a:2379", "https://b:2379"]);
        assert_eq!(r.spec.tls, None);
        assert_eq!(r.spec.credentials, None);
        assert!(!r.read_only);
        assert!(r.metrics_urls.is_empty());
        assert_eq!(r.spec.dial_timeout, ConnectSpec::default().dial_timeout);
    }

    #[test]
    fn env_endpoints_make_an_env_context_with_env_tls() {
        let r = Case::new(config())
            .env("ETCDCTL_ENDPOINTS", "https://e:2379")
            .env("ETCDCTL_CACERT", "/env/ca.crt")
            .env("ETCDCTL_USER", "bob:pw")
            .resolve()
            .unwrap();
        assert_eq!(r.name, "env");
        assert_eq!(r.spec.tls, tls(Some("/env/ca.crt"), None, None));
        let creds = r.spec.credentials.unwrap();
        assert_eq!(creds.user, "bob");
        assert_eq!(creds.password.as_ref().map(Password::expose), Some("pw"));
    }

    #[test]
    fn kube_context_match_beats_current_context() {
        let r = Case::new(config())
            .kube("prod-admin@prod")
            .resolve()
            .unwrap();
        assert_eq!(r.name, "prod");
        assert_eq!(
            r.source.describe(),
            "context prod (matches kube context prod-admin@prod)"
        );
    }

    #[test]
    fn unmatched_kube_context_falls_to_current_context() {
        let r = Case::new(config()).kube("someone-else").resolve().unwrap();
        assert_eq!(r.name, "dev");
        assert_eq!(
            r.source,
            Source::Context {
                name: "dev".into(),
                picked_by: PickedBy::CurrentContext
            }
        );
        assert_eq!(r.theme.as_deref(), Some("green"));
        assert_eq!(r.spec.tls, None);
    }

    #[test]
    fn several_kube_matches_prefer_current_context_then_name_order() {
        let mut c = config();
        for name in ["a-prod", "z-prod"] {
            let mut ctx = c.contexts["prod"].clone();
            ctx.endpoints = vec![format!("https://{name}:2379")];
            c.contexts.insert(name.into(), ctx);
        }
        let kube = "prod-admin@prod";
        assert_eq!(
            Case::new(c.clone()).kube(kube).resolve().unwrap().name,
            "a-prod"
        );
        c.current_context = Some("z-prod".into());
        assert_eq!(Case::new(c).kube(kube).resolve().unwrap().name, "z-prod");
    }

    #[test]
    fn unknown_current_context_is_an_error() {
        let mut c = config();
        c.current_context = Some("gone".into());
        let err = Case::new(c).resolve().unwrap_err().to_string();
        assert_eq!(
            err,
            "unknown context \"gone\" (from current_context in config.yaml); known contexts: dev, prod, stage"
        );
    }

    #[test]
    fn current_context_beats_kubeadm() {
        assert_eq!(
            Case::new(config()).with_kubeadm().resolve().unwrap().name,
            "dev"
        );
    }

    #[test]
    fn kubeadm_is_used_when_nothing_else_is_configured() {
        let r = Case::new(Config::default())
            .with_kubeadm()
            .resolve()
            .unwrap();
        assert_eq!(r.name, "kubeadm");
        assert_eq!(r.spec.endpoints, vec!["https://127.0.0.1:2379"]);
        assert_eq!(
            r.spec.tls,
            tls(
                Some("/etc/kubernetes/pki/etcd/ca.crt"),
                Some("/etc/kubernetes/pki/apiserver-etcd-client.crt"),
                Some("/etc/kubernetes/pki/apiserver-etcd-client.key")
            )
        );
        assert_eq!(r.metrics_urls, vec!["http://127.0.0.1:2381"]);
        assert_eq!(
            r.source.describe(),
            "detected kubeadm manifest /etc/kubernetes/manifests/etcd.yaml"
        );
    }

    #[test]
    fn default_endpoint_when_nothing_at_all() {
        let r = Case::new(Config::default()).resolve().unwrap();
        assert_eq!(r.name, "default");
        assert_eq!(r.source, Source::Default);
        assert_eq!(r.spec, ConnectSpec::default());
        assert!(!r.read_only);
        assert_eq!(r.theme, None);
        assert_eq!(r.password_file_error, None);
    }

    #[test]
    fn cert_without_key_and_key_without_cert_are_errors() {
        let flags = ConnectFlags {
            cert: Some("/c.crt".into()),
            ..ConnectFlags::default()
        };
        let err = Case::new(Config::default())
            .flags(flags)
            .resolve()
            .unwrap_err();
        assert!(err.to_string().starts_with("--cert needs --key"), "{err}");
        assert!(err.to_string().contains("/c.crt"), "{err}");
        let err = Case::new(Config::default())
            .env("ETCDCTL_KEY", "/c.key")
            .resolve()
            .unwrap_err();
        assert!(err.to_string().starts_with("--key needs --cert"), "{err}");
        let mut c = config();
        c.contexts.get_mut("dev").unwrap().cert = Some("/dev.crt".into());
        let err = Case::new(c).resolve().unwrap_err();
        assert!(err.to_string().ends_with("(context dev)"), "{err}");
    }

    #[test]
    fn insecure_alone_turns_tls_on() {
        let flags = ConnectFlags {
            insecure_skip_tls_verify: true,
            ..ConnectFlags::default()
        };
        let r = Case::new(Config::default()).flags(flags).resolve().unwrap();
        let tls = r.spec.tls.unwrap();
        assert!(tls.insecure_skip_verify);
        assert_eq!(tls.cacert, None);
        let r = Case::new(Config::default())
            .env("ETCDCTL_INSECURE_SKIP_TLS_VERIFY", "true")
            .resolve()
            .unwrap();
        assert!(r.spec.tls.is_some_and(|t| t.insecure_skip_verify));
    }

    #[test]
    fn read_only_is_flag_or_context() {
        let ro = ConnectFlags {
            read_only: true,
            ..ConnectFlags::default()
        };
        assert!(
            Case::new(config())
                .flags(ro.clone())
                .resolve()
                .unwrap()
                .read_only
        );
        assert!(!Case::new(config()).resolve().unwrap().read_only);
        assert!(
            Case::new(config())
                .kube("prod-admin@prod")
                .resolve()
                .unwrap()
                .read_only
        );
        assert!(
            Case::new(config())
                .flags(ro)
                .named("dev")
                .unwrap()
                .read_only
        );
    }

    #[test]
    fn resolve_named_ignores_flags_and_env_overrides() {
        let flags = ConnectFlags {
            endpoints: Some("https://flag:2379".into()),
            cacert: Some("/flag/ca.crt".into()),
            user: Some("bob:bobpw".into()),
            dial_timeout: Some(Duration::from_secs(1)),
            context: Some("dev".into()),
            ..ConnectFlags::default()
        };
        let case = Case::new(config())
            .flags(flags)
            .env("ETCDCTL_PASSWORD", "envpw")
            .env("ETCDCTL_KEY", "/env/c.key")
            .env("PROD_PW", "ctxpw");
        let r = case.named("prod").unwrap();
        assert_eq!(r.name, "prod");
        assert_eq!(r.spec.endpoints, vec!["https://p1:2379", "https://p2:2379"]);
        assert_eq!(
            r.spec.tls,
            tls(
                Some("/prod/ca.crt"),
                Some("/prod/c.crt"),
                Some("/prod/c.key")
            )
        );
        let creds = r.spec.credentials.unwrap();
        assert_eq!(creds.user, "root");
        assert_eq!(creds.password.as_ref().map(Password::expose), Some("ctxpw"));
        assert_eq!(r.spec.dial_timeout, Duration::from_secs(4));
    }

    #[test]
    fn resolve_named_unknown_and_kubeadm() {
        let err = Case::new(config()).named("qa").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown context \"qa\"; known contexts: dev, prod, stage"
        );
        let r = Case::new(config()).with_kubeadm().named("kubeadm").unwrap();
        assert_eq!(r.spec.endpoints, vec!["https://127.0.0.1:2379"]);
    }

    #[test]
    fn user_flag_replaces_context_user_and_its_password_sources() {
        let flags = ConnectFlags {
            context: Some("prod".into()),
            user: Some("alice".into()),
            ..ConnectFlags::default()
        };
        let r = Case::new(config())
            .flags(flags)
            .env("PROD_PW", "rootpw")
            .resolve()
            .unwrap();
        let creds = r.spec.credentials.unwrap();
        assert_eq!(creds.user, "alice");
        assert_eq!(creds.password, None);
    }

    #[test]
    fn context_with_no_endpoints_is_an_error() {
        let mut c = config();
        c.contexts.get_mut("dev").unwrap().endpoints = vec![" , ".into()];
        let err = Case::new(c).resolve().unwrap_err().to_string();
        assert!(
            err.starts_with("no endpoints to connect to (context dev)"),
            "{err}"
        );
    }

    #[test]
    fn password_file_problem_is_reported_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = config();
        let dev = c.contexts.get_mut("dev").unwrap();
        dev.user = Some("root".into());
        dev.password_file = Some(dir.path().join("missing"));
        let r = Case::new(c.clone()).resolve().unwrap();
        assert!(r.password_file_error.unwrap().contains("missing"));
        std::fs::write(dir.path().join("missing"), "filepw\n").unwrap();
        let r = Case::new(c).resolve().unwrap();
        let creds = r.spec.credentials.unwrap();
        assert_eq!(
            creds.password.as_ref().map(Password::expose),
            Some("filepw")
        );
    }

    #[test]
    fn descriptions() {
        let ctx = |picked_by| Source::Context {
            name: "prod".into(),
            picked_by,
        };
        assert_eq!(
            ctx(PickedBy::Flag).describe(),
            "context prod (selected by name)"
        );
        assert_eq!(
            ctx(PickedBy::CurrentContext).describe(),
            "context prod (current_context in config.yaml)"
        );
        assert_eq!(Source::Default.describe(), "default endpoint");
        assert!(Source::Flags.describe().contains("command-line flags"));
    }
}
