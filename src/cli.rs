//! Command-line definitions. Connection flags carry etcdctl's names so that people can
//! reuse what they already type.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::config::parse_duration;

#[derive(Debug, Parser)]
#[command(
    name = "etcdtui",
    version,
    about = "A terminal UI for inspecting and operating etcd clusters",
    after_help = "Environment: ETCDCTL_ENDPOINTS, ETCDCTL_CACERT, ETCDCTL_CERT, ETCDCTL_KEY, \
ETCDCTL_USER, ETCDCTL_PASSWORD, ETCDCTL_INSECURE_SKIP_TLS_VERIFY, ETCDCTL_DIAL_TIMEOUT and \
ETCDCTL_COMMAND_TIMEOUT work as in etcdctl; flags win over them.\n\
With no flags, environment or config, etcdtui reads the kubeadm manifest \
/etc/kubernetes/manifests/etcd.yaml when it exists, else connects to 127.0.0.1:2379."
)]
pub struct Cli {
    #[command(flatten)]
    pub conn: ConnArgs,

    /// Colour theme: default, light, solarized-dark, dracula, high-contrast, mono, or a
    /// file NAME.yaml in the config dir's etcdtui/themes/ (NO_COLOR wins over it)
    #[arg(long, value_name = "NAME", global = true)]
    pub theme: Option<String>,

    /// Show times on screen in UTC instead of the local time zone (TZ, else
    /// /etc/localtime). Files written (audit log, recordings, snapshot names) are always
    /// in UTC
    #[arg(long, global = true)]
    pub utc: bool,

    /// Browse a snapshot file (or a member's member/snap/db) in the Keys view, read-only,
    /// with no server
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Cmd>,
}

/// etcdctl's connection flags. `user` may hold a password; its type hides it from `Debug`.
#[derive(Args, Debug, Default)]
pub struct ConnArgs {
    /// gRPC endpoints, comma separated [default: 127.0.0.1:2379]
    #[arg(global = true, long, value_name = "HOST:PORT,...")]
    pub endpoints: Option<String>,

    /// Verify the server certificate with this CA bundle
    #[arg(global = true, long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,

    /// Client certificate for TLS client authentication
    #[arg(global = true, long, value_name = "FILE")]
    pub cert: Option<PathBuf>,

    /// Client key for TLS client authentication
    #[arg(global = true, long, value_name = "FILE")]
    pub key: Option<PathBuf>,

    /// User name, or name:password (better: ETCDCTL_PASSWORD, a password_file, or the prompt)
    #[arg(global = true, long, value_name = "NAME[:PASSWORD]")]
    pub user: Option<crate::etcd::spec::UserFlag>,

    /// Skip server certificate verification (testing only)
    #[arg(global = true, long)]
    pub insecure_skip_tls_verify: bool,

    /// Time to establish a connection, e.g. 2s or 500ms [default: 2s]
    #[arg(global = true, long, value_name = "DURATION", value_parser = duration_arg)]
    pub dial_timeout: Option<Duration>,

    /// Time for one request, e.g. 5s [default: 5s]
    #[arg(global = true, long, value_name = "DURATION", value_parser = duration_arg)]
    pub command_timeout: Option<Duration>,

    /// Context from config.yaml to use
    #[arg(global = true, long, value_name = "NAME")]
    pub context: Option<String>,

    /// Config file [default: <config dir>/etcdtui/config.yaml]
    #[arg(global = true, long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Never change the cluster: keys that would are switched off
    #[arg(global = true, long)]
    pub read_only: bool,

    /// The cluster's --quota-backend-bytes, e.g. 8GiB [default: as etcd reports, else 2GiB]
    #[arg(global = true, long, value_name = "SIZE", value_parser = bytes_arg)]
    pub quota_bytes: Option<i64>,

    /// How often the Cluster view refreshes, e.g. 2s [default: 2s]
    #[arg(global = true, long, value_name = "DURATION", value_parser = duration_arg)]
    pub refresh: Option<Duration>,

    /// The API server's EncryptionConfiguration, to read values encrypted at rest
    /// [default: the context's encryption_config, else kube-apiserver.yaml's
    /// --encryption-provider-config next to the kubeadm etcd manifest]
    #[arg(global = true, long, value_name = "FILE")]
    pub encryption_config: Option<PathBuf>,

    /// kubeadm etcd static pod manifest to detect
    #[arg(
        global = true,
        long,
        value_name = "FILE",
        default_value = "/etc/kubernetes/manifests/etcd.yaml",
        hide = true
    )]
    pub kubeadm_manifest: PathBuf,
}

fn duration_arg(s: &str) -> Result<Duration, String> {
    parse_duration(s)
}

fn bytes_arg(s: &str) -> Result<i64, String> {
    crate::config::parse_bytes(s)
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Start a local 3-member etcd cluster with sample data, open the TUI on it, and
    /// remove the cluster when the TUI exits
    Demo(DemoArgs),
    /// Print one raw value (a file, or standard input) the way the Keys view decodes it:
    /// Kubernetes protobuf as kubectl YAML or JSON, anything else in the format it has
    Decode(DecodeArgs),
    /// The inverse of decode: a Kubernetes object as YAML or JSON (a file, or standard
    /// input) to the protobuf bytes the API server stores (`k8s\0` + runtime.Unknown), on
    /// standard output (never a terminal)
    Encode(EncodeArgs),
    /// Run the health and safety checks of the Checks view once and print them; exits 0
    /// when all are ok, 1 on a warning, 2 on a failure
    Check(CheckArgs),
    /// Read etcd snapshot files (from `etcdctl snapshot save`) and member db files offline,
    /// or compare one with the live cluster
    #[command(subcommand)]
    Snapshot(SnapshotCmd),
    /// Upgrades by etcd's documented rules: the next allowed step, its pre-flight checks
    /// and the member to restart next
    #[command(subcommand)]
    Upgrade(UpgradeCmd),
    /// After quorum loss: read stopped members' data dirs offline (db and WAL) and name
    /// the one with the newest data, with the commands to force a new cluster from it
    Triage(crate::backup::args::TriageArgs),
    /// Space by prefix: live keys, key and value bytes per path group below PREFIX, largest
    /// first, from a paged scan pinned to one revision that slows down when etcd does
    Du(DuArgs),
    /// Print a shell completion script: `etcdtui completions bash > /etc/bash_completion.d/etcdtui`
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff): `etcdtui man > etcdtui.1`
    Man,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: CheckOutput,
    /// A snapshot file (or a stopped member's member/snap/db) whose old revisions and
    /// tombstones say what a compaction would free
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum CheckOutput {
    Table,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum UpgradeCmd {
    /// Members and their versions, the cluster and storage versions, the next allowed
    /// step with its pre-flight checks; exits 0 all ok, 1 on a warning, 2 on a failure
    Plan(UpgradePlanArgs),
}

#[derive(Debug, Args)]
pub struct UpgradePlanArgs {
    /// The version to upgrade to (default: the next minor version)
    #[arg(long, value_name = "VERSION")]
    pub to: Option<String>,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: CheckOutput,
}

#[derive(Debug, Subcommand)]
pub enum SnapshotCmd {
    /// Hash, revision, total keys and total size as `etcdutl snapshot status` prints them,
    /// plus the appended SHA-256's integrity, compaction, pages and members
    Status(SnapshotStatusArgs),
    /// What changed in the live cluster since the snapshot: keys added, changed and
    /// removed, by prefix
    Diff(SnapshotDiffArgs),
    /// Save a verified snapshot from a healthy member (a follower when there is one) to
    /// FILE, or into a directory with --keep N pruning, for cron and systemd
    Save(crate::backup::args::SaveArgs),
    /// Verify a snapshot and print the exact commands to restore a cluster from it, member
    /// by member, with a computed revision bump (-o json: every command as arguments)
    RestorePlan(crate::backup::args::RestorePlanArgs),
    /// Space by prefix offline: live keys and bytes, history bytes a compaction would free
    /// and free pages a defragmentation would free (FILE: snapshot, member db or data dir)
    Du(SnapshotDuArgs),
    /// Restore one member's new data dir with the installed etcdutl (or 3.4's etcdctl),
    /// then check the restored db's keys and revision with etcdtui's own reader
    Restore(crate::backup::args::RestoreArgs),
}

#[derive(Debug, Args)]
pub struct SnapshotDiffArgs {
    /// A snapshot file, or a member's `member/snap/db`
    pub file: PathBuf,

    /// Only keys under this prefix
    #[arg(long, value_name = "PREFIX", default_value = "")]
    pub prefix: String,

    /// Also show how this key's value changed, decoded as the Keys view shows it
    /// (`--key` is the client key file, as in etcdctl)
    #[arg(id = "etcd_key", long = "etcd-key", value_name = "KEY")]
    pub key: Option<String>,

    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: crate::snapshot_diff::DiffOutput,
}

/// The options `du` and `snapshot du` share.
#[derive(Debug, Args)]
pub struct DuOptions {
    /// Only keys under this prefix (default: the whole keyspace)
    #[arg(default_value = "")]
    pub prefix: String,

    /// Path levels below the prefix to group by ('/'-separated)
    #[arg(long, value_name = "N", default_value = "1", value_parser = crate::du::parse_depth)]
    pub depth: usize,

    /// Rows to print, largest first (0: all)
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub top: usize,

    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: crate::du_cli::DuOutput,
}

#[derive(Debug, Args)]
pub struct DuArgs {
    #[command(flatten)]
    pub du: DuOptions,
}

#[derive(Debug, Args)]
pub struct SnapshotDuArgs {
    /// A snapshot file, a member's `member/snap/db`, or a stopped member's data dir
    pub file: PathBuf,

    #[command(flatten)]
    pub du: DuOptions,
}

#[derive(Debug, Args)]
pub struct SnapshotStatusArgs {
    /// A snapshot file, or a member's `member/snap/db`
    pub file: PathBuf,

    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: crate::snapshot_cli::StatusOutput,
}

#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// The value's file; standard input when absent
    pub file: Option<PathBuf>,

    /// Output for Kubernetes objects
    #[arg(short = 'o', long = "output", value_enum, default_value = "yaml")]
    pub output: DecodeOutput,

    /// The etcd key the value was stored under, when it matters (e.g. /registry/secrets/...)
    #[arg(id = "etcd_key", long = "etcd-key", value_name = "KEY")]
    pub key: Option<String>,
}

#[derive(Debug, Args)]
pub struct EncodeArgs {
    /// The object's file (YAML or JSON); standard input when absent
    pub file: Option<PathBuf>,

    /// The input's syntax [default: JSON when it starts with `{`, else YAML]
    #[arg(short = 'f', long = "format", value_enum)]
    pub format: Option<EncodeInput>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EncodeInput {
    Yaml,
    Json,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum DecodeOutput {
    Yaml,
    Json,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Number of members
    #[arg(long, default_value_t = 3)]
    pub members: usize,

    /// etcd binary [default: $ETCDTUI_ETCD_BIN, else etcd on PATH]
    #[arg(long, value_name = "FILE")]
    pub etcd: Option<PathBuf>,
}

/// The completion script for `shell`, generated from the definitions above.
pub fn completions(shell: clap_complete::Shell) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    clap_complete::generate(
        shell,
        &mut <Cli as clap::CommandFactory>::command(),
        "etcdtui",
        &mut out,
    );
    Ok(out)
}

/// The man page, generated from the definitions above.
pub fn man_page() -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
        .render(&mut out)
        .map_err(|e| format!("cannot render the man page: {e}"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};

    /// Clap checks names and ids only when a command is built: a subcommand argument
    /// that reuses a global one's id (`--key`) would panic at run time.
    #[test]
    fn the_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn connection_flags_parse_after_subcommands() {
        let cli = Cli::try_parse_from([
            "etcdtui",
            "snapshot",
            "diff",
            "f.db",
            "--endpoints",
            "a:1",
            "--key",
            "c.key",
            "--etcd-key",
            "/k",
            "--user",
            "app",
        ]);
        let cli = match cli {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(cli.conn.endpoints.as_deref(), Some("a:1"));
        assert_eq!(cli.conn.key, Some(PathBuf::from("c.key")));
        match cli.command {
            Some(Cmd::Snapshot(SnapshotCmd::Diff(d))) => assert_eq!(d.key.as_deref(), Some("/k")),
            other => panic!("{other:?}"),
        }
        let cli = Cli::try_parse_from(["etcdtui", "check", "--context", "prod", "-o", "json"]);
        assert!(cli.is_ok_and(|c| c.conn.context.as_deref() == Some("prod")));
    }
}
