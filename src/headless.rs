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

pub struct Headless {
    pub app: App,
    pub clipboard: FakeClipboard,
    etcd: EtcdHandle,
    events: mpsc::Receiver<Event>,
}

impl Headless {
    pub fn connect(endpoints: Vec<String>, width: u16, height: u16) -> Headless {
        let spec = ConnectSpec {
            endpoints: endpoints.clone(),
            ..ConnectSpec::default()
        };
        let info = ContextInfo {
            name: "test".into(),
            endpoints,
            source: "test".into(),
            read_only: false,
            user: None,
            tls: false,
            details: Vec::new(),
        };
        let (tx, events) = mpsc::channel(1024);
        let etcd = session::spawn(tx);
        let mut app = App::new(info, Keymap::defaults(), Vec::new(), Instant::now());
        etcd.send(Request::Connect {
            generation: app.generation,
            spec,
        });
        let effects = update(&mut app, Msg::Resize { width, height });
        let mut h = Headless {
            app,
            clipboard: FakeClipboard::default(),
            etcd,
            events,
        };
        h.run(effects);
        h
    }

    fn run(&mut self, effects: Vec<Effect>) {
        for e in effects {
            match e {
                Effect::Keys { id, op } => self.etcd.send(Request::Keys {
                    generation: self.app.generation,
                    id,
                    op,
                }),
                Effect::Connect { generation, spec } => {
                    self.etcd.send(Request::Connect { generation, spec })
                }
                Effect::ReconnectNow => self.etcd.send(Request::ReconnectNow),
                Effect::Copy { text, what } => {
                    let result = self.clipboard.copy(&text);
                    let more = update(&mut self.app, Msg::Copied { what, result });
                    self.run(more);
                }
                other => panic!("headless driver does not handle {other:?}"),
            }
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
            if pred(&self.app) && self.app.keys.pending.is_empty() {
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

    pub async fn settle(&mut self) {
        self.settle_until("requests to finish", |_| true).await;
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
