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
