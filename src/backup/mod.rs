//! Backups and disaster recovery: `snapshot save` for cron and systemd, the restore
//! plan, the checked restore, and `triage` of member data dirs after quorum loss.

pub mod args;
pub mod interrupt;
pub mod names;
pub mod save;
pub mod signals;

use std::process::ExitCode;

use crate::cli::ConnArgs;
use crate::startup::{Setup, ensure_password};

/// `etcdtui snapshot save`.
pub fn snapshot_save(
    rt: &tokio::runtime::Runtime,
    conn: &ConnArgs,
    args: args::SaveArgs,
) -> ExitCode {
    let json_out = args.output == args::Output::Json;
    let usage = |e: String| {
        eprintln!("etcdtui: {e}");
        ExitCode::from(save::EXIT_USAGE)
    };
    let setup = match Setup::load(conn) {
        Ok(s) => s,
        Err(e) => return usage(e.to_string()),
    };
    let mut ctx = match setup.resolve() {
        Ok(c) => c,
        Err(e) => return usage(e.to_string()),
    };
    if let Err(e) = ensure_password(&mut ctx) {
        return usage(e);
    }
    let cli_password = crate::config::command_line_password_warning(conn.user.as_deref());
    for w in ctx.password_file_warning.iter().chain(&cli_password) {
        eprintln!("etcdtui: warning: {w}");
    }
    let target = match (args.file, args.dir) {
        (Some(f), _) => save::Target::File(f),
        (None, dir) => save::Target::Dir {
            // The same directory the backups check reads, so the check sees these.
            dir: dir.unwrap_or_else(|| setup.config.checks.backup_dir()),
            keep: args.keep.map(|k| k as usize),
        },
    };
    let audit_to = save::AuditTo {
        path: Some(crate::config::state_dir().join("audit.log")),
        who: crate::app::ops::audit::Who {
            context: ctx.name.clone(),
            etcd_user: ctx.spec.credentials.as_ref().map(|c| c.user.clone()),
        },
        operator: crate::app::ops::audit::operator(),
    };
    let ended = rt.block_on(save::run(&ctx.spec, target, json_out, audit_to));
    print!("{}", ended.stdout);
    for line in &ended.stderr {
        eprintln!("etcdtui: {}", crate::ui::text::safe(line));
    }
    ExitCode::from(ended.code)
}
