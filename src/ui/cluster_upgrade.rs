//! The Cluster view's upgrade panel (`U`): versions, each member's version and state,
//! the next step in one line, what the watch noticed, the pre-flight checks, and the
//! etcdctl commands that show or do the same. Drawn below the quorum line, in place of
//! the member table and details, so that it reads at 80x24.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::App;
use crate::theme::Theme;
use crate::upgrade::plan::{Next, Status};

use crate::text::safe;

/// Log lines shown: the newest.
const LOG_LINES: usize = 3;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let u = &app.upgrade;
    let title = match u.plan.as_ref().map(|p| (&p.from, &p.target)) {
        Some((Some(from), Some(to))) => format!("Upgrade {from} → {to}  (U closes)"),
        _ => "Upgrade  (U closes)".to_string(),
    };
    let block = super::cluster::pane(&title, theme);
    let Some(p) = &u.plan else {
        let text = Line::styled("waiting for the cluster's state…", theme.muted);
        frame.render_widget(Paragraph::new(text).block(block), area);
        return;
    };
    let dash = |v: &Option<String>| safe(v.as_deref().unwrap_or("—")).into_owned();
    let mut lines = vec![Line::from(vec![
        Span::styled("cluster ", theme.muted),
        Span::styled(dash(&p.cluster_version), theme.text),
        Span::styled("  storage ", theme.muted),
        Span::styled(
            p.storage_version
                .clone()
                .unwrap_or_else(|| "— (3.6+)".into()),
            theme.text,
        ),
        Span::styled(
            match p.guide {
                Some(g) => format!("  {}", g.trim_start_matches("https://")),
                None => String::new(),
            },
            theme.muted,
        ),
    ])];
    let mut members = Vec::new();
    for m in &p.members {
        let (mark, style) = match (m.healthy, m.done) {
            (false, _) => (" down", theme.danger),
            (true, true) => (" ✓", theme.healthy),
            (true, false) => ("", theme.text),
        };
        members.push(Span::styled(safe(&m.name).into_owned(), theme.text));
        members.push(Span::styled(
            format!(" {}", dash(&m.version)),
            if m.done { theme.healthy } else { theme.text },
        ));
        if m.leader {
            members.push(Span::styled(" ★", theme.leader));
        }
        members.push(Span::styled(format!("{mark}   "), style));
    }
    lines.push(Line::from(members));
    let next_style = match &p.next {
        Next::Refused { .. } | Next::FixFirst { .. } => theme.danger,
        Next::WaitFor { .. } | Next::WaitClusterVersion { .. } => theme.warning,
        Next::Done { .. } | Next::UpToDate { .. } => theme.healthy,
        Next::Restart { .. } | Next::MoveLeader { .. } => theme.title,
    };
    lines.push(Line::styled(
        format!("▶ {}", safe(&p.next.describe())),
        next_style,
    ));
    let from = u.log.len().saturating_sub(LOG_LINES);
    for l in u.log.iter().skip(from) {
        lines.push(Line::styled(format!("· {}", safe(l)), theme.muted));
    }
    for c in &p.checks {
        let style = match c.status {
            Status::Ok => theme.healthy,
            Status::Warn => theme.warning,
            Status::Fail => theme.danger,
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{:<5}", c.status.label()), style),
            Span::styled(format!("{:<16}", c.name), theme.text),
            Span::styled(safe(&c.reason).into_owned(), theme.muted),
        ]));
    }
    for c in p.commands.iter().skip(2) {
        lines.push(Line::styled(format!("$ {c}"), theme.muted));
    }
    if app.context.read_only {
        lines.push(Line::styled(
            "read-only: downgrade and move-leader are switched off",
            theme.muted,
        ));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
