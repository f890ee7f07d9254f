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
    etcdtui::clock::install(cli.utc);
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("etcdtui: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Some(Cmd::Demo(args)) => {
            let (theme, _) = pick_theme(cli.theme.as_deref());
            rt.block_on(etcdtui::demo::run(args, theme))
        }
        Some(Cmd::Decode(args)) => return decode(args, &cli.conn),
        Some(Cmd::Encode(args)) => return etcdtui::decode_cli::encode_main(&args),
        Some(Cmd::Check(args)) => return check(&rt, &cli.conn, args),
        Some(Cmd::Snapshot(etcdtui::cli::SnapshotCmd::Diff(args))) => {
            return snapshot_diff(&rt, &cli.conn, args);
        }
        Some(Cmd::Snapshot(etcdtui::cli::SnapshotCmd::Save(args))) => {
            return etcdtui::backup::snapshot_save(&rt, &cli.conn, args);
        }
        Some(Cmd::Snapshot(etcdtui::cli::SnapshotCmd::RestorePlan(args))) => {
            return etcdtui::backup::restore_plan(&rt, &cli.conn, args);
        }
        Some(Cmd::Snapshot(etcdtui::cli::SnapshotCmd::Restore(args))) => {
            return etcdtui::backup::snapshot_restore(args);
        }
        Some(Cmd::Snapshot(etcdtui::cli::SnapshotCmd::Status(args))) => {
            return snapshot_status(args);
        }
        Some(Cmd::Du(args)) => return du_live(&rt, &cli.conn, args),
        Some(Cmd::Snapshot(etcdtui::cli::SnapshotCmd::Du(args))) => return du_file(args),
        Some(Cmd::Upgrade(cmd)) => return etcdtui::upgrade_cli::main(&rt, &cli.conn, cmd),
        Some(Cmd::Triage(args)) => return etcdtui::backup::triage(args),
        Some(Cmd::Completions { shell }) => return print(etcdtui::cli::completions(shell)),
        Some(Cmd::Man) => return print(etcdtui::cli::man_page()),
        None => return run_tui(&rt, cli),
    };
    finish(result)
}

/// `NO_COLOR`, else the theme asked for (default: `default`), with the warning to show
/// if it could not be used.
fn pick_theme(name: Option<&str>) -> (Theme, Option<String>) {
    if etcdtui::runtime::no_color() {
        return (Theme::mono(), None);
    }
    let loaded = etcdtui::theme::load(
        name.unwrap_or("default"),
        etcdtui::theme::user_theme_dir().as_deref(),
    );
    (loaded.theme, loaded.warning)
}

fn run_tui(rt: &tokio::runtime::Runtime, cli: Cli) -> ExitCode {
    let setup = match Setup::load(&cli.conn) {
        Ok(s) => s,
        Err(e) => return usage_error(&e.to_string()),
    };
    if let Some(path) = &cli.snapshot {
        let wanted = cli.theme.clone().or_else(|| setup.config.theme.clone());
        let (theme, _) = pick_theme(wanted.as_deref());
        return browse_snapshot(rt, path, setup, theme, &cli.conn);
    }
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
    let prefs = match etcdtui::startup::ClusterPrefs::resolve(&cli.conn, &setup.config, &ctx.name) {
        Ok(p) => p,
        Err(e) => return usage_error(&e),
    };
    // --theme, else the context's theme, else the config's (resolved with the context).
    let (theme, theme_warning) = pick_theme(cli.theme.as_deref().or(ctx.theme.as_deref()));
    let encryption = etcdtui::startup::setup_encryption(&cli.conn, &setup.config, Some(&ctx.name));
    let mut app = new_app(context_info(&ctx), &setup.config, sep);
    app.context.details.extend(etcdtui::encryption::summary());
    let cli_password = etcdtui::config::command_line_password_warning(
        cli.conn
            .user
            .as_ref()
            .map(etcdtui::etcd::spec::UserFlag::as_str),
    );
    let warnings: Vec<String> = [
        theme_warning,
        ctx.password_file_warning.clone(),
        cli_password,
        encryption,
    ]
    .into_iter()
    .flatten()
    .collect();
    if !warnings.is_empty() {
        for w in &warnings {
            tracing::warn!("{w}");
        }
        app.set_status(etcdtui::app::Level::Warn, warnings.join("; "));
    }
    app.cluster.quota = prefs.quota;
    app.upgrade.manifest = etcdtui::upgrade::cli::manifest_flags(&cli.conn.kubeadm_manifest);
    app.kubeadm_manifest = cli.conn.kubeadm_manifest.clone();
    app.cluster.interval = prefs.refresh;
    finish(rt.block_on(runtime::run(
        app,
        ctx.spec,
        theme,
        setup.resolver_with_encryption(&cli.conn),
    )))
}

fn browse_snapshot(
    rt: &tokio::runtime::Runtime,
    path: &std::path::Path,
    setup: Setup,
    theme: Theme,
    cli_conn: &etcdtui::cli::ConnArgs,
) -> ExitCode {
    if let Err(e) = etcdtui::etcd::snapkeys::check_file(path) {
        eprintln!("etcdtui: {e}");
        return ExitCode::FAILURE;
    }
    let sep = match setup.config.separator_byte() {
        Ok(s) => s,
        Err(e) => return usage_error(&e),
    };
    let context = setup.config.current_context.clone();
    if let Some(w) = etcdtui::startup::setup_encryption(cli_conn, &setup.config, context.as_deref())
    {
        eprintln!("etcdtui: warning: {w}");
    }
    let mut app = new_app(etcdtui::app::reading_context(path), &setup.config, sep);
    app.kubeadm_manifest = cli_conn.kubeadm_manifest.clone();
    let path = path.to_path_buf();
    let resolver = setup.resolver_with_encryption(cli_conn);
    finish(rt.block_on(runtime::run_snapshot(app, path, theme, resolver)))
}

/// For the commands that connect without a TUI: the config, and the context to use with
/// its password, or the exit code of a usage error (already explained on stderr).
fn connect_setup(
    conn: &etcdtui::cli::ConnArgs,
) -> Result<(Setup, etcdtui::config::ResolvedContext), ExitCode> {
    let setup = Setup::load(conn).map_err(|e| usage_error(&e.to_string()))?;
    let mut ctx = setup.resolve().map_err(|e| usage_error(&e.to_string()))?;
    let cli_password = etcdtui::config::command_line_password_warning(
        conn.user
            .as_ref()
            .map(etcdtui::etcd::spec::UserFlag::as_str),
    );
    for w in ctx.password_file_warning.iter().chain(&cli_password) {
        eprintln!("etcdtui: warning: {w}");
    }
    ensure_password(&mut ctx).map_err(|e| usage_error(&e))?;
    Ok((setup, ctx))
}

fn check(
    rt: &tokio::runtime::Runtime,
    conn: &etcdtui::cli::ConnArgs,
    args: etcdtui::cli::CheckArgs,
) -> ExitCode {
    let (setup, ctx) = match connect_setup(conn) {
        Ok(r) => r,
        Err(code) => return code,
    };
    if let Some(w) = etcdtui::startup::setup_encryption(conn, &setup.config, Some(&ctx.name)) {
        eprintln!("etcdtui: warning: {w}");
    }
    let thresholds = setup.config.checks.clone();
    match rt.block_on(etcdtui::check_cli::run_checks_with(
        &ctx.spec,
        &thresholds,
        args.snapshot.as_deref(),
    )) {
        Ok(checks) => {
            let (mut text, code) = etcdtui::check_cli::report(&checks, args.output);
            // Member names and etcd's error messages are in it: a terminal gets them
            // escaped, as `decode` does.
            if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                text = etcdtui::text::safe_lines(&text);
            }
            print!("{text}");
            ExitCode::from(code)
        }
        Err(e) => {
            eprintln!("etcdtui: cannot check {}: {e}", ctx.name);
            ExitCode::from(2)
        }
    }
}

fn decode(args: etcdtui::cli::DecodeArgs, conn: &etcdtui::cli::ConnArgs) -> ExitCode {
    use std::io::Write;
    let input = etcdtui::decode_cli::read_input(args.file.as_deref());
    let input = match input {
        Ok(i) => i,
        Err(e) => return usage_error(&e),
    };
    let output = match args.output {
        etcdtui::cli::DecodeOutput::Yaml => etcdtui::decode_cli::OutputFormat::Yaml,
        etcdtui::cli::DecodeOutput::Json => etcdtui::decode_cli::OutputFormat::Json,
    };
    let config = etcdtui::config::load_config(conn.config.as_deref()).unwrap_or_default();
    if let Some(w) = etcdtui::startup::setup_encryption(conn, &config, conn.context.as_deref()) {
        eprintln!("etcdtui: warning: {w}");
    }
    let keys = etcdtui::encryption::installed();
    let mut text =
        etcdtui::decode_cli::run_decode_keys(&input, output, args.key.as_deref(), keys.as_deref());
    // Pipes and files get the value as decoded, like kubectl's output; a terminal gets
    // control characters escaped, so a hostile value cannot drive it.
    if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        text = etcdtui::text::safe_lines(&text);
    }
    match std::io::stdout().write_all(text.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => usage_error(&format!("cannot write: {e}")),
    }
}

fn snapshot_diff(
    rt: &tokio::runtime::Runtime,
    conn: &etcdtui::cli::ConnArgs,
    args: etcdtui::cli::SnapshotDiffArgs,
) -> ExitCode {
    use std::io::Write;
    let (setup, ctx) = match connect_setup(conn) {
        Ok(r) => r,
        Err(code) => return code,
    };
    if let Some(w) = etcdtui::startup::setup_encryption(conn, &setup.config, Some(&ctx.name)) {
        eprintln!("etcdtui: warning: {w}");
    }
    let report = rt.block_on(etcdtui::snapshot_diff_cli::run(
        &args.file,
        &ctx.spec,
        args.prefix.as_bytes(),
        args.key.as_deref().map(str::as_bytes),
        args.output,
    ));
    if let Some(e) = report.error {
        eprintln!("etcdtui: {e}");
        return ExitCode::FAILURE;
    }
    if let Some(w) = report.warning {
        eprintln!("etcdtui: {w}");
    }
    match std::io::stdout().write_all(report.stdout.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("etcdtui: cannot write: {e}");
            ExitCode::FAILURE
        }
        _ => ExitCode::SUCCESS,
    }
}

fn snapshot_status(args: etcdtui::cli::SnapshotStatusArgs) -> ExitCode {
    use std::io::Write;
    let report = etcdtui::snapshot_cli::status(&args.file, args.output);
    let written = std::io::stdout().write_all(report.stdout.as_bytes());
    for line in &report.stderr {
        eprintln!("etcdtui: {line}");
    }
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("etcdtui: cannot write: {e}");
            ExitCode::FAILURE
        }
        _ if report.ok => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
}

fn du_live(
    rt: &tokio::runtime::Runtime,
    conn: &etcdtui::cli::ConnArgs,
    args: etcdtui::cli::DuArgs,
) -> ExitCode {
    let (_, ctx) = match connect_setup(conn) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let o = args.du;
    let report = rt.block_on(etcdtui::du_cli::live_du(
        &ctx.spec,
        o.prefix.as_bytes(),
        o.depth,
        o.top,
        o.output,
    ));
    du_print(report)
}

fn du_file(args: etcdtui::cli::SnapshotDuArgs) -> ExitCode {
    let o = args.du;
    du_print(etcdtui::du_cli::snapshot_du(
        &args.file,
        o.prefix.as_bytes(),
        o.depth,
        o.top,
        o.output,
    ))
}

fn du_print(report: etcdtui::du_cli::Report) -> ExitCode {
    use std::io::Write;
    let mut text = report.stdout;
    // Key names come from etcd: a terminal gets them escaped.
    if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        text = etcdtui::text::safe_lines(&text);
    }
    let written = std::io::stdout().write_all(text.as_bytes());
    for line in &report.stderr {
        eprintln!("etcdtui: {line}");
    }
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("etcdtui: cannot write: {e}");
            ExitCode::FAILURE
        }
        _ if report.ok => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
}

/// Generated text to standard output; a closed pipe is not an error.
fn print(text: Result<Vec<u8>, String>) -> ExitCode {
    use std::io::Write;
    let text = match text {
        Ok(t) => t,
        Err(e) => return usage_error(&e),
    };
    match std::io::stdout().write_all(&text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => usage_error(&format!("cannot write: {e}")),
    }
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
