//! How flags, environment, config.yaml, kube contexts and kubeadm combine: the
//! precedence table, case by case.

use super::kubeadm::KubeadmEtcd;
use super::resolve::*;
use super::*;
use crate::config::parse_config;
use crate::etcd::spec::Password;
use crate::etcd::spec::{ConnectSpec, TlsFiles};
use std::collections::HashMap;
use std::path::Path;
use std::path::PathBuf;
use std::time::Duration;

mod fields;

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
