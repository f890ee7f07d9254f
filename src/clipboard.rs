//! Copying text out: the system clipboard when there is one (arboard), otherwise the
//! OSC 52 escape sequence, which asks the terminal itself to set its clipboard and so
//! works over SSH. Without a display, nothing here may fail the program.

use std::io::Write;

use base64::Engine;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    System,
    Osc52,
}

impl Method {
    pub fn describe(self) -> &'static str {
        match self {
            Method::System => "system clipboard",
            Method::Osc52 => "terminal clipboard (OSC 52)",
        }
    }
}

pub trait Clipboard {
    fn copy(&mut self, text: &str) -> Result<Method, String>;
}

/// Terminals cap OSC 52 payloads (xterm: 100,000 bytes by default); beyond that they
/// drop it silently, so we say so instead.
pub const OSC52_MAX: usize = 100_000;

pub fn osc52(text: &str) -> Result<String, String> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    if b64.len() > OSC52_MAX {
        return Err(format!(
            "{} bytes is too large for the terminal clipboard (OSC 52); use export instead",
            text.len()
        ));
    }
    // Inside tmux the sequence must be wrapped to reach the outer terminal.
    if std::env::var_os("TMUX").is_some() {
        Ok(format!("\x1bPtmux;\x1b\x1b]52;c;{b64}\x07\x1b\\"))
    } else {
        Ok(format!("\x1b]52;c;{b64}\x07"))
    }
}

/// The real clipboard. arboard is tried once; a failure (no X11/Wayland, as on a
/// server) makes every later copy go straight to OSC 52.
pub struct SystemClipboard {
    board: Option<arboard::Clipboard>,
}

impl SystemClipboard {
    pub fn new() -> SystemClipboard {
        let headless =
            std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none();
        // Over SSH a forwarded display would put the text on the wrong machine's
        // clipboard; the terminal is the one in front of the user.
        let over_ssh = std::env::var_os("SSH_TTY").is_some();
        let board = if headless || over_ssh {
            None
        } else {
            arboard::Clipboard::new().ok()
        };
        SystemClipboard { board }
    }
}

impl Default for SystemClipboard {
    fn default() -> Self {
        SystemClipboard::new()
    }
}

impl Clipboard for SystemClipboard {
    fn copy(&mut self, text: &str) -> Result<Method, String> {
        if let Some(b) = &mut self.board
            && b.set_text(text.to_owned()).is_ok()
        {
            return Ok(Method::System);
        }
        let seq = osc52(text)?;
        let mut out = std::io::stdout();
        out.write_all(seq.as_bytes())
            .and_then(|_| out.flush())
            .map_err(|e| format!("could not write to the terminal: {e}"))?;
        Ok(Method::Osc52)
    }
}

/// For tests: remembers what was copied.
#[derive(Default)]
pub struct FakeClipboard {
    pub copied: Vec<String>,
}

impl Clipboard for FakeClipboard {
    fn copy(&mut self, text: &str) -> Result<Method, String> {
        self.copied.push(text.to_string());
        Ok(Method::Osc52)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_carries_base64_and_refuses_oversized_text() {
        let seq = osc52("hi").unwrap();
        assert!(seq.contains("]52;c;aGk="), "{seq:?}");
        assert!(osc52(&"x".repeat(OSC52_MAX)).is_err());
    }
}
