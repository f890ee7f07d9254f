//! Terminal setup and teardown. The guard restores the terminal on every exit path,
//! and the panic hook restores it before the report is printed, so a crash never leaves
//! a shell in raw mode on the alternate screen.

use std::io::{self, Stdout};

use crossterm::event::{
    DisableMouseCapture, EnableMouseCapture, KeyCode as CtKey, KeyEvent, KeyEventKind,
    KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use crossterm::execute;
use crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType as RtClear, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};

use crate::keymap::{Key, KeyCode};

pub type Term = Terminal<QuietBackend<CrosstermBackend<Stdout>>>;

pub struct TerminalGuard {
    pub terminal: Term,
}

impl TerminalGuard {
    pub fn enter() -> io::Result<TerminalGuard> {
        enable_raw_mode()?;
        let mut out = io::stdout();
        if let Err(e) = execute!(out, EnterAlternateScreen, EnableMouseCapture) {
            restore();
            return Err(e);
        }
        let terminal = match Terminal::new(QuietBackend::new(CrosstermBackend::new(out))) {
            Ok(t) => t,
            Err(e) => {
                restore();
                return Err(e);
            }
        };
        Ok(TerminalGuard { terminal })
    }
}

impl TerminalGuard {
    /// Gives the terminal back to the shell, for `$EDITOR`.
    pub fn suspend(&mut self) {
        restore();
    }

    pub fn resume(&mut self) -> io::Result<()> {
        enable_raw_mode()?;
        execute!(
            io::stdout(),
            EnterAlternateScreen,
            EnableMouseCapture,
            Clear(ClearType::All)
        )?;
        // `restore` showed the cursor behind the backend's back.
        self.terminal.backend_mut().forget();
        // The editor drew over everything, so every cell must be drawn afresh. Not with
        // `Terminal::clear`: it asks the terminal where the cursor is, and the reader
        // thread of the input stream dropped for the editor can swallow the answer,
        // failing the resume after a two-second wait. Drawing an empty frame makes the
        // next frame repaint every cell instead.
        self.terminal.draw(|_| {})?;
        Ok(())
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
        let _ = self.terminal.show_cursor();
    }
}

/// A backend that writes nothing when nothing changed. ratatui's `Terminal::draw` diffs
/// the frame against the last one, but still sends the backend an empty diff, which
/// crossterm's backend answers with colour and attribute resets, and hides (or moves) the
/// cursor on every frame: about 25 bytes per tick, every 250 ms, on an idle screen. Over
/// SSH that is traffic for nothing, and it keeps terminal multiplexers and session
/// recorders busy. This wrapper drops an empty diff and a cursor change that changes
/// nothing, so an unchanged frame costs 0 bytes.
pub struct QuietBackend<B> {
    inner: B,
    /// `None` while unknown: at start and after anything else showed or hid it.
    cursor_visible: Option<bool>,
    /// Where the cursor was last put; `None` after drawing cells moved it.
    cursor_at: Option<Position>,
}

impl<B> QuietBackend<B> {
    pub fn new(inner: B) -> QuietBackend<B> {
        QuietBackend {
            inner,
            cursor_visible: None,
            cursor_at: None,
        }
    }

    /// Forgets what the terminal's cursor looks like, after something other than this
    /// backend wrote to the terminal (the editor, `restore`).
    pub fn forget(&mut self) {
        self.cursor_visible = None;
        self.cursor_at = None;
    }
}

impl<B: Backend> Backend for QuietBackend<B> {
    type Error = B::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let mut content = content.peekable();
        if content.peek().is_none() {
            return Ok(());
        }
        self.cursor_at = None;
        self.inner.draw(content)
    }

    fn append_lines(&mut self, n: u16) -> Result<(), Self::Error> {
        self.cursor_at = None;
        self.inner.append_lines(n)
    }

    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        if self.cursor_visible == Some(false) {
            return Ok(());
        }
        self.inner.hide_cursor()?;
        self.cursor_visible = Some(false);
        Ok(())
    }

    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        if self.cursor_visible == Some(true) {
            return Ok(());
        }
        self.inner.show_cursor()?;
        self.cursor_visible = Some(true);
        Ok(())
    }

    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        let position = position.into();
        if self.cursor_at == Some(position) {
            return Ok(());
        }
        self.inner.set_cursor_position(position)?;
        self.cursor_at = Some(position);
        Ok(())
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        self.cursor_at = None;
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: RtClear) -> Result<(), Self::Error> {
        self.cursor_at = None;
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }

    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()
    }
}

/// Idempotent, so the panic hook and the guard may both call it.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// Installs color-eyre's hooks, with the panic hook restoring the terminal first.
pub fn install_hooks() -> color_eyre::Result<()> {
    let (panic_hook, eyre_hook) = color_eyre::config::HookBuilder::default()
        .display_env_section(false)
        .into_hooks();
    eyre_hook.install()?;
    std::panic::set_hook(Box::new(move |info| {
        restore();
        tracing::error!("panic: {info}");
        eprintln!("{}", panic_hook.panic_report(info));
    }));
    Ok(())
}

/// Our key type from crossterm's; `None` for releases and keys we do not bind.
pub fn convert_key(ev: KeyEvent) -> Option<Key> {
    if ev.kind == KeyEventKind::Release {
        return None;
    }
    let code = match ev.code {
        CtKey::Char(c) => KeyCode::Char(c),
        CtKey::Enter => KeyCode::Enter,
        CtKey::Esc => KeyCode::Esc,
        CtKey::Tab => KeyCode::Tab,
        CtKey::BackTab => KeyCode::BackTab,
        CtKey::Backspace => KeyCode::Backspace,
        CtKey::Delete => KeyCode::Delete,
        CtKey::Up => KeyCode::Up,
        CtKey::Down => KeyCode::Down,
        CtKey::Left => KeyCode::Left,
        CtKey::Right => KeyCode::Right,
        CtKey::Home => KeyCode::Home,
        CtKey::End => KeyCode::End,
        CtKey::PageUp => KeyCode::PageUp,
        CtKey::PageDown => KeyCode::PageDown,
        CtKey::F(n) => KeyCode::F(n),
        _ => return None,
    };
    Some(Key {
        code,
        ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
        alt: ev.modifiers.contains(KeyModifiers::ALT),
    })
}

/// The mouse events the app acts on: the wheel and a left click.
pub fn convert_mouse(m: MouseEvent) -> Option<crate::app::Mouse> {
    use crate::app::MouseKind;
    let kind = match m.kind {
        MouseEventKind::ScrollUp => MouseKind::ScrollUp,
        MouseEventKind::ScrollDown => MouseKind::ScrollDown,
        MouseEventKind::Down(MouseButton::Left) => MouseKind::Click,
        _ => return None,
    };
    Some(crate::app::Mouse {
        kind,
        x: m.column,
        y: m.row,
    })
}

#[cfg(test)]
mod tests {
    use ratatui::layout::Rect;
    use ratatui::widgets::Paragraph;
    use ratatui::{TerminalOptions, Viewport};

    use std::sync::{Arc, Mutex};

    use super::*;

    /// Counts the bytes that would reach the terminal.
    #[derive(Clone, Default)]
    struct Wire(Arc<Mutex<usize>>);

    impl io::Write for Wire {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            *self.0.lock().expect("counter") += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    type T = Terminal<QuietBackend<CrosstermBackend<Wire>>>;

    fn terminal() -> (T, Wire) {
        let wire = Wire::default();
        let backend = QuietBackend::new(CrosstermBackend::new(wire.clone()));
        let viewport = Viewport::Fixed(Rect::new(0, 0, 20, 3));
        let t = Terminal::with_options(backend, TerminalOptions { viewport }).expect("fixed");
        (t, wire)
    }

    fn written(w: &Wire) -> usize {
        *w.0.lock().expect("counter")
    }

    #[test]
    fn an_unchanged_frame_writes_nothing() {
        let (mut t, w) = terminal();
        let draw = |f: &mut ratatui::Frame| f.render_widget(Paragraph::new("idle"), f.area());
        t.draw(draw).expect("draw");
        let first = written(&w);
        assert!(first > 0, "the first frame is drawn");
        for _ in 0..5 {
            t.draw(draw).expect("draw");
        }
        assert_eq!(written(&w), first, "the same frame again writes 0 bytes");
        t.draw(|f| f.render_widget(Paragraph::new("busy"), f.area()))
            .expect("draw");
        assert!(written(&w) > first, "a changed frame is written");
    }

    #[test]
    fn a_cursor_left_in_place_is_not_moved_again() {
        let (mut t, w) = terminal();
        let draw = |f: &mut ratatui::Frame| {
            f.render_widget(Paragraph::new(":get"), f.area());
            f.set_cursor_position((4, 0));
        };
        t.draw(draw).expect("draw");
        let first = written(&w);
        t.draw(draw).expect("draw");
        assert_eq!(written(&w), first);
        t.draw(|f| {
            f.render_widget(Paragraph::new(":get"), f.area());
            f.set_cursor_position((3, 0));
        })
        .expect("draw");
        assert!(written(&w) > first, "a moved cursor is written");
    }
}
