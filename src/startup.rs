//! From the command line to a running TUI: load the config, work out the context,
//! find a password, and hand the runtime what it needs. Every failure here happens
//! before the terminal is touched, so the message lands in a normal shell.

use std::io::IsTerminal;

use crate::app::{App, ContextInfo};
use crate::cli::ConnArgs;
use crate::config::{
    self, Config, ConfigError, ConnectFlags, ResolveInputs, ResolvedContext, Source,
};
use crate::etcd::ConnectSpec;
use crate::etcd::spec::Password;
use crate::keymap::Keymap;
use crate::runtime::Resolver;

pub fn flags(args: &ConnArgs) -> ConnectFlags {
    ConnectFlags {
        endpoints: args.endpoints.clone(),
        cacert: args.cacert.clone(),
        cert: args.cert.clone(),
        key: args.key.clone(),
        user: args.user.clone(),
        insecure_skip_tls_verify: args.insecure_skip_tls_verify,
        dial_timeout: args.dial_timeout,
        command_timeout: args.command_timeout,
        context: args.context.clone(),
        read_only: args.read_only,
    }
}

fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// What we need to resolve contexts, now and later for `:ctx`.
pub struct Setup {
    pub config: Config,
    pub flags: ConnectFlags,
    pub kube_context: Option<String>,
    pub kubeadm: Option<config::KubeadmEtcd>,
}

impl Setup {
    pub fn load(args: &ConnArgs) -> Result<Setup, ConfigError> {
        let config = config::load_config(args.config.as_deref())?;
        let flags = flags(args);
        let kube_context = config::current_kube_context(&process_env);
        // The manifest matters only when nothing else says where to connect; reading it
        // otherwise would make a root-only file an error for people who gave --endpoints.
        let needs_manifest = flags.context.is_none()
            && flags.endpoints.is_none()
            && process_env("ETCDCTL_ENDPOINTS").is_none()
            && config.contexts.is_empty();
        let kubeadm = if needs_manifest {
            config::detect_kubeadm(&args.kubeadm_manifest)?
        } else {
            None
        };
        Ok(Setup {
            config,
            flags,
            kube_context,
            kubeadm,
        })
    }

    fn inputs(&self) -> ResolveInputs<'_> {
        ResolveInputs {
            flags: &self.flags,
            env: &process_env,
            config: &self.config,
            kube_context: self.kube_context.clone(),
            kubeadm: self.kubeadm.clone(),
        }
    }

    pub fn resolve(&self) -> Result<ResolvedContext, ConfigError> {
        config::resolve(&self.inputs())
    }

    /// For `:ctx NAME`: there is no prompt inside the TUI, so a context whose password
    /// is not in its env var or file cannot be switched to.
    pub fn resolver(self) -> Resolver {
        Box::new(move |name: &str| {
            let ctx = config::resolve_named(name, &self.inputs()).map_err(|e| e.to_string())?;
            if let Some(c) = &ctx.spec.credentials
                && c.password.is_none()
            {
                let why = ctx
                    .password_file_error
                    .clone()
                    .unwrap_or_else(|| "set password_env or password_file in config.yaml".into());
                return Err(format!(
                    "context {name} needs a password for {}: {why}",
                    c.user
                ));
            }
            Ok((context_info(&ctx), ctx.spec))
        })
    }
}

impl Setup {
    /// `:ctx NAME` for the TUI: resolves the context as `resolver` does and then loads
    /// that context's encryption configuration (`--encryption-config` still wins), so
    /// values read after the switch are decrypted with the new cluster's keys, not the
    /// old one's. The configuration's summary, or why it is unusable, joins the
    /// context's details.
    pub fn resolver_with_encryption(self, args: &crate::cli::ConnArgs) -> Resolver {
        let flag = args.encryption_config.clone();
        let manifest = args.kubeadm_manifest.clone();
        let config = self.config.clone();
        let resolve = self.resolver();
        Box::new(move |name: &str| {
            let (mut info, spec) = resolve(name)?;
            let warning = install_encryption(flag.as_deref(), &manifest, &config, Some(name));
            info.details.extend(crate::encryption::summary());
            info.details.extend(warning);
            Ok((info, spec))
        })
    }
}

/// Asks for the password on the terminal when the user gave a name but no password.
pub fn ensure_password(ctx: &mut ResolvedContext) -> Result<(), String> {
    let Some(creds) = &mut ctx.spec.credentials else {
        return Ok(());
    };
    if creds.password.is_some() {
        return Ok(());
    }
    if let Some(e) = &ctx.password_file_error {
        eprintln!("warning: {e}");
    }
    if !std::io::stdin().is_terminal() {
        return Err(format!(
            "user {} needs a password and there is no terminal to ask on: set ETCDCTL_PASSWORD, \
             or password_env / password_file in config.yaml",
            creds.user
        ));
    }
    let prompt = format!("Password for etcd user {} ({}): ", creds.user, ctx.name);
    let password = rpassword::prompt_password(prompt)
        .map_err(|e| format!("could not read the password: {e}"))?;
    creds.password = Some(Password::new(password));
    Ok(())
}

pub fn context_info(ctx: &ResolvedContext) -> ContextInfo {
    let spec = &ctx.spec;
    let mut details = Vec::new();
    if let Some(tls) = &spec.tls {
        for (label, path) in [("CA", &tls.cacert), ("cert", &tls.cert), ("key", &tls.key)] {
            if let Some(p) = path {
                details.push(format!("{label} {}", p.display()));
            }
        }
        if tls.insecure_skip_verify {
            details.push("server certificate NOT verified (--insecure-skip-tls-verify)".into());
        }
    }
    if matches!(ctx.source, Source::Kubeadm { .. }) && !ctx.metrics_urls.is_empty() {
        details.push(format!("metrics {}", ctx.metrics_urls.join(", ")));
    }
    ContextInfo {
        name: ctx.name.clone(),
        endpoints: spec.endpoints.clone(),
        source: ctx.source.describe(),
        read_only: ctx.read_only,
        user: spec.credentials.as_ref().map(|c| c.user.clone()),
        tls: spec.tls.is_some() || spec.endpoints.iter().any(|e| e.starts_with("https://")),
        details,
    }
}

/// What the Cluster view measures against and how often, from flags or the context.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClusterPrefs {
    pub quota: Option<i64>,
    pub refresh: Option<std::time::Duration>,
}

impl ClusterPrefs {
    pub fn resolve(
        args: &ConnArgs,
        config: &Config,
        context: &str,
    ) -> Result<ClusterPrefs, String> {
        let ctx = config.contexts.get(context);
        let quota = match (args.quota_bytes, ctx.and_then(|c| c.quota_bytes.as_deref())) {
            (Some(q), _) => Some(q),
            (None, Some(text)) => Some(
                config::parse_bytes(text)
                    .map_err(|e| format!("context {context}: quota_bytes: {e}"))?,
            ),
            (None, None) => None,
        };
        let refresh = match (args.refresh, ctx.and_then(|c| c.refresh.as_deref())) {
            (Some(r), _) => Some(r),
            (None, Some(text)) => Some(
                config::parse_duration(text)
                    .map_err(|e| format!("context {context}: refresh: {e}"))?,
            ),
            (None, None) => None,
        };
        Ok(ClusterPrefs { quota, refresh })
    }
}

pub fn new_app(info: ContextInfo, config: &Config, sep: u8) -> App {
    // Say once where the settings came from: on a controller that is the detected
    // manifest, which the user never typed.
    let source = format!("context {}: {}", info.name, info.source);
    let (keymap, warnings) = Keymap::defaults().with_overrides(&config.keys);
    let mut app = App::new(
        info,
        keymap,
        config.context_names(),
        std::time::Instant::now(),
    );
    app.set_status(crate::app::Level::Info, source);
    if !warnings.is_empty() {
        for w in &warnings {
            tracing::warn!("{w}");
        }
        app.set_status(crate::app::Level::Warn, warnings.join("; "));
    }
    app.keys = crate::app::keys::KeysState::new(sep);
    app.ops = crate::app::ops::OpsState::from_environment();
    app.checks.thresholds = config.checks.clone();
    app.checks.backup_dir = config.checks.backup_dir();
    app
}

/// For callers that already have a spec (the demo).
pub fn plain_context(name: &str, source: &str, spec: &ConnectSpec) -> ContextInfo {
    ContextInfo {
        name: name.to_string(),
        endpoints: spec.endpoints.clone(),
        source: source.to_string(),
        read_only: false,
        user: None,
        tls: false,
        details: Vec::new(),
    }
}

/// Start-up: find and load the configuration for `context` (flag, the context's
/// `encryption_config`, the kubeadm manifests next to `--kubeadm-manifest`), install it
/// for the views, and return a warning to show when a file was named but is unusable.
pub fn setup_encryption(
    args: &crate::cli::ConnArgs,
    config: &crate::config::Config,
    context: Option<&str>,
) -> Option<String> {
    install_encryption(
        args.encryption_config.as_deref(),
        &args.kubeadm_manifest,
        config,
        context,
    )
}

fn install_encryption(
    flag: Option<&std::path::Path>,
    kubeadm_manifest: &std::path::Path,
    config: &crate::config::Config,
    context: Option<&str>,
) -> Option<String> {
    let from_context = context
        .and_then(|c| config.contexts.get(c))
        .and_then(|c| c.encryption_config.as_deref());
    let manifest_dir = kubeadm_manifest
        .parent()
        .unwrap_or_else(|| std::path::Path::new("."));
    let loaded = crate::encryption::load(flag, from_context, manifest_dir);
    if let Some(info) = &loaded.info {
        tracing::info!("{info}");
    }
    if let Some(w) = &loaded.warning {
        tracing::warn!("{w}");
    }
    crate::encryption::install(loaded.config);
    loaded.warning
}
