//! What one resolved context holds: the default endpoint, TLS pairs and --insecure,
//! read-only, the user flag, named resolution, and the errors for incomplete contexts.

use super::*;

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
