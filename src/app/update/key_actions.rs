//! Keys view actions: moving, copying, history, and the write dialogs they open.

use super::*;

/// The selected key (in the escaped form `:goto` reads back) or its value as shown.
pub(super) fn copy(ks: &super::super::keys::KeysState, value: bool) -> Vec<Effect> {
    let Some(id) = ks.current_node() else {
        return Vec::new();
    };
    let key = crate::text::bytes(&ks.tree.node(id).key);
    if !value {
        return vec![Effect::Copy {
            text: key,
            what: "the key".into(),
        }];
    }
    match &ks.value {
        Some(v) if v.kv.is_some() => vec![Effect::Copy {
            text: v.rendered.text.clone(),
            what: format!("the value of {key} ({})", v.format.label()),
        }],
        _ => Vec::new(),
    }
}

pub(super) fn history_action(
    ks: &mut super::super::keys::KeysState,
    action: Action,
) -> Vec<Effect> {
    use super::super::keys::history;
    let page = isize::try_from(ks.height.max(1)).unwrap_or(isize::MAX);
    match action {
        Action::Up => history::step(ks, -1),
        Action::Down => history::step(ks, 1),
        Action::PageUp => history::step(ks, -page),
        Action::PageDown => history::step(ks, page),
        Action::Top => history::step(ks, isize::MIN / 2),
        Action::Bottom => history::step(ks, isize::MAX / 2),
        Action::Close | Action::History => {
            history::close(ks);
            Vec::new()
        }
        Action::Mark => {
            history::toggle_mark(ks);
            Vec::new()
        }
        Action::Compare => {
            history::compare(ks);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

pub(super) fn keys_action(app: &mut App, action: Action) -> Vec<Effect> {
    use keys::Move;
    match action {
        Action::SpaceUsage => return super::super::du::start(app),
        Action::SortBySize => return super::super::du::toggle_sort(app),
        _ => {}
    }
    let ks = &mut app.keys;
    if ks.focus == super::super::keys::Focus::History {
        let effects = history_action(ks, action);
        surface_keys_error(app);
        return effects;
    }
    if matches!(
        action,
        Action::Edit | Action::NewKey | Action::Delete | Action::DeletePrefix
    ) {
        return write_action(app, action);
    }
    let effects = match action {
        Action::CopyKey | Action::CopyValue => copy(ks, action == Action::CopyValue),
        Action::WatchHere => {
            let Some(id) = ks.current_node() else {
                return Vec::new();
            };
            let n = ks.tree.node(id);
            let (key, prefix) = (n.key.clone(), n.is_dir);
            return start_watch(app, key, prefix, None);
        }
        Action::History => super::super::keys::history::open(ks),
        Action::Up => keys::move_cursor(ks, Move::Up),
        Action::Down => keys::move_cursor(ks, Move::Down),
        Action::PageUp => keys::move_cursor(ks, Move::PageUp),
        Action::PageDown => keys::move_cursor(ks, Move::PageDown),
        Action::Top => keys::move_cursor(ks, Move::Top),
        Action::Bottom => keys::move_cursor(ks, Move::Bottom),
        Action::Open => keys::open(ks),
        Action::Close => keys::close(ks),
        Action::Refresh => keys::refresh(ks),
        Action::Filter => super::super::keys::filter::open(ks),
        Action::CycleFormat => {
            if let Some(v) = &mut ks.value {
                v.cycle_format();
            }
            Vec::new()
        }
        Action::RevealSecrets => {
            if let Some(v) = &mut ks.value {
                v.toggle_reveal();
            }
            Vec::new()
        }
        _ => Vec::new(),
    };
    surface_keys_error(app);
    effects
}

/// The Keys view records what went wrong; the status line is where people look.
pub(super) fn surface_keys_error(app: &mut App) {
    if let Some(i) = app.keys.info.take() {
        app.set_status(Level::Info, i);
    }
    if let Some(e) = app.keys.error.take() {
        app.set_status(Level::Error, e);
    }
    if let Some((title, text)) = app.keys.report.take() {
        app.overlay = Overlay::Report {
            title,
            text,
            scroll: 0,
        };
    }
    if let Some(c) = app.keys.ask.take() {
        // A read-only session never reaches a write dialog, whatever asked for it.
        if app.context.read_only {
            app.set_status(Level::Error, "read-only: nothing is written");
        } else {
            app.overlay = Overlay::Confirm(Box::new(c));
        }
    }
}

pub(super) fn write_action(app: &mut App, action: Action) -> Vec<Effect> {
    use super::super::keys::write;
    if app.context.read_only {
        app.set_status(Level::Error, "read-only: nothing is written");
        return Vec::new();
    }
    if let Err(why) = super::super::keys::permitted::refuse_action(&app.keys, action) {
        app.set_status(Level::Error, why);
        return Vec::new();
    }
    let ks = &mut app.keys;
    let result = match action {
        Action::Edit => write::edit(ks).map(|e| vec![e]),
        Action::Delete => write::delete(ks).map(|c| {
            ks.ask = Some(c);
            Vec::new()
        }),
        Action::DeletePrefix => write::delete_prefix(ks).map(|e| vec![e]),
        Action::NewKey => {
            let dir = ks
                .current_node()
                .map(|id| {
                    let n = ks.tree.node(id);
                    if n.is_dir {
                        n.key.clone()
                    } else {
                        n.parent
                            .map(|p| ks.tree.node(p).key.clone())
                            .unwrap_or_default()
                    }
                })
                .unwrap_or_default();
            let mut line = CommandLine::with_history(app.command_history.clone());
            for c in format!("put {}", crate::text::bytes(&dir)).chars() {
                line.insert(c);
            }
            app.overlay = Overlay::Command(line);
            Ok(Vec::new())
        }
        _ => Ok(Vec::new()),
    };
    let effects = result.unwrap_or_else(|e| {
        app.keys.error = Some(e);
        Vec::new()
    });
    surface_keys_error(app);
    effects
}
