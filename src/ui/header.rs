//! The two header lines (where we are, how the cluster is) and the tab bar.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::{App, ConnState, ViewId};
use crate::etcd::fmt_duration;
use crate::theme::Theme;

use crate::text::safe;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let lines = vec![
        context_line(app, theme),
        cluster_line(app, theme, area.width),
    ];
    frame.render_widget(Paragraph::new(lines), area);
}

fn context_line<'a>(app: &'a App, theme: &Theme) -> Line<'a> {
    if let Some(snap) = &app.snapshot {
        return snapshot_line(snap, theme);
    }
    let ctx = &app.context;
    let mut spans = vec![
        Span::styled(" etcdtui ", theme.title),
        Span::styled("ctx ", theme.muted),
        Span::styled(safe(&ctx.name).into_owned(), theme.text),
        Span::styled("  endpoints ", theme.muted),
        Span::styled(
            safe(&endpoints_label(&ctx.endpoints)).into_owned(),
            theme.text,
        ),
    ];
    let cert_cn = app.access.as_ref().and_then(|a| a.cert_cn.as_ref());
    if let Some(user) = &ctx.user {
        spans.push(Span::styled("  user ", theme.muted));
        spans.push(Span::styled(safe(user).into_owned(), theme.text));
    } else if let Some(cn) = cert_cn {
        // etcd takes the user from the client certificate: say whose it is.
        spans.push(Span::styled("  user ", theme.muted));
        spans.push(Span::styled(safe(cn).into_owned(), theme.text));
        spans.push(Span::styled(" (client certificate CN)", theme.muted));
    }
    if ctx.read_only {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(" READ-ONLY ", theme.badge));
    }
    Line::from(spans)
}

/// A snapshot file in place of a connection: which file, at which revision, and that
/// nothing here changes a cluster.
fn snapshot_line<'a>(snap: &crate::app::SnapshotSource, theme: &Theme) -> Line<'a> {
    Line::from(vec![
        Span::styled(" etcdtui ", theme.title),
        Span::styled("snapshot ", theme.muted),
        Span::styled(safe(&snap.path).into_owned(), theme.text),
        Span::styled("  rev ", theme.muted),
        Span::styled(snap.revision.to_string(), theme.text),
        Span::raw("  "),
        Span::styled("(read-only)", theme.badge),
    ])
}

fn snapshot_state<'a>(snap: &crate::app::SnapshotSource, theme: &Theme) -> Line<'a> {
    let mut spans = vec![
        Span::styled(" ■ offline file", theme.healthy),
        Span::styled("  keys ", theme.muted),
        Span::styled(snap.keys.to_string(), theme.text),
        Span::styled(
            "  no server: writes, watch and cluster views are off",
            theme.muted,
        ),
    ];
    if let Some(w) = &snap.warning {
        spans.insert(1, Span::styled(format!("  {}", safe(w)), theme.error));
    }
    Line::from(spans)
}

fn endpoints_label(endpoints: &[String]) -> String {
    match endpoints {
        [] => "none".into(),
        [one] => one.clone(),
        [first, rest @ ..] => format!("{first} +{}", rest.len()),
    }
}

fn cluster_line<'a>(app: &App, theme: &Theme, width: u16) -> Line<'a> {
    if let Some(snap) = &app.snapshot {
        return snapshot_state(snap, theme);
    }
    let mut spans = vec![Span::raw(" ")];
    spans.extend(state_spans(app, theme));
    let Some(info) = app.cluster() else {
        return Line::from(spans);
    };
    let stale = !matches!(app.conn, ConnState::Connected { .. });
    let value = if stale { theme.muted } else { theme.text };
    if info.status_denied {
        return denied_status_line(spans, info, theme, value);
    }
    let leader = match (&info.leader_name, info.leader_id) {
        (_, 0) => "none".to_string(),
        (Some(n), _) if !n.is_empty() => n.clone(),
        (_, id) => format!("{id:x}"),
    };
    // Most useful first: on a narrow terminal the tail is dropped, never cut mid-word.
    let fields = [
        ("leader", leader, theme.leader),
        ("rev", info.revision.to_string(), value),
        ("version", info.version.clone(), value),
        ("cluster", format!("{:x}", info.cluster_id), value),
    ];
    let mut used: usize = spans.iter().map(|s| s.width()).sum();
    let suffix = if stale { " (last known)" } else { "" };
    for (label, v, style) in fields {
        let v = safe(&v).into_owned();
        let w = label.len() + v.chars().count() + 3;
        if used + w + suffix.len() > usize::from(width) {
            break;
        }
        used += w;
        spans.push(Span::styled(format!("  {label} "), theme.muted));
        spans.push(Span::styled(v, style));
    }
    if stale {
        spans.push(Span::styled(suffix, theme.muted));
    }
    Line::from(spans)
}

/// The endpoint answered but refuses `Status` to this user: what is known (from other
/// answers' headers) and, in place of leader and version, that it is not permitted.
fn denied_status_line<'a>(
    mut spans: Vec<Span<'a>>,
    info: &crate::etcd::ClusterInfo,
    theme: &Theme,
    value: ratatui::style::Style,
) -> Line<'a> {
    spans.push(Span::styled("  status not permitted", theme.warning));
    if info.revision > 0 {
        spans.push(Span::styled("  rev ", theme.muted));
        spans.push(Span::styled(info.revision.to_string(), value));
    }
    if info.cluster_id != 0 {
        spans.push(Span::styled("  cluster ", theme.muted));
        spans.push(Span::styled(format!("{:x}", info.cluster_id), value));
    }
    Line::from(spans)
}

fn state_spans<'a>(app: &App, theme: &Theme) -> Vec<Span<'a>> {
    match &app.conn {
        // `--snapshot FILE` starts with no endpoints while the file is read: there is
        // nothing to connect to, so say what is happening instead.
        ConnState::Connecting { .. } if app.context.endpoints.is_empty() => {
            vec![Span::styled("◌ reading the snapshot file…", theme.warning)]
        }
        ConnState::Connecting { attempt } => {
            let text = if *attempt == 0 {
                "◌ connecting…".to_string()
            } else {
                format!("◌ connecting (attempt {})…", attempt + 1)
            };
            vec![Span::styled(text, theme.warning)]
        }
        ConnState::Connected { info } => {
            let mut v = vec![Span::styled("● connected", theme.healthy)];
            if info.endpoints_up < info.endpoints_total {
                v.push(Span::styled(
                    format!(" ({}/{} up)", info.endpoints_up, info.endpoints_total),
                    theme.warning,
                ));
            }
            v
        }
        ConnState::Disconnected { retry_at, .. } => {
            let left = retry_at.saturating_duration_since(app.now);
            vec![
                Span::styled("✗ disconnected", theme.error),
                Span::styled(
                    format!(", retry in {}", fmt_duration(round_up_secs(left))),
                    theme.warning,
                ),
            ]
        }
    }
}

/// A countdown should read "1s" until it fires, not "0s" for most of the last second.
fn round_up_secs(d: std::time::Duration) -> std::time::Duration {
    std::time::Duration::from_secs(d.as_secs() + u64::from(d.subsec_nanos() > 0))
}

pub fn draw_tabs(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut spans = vec![Span::raw(" ")];
    for view in ViewId::ALL {
        let style = if view == app.view {
            theme.tab_active
        } else {
            theme.tab
        };
        spans.push(Span::styled(
            format!(" {} {} ", view.digit(), view.title()),
            style,
        ));
        spans.push(Span::raw(" "));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(theme.border), area);
}
