//! Where to connect: `config.yaml`, kubectl's current context, a kubeadm manifest,
//! etcdctl-compatible flags and `ETCDCTL_*` variables, resolved into a `ConnectSpec`.
//! Nothing here talks to etcd.

mod base;
mod credentials;
mod error;
mod file;
mod kubeadm;
mod kubeconfig;
mod overrides;
mod resolve;
#[cfg(test)]
mod resolve_tests;

pub use credentials::command_line_password_warning;
// Lives in a leaf module: `encryption` (below `config`) parses durations too.
pub use crate::go_values::parse_duration;
pub use error::ConfigError;
pub use file::{
    Config, ContextConfig, default_config_dir, default_config_path, load_config, parse_bytes,
    parse_config, state_dir,
};
pub use kubeadm::{
    DEFAULT_KUBEADM_MANIFEST, KubeadmEtcd, detect_kubeadm, etcd_flags, manifest_flag_names,
    parse_manifest,
};
pub use kubeconfig::{current_kube_context, parse_current_context};
pub use resolve::{
    ConnectFlags, PickedBy, ResolveInputs, ResolvedContext, Source, resolve, resolve_named,
};
