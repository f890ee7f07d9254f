//! The flags of `snapshot save`, `snapshot restore-plan`, `snapshot restore` and
//! `triage`, kept beside the code that runs them; `src/cli.rs` names the subcommands.

use std::path::PathBuf;

use clap::Args;

/// `-o text|json`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 saved (and pruned); 1 the save failed, nothing was \
saved; 2 usage or configuration error; 3 no healthy member answered; 4 saved, but pruning \
older snapshots failed; 129, 130, 143 interrupted by SIGHUP, SIGINT, SIGTERM: nothing was \
saved, no partial file is left, and the audit log says so."
)]
pub struct SaveArgs {
    /// The file to write (refused if it exists). Without FILE or --dir: the directory
    /// the backups check reads (checks.backup_dir in config.yaml, else the state
    /// directory's snapshots/)
    #[arg(value_name = "FILE", conflicts_with = "dir")]
    pub file: Option<PathBuf>,

    /// Save into DIR as etcdtui-<cluster id>-<UTC time>-r<revision>.db
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// After saving, keep only the newest N of etcdtui's snapshots of this cluster in
    /// the directory (other files are never removed)
    #[arg(long, value_name = "N", conflicts_with = "file", value_parser = clap::value_parser!(u32).range(1..))]
    pub keep: Option<u32>,

    /// Output: one line, or JSON
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct RestorePlanArgs {
    /// The snapshot to restore (from `snapshot save` or `etcdctl snapshot save`)
    pub file: PathBuf,

    /// The etcd version the restored cluster runs [default: the live cluster's, else the
    /// one written in the snapshot]
    #[arg(long, value_name = "VERSION")]
    pub etcd_version: Option<String>,

    /// A member, as NAME=PEER_URL (repeat for each); wins over the live cluster and manifests
    #[arg(long = "member", value_name = "NAME=PEER_URL")]
    pub members: Vec<String>,

    /// A kubeadm etcd static pod manifest (repeat for each control-plane node's copy)
    /// [default: the local one, when there is one]
    #[arg(long = "manifest", value_name = "FILE")]
    pub manifests: Vec<PathBuf>,

    /// Where each member's new data dir goes; {name} is the member's name [default:
    /// beside its data dir as DIR.restored-<time>, else /var/lib/etcd-restored-<time>]
    #[arg(long, value_name = "DIR")]
    pub new_data_dir: Option<String>,

    /// Move the revision on by N instead of the computed bump
    #[arg(long, value_name = "N")]
    pub bump_revision: Option<u64>,

    /// Do not ask the live cluster for members, version and revision
    #[arg(long)]
    pub offline: bool,

    /// Output: the plan to read, or JSON with every command as arguments
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    pub output: Output,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 restored and checked; 1 the tool failed, or the restored \
data does not match the snapshot; 2 usage error (a non-empty data dir, no tool found, a bad \
snapshot)."
)]
pub struct RestoreArgs {
    /// The snapshot to restore
    pub file: PathBuf,

    /// This member's name
    #[arg(long)]
    pub name: String,

    /// The new data dir: must not exist, or be empty
    #[arg(long, value_name = "DIR")]
    pub data_dir: PathBuf,

    /// Every member of the new cluster, NAME=PEER_URL,...
    #[arg(long, value_name = "NAME=URL,...")]
    pub initial_cluster: String,

    /// A token new to this cluster
    #[arg(long, value_name = "TOKEN", default_value = "etcd-cluster")]
    pub initial_cluster_token: String,

    /// This member's peer URLs [default: its entry in --initial-cluster]
    #[arg(long, value_name = "URL,...")]
    pub initial_advertise_peer_urls: Option<String>,

    /// Move the revision on by N (etcdutl 3.5 and later; needs --mark-compacted)
    #[arg(long, value_name = "N", requires = "mark_compacted")]
    pub bump_revision: Option<u64>,

    /// Mark the bumped revision compacted, so no watcher can ask for the skipped ones
    #[arg(long, requires = "bump_revision")]
    pub mark_compacted: bool,

    /// The etcdutl (or etcd 3.4's etcdctl) to run [default: etcdutl on PATH, else etcdctl]
    #[arg(long, value_name = "PATH")]
    pub etcdutl: Option<PathBuf>,

    /// Output: one line, or JSON
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    pub output: Output,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 the freshest member was named; 1 none of the directories \
is a readable member data dir; 2 usage error."
)]
pub struct TriageArgs {
    /// Member data dirs (the directory holding member/), each stopped
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,

    /// Output: a table, or JSON
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    pub output: Output,
}
