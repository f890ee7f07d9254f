//! The `:` command line and the confirm dialog's keys.

use super::*;

pub(super) fn on_confirm_key(app: &mut App, key: Key) -> Vec<Effect> {
    let Overlay::Confirm(c) = &mut app.overlay else {
        return Vec::new();
    };
    use super::super::keys::write::{Answer, WriteOp};
    match super::super::keys::write::confirm_key(c, key) {
        Answer::Asking => Vec::new(),
        Answer::Confirmed(op) => {
            let title = c.title.clone();
            app.overlay = Overlay::None;
            if let WriteOp::Operation(op) = op {
                return super::super::ops_keys::confirmed(app, *op, title);
            }
            if app.context.read_only {
                app.set_status(Level::Error, "read-only: nothing is written");
                return Vec::new();
            }
            app.set_status(Level::Info, "writing…");
            match op {
                op @ (WriteOp::RevokeLease { .. } | WriteOp::KeepAlive { .. }) => {
                    super::super::leases::confirmed(&mut app.leases, op)
                }
                op @ WriteOp::Auth(_) => super::super::auth::confirmed(&mut app.auth, op),
                op => super::super::keys::write::confirmed(&mut app.keys, op)
                    .into_iter()
                    .collect(),
            }
        }
        Answer::Cancelled => {
            let kept = match &c.op {
                super::super::keys::write::WriteOp::Put { draft: Some(d), .. } => {
                    format!(" (your edit is kept in {})", d.display())
                }
                _ => String::new(),
            };
            app.overlay = Overlay::None;
            app.set_status(Level::Info, format!("cancelled: nothing written{kept}"));
            Vec::new()
        }
    }
}

pub(super) fn on_command_key(app: &mut App, key: Key) -> Vec<Effect> {
    let Overlay::Command(line) = &mut app.overlay else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Esc => app.overlay = Overlay::None,
        KeyCode::Char('c') if key.ctrl => app.overlay = Overlay::None,
        KeyCode::Char('u') if key.ctrl => {
            line.input.clear();
            line.home();
        }
        KeyCode::Enter => {
            let text = line.input.trim().to_string();
            app.overlay = Overlay::None;
            if text.is_empty() {
                return Vec::new();
            }
            if app.command_history.last() != Some(&text) {
                app.command_history.push(text.clone());
            }
            return run_command(app, &text);
        }
        KeyCode::Char(c) if !key.ctrl && !key.alt => line.insert(c),
        KeyCode::Backspace if line.input.is_empty() => app.overlay = Overlay::None,
        KeyCode::Backspace => line.backspace(),
        KeyCode::Delete => line.delete(),
        KeyCode::Left => line.left(),
        KeyCode::Right => line.right(),
        KeyCode::Home => line.home(),
        KeyCode::End => line.end(),
        KeyCode::Up => line.history_prev(),
        KeyCode::Down => line.history_next(),
        KeyCode::Tab => line.complete(&app.context_names),
        _ => {}
    }
    Vec::new()
}

pub(super) fn run_command(app: &mut App, text: &str) -> Vec<Effect> {
    let command = parse_command(text);
    if app.snapshot.is_some() && super::super::source::needs_cluster(&command) {
        app.set_status(Level::Error, super::super::NEEDS_CLUSTER);
        return Vec::new();
    }
    match command {
        Err(e) => app.set_status(Level::Error, e),
        Ok(Command::Quit) => app.quit = true,
        Ok(Command::Help) => app.overlay = Overlay::Help { scroll: 0 },
        Ok(Command::ShowView(v)) => app.view = v,
        Ok(Command::Reconnect) => return run_action(app, Action::Reconnect),
        Ok(Command::Info) => app.overlay = Overlay::Info,
        Ok(Command::RestorePlan) => return super::super::restore_plan::open(app),
        Ok(Command::Churn(prefix)) => return churn_command(app, prefix),
        Ok(Command::Watch { key, rev }) => {
            let prefix = true;
            return start_watch(app, key, prefix, rev);
        }
        Ok(Command::Record(path)) => {
            let path = match (path.strip_prefix("~/"), dirs::home_dir()) {
                (Some(rest), Some(home)) => home.join(rest),
                _ => std::path::PathBuf::from(path),
            };
            let msg = match app.watch.tab_mut() {
                Some(t) => {
                    let m = format!(
                        "recording new events of {} to {}",
                        t.title(),
                        path.display()
                    );
                    t.record = Some(path);
                    (Level::Info, m)
                }
                None => (
                    Level::Error,
                    "no watch to record: start one with :watch PREFIX".to_string(),
                ),
            };
            app.set_status(msg.0, msg.1);
        }
        Ok(Command::ListContexts) => {
            let text = if app.context_names.is_empty() {
                "no contexts in config.yaml".to_string()
            } else {
                format!("contexts: {}", app.context_names.join(", "))
            };
            app.set_status(Level::Info, text);
        }
        Ok(Command::AuthSwitch(enable)) => {
            let asked = super::super::auth::toggle(&app.auth, enable);
            return auth_command(app, asked);
        }
        Ok(Command::Role { user, role, revoke }) => {
            return auth_command(app, Ok(super::super::auth::grant(&user, &role, revoke)));
        }
        Ok(Command::UserAdd(name)) => {
            return auth_command(app, Ok(super::super::auth::add_user(&name)));
        }
        Ok(Command::Export(path)) => {
            let path = match (path.strip_prefix("~/"), dirs::home_dir()) {
                (Some(rest), Some(home)) => home.join(rest),
                _ => std::path::PathBuf::from(path),
            };
            app.view = super::super::ViewId::Keys;
            return keys::export(&mut app.keys, path);
        }
        Ok(Command::Diff(path)) => {
            let path = match (path.strip_prefix("~/"), dirs::home_dir()) {
                (Some(rest), Some(home)) => home.join(rest),
                _ => std::path::PathBuf::from(path),
            };
            let effects = keys::snapshot_diff(&mut app.keys, path);
            surface_keys_error(app);
            return effects;
        }
        Ok(Command::Open(path)) => {
            let path = match (path.strip_prefix("~/"), dirs::home_dir()) {
                (Some(rest), Some(home)) => home.join(rest),
                _ => std::path::PathBuf::from(path),
            };
            app.set_status(Level::Info, format!("opening {}…", path.display()));
            return vec![Effect::OpenSnapshot(path)];
        }
        Ok(Command::Put(key)) => {
            if app.context.read_only {
                app.set_status(Level::Error, "read-only: nothing is written");
                return Vec::new();
            }
            if let Err(why) = super::super::keys::permitted::refuse_write(&app.keys, &key, false) {
                app.set_status(Level::Error, why);
                return Vec::new();
            }
            app.view = super::super::ViewId::Keys;
            return vec![Effect::Edit {
                key,
                initial: Vec::new(),
                expected: 0,
            }];
        }
        Ok(Command::Goto(target)) => {
            app.view = super::super::ViewId::Keys;
            let effects = keys::goto(&mut app.keys, target);
            surface_keys_error(app);
            return effects;
        }
        Ok(Command::Op(cmd)) => return super::super::ops_keys::command(app, cmd),
        Ok(Command::Theme(Some(name))) => return vec![Effect::LoadTheme(name)],
        Ok(Command::Theme(None)) => {
            let names: Vec<&str> = crate::theme::BUILTIN.iter().map(|(n, _)| *n).collect();
            app.set_status(
                Level::Info,
                format!(
                    "themes: {} (and yours in the config dir's etcdtui/themes/)",
                    names.join(", ")
                ),
            );
        }
        Ok(Command::SwitchContext(name)) => {
            app.set_status(Level::Info, format!("switching to context {name}…"));
            return vec![Effect::ResolveContext(name)];
        }
    }
    Vec::new()
}
