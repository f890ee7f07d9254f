//! `etcdtui upgrade plan`: the command half of `src/upgrade` (flags, context, output),
//! kept in the wiring layer so that `upgrade` itself imports nothing from `cli` or
//! `startup`.

use std::process::ExitCode;

use crate::cli::{UpgradeCmd, UpgradePlanArgs};
use crate::upgrade::Version;
use crate::upgrade::cli::{exit_code, manifest_flags, run_plan, table};

/// `etcdtui upgrade ...`, from `main`.
pub fn main(
    rt: &tokio::runtime::Runtime,
    conn: &crate::cli::ConnArgs,
    cmd: UpgradeCmd,
) -> ExitCode {
    let UpgradeCmd::Plan(args) = cmd;
    run_main(rt, conn, args)
}

fn run_main(
    rt: &tokio::runtime::Runtime,
    conn: &crate::cli::ConnArgs,
    args: UpgradePlanArgs,
) -> ExitCode {
    let target = match args.to.as_deref().map(|t| (t, Version::parse(t))) {
        None => None,
        Some((_, Some(v))) => Some(v),
        Some((t, None)) => {
            eprintln!("etcdtui: --to {t}: not a version (e.g. 3.6 or 3.6.17)");
            return ExitCode::from(2);
        }
    };
    let setup = match crate::startup::Setup::load(conn) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("etcdtui: {e}");
            return ExitCode::from(2);
        }
    };
    let mut ctx = match setup.resolve() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("etcdtui: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = crate::startup::ensure_password(&mut ctx) {
        eprintln!("etcdtui: {e}");
        return ExitCode::from(2);
    }
    let backup_dir = setup.config.checks.backup_dir();
    let manifest = manifest_flags(&conn.kubeadm_manifest);
    let quota = crate::startup::ClusterPrefs::resolve(conn, &setup.config, &ctx.name)
        .ok()
        .and_then(|p| p.quota);
    match rt.block_on(run_plan(&ctx.spec, target, &backup_dir, manifest, quota)) {
        Ok(p) => {
            let mut text = match args.output {
                crate::cli::CheckOutput::Table => table(&p),
                crate::cli::CheckOutput::Json => {
                    let v = serde_json::json!({ "plan": p, "exit_code": exit_code(&p) });
                    format!("{v:#}\n")
                }
            };
            if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                text = crate::text::safe_lines(&text);
            }
            print!("{text}");
            ExitCode::from(exit_code(&p))
        }
        Err(e) => {
            eprintln!("etcdtui: cannot plan the upgrade of {}: {e}", ctx.name);
            ExitCode::from(2)
        }
    }
}
