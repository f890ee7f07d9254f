//! The real etcdtui binary in a pseudo-terminal, with a small terminal emulator that keeps
//! the screen as a user would see it. Reading the raw output is not enough under load:
//! ratatui rewrites only the cells that change, so a counter going from 12,345 to 12,399
//! arrives as "99" after a cursor move, and only a screen model shows the whole number.

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

pub const COLS: usize = 160;
pub const ROWS: usize = 45;

/// What the terminal shows: one char per cell, the cursor, and when it last changed.
pub struct Grid {
    cells: Vec<Vec<char>>,
    row: usize,
    col: usize,
    /// Bytes of an escape sequence or UTF-8 character cut off at the end of a read.
    pending: Vec<u8>,
    /// When the output that made the screen what it is now arrived.
    pub changed: Instant,
    pub closed: bool,
    /// Bytes the program has written to the terminal so far.
    pub bytes: u64,
}

impl Grid {
    fn new() -> Grid {
        Grid {
            cells: vec![vec![' '; COLS]; ROWS],
            row: 0,
            col: 0,
            pending: Vec::new(),
            changed: Instant::now(),
            closed: false,
            bytes: 0,
        }
    }

    pub fn lines(&self) -> Vec<String> {
        self.cells.iter().map(|r| r.iter().collect()).collect()
    }

    pub fn contains(&self, text: &str) -> bool {
        self.cells
            .iter()
            .any(|r| r.iter().collect::<String>().contains(text))
    }

    fn clear(&mut self) {
        for r in &mut self.cells {
            r.fill(' ');
        }
    }

    fn put(&mut self, c: char) {
        match c {
            '\r' => self.col = 0,
            '\n' => self.row = (self.row + 1).min(ROWS - 1),
            '\x08' => self.col = self.col.saturating_sub(1),
            c if c < ' ' => {}
            c => {
                if self.row < ROWS && self.col < COLS {
                    self.cells[self.row][self.col] = c;
                }
                self.col += 1;
            }
        }
    }

    /// `ESC [ params final`: cursor moves and erases; styles and modes change no text.
    fn csi(&mut self, params: &[u8], last: u8) {
        let text = String::from_utf8_lossy(params);
        let nums: Vec<usize> = text
            .trim_start_matches(['?', '>', '='])
            .split(';')
            .map(|n| n.parse().unwrap_or(0))
            .collect();
        let n =
            |i: usize, default: usize| nums.get(i).copied().filter(|&v| v > 0).unwrap_or(default);
        match last {
            b'H' | b'f' => {
                self.row = (n(0, 1) - 1).min(ROWS - 1);
                self.col = (n(1, 1) - 1).min(COLS - 1);
            }
            b'A' => self.row = self.row.saturating_sub(n(0, 1)),
            b'B' => self.row = (self.row + n(0, 1)).min(ROWS - 1),
            b'C' => self.col = (self.col + n(0, 1)).min(COLS - 1),
            b'D' => self.col = self.col.saturating_sub(n(0, 1)),
            b'G' => self.col = (n(0, 1) - 1).min(COLS - 1),
            b'd' => self.row = (n(0, 1) - 1).min(ROWS - 1),
            b'J' if !text.starts_with('?') => match nums.first().copied().unwrap_or(0) {
                2 | 3 => self.clear(),
                0 => {
                    self.cells[self.row][self.col.min(COLS)..].fill(' ');
                    for r in &mut self.cells[self.row + 1..] {
                        r.fill(' ');
                    }
                }
                _ => {}
            },
            b'K' => match nums.first().copied().unwrap_or(0) {
                0 => self.cells[self.row][self.col.min(COLS)..].fill(' '),
                2 => self.cells[self.row].fill(' '),
                _ => {}
            },
            _ => {}
        }
    }

    /// Applies terminal output; an incomplete sequence at the end waits for the next read.
    fn feed(&mut self, bytes: &[u8]) {
        let mut buf = std::mem::take(&mut self.pending);
        buf.extend_from_slice(bytes);
        let mut i = 0;
        while i < buf.len() {
            let b = buf[i];
            if b == 0x1b {
                let Some(&kind) = buf.get(i + 1) else { break };
                match kind {
                    b'[' => {
                        let end = buf[i + 2..]
                            .iter()
                            .position(|b| (0x40..=0x7e).contains(b))
                            .map(|p| i + 2 + p);
                        let Some(end) = end else { break };
                        let params = buf[i + 2..end].to_vec();
                        self.csi(&params, buf[end]);
                        i = end + 1;
                    }
                    // OSC (a title, a clipboard write): up to BEL or ESC \.
                    b']' => {
                        let end = (i + 2..buf.len()).find(|&j| {
                            buf[j] == 0x07 || (buf[j] == 0x1b && buf.get(j + 1) == Some(&b'\\'))
                        });
                        let Some(end) = end else { break };
                        i = end + if buf[end] == 0x07 { 1 } else { 2 };
                    }
                    // Charset selection takes one more byte.
                    b'(' | b')' => {
                        if buf.len() < i + 3 {
                            break;
                        }
                        i += 3;
                    }
                    _ => i += 2,
                }
                continue;
            }
            let width = match b {
                0x00..=0x7f => 1,
                0xc0..=0xdf => 2,
                0xe0..=0xef => 3,
                _ => 4,
            };
            if i + width > buf.len() {
                break;
            }
            let c = std::str::from_utf8(&buf[i..i + width])
                .ok()
                .and_then(|s| s.chars().next())
                .unwrap_or('?');
            self.put(c);
            i += width;
        }
        self.pending = buf[i..].to_vec();
    }
}

/// A running etcdtui in a pty; killed when dropped if it has not quit by then.
pub struct Tui {
    pub pid: libc::pid_t,
    master: File,
    screen: Arc<(Mutex<Grid>, Condvar)>,
    exited: bool,
}

impl Drop for Tui {
    fn drop(&mut self) {
        if !self.exited {
            // SAFETY: kill and waitpid have no memory-safety requirements; the pid is our child.
            unsafe {
                libc::kill(self.pid, libc::SIGKILL);
                libc::waitpid(self.pid, std::ptr::null_mut(), 0);
            }
        }
    }
}

impl Tui {
    /// Starts `bin --endpoints endpoint` with a HOME of its own (no config, no history).
    #[expect(clippy::zombie_processes, reason = "reaped by quit or drop")]
    pub fn start(bin: &Path, endpoint: &str, home: &Path) -> Tui {
        let (master, slave) = crate::pty::open_pty(ROWS as u16, COLS as u16);
        let child = crate::pty::spawn_on(&slave, bin, endpoint, home);
        let pid = libc::pid_t::try_from(child.id()).expect("pid");
        drop(slave);
        let master = File::from(master);
        let mut reader = master.try_clone().expect("dup the pty master");
        let screen = Arc::new((Mutex::new(Grid::new()), Condvar::new()));
        let shared = screen.clone();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                // Ends with EIO once the child has exited and closed the terminal.
                let n = reader.read(&mut buf).unwrap_or(0);
                let at = Instant::now();
                let (grid, changed) = &*shared;
                let mut g = grid.lock().expect("screen lock");
                if n == 0 {
                    g.closed = true;
                    changed.notify_all();
                    break;
                }
                g.feed(&buf[..n]);
                g.bytes += n as u64;
                g.changed = at;
                changed.notify_all();
            }
        });
        Tui {
            pid,
            master,
            screen,
            exited: false,
        }
    }

    pub fn press(&self, keys: &str) {
        (&self.master)
            .write_all(keys.as_bytes())
            .expect("write to the pty");
    }

    /// Waits until `ok(screen)`; returns when the output that made it so arrived, or
    /// None after `limit`.
    pub fn wait(&self, limit: Duration, ok: impl Fn(&Grid) -> bool) -> Option<Instant> {
        let deadline = Instant::now() + limit;
        let (grid, changed) = &*self.screen;
        let mut g = grid.lock().expect("screen lock");
        loop {
            if ok(&g) {
                return Some(g.changed);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || g.closed {
                return None;
            }
            g = changed.wait_timeout(g, left).expect("screen lock").0;
        }
    }

    /// Waits for `text` on the screen; panics with the screen after `limit`.
    pub fn wait_for(&self, text: &str, limit: Duration) -> Instant {
        match self.wait(limit, |g| g.contains(text)) {
            Some(at) => at,
            None => panic!(
                "etcdtui did not show {text:?} within {limit:?}; the screen:\n{}",
                self.screen().join("\n")
            ),
        }
    }

    /// Bytes written to the terminal so far.
    pub fn output_bytes(&self) -> u64 {
        self.screen.0.lock().expect("screen lock").bytes
    }

    pub fn screen(&self) -> Vec<String> {
        self.screen.0.lock().expect("screen lock").lines()
    }

    /// Presses `q` and waits for the exit; kills it after `limit`. True if it quit.
    pub fn quit(mut self, limit: Duration) -> bool {
        self.press("q");
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            let mut status = 0;
            // SAFETY: the pid is our unreaped child; status is a live local.
            let r = unsafe { libc::waitpid(self.pid, &mut status, libc::WNOHANG) };
            if r == self.pid {
                self.exited = true;
                return libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

/// The emulator on output a terminal must get right for the bench's counts: a number
/// rewritten in part after a cursor move, and sequences cut off between reads.
pub fn self_check() {
    let mut g = Grid::new();
    g.feed(b"\x1b[2J\x1b[1;1Habc 12,345 events");
    g.feed(b"\x1b[1;8H\x1b[38;5;2m3");
    g.feed(b"99\x1b[");
    g.feed(b"0m \xe2\x96");
    g.feed(b"\x88");
    assert!(
        g.lines()[0].starts_with("abc 12,399 \u{2588}vents"),
        "the screen model is wrong: {}",
        g.lines()[0]
    );
}
