//! The restore plan panel: `R` (or `:restore-plan`) while a snapshot file is open shows
//! what `etcdtui snapshot restore-plan FILE` prints for it. The plan is made off the UI's
//! thread by the same code as the command (`backup::plan_inputs`, `backup::plan`,
//! `backup::plan_cli`): this module only holds its lines, scrolls them and copies them.
//! Nothing here runs a command, so the panel is there in read-only mode too.

use std::path::PathBuf;

use super::{App, Effect, Level, Overlay};
use crate::keymap::{Key, KeyCode};

/// What a line of the plan is, for its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// "Restore plan for FILE".
    Title,
    /// The snapshot's facts, the members, the version, the token, the bump.
    Fact,
    Warning,
    Blank,
    /// "3. [restore] on m1: …".
    Step,
    /// A command line to paste.
    Command,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanLine {
    pub kind: LineKind,
    pub text: String,
}

impl PlanLine {
    pub fn new(kind: LineKind, text: impl Into<String>) -> PlanLine {
        PlanLine {
            kind,
            text: text.into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanState {
    /// Verifying the file, asking the cluster, reading the manifests.
    Making,
    Ready(Vec<PlanLine>),
    /// Why there is no plan (a damaged file, no members known).
    Failed(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestorePlanPanel {
    /// The source it was asked for: an answer for another is dropped.
    pub generation: u64,
    pub file: PathBuf,
    pub state: PlanState,
    /// First wrapped row shown.
    pub scroll: usize,
}

/// The plan as the command prints it: one line each, newline-terminated.
pub fn text(lines: &[PlanLine]) -> String {
    lines.iter().map(|l| format!("{}\n", l.text)).collect()
}

/// Columns the panel's text gets on a terminal `width` wide: borders and one column of
/// padding each side.
pub fn text_width(width: u16) -> usize {
    usize::from(width.saturating_sub(4)).max(20)
}

/// Rows of text the panel shows: it fills the body (the terminal less header 2, tabs 1
/// and footer 1) less its two borders.
pub fn text_rows(app: &App) -> usize {
    usize::from(app.height.saturating_sub(6)).max(1)
}

/// Lines broken at spaces to fit `width`; a continuation is indented two columns more
/// than its line, so a wrapped command still reads as one. Runs of spaces inside a line
/// (the plan's aligned columns) are kept.
pub fn wrap(lines: &[PlanLine], width: usize) -> Vec<(LineKind, String)> {
    let width = width.max(8);
    let mut out = Vec::new();
    for l in lines {
        let body = l.text.trim_start_matches(' ');
        let indent = l.text.len() - body.len();
        let hang = " ".repeat((indent + 2).min(width / 2));
        let mut row = " ".repeat(indent);
        let mut used = indent;
        let mut has_word = false;
        for (gap, word) in words(body) {
            let len = word.chars().count();
            if has_word && used + gap + len > width {
                out.push((l.kind, std::mem::replace(&mut row, hang.clone())));
                used = hang.len();
                has_word = false;
            }
            if has_word {
                row.push_str(&" ".repeat(gap));
                used += gap;
            }
            // A word longer than a row (a long URL list) is cut where the row ends.
            for c in word.chars() {
                if used >= width {
                    out.push((l.kind, std::mem::replace(&mut row, hang.clone())));
                    used = hang.len();
                }
                row.push(c);
                used += 1;
            }
            has_word = true;
        }
        out.push((l.kind, row));
    }
    out
}

/// The words of `s`, each with the number of spaces before it.
fn words(s: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut gap = 0;
    for w in s.split(' ') {
        if w.is_empty() {
            gap += 1;
        } else {
            out.push((gap, w));
            gap = 1;
        }
    }
    out
}

/// `R` or `:restore-plan`: only a snapshot file has a plan to restore it.
pub fn open(app: &mut App) -> Vec<Effect> {
    let Some(source) = &app.snapshot else {
        app.set_status(
            Level::Error,
            "a restore plan is for a snapshot file: :open FILE first (or run etcdtui snapshot restore-plan FILE)",
        );
        return Vec::new();
    };
    let file = PathBuf::from(&source.path);
    app.overlay = Overlay::RestorePlan(Box::new(RestorePlanPanel {
        generation: app.generation,
        file: file.clone(),
        state: PlanState::Making,
        scroll: 0,
    }));
    vec![Effect::RestorePlan {
        generation: app.generation,
        file,
        manifest: app.kubeadm_manifest.clone(),
    }]
}

/// The answer to `Effect::RestorePlan`; dropped when the panel was closed or is for
/// another file by now.
pub fn on_made(
    app: &mut App,
    generation: u64,
    file: PathBuf,
    result: Result<Vec<PlanLine>, String>,
) -> Vec<Effect> {
    if let Overlay::RestorePlan(p) = &mut app.overlay
        && p.generation == generation
        && p.file == file
        && p.state == PlanState::Making
    {
        p.state = match result {
            Ok(lines) => PlanState::Ready(lines),
            Err(e) => PlanState::Failed(e),
        };
        p.scroll = 0;
    }
    Vec::new()
}

/// Keys while the panel is open: it scrolls, copies and closes; nothing else reaches
/// the view beneath, so a stray key cannot lose the place in a long plan.
pub fn on_key(app: &mut App, key: Key) -> Vec<Effect> {
    if key == Key::ctrl('c') {
        app.quit = true;
        return Vec::new();
    }
    let rows = text_rows(app);
    let width = text_width(app.width);
    let Overlay::RestorePlan(p) = &mut app.overlay else {
        return Vec::new();
    };
    let total = match &p.state {
        PlanState::Ready(lines) => wrap(lines, width).len(),
        _ => 0,
    };
    let last = total.saturating_sub(rows);
    let page = rows.saturating_sub(1).max(1);
    match key.code {
        KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('R') => {
            app.overlay = Overlay::None;
            return Vec::new();
        }
        KeyCode::Char('y') => {
            if let PlanState::Ready(lines) = &p.state {
                return vec![Effect::Copy {
                    text: text(lines),
                    what: "the restore plan".into(),
                }];
            }
            app.set_status(Level::Info, "no plan to copy yet");
            return Vec::new();
        }
        KeyCode::Char('j') | KeyCode::Down => p.scroll += 1,
        KeyCode::Char('k') | KeyCode::Up => p.scroll = p.scroll.saturating_sub(1),
        KeyCode::Char('d') if key.ctrl => p.scroll += page,
        KeyCode::Char('u') if key.ctrl => p.scroll = p.scroll.saturating_sub(page),
        KeyCode::PageDown | KeyCode::Char(' ') => p.scroll += page,
        KeyCode::PageUp => p.scroll = p.scroll.saturating_sub(page),
        KeyCode::Char('g') | KeyCode::Home => p.scroll = 0,
        KeyCode::Char('G') | KeyCode::End => p.scroll = last,
        _ => {}
    }
    p.scroll = p.scroll.min(last);
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(kind: LineKind, t: &str) -> PlanLine {
        PlanLine::new(kind, t)
    }

    #[test]
    fn short_lines_stay_whole_and_long_ones_hang_under_their_indent() {
        let lines = [
            l(LineKind::Title, "Restore plan for /b/s.db"),
            l(
                LineKind::Command,
                "      etcdutl snapshot restore /b/s.db --name m1 --bump-revision 1000000",
            ),
        ];
        let w = wrap(&lines, 40);
        let rows: Vec<&str> = w.iter().map(|(_, r)| r.as_str()).collect();
        assert_eq!(
            rows,
            [
                "Restore plan for /b/s.db",
                "      etcdutl snapshot restore /b/s.db",
                "        --name m1 --bump-revision",
                "        1000000",
            ]
        );
        assert!(w[1..].iter().all(|(k, _)| *k == LineKind::Command));
        assert!(w.iter().all(|(_, r)| r.chars().count() <= 40));
    }

    #[test]
    fn a_word_longer_than_the_row_is_cut_and_nothing_is_lost() {
        let long = format!("  {}", "m1=http://10.0.0.1:2380,".repeat(5));
        let w = wrap(&[l(LineKind::Fact, &long)], 30);
        assert!(w.iter().all(|(_, r)| r.chars().count() <= 30), "{w:?}");
        let joined: String = w.iter().map(|(_, r)| r.trim()).collect();
        assert_eq!(joined, long.trim());
        assert_eq!(
            wrap(&[l(LineKind::Blank, "")], 30),
            [(LineKind::Blank, String::new())]
        );
        let aligned = wrap(&[l(LineKind::Fact, "  snapshot   revision 2, 1 keys")], 30);
        assert_eq!(aligned[0].1, "  snapshot   revision 2, 1");
        assert_eq!(aligned[1].1, "    keys");
    }

    #[test]
    fn the_copied_text_is_the_lines_as_printed() {
        let lines = [
            l(LineKind::Title, "a"),
            l(LineKind::Blank, ""),
            l(LineKind::Step, " 1. b"),
        ];
        assert_eq!(text(&lines), "a\n\n 1. b\n");
    }
}
