//! Key bindings as data: which action, which keys, what the help says, and whether the
//! binding changes the cluster (dangerous bindings do not exist in read-only mode).
//!
//! Keys are our own type rather than crossterm's so that `app` stays free of the
//! terminal and bindings can be written as strings in `config.yaml`.

use std::fmt;

use crate::app::ViewId;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyCode {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    F(u8),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    pub const fn plain(code: KeyCode) -> Key {
        Key {
            code,
            ctrl: false,
            alt: false,
        }
    }
    pub const fn char(c: char) -> Key {
        Key::plain(KeyCode::Char(c))
    }
    pub const fn ctrl(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            ctrl: true,
            alt: false,
        }
    }

    /// Parses the notation used in the help and in `config.yaml`: `q`, `?`, `ctrl-c`,
    /// `alt-x`, `enter`, `shift-tab`, `pgdn`, `f5`.
    pub fn parse(text: &str) -> Result<Key, String> {
        let mut key = Key::char(' ');
        let mut rest = text;
        loop {
            if let Some(r) = strip_prefix_ci(rest, "ctrl-") {
                key.ctrl = true;
                rest = r;
            } else if let Some(r) = strip_prefix_ci(rest, "alt-") {
                key.alt = true;
                rest = r;
            } else {
                break;
            }
        }
        key.code = parse_code(rest).ok_or_else(|| format!("unknown key {text:?}"))?;
        Ok(key)
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    // A lone "-" key must not be mistaken for a modifier separator.
    (head.eq_ignore_ascii_case(prefix) && s.len() > prefix.len()).then(|| &s[prefix.len()..])
}

fn parse_code(s: &str) -> Option<KeyCode> {
    let mut chars = s.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return Some(KeyCode::Char(c));
    }
    let code = match s.to_ascii_lowercase().as_str() {
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "shift-tab" | "backtab" => KeyCode::BackTab,
        "backspace" => KeyCode::Backspace,
        "delete" | "del" => KeyCode::Delete,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pgup" | "pageup" => KeyCode::PageUp,
        "pgdn" | "pagedown" => KeyCode::PageDown,
        "space" => KeyCode::Char(' '),
        other => {
            let n: u8 = other.strip_prefix('f')?.parse().ok()?;
            KeyCode::F(n)
        }
    };
    Some(code)
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Delete => f.write_str("del"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdn"),
            KeyCode::F(n) => write!(f, "f{n}"),
        }
    }
}

/// Everything a key can ask for. Views add their own variants as they are built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Help,
    CommandLine,
    NextView,
    PrevView,
    ShowView(ViewId),
    Reconnect,
    // Lists and panes.
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Expand, open, or go into the value.
    Open,
    /// Collapse, go to the parent, or leave the value.
    Close,
    Refresh,
    CycleFormat,
    RevealSecrets,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Global,
    View(ViewId),
}

#[derive(Clone, Debug)]
pub struct Binding {
    pub action: Action,
    pub keys: Vec<Key>,
    pub description: &'static str,
    /// Changes the cluster: removed entirely in read-only mode.
    pub dangerous: bool,
    pub scope: Scope,
    /// Shown in the footer, not only in the help.
    pub hint: bool,
}

#[derive(Clone, Debug)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

fn global(action: Action, keys: &[Key], description: &'static str, hint: bool) -> Binding {
    Binding {
        action,
        keys: keys.to_vec(),
        description,
        dangerous: false,
        scope: Scope::Global,
        hint,
    }
}

impl Keymap {
    pub fn defaults() -> Keymap {
        let mut bindings = vec![
            global(
                Action::Quit,
                &[Key::char('q'), Key::ctrl('c')],
                "quit",
                true,
            ),
            global(Action::Help, &[Key::char('?')], "help", true),
            global(Action::CommandLine, &[Key::char(':')], "command", true),
            global(
                Action::NextView,
                &[Key::plain(KeyCode::Tab)],
                "next view",
                false,
            ),
            global(
                Action::PrevView,
                &[Key::plain(KeyCode::BackTab)],
                "previous view",
                false,
            ),
            global(Action::Reconnect, &[Key::ctrl('r')], "reconnect now", false),
        ];
        bindings.extend(keys_view_bindings());
        for view in ViewId::ALL {
            bindings.push(global(
                Action::ShowView(view),
                &[Key::char(view.digit())],
                view.help_line(),
                false,
            ));
        }
        Keymap { bindings }
    }

    pub fn with_binding(mut self, b: Binding) -> Keymap {
        self.bindings.push(b);
        self
    }

    /// Read-only mode removes dangerous bindings rather than refusing them, so a key
    /// pressed by mistake cannot even reach a confirmation dialog.
    pub fn without_dangerous(mut self) -> Keymap {
        self.bindings.retain(|b| !b.dangerous);
        self
    }

    /// A view's own binding wins over a global one with the same key.
    pub fn lookup(&self, view: ViewId, key: Key) -> Option<Action> {
        let find = |scope: Scope| {
            self.bindings
                .iter()
                .find(|b| b.scope == scope && b.keys.contains(&key))
                .map(|b| b.action)
        };
        find(Scope::View(view)).or_else(|| find(Scope::Global))
    }

    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    pub fn hints(&self, view: ViewId) -> impl Iterator<Item = &Binding> {
        self.bindings
            .iter()
            .filter(move |b| b.hint && (b.scope == Scope::Global || b.scope == Scope::View(view)))
    }

    pub fn has_dangerous(&self) -> bool {
        self.bindings.iter().any(|b| b.dangerous)
    }
}

fn keys_view_bindings() -> Vec<Binding> {
    use KeyCode::*;
    let b = |action, keys: &[Key], description, hint| Binding {
        action,
        keys: keys.to_vec(),
        description,
        dangerous: false,
        scope: Scope::View(ViewId::Keys),
        hint,
    };
    vec![
        b(
            Action::Down,
            &[Key::char('j'), Key::plain(Down)],
            "down",
            false,
        ),
        b(Action::Up, &[Key::char('k'), Key::plain(Up)], "up", false),
        b(
            Action::Open,
            &[Key::char('l'), Key::plain(Right), Key::plain(Enter)],
            "expand / open value",
            true,
        ),
        b(
            Action::Close,
            &[Key::char('h'), Key::plain(Left)],
            "collapse / parent / back",
            false,
        ),
        b(
            Action::Top,
            &[Key::char('g'), Key::plain(Home)],
            "top",
            false,
        ),
        b(
            Action::Bottom,
            &[Key::char('G'), Key::plain(End)],
            "bottom",
            false,
        ),
        b(
            Action::PageDown,
            &[Key::plain(PageDown), Key::ctrl('d')],
            "page down",
            false,
        ),
        b(
            Action::PageUp,
            &[Key::plain(PageUp), Key::ctrl('u')],
            "page up",
            false,
        ),
        b(Action::Refresh, &[Key::char('r')], "refresh node", true),
        b(
            Action::CycleFormat,
            &[Key::char('f')],
            "cycle value format",
            true,
        ),
        b(
            Action::RevealSecrets,
            &[Key::char('x')],
            "reveal / mask secret data",
            false,
        ),
    ]
}

/// The keys of a binding as the help shows them: `q, ctrl-c`.
pub fn keys_label(keys: &[Key]) -> String {
    keys.iter()
        .map(Key::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_notation_the_help_prints() {
        for text in [
            "q",
            "?",
            "ctrl-c",
            "alt-x",
            "enter",
            "shift-tab",
            "pgdn",
            "f5",
            "-",
        ] {
            let key = Key::parse(text).unwrap();
            assert_eq!(Key::parse(&key.to_string()).unwrap(), key, "{text}");
        }
        assert_eq!(Key::parse("ctrl-c").unwrap(), Key::ctrl('c'));
        assert_eq!(Key::parse("Esc").unwrap(), Key::plain(KeyCode::Esc));
        assert_eq!(Key::parse("ctrl--").unwrap(), Key::ctrl('-'));
        assert!(Key::parse("ctrl-").is_err());
        assert!(Key::parse("bogus").is_err());
    }

    #[test]
    fn digits_switch_views_and_tab_cycles() {
        let km = Keymap::defaults();
        assert_eq!(
            km.lookup(ViewId::Keys, Key::char('3')),
            Some(Action::ShowView(ViewId::Cluster))
        );
        assert_eq!(
            km.lookup(ViewId::Keys, Key::plain(KeyCode::Tab)),
            Some(Action::NextView)
        );
        assert_eq!(km.lookup(ViewId::Keys, Key::ctrl('c')), Some(Action::Quit));
        assert_eq!(
            km.lookup(ViewId::Keys, Key::char('x')),
            Some(Action::RevealSecrets)
        );
        assert_eq!(km.lookup(ViewId::Watch, Key::char('x')), None);
    }

    #[test]
    fn read_only_removes_dangerous_bindings() {
        let mut km = Keymap::defaults();
        km.bindings.push(Binding {
            action: Action::Reconnect,
            keys: vec![Key::char('D')],
            description: "test danger",
            dangerous: true,
            scope: Scope::Global,
            hint: false,
        });
        assert!(km.has_dangerous());
        let ro = km.without_dangerous();
        assert!(!ro.has_dangerous());
        assert_eq!(ro.lookup(ViewId::Keys, Key::char('D')), None);
    }
}
