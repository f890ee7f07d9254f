use std::process::ExitCode;

use clap::Parser;

use etcdtui::cli::{Cli, Cmd};
use etcdtui::startup::{Setup, context_info, ensure_password, new_app};
use etcdtui::theme::Theme;
use etcdtui::{logging, runtime, tui};

fn main() -> ExitCode {
    // clap prints bad flags itself and exits with status 2.
    let cli = Cli::parse();
    if let Err(e) = tui::install_hooks() {
        eprintln!("etcdtui: {e}");
    }
    logging::init();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("etcdtui: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let theme = if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        Theme::mono()
    } else {
        Theme::builtin_default()
    };
    let result = match cli.command {
        Some(Cmd::Demo(args)) => rt.block_on(etcdtui::demo::run(args, theme)),
        None => return run_tui(&rt, cli, theme),
    };
    finish(result)
}

fn run_tui(rt: &tokio::runtime::Runtime, cli: Cli, theme: Theme) -> ExitCode {
    let setup = match Setup::load(&cli.conn) {
        Ok(s) => s,
        Err(e) => return usage_error(&e.to_string()),
    };
    let mut ctx = match setup.resolve() {
        Ok(c) => c,
        Err(e) => return usage_error(&e.to_string()),
    };
    if let Err(e) = ensure_password(&mut ctx) {
        return usage_error(&e);
    }
    tracing::info!(context = %ctx.name, source = %ctx.source.describe(), "starting");
    let sep = match setup.config.separator_byte() {
        Ok(s) => s,
        Err(e) => return usage_error(&e),
    };
    let app = new_app(context_info(&ctx), &setup.config, sep);
    finish(rt.block_on(runtime::run(app, ctx.spec, theme, setup.resolver())))
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("etcdtui: {message}");
    ExitCode::from(2)
}

fn finish(result: color_eyre::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("etcdtui: {e:?}");
            ExitCode::FAILURE
        }
    }
}
