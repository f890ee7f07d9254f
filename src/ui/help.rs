//! The `?` overlay, generated from the keymap so it can never disagree with it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Padding, Paragraph};

use crate::app::App;
use crate::keymap::{Action, Scope, keys_label};
use crate::theme::Theme;

use super::centered;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, scroll: u16) {
    let row = |keys: String, what: &str| {
        Line::from(vec![
            Span::styled(format!("  {keys:<14}"), theme.key),
            Span::styled(what.to_string(), theme.text),
        ])
    };
    let mut global = Vec::new();
    let mut view_lines = Vec::new();
    for b in app.keymap.bindings() {
        match b.scope {
            // The five view keys read better as one line.
            Scope::Global if matches!(b.action, Action::ShowView(_)) => {}
            Scope::Global => global.push(row(keys_label(&b.keys), b.description)),
            Scope::View(v) if v == app.view => {
                view_lines.push(row(keys_label(&b.keys), b.description))
            }
            Scope::View(_) => {}
        }
    }
    global.push(row(
        "1 … 6".into(),
        "Keys, Watch, Cluster, Leases, Auth, Checks",
    ));
    let mut lines = Vec::new();
    if !view_lines.is_empty() {
        lines.push(Line::styled(
            format!("{} view", app.view.title()),
            theme.title,
        ));
        lines.extend(view_lines);
        lines.push(Line::raw(""));
    }
    lines.push(Line::styled("Everywhere", theme.title));
    lines.extend(global);
    lines.push(Line::raw(""));
    lines.push(Line::styled("Commands (press :)", theme.title));
    let operations: &[(&str, &str)] = if app.ops_denied.is_some() {
        &[]
    } else if app.context.read_only {
        &[(":snapshot [FILE]", "save the selected member's snapshot")]
    } else {
        &[
            (":snapshot [FILE]", "save the selected member's snapshot"),
            (":member add NAME URL", "add a learner (--voter: a voter)"),
            (":member promote|remove", "the selected member (or NAME)"),
            (":member update URL", "the selected member's peer URLs"),
            (":move-leader [NAME]", "move leadership to the member"),
            (":defrag [NAME|all]", "all: --move-leader hands over first"),
            (":compact [REV]", "--physical waits for the disk"),
            (":alarm disarm", "after freeing space"),
            (
                ":downgrade validate V",
                "3.6+: enable V / cancel: one minor down",
            ),
        ]
    };
    let general = [
        (":goto KEY", "jump to a key or prefix (\\xNN: any byte)"),
        (
            ":open / :diff FILE",
            "browse a snapshot file / diff it with now",
        ),
        (
            ":restore-plan",
            "after :open FILE: the plan to restore it (R)",
        ),
        (":ctx [NAME]", "list contexts, or switch to NAME"),
        (":keys :watch …", "show a view by name"),
        (":reconnect", "retry the connection now"),
        // One line for three: the help fits 80x24 with only its commands scrolled.
        (":info :help :q", "connection panel; this help; quit"),
    ];
    // The operations first: at 80x24 the last page then holds the general commands,
    // which every user needs, whatever the list of operations grows to.
    for &(cmd, what) in operations.iter().chain(general.iter()) {
        lines.push(Line::from(vec![
            Span::styled(format!("  {cmd:<24}"), theme.key),
            Span::styled(what, theme.text),
        ]));
    }
    if let Some(why) = app.ops_denied.as_ref().filter(|_| !app.context.read_only) {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!("No cluster operations: {why}."),
            theme.warning,
        ));
    }
    if app.context.read_only {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            "READ-ONLY: keys that change the cluster (writes, member changes, defrag, \
             compaction, alarms) are switched off; s still saves a snapshot.",
            theme.warning,
        ));
    }
    let height = lines.len() as u16 + 2;
    let popup = centered(area, 74, height);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Span::styled(" Help ", theme.title))
        .padding(Padding::horizontal(1))
        .title_bottom(Span::styled(
            " j/k scroll · any other key closes ",
            theme.muted,
        ));
    let max_scroll = height.saturating_sub(popup.height);
    let scroll = scroll.min(max_scroll);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(block).scroll((scroll, 0)),
        popup,
    );
}
