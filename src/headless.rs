//! Runs the app's update loop against real etcd without a terminal: effects go to the
//! real connection actor, its events come back as messages. The same wiring as
//! `runtime::run`, minus drawing, so tests and benchmarks can press keys and read the
//! state. It is test support: it panics where a test should fail.

use std::time::{Duration, Instant};

use crate::app::{App, ContextInfo, Effect, Msg, update};
use crate::clipboard::{Clipboard, FakeClipboard};
use crate::etcd::{ConnectSpec, EtcdHandle, Event, Request, session};
use crate::keymap::{Key, KeyCode, Keymap};
use crate::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;

/// Stands in for `$EDITOR`: gets the value, returns the edited value.
pub type FakeEditor = Box<dyn FnMut(&[u8]) -> Vec<u8> + Send>;

pub struct Headless {
    pub app: App,
    pub editor: Option<FakeEditor>,
    /// Where edit drafts go, like the state directory in real use.
    pub drafts: tempfile::TempDir,
    drafts_made: usize,
    pub clipboard: FakeClipboard,
    etcd: EtcdHandle,
    events: mpsc::Receiver<Event>,
    /// The cluster restore plans may ask, and the plans asked for but not yet made
    /// (`make_restore_plans` makes them, as the runtime does on a blocking thread).
    live: Option<ConnectSpec>,
    plans: Vec<Effect>,
}

impl Headless {
    pub fn connect(endpoints: Vec<String>, width: u16, height: u16) -> Headless {
        Headless::connect_as(endpoints, width, height, false)
    }

    pub fn connect_as(
        endpoints: Vec<String>,
        width: u16,
        height: u16,
        read_only: bool,
    ) -> Headless {
        let spec = ConnectSpec {
            endpoints,
            ..ConnectSpec::default()
        };
        Headless::connect_spec(spec, width, height, read_only)
    }

    /// Browsing a snapshot file, as `etcdtui --snapshot FILE` does. Err: why the file
    /// cannot be opened, as the command line prints it.
    pub fn open_snapshot(
        path: &std::path::Path,
        width: u16,
        height: u16,
    ) -> Result<Headless, String> {
        let (file, source) = crate::etcd::snapkeys::open_file(path)?;
        let info = crate::app::source_context(&source);
        let mut app = App::new(info, Keymap::defaults(), Vec::new(), Instant::now());
        app.snapshot = Some(source);
        let first = Request::OpenSnapshot {
            generation: app.generation,
            file,
        };
        Ok(Headless::start(app, first, width, height))
    }

    /// With full connection settings (credentials, TLS).
    pub fn connect_spec(spec: ConnectSpec, width: u16, height: u16, read_only: bool) -> Headless {
        let info = ContextInfo {
            name: "test".into(),
            endpoints: spec.endpoints.clone(),
            source: "test".into(),
            read_only,
            user: spec.credentials.as_ref().map(|c| c.user.clone()),
            tls: spec.tls.is_some(),
            details: Vec::new(),
        };
        let app = App::new(info, Keymap::defaults(), Vec::new(), Instant::now());
        let first = Request::Connect {
            generation: app.generation,
            spec,
        };
        Headless::start(app, first, width, height)
    }

    fn start(mut app: App, first: Request, width: u16, height: u16) -> Headless {
        let live = match &first {
            Request::Connect { spec, .. } => Some(spec.clone()),
            _ => None,
        };
        let (tx, events) = mpsc::channel(1024);
        let etcd = session::spawn(tx);
        etcd.send(first);
        let effects = update(&mut app, Msg::Resize { width, height });
        let drafts = tempfile::tempdir().expect("temp dir for drafts");
        // Snapshots and the audit log stay inside the test's own directory.
        app.ops.audit_log = Some(drafts.path().join("audit.log"));
        app.ops.snapshot_dir = drafts.path().join("snapshots");
        app.ops.operator = "test".into();
        app.checks.backup_dir = app.ops.snapshot_dir.clone();
        let mut h = Headless {
            app,
            editor: None,
            drafts,
            drafts_made: 0,
            clipboard: FakeClipboard::default(),
            etcd,
            events,
            live,
            plans: Vec::new(),
        };
        h.run(effects);
        h
    }

    fn run(&mut self, effects: Vec<Effect>) {
        for e in effects {
            if let Effect::Connect { spec, .. } = &e {
                self.live = Some(spec.clone());
            }
            let e = match crate::effect_request::to_request(e, self.app.generation) {
                Ok(request) => {
                    self.etcd.send(request);
                    continue;
                }
                Err(local) => local,
            };
            match e {
                Effect::AppendLines { path, lines } => {
                    use std::io::Write;
                    let mut f = std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(&path)
                        .expect("record file");
                    for l in lines {
                        writeln!(f, "{l}").expect("record line");
                    }
                }
                Effect::Copy { text, what } => {
                    let result = self.clipboard.copy(&text);
                    let more = update(&mut self.app, Msg::Copied { what, result });
                    self.run(more);
                }
                Effect::Edit {
                    key,
                    initial,
                    expected,
                } => {
                    let result = match &mut self.editor {
                        Some(edit) => {
                            let edited = edit(&initial);
                            let draft = self
                                .drafts
                                .path()
                                .join(format!("draft-{}", self.drafts_made));
                            self.drafts_made += 1;
                            std::fs::write(&draft, &edited)
                                .map(|_| (edited, draft))
                                .map_err(|e| e.to_string())
                        }
                        None => Err("no editor in this test".to_string()),
                    };
                    let more = update(
                        &mut self.app,
                        Msg::Edited {
                            key,
                            expected,
                            original: initial,
                            result,
                        },
                    );
                    self.run(more);
                }
                Effect::Audit { path, line } => {
                    crate::runtime::append_audit(&path, &line).expect("audit log")
                }
                Effect::LoadTheme(name) => {
                    let loaded = crate::theme::load(&name, None);
                    let more = update(
                        &mut self.app,
                        Msg::ThemeLoaded {
                            name,
                            warning: loaded.warning,
                        },
                    );
                    self.run(more);
                }
                Effect::RemoveFile(path) => {
                    let _ = std::fs::remove_file(path);
                }
                plan @ Effect::RestorePlan { .. } => self.plans.push(plan),
                Effect::ResolveContext(name) => {
                    let more = update(
                        &mut self.app,
                        Msg::ContextSwitched(Err(format!("no context {name} in tests"))),
                    );
                    self.run(more);
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
    }

    /// Makes the restore plans asked for since the last call and hands them to the app.
    pub async fn make_restore_plans(&mut self) {
        for plan in std::mem::take(&mut self.plans) {
            let Effect::RestorePlan {
                generation,
                file,
                manifest,
            } = plan
            else {
                continue;
            };
            let result = crate::backup::tui_plan::make(&file, &manifest, self.live.as_ref()).await;
            self.msg(Msg::RestorePlanMade {
                generation,
                file,
                result,
            });
        }
    }

    pub fn msg(&mut self, msg: Msg) {
        let effects = update(&mut self.app, msg);
        self.run(effects);
    }

    pub fn key(&mut self, key: Key) {
        self.msg(Msg::Key(key));
    }

    /// Presses keys written as text; `\n` is Enter.
    pub fn keys(&mut self, text: &str) {
        for c in text.chars() {
            let key = match c {
                '\n' => Key::plain(KeyCode::Enter),
                c => Key::char(c),
            };
            self.key(key);
        }
    }

    /// Feeds etcd events into the app until `pred` holds and no request is in flight.
    pub async fn settle_until(&mut self, what: &str, pred: impl Fn(&App) -> bool) {
        self.settle_within(what, Duration::from_secs(10), pred)
            .await;
    }

    pub async fn settle_within(
        &mut self,
        what: &str,
        limit: Duration,
        pred: impl Fn(&App) -> bool,
    ) {
        let deadline = Instant::now() + limit;
        loop {
            if pred(&self.app)
                && self.app.keys.pending.is_empty()
                && self.app.leases.pending.is_empty()
                && self.app.auth.pending.is_empty()
                && self.app.cluster.is_idle()
                && self.app.ops.running.is_none()
            {
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.events.recv()).await {
                Ok(Some(ev)) => self.msg(Msg::Etcd(ev)),
                Ok(None) => panic!("etcd actor stopped while waiting for {what}"),
                Err(_) => panic!(
                    "timed out waiting for {what}; pending: {:?}; index: {} keys, loading {}, done {}, error {:?}; status {:?}",
                    self.app.keys.pending,
                    self.app.keys.index.len(),
                    self.app.keys.index.loading,
                    self.app.keys.index.done,
                    self.app.keys.index.error,
                    self.app.status
                ),
            }
        }
    }

    /// Feeds etcd events until `pred` holds, whatever else is still in flight: for
    /// looking at an operation while it runs.
    pub async fn pump_until(&mut self, what: &str, limit: Duration, pred: impl Fn(&App) -> bool) {
        let deadline = Instant::now() + limit;
        while !pred(&self.app) {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.events.recv()).await {
                Ok(Some(ev)) => self.msg(Msg::Etcd(ev)),
                Ok(None) => panic!("etcd actor stopped while waiting for {what}"),
                Err(_) => panic!("timed out waiting for {what}; status {:?}", self.app.status),
            }
        }
    }

    /// Ticks the clock and feeds whatever etcd sends for `d`, never failing: for
    /// watching the screen while a member is down and requests may hang.
    pub async fn pump_for(&mut self, d: Duration) {
        self.msg(Msg::Tick(Instant::now()));
        let deadline = tokio::time::Instant::now() + d;
        while let Ok(Some(ev)) = tokio::time::timeout_at(deadline, self.events.recv()).await {
            self.msg(Msg::Etcd(ev));
        }
    }

    pub async fn settle(&mut self) {
        self.settle_until("requests to finish", |_| true).await;
    }

    /// The whole screen, as the user sees it.
    pub fn render(&self, width: u16, height: u16) -> String {
        let mut t = Terminal::new(TestBackend::new(width, height)).expect("backend");
        t.draw(|f| crate::ui::draw(f, &self.app, &Theme::builtin_default()))
            .expect("draw");
        t.backend().to_string()
    }

    /// The screen without the two header lines, which hold ports and cluster IDs that
    /// differ on every run: what snapshots compare.
    pub fn render_body(&self, width: u16, height: u16) -> String {
        let screen = self.render(width, height);
        screen.lines().skip(2).collect::<Vec<_>>().join("\n")
    }

    /// The Keys view body only (no header: it holds ports and cluster IDs that differ
    /// per run).
    pub fn render_keys(&self, width: u16, height: u16) -> String {
        let mut t = Terminal::new(TestBackend::new(width, height)).expect("backend");
        t.draw(|f| crate::ui::keys::draw(f, f.area(), &self.app, &Theme::builtin_default()))
            .expect("draw");
        t.backend().to_string()
    }

    pub fn selected_key(&self) -> Option<Vec<u8>> {
        let ks = &self.app.keys;
        ks.current_node().map(|id| ks.tree.node(id).key.clone())
    }
}
