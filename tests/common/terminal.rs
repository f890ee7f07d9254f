//! Drawing through the real crossterm backend into memory, and checking the bytes that
//! would reach the terminal: only the escape sequences crossterm emits for drawing, never
//! a control byte, OSC sequence or bidi control that came from the data.

use std::cell::RefCell;
use std::rc::Rc;

use etcdtui::app::App;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

/// A terminal that keeps what is written to it, readable after drawing.
#[derive(Clone, Default)]
pub struct Capture(Rc<RefCell<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What drawing `a` at `w`×`h` sends to the terminal.
pub fn terminal_bytes(a: &App, w: u16, h: u16) -> Vec<u8> {
    let out = Capture::default();
    let backend = CrosstermBackend::new(out.clone());
    let viewport = Viewport::Fixed(Rect::new(0, 0, w, h));
    let mut t = Terminal::with_options(backend, TerminalOptions { viewport }).expect("terminal");
    t.draw(|f| etcdtui::ui::draw(f, a, &etcdtui::theme::Theme::builtin_default()))
        .expect("draw");
    drop(t);
    out.0.take()
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The drawing sequences ratatui's crossterm backend emits: cursor moves (`CSI r;c H`),
/// showing and hiding the cursor (`CSI ?25h`, `CSI ?25l`) and SGR with the forms crossterm
/// writes (it spells even the named colours as `38;5;N`). Anything else, such as the
/// `CSI 2J` or `CSI 31m` a value might carry, did not come from drawing. Returns the
/// sequence's length.
fn drawing_csi(s: &[char]) -> Result<usize, String> {
    if s.get(1) != Some(&'[') {
        return Err(format!("ESC followed by {:?}", s.get(1)));
    }
    let mut i = 2;
    while s
        .get(i)
        .is_some_and(|c| c.is_ascii_digit() || matches!(c, ';' | '?'))
    {
        i += 1;
    }
    let params: String = s[2..i].iter().collect();
    let ok = match s.get(i) {
        Some('H') => params.split(';').all(|p| p.parse::<u16>().is_ok()),
        Some('h' | 'l') => params == "?25",
        Some('m') => crossterm_sgr(&params),
        _ => false,
    };
    if ok {
        Ok(i + 1)
    } else {
        let seq: String = s[..(i + 1).min(s.len())].iter().collect();
        Err(format!("{seq:?} is not a drawing sequence"))
    }
}

/// Attributes 0-29 and colours as `38;5;N`, `38;2;R;G;B` (and 48, 58 for background and
/// underline), or 39/49/59 for the default.
fn crossterm_sgr(params: &str) -> bool {
    let mut nums = params.split(';').map(|p| p.parse::<u16>().ok());
    while let Some(n) = nums.next() {
        let ok = match n {
            Some(0..=29 | 39 | 49 | 59) => true,
            Some(38 | 48 | 58) => match nums.next() {
                Some(Some(5)) => nums.next().flatten().is_some(),
                Some(Some(2)) => (0..3).all(|_| nums.next().flatten().is_some()),
                _ => false,
            },
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

/// Every ESC starts a drawing sequence; outside them no C0 or C1 control, DEL or bidi
/// control. On failure, says what was found with the text around it.
pub fn check_terminal_bytes(bytes: &[u8]) -> Result<(), String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    let chars: Vec<char> = text.chars().collect();
    let around = |i: usize| -> String {
        let from = i.saturating_sub(40);
        let to = (i + 40).min(chars.len());
        format!("{:?}", chars[from..to].iter().collect::<String>())
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\x1b' {
            let len = drawing_csi(&chars[i..]).map_err(|e| format!("{e} at {}", around(i)))?;
            i += len;
            continue;
        }
        if c.is_control() || is_bidi_control(c) {
            return Err(format!("raw {:?} at {}", c, around(i)));
        }
        i += 1;
    }
    Ok(())
}

/// Fails the test, saying `what` was drawn, if the bytes are not clean.
pub fn assert_clean(what: &str, a: &App, w: u16, h: u16) {
    let bytes = terminal_bytes(a, w, h);
    if let Err(e) = check_terminal_bytes(&bytes) {
        panic!("{what}: {e}");
    }
}
