//! The event loop: terminal events and etcd events become `Msg`s, `update` turns them
//! into state and effects, and the screen is redrawn at a capped rate. Nothing here
//! awaits the network: etcd requests go out through a non-blocking channel.

use std::time::{Duration, Instant};

use crossterm::event::{Event as TermEvent, EventStream};
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::app::{App, ContextInfo, Effect, Msg, update};
use crate::clipboard::{Clipboard, SystemClipboard};
use crate::etcd::{self, ConnectSpec, EtcdHandle, Request};
use crate::theme::Theme;
use crate::tui::{TerminalGuard, convert_key, convert_mouse};

const TICK: Duration = Duration::from_millis(250);
/// At most this many etcd events are applied before the next draw, so a flood of
/// events cannot starve the keyboard.
const EVENT_BATCH: usize = 512;
const MIN_FRAME: Duration = Duration::from_millis(16);

/// Turns a context name into connection settings: reading config and password files is
/// I/O, so the runtime does it on the app's behalf.
pub type Resolver = Box<dyn Fn(&str) -> Result<(ContextInfo, ConnectSpec), String> + Send>;

pub async fn run(
    app: App,
    spec: ConnectSpec,
    theme: Theme,
    resolver: Resolver,
) -> color_eyre::Result<()> {
    let first = Request::Connect {
        generation: app.generation,
        spec,
    };
    run_from(app, first, theme, resolver).await
}

/// The TUI on a snapshot file (`--snapshot`), read by the actor while the screen shows
/// "opening"; the app switches to it when `Event::SnapshotRead` arrives.
pub async fn run_snapshot(
    mut app: App,
    path: std::path::PathBuf,
    theme: Theme,
    resolver: Resolver,
) -> color_eyre::Result<()> {
    app.set_status(
        crate::app::Level::Info,
        format!("opening {}…", path.display()),
    );
    let first = Request::ReadSnapshot {
        generation: app.generation,
        path,
    };
    run_from(app, first, theme, resolver).await
}

async fn run_from(
    mut app: App,
    first_request: Request,
    mut theme: Theme,
    resolver: Resolver,
) -> color_eyre::Result<()> {
    let (ev_tx, mut ev_rx) = mpsc::channel(4096);
    // Restore plans ask the cluster the session connected to, even while a file is open.
    let live = match &first_request {
        Request::Connect { spec, .. } => Some(spec.clone()),
        _ => None,
    };
    let (mut planner, mut plans) = crate::backup::tui_plan::Planner::new(live);
    let etcd = etcd::session::spawn(ev_tx);
    etcd.send(first_request);

    let mut guard = TerminalGuard::enter()?;
    let size = guard.terminal.size()?;
    let first = update(
        &mut app,
        Msg::Resize {
            width: size.width,
            height: size.height,
        },
    );
    let mut clipboard = SystemClipboard::new();
    let mut pending_edits = run_effects(
        &mut app,
        first,
        &etcd,
        &resolver,
        &mut clipboard,
        &mut theme,
        &mut planner,
    );
    let mut input = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    let mut dirty = true;
    let mut queue_edits: Vec<Effect> = Vec::new();
    let mut last_draw = Instant::now() - MIN_FRAME;
    let test_panic = test_panic_wanted();
    // Caught so that a snapshot under way is cancelled and recorded, and the caller's
    // cleanup (the demo's cluster directory) runs, instead of the process vanishing.
    let mut signals = crate::backup::signals::Signals::new();
    let mut ended_by = "quit";
    let mut draw_error = None;

    while !app.quit {
        for edit in pending_edits.drain(..) {
            let Effect::Edit {
                key,
                initial,
                expected,
            } = edit
            else {
                continue;
            };
            // The input stream would otherwise read the keys typed into the editor.
            drop(input);
            guard.suspend();
            let result = crate::editor::edit(&key, &initial);
            guard.resume()?;
            input = EventStream::new();
            let msg = Msg::Edited {
                key,
                expected,
                original: initial,
                result,
            };
            let effects = update(&mut app, msg);
            let more = run_effects(
                &mut app,
                effects,
                &etcd,
                &resolver,
                &mut clipboard,
                &mut theme,
                &mut planner,
            );
            queue_edits.extend(more);
            dirty = true;
        }
        pending_edits.append(&mut queue_edits);
        if dirty && last_draw.elapsed() >= MIN_FRAME {
            // A terminal that went away (a dropped session) fails the draw before the
            // hang-up is read: end through the wind-down below, not past it.
            if let Err(e) = guard.terminal.draw(|f| crate::ui::draw(f, &app, &theme)) {
                ended_by = "SIGHUP (the terminal closed)";
                draw_error = Some(e);
                break;
            }
            last_draw = Instant::now();
            dirty = false;
            if test_panic && matches!(app.conn, crate::app::ConnState::Connected { .. }) {
                panic!("ETCDTUI_TEST_PANIC=1: panicking on purpose, to test the panic report");
            }
        }
        // A change that came too soon after the last frame is drawn once the frame
        // interval has passed, not at the next key press or tick up to 250 ms later.
        let frame_due = tokio::time::Instant::from_std(last_draw + MIN_FRAME);
        let msgs = tokio::select! {
            // Keys first, then the clock, then etcd: under a flood of etcd events a
            // random pick would leave a key press (or the 250 ms tick that drives
            // countdowns and refreshes) waiting behind several batches.
            biased;
            ev = input.next() => match ev {
                Some(Ok(TermEvent::Key(k))) => convert_key(k).map(Msg::Key).into_iter().collect(),
                Some(Ok(TermEvent::Resize(width, height))) => vec![Msg::Resize { width, height }],
                Some(Ok(TermEvent::Mouse(m))) => convert_mouse(m).map(Msg::Mouse).into_iter().collect(),
                Some(Ok(_)) => Vec::new(),
                // The terminal is gone (closed SSH session): nothing left to show.
                Some(Err(_)) | None => {
                    // The same event as the SIGHUP that comes with it: whichever is seen first.
                    ended_by = "SIGHUP (the terminal closed)";
                    break;
                }
            },
            sig = signals.recv() => {
                ended_by = sig.name;
                break;
            },
            _ = tick.tick() => vec![Msg::Tick(Instant::now())],
            Some(made) = plans.recv() => vec![made],
            Some(first) = ev_rx.recv() => {
                let mut batch = vec![Msg::Etcd(first)];
                while batch.len() < EVENT_BATCH {
                    match ev_rx.try_recv() {
                        Ok(e) => batch.push(Msg::Etcd(e)),
                        Err(_) => break,
                    }
                }
                batch
            },
            _ = tokio::time::sleep_until(frame_due), if dirty => Vec::new(),
        };
        for msg in msgs {
            dirty = true;
            let effects = update(&mut app, msg);
            pending_edits.extend(run_effects(
                &mut app,
                effects,
                &etcd,
                &resolver,
                &mut clipboard,
                &mut theme,
                &mut planner,
            ));
        }
    }
    if ended_by.starts_with("SIGHUP") {
        crate::backup::signals::detach_from_terminal();
    }
    crate::backup::interrupt::wind_down(&mut app, &etcd, &mut ev_rx, ended_by).await;
    etcd.send(Request::Shutdown);
    drop(guard);
    match draw_error {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

fn append_lines(path: &std::path::Path, lines: &[String]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    for l in lines {
        f.write_all(l.as_bytes())?;
        f.write_all(b"\n")?;
    }
    f.flush()
}

/// `ETCDTUI_TEST_PANIC=1` makes the TUI panic once it is connected and has drawn. The
/// tests of the panic report need a panic with the terminal in raw mode and a password
/// in memory, and a working etcdtui offers no other way to provoke one.
fn test_panic_wanted() -> bool {
    std::env::var_os("ETCDTUI_TEST_PANIC").is_some_and(|v| v == "1")
}

/// `NO_COLOR` set to anything non-empty turns colour off (no-color.org).
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// The audit log is created private to its owner: it names clusters and members.
pub fn append_audit(path: &std::path::Path, line: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    // One write per line, so concurrent etcdtui processes never interleave inside one.
    std::io::Write::write_all(&mut f, format!("{line}\n").as_bytes())
}

fn run_effects(
    app: &mut App,
    effects: Vec<Effect>,
    etcd: &EtcdHandle,
    resolver: &Resolver,
    clipboard: &mut dyn Clipboard,
    theme: &mut Theme,
    planner: &mut crate::backup::tui_plan::Planner,
) -> Vec<Effect> {
    let mut deferred = Vec::new();
    let mut queue = effects;
    while let Some(effect) = queue.pop() {
        // The restore plan takes its members from the cluster the session last connected to.
        if let Effect::Connect { spec, .. } = &effect {
            planner.live = Some(spec.clone());
        }
        let effect = match crate::effect_request::to_request(effect, app.generation) {
            Ok(request) => {
                etcd.send(request);
                continue;
            }
            Err(local) => local,
        };
        match effect {
            Effect::AppendLines { path, lines } => {
                if let Err(e) = append_lines(&path, &lines) {
                    queue.extend(update(
                        app,
                        Msg::RecordFailed(format!("recording to {}: {e}", path.display())),
                    ));
                }
            }
            Effect::Copy { text, what } => {
                let result = clipboard.copy(&text);
                queue.extend(update(app, Msg::Copied { what, result }));
            }
            Effect::RemoveFile(path) => {
                if let Err(e) = std::fs::remove_file(&path) {
                    tracing::warn!("could not remove draft {}: {e}", path.display());
                }
            }
            Effect::RestorePlan {
                generation,
                file,
                manifest,
            } => planner.start(generation, file, manifest),
            Effect::LoadTheme(name) => {
                let loaded = if no_color() {
                    crate::theme::Loaded {
                        theme: Theme::mono(),
                        warning: Some("NO_COLOR is set: colours stay off".into()),
                    }
                } else {
                    crate::theme::load(&name, crate::theme::user_theme_dir().as_deref())
                };
                *theme = loaded.theme;
                queue.extend(update(
                    app,
                    Msg::ThemeLoaded {
                        name,
                        warning: loaded.warning,
                    },
                ));
            }
            Effect::Audit { path, line } => {
                if let Err(e) = append_audit(&path, &line) {
                    queue.extend(update(
                        app,
                        Msg::AuditFailed(format!("{}: {e}", path.display())),
                    ));
                }
            }
            // The editor needs the terminal: the loop hands it over between frames.
            edit @ Effect::Edit { .. } => deferred.push(edit),
            Effect::ResolveContext(name) => {
                let answer = resolver(&name).map(Box::new);
                queue.extend(update(app, Msg::ContextSwitched(answer)));
            }
            // Sent to the actor above.
            Effect::Connect { .. }
            | Effect::ReconnectNow
            | Effect::ResumeLive { .. }
            | Effect::Keys { .. }
            | Effect::Leases { .. }
            | Effect::Auth { .. }
            | Effect::Cluster { .. }
            | Effect::WatchStart { .. }
            | Effect::WatchStop { .. }
            | Effect::WatchResume { .. }
            | Effect::WatchPrev { .. }
            | Effect::ChurnStart { .. }
            | Effect::ChurnStop { .. }
            | Effect::Du { .. }
            | Effect::DuCancel { .. }
            | Effect::Operation { .. }
            | Effect::CancelOperation { .. }
            | Effect::Checks { .. }
            | Effect::OpenSnapshot(_)
            | Effect::BrowseSnapshot { .. } => {}
        }
    }
    deferred
}
