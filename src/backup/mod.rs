//! Backups and disaster recovery: `snapshot save` for cron and systemd, the restore
//! plan, the checked restore, and `triage` of member data dirs after quorum loss.

pub mod args;
pub mod bump;
pub mod interrupt;
pub mod names;
pub mod plan;
pub mod plan_cli;
pub mod plan_inputs;
pub mod restore;
pub mod save;
pub mod signals;
pub mod triage;
pub mod tui_plan;
pub mod wal;

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
    let cli_password = crate::config::command_line_password_warning(
        conn.user.as_ref().map(crate::etcd::spec::UserFlag::as_str),
    );
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
        eprintln!("etcdtui: {}", crate::text::safe(line));
    }
    ExitCode::from(ended.code)
}

/// `etcdtui snapshot restore-plan`: exit 0 with the plan, 1 when the file cannot be
/// restored or no members are known, 2 on a usage error.
pub fn restore_plan(
    rt: &tokio::runtime::Runtime,
    conn: &ConnArgs,
    args: args::RestorePlanArgs,
) -> ExitCode {
    // The live cluster is asked only when a context resolves; a bad config is not a
    // reason to refuse a plan the manifests or flags can make.
    let spec = Setup::load(conn)
        .ok()
        .and_then(|s| s.resolve().ok())
        .map(|mut ctx| {
            // A plan never prompts: a password it cannot find means no live answers.
            let _ = ensure_password_quietly(&mut ctx);
            ctx.spec
        });
    let made = rt.block_on(plan_inputs::gather(
        &args,
        spec.as_ref(),
        &conn.kubeadm_manifest,
    ));
    let (input, notes) = match made {
        Ok(m) => m,
        Err(e) => {
            eprintln!("etcdtui: {}", crate::text::safe(&e));
            return ExitCode::FAILURE;
        }
    };
    let plan = match plan::plan(&input) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("etcdtui: {}", crate::text::safe(&e));
            return ExitCode::FAILURE;
        }
    };
    let out = match args.output {
        args::Output::Text => plan_cli::text(&input, &plan, &notes),
        args::Output::Json => plan_cli::json(&input, &plan, &notes),
    };
    print!("{out}");
    ExitCode::SUCCESS
}

/// The password from the environment or a file, never a prompt.
fn ensure_password_quietly(ctx: &mut crate::config::ResolvedContext) -> Result<(), String> {
    if ctx
        .spec
        .credentials
        .as_ref()
        .is_some_and(|c| c.password.is_none())
    {
        ctx.spec.credentials = None;
    }
    Ok(())
}

/// `etcdtui snapshot restore`.
pub fn snapshot_restore(args: args::RestoreArgs) -> ExitCode {
    let ended = restore::run(&args);
    print!("{}", ended.stdout);
    for line in &ended.stderr {
        eprintln!("etcdtui: {}", crate::text::safe(line));
    }
    ExitCode::from(ended.code)
}

/// `etcdtui triage DIR...`.
pub fn triage(args: args::TriageArgs) -> ExitCode {
    let found: Vec<triage::Found> = args.dirs.iter().map(|d| triage::examine(d)).collect();
    let out = match args.output {
        args::Output::Text => triage::text(&found),
        args::Output::Json => triage::json(&found),
    };
    print!("{}", crate::text::safe_lines(&out));
    if triage::freshest(&found).is_some() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
