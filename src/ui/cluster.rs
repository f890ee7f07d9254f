//! The Cluster view: quorum and leader at the top, one row per member, then the
//! selected member's details and metrics beside the event log.

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Sparkline, Wrap};

use crate::app::App;
use crate::app::cluster::ClusterState;
use crate::etcd::cluster::{ClusterSnapshot, Health};
use crate::etcd::member_health::Probe;
use crate::theme::Theme;

use crate::text::safe;

pub(super) fn pane<'a>(title: &str, theme: &Theme) -> Block<'a> {
    super::pane(format!(" {title} "), false, theme)
}

pub(super) fn mib(b: i64) -> String {
    let f = b as f64;
    if b >= 1 << 30 {
        format!("{:.1}G", f / (1u64 << 30) as f64)
    } else if b >= 1 << 20 {
        format!("{:.1}M", f / (1u64 << 20) as f64)
    } else {
        format!("{:.0}K", f / 1024.0)
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let c = &app.cluster;
    let Some(s) = &c.snapshot else {
        let text = match &c.error {
            // A least-privilege user: say so in place, it is no fault of the cluster.
            Some(e) if e.problem == crate::etcd::Problem::PermissionDenied => Line::styled(
                "member list: not permitted for this user (it needs a role with more rights)",
                theme.muted,
            ),
            Some(e) => Line::styled(
                format!("cannot read the cluster: {}", safe(&e.to_string())),
                theme.error,
            ),
            None => Line::styled("asking every member…", theme.muted),
        };
        frame.render_widget(Paragraph::new(text).block(pane("Cluster", theme)), area);
        return;
    };
    let rows = s.members.len() as u16 + 1;
    let mut summary_text = summary_lines(s, theme);
    summary_text.extend(super::churn::top_writer_line(app, theme));
    let [summary, table, bottom] = Layout::vertical([
        Constraint::Length(summary_text.len() as u16),
        Constraint::Length(rows + 2),
        Constraint::Min(0),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(summary_text), summary);
    if app.upgrade.open {
        let below = Rect::new(table.x, table.y, table.width, table.height + bottom.height);
        super::cluster_upgrade::draw(frame, below, app, theme);
        return;
    }
    super::cluster_table::draw_table(frame, table, c, s, theme);
    let [detail, log] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(bottom);
    draw_detail(frame, detail, c, theme);
    // The forecast sits above the event log, in that column's width, so it takes no
    // row from the member's details on a small terminal; the log keeps at least three
    // rows (one entry) unless the column is too short for both.
    let log = match super::forecast::lines(app, theme) {
        Some(lines) => {
            let want = super::forecast::height(&lines, log.width.saturating_sub(2)) + 2;
            let room = if log.height >= 3 + 4 {
                log.height - 3
            } else {
                log.height
            };
            let [top, rest] =
                Layout::vertical([Constraint::Length(want.min(room)), Constraint::Min(0)])
                    .areas(log);
            super::forecast::draw(frame, top, lines, theme);
            rest
        }
        None => log,
    };
    if log.height > 0 {
        draw_log(frame, log, c, (app.now, app.wall), theme);
    }
}

fn summary_lines<'a>(s: &ClusterSnapshot, theme: &Theme) -> Vec<Line<'a>> {
    let q = s.quorum();
    let (word, style) = match q.tolerates {
        t if t < 0 => ("QUORUM LOST", theme.danger),
        0 => ("no failure tolerated", theme.warning),
        _ => ("healthy", theme.healthy),
    };
    let leader = s
        .leader
        .and_then(|l| s.member(l))
        .map(|m| {
            if m.name.is_empty() {
                format!("{:x}", m.id)
            } else {
                m.name.clone()
            }
        })
        .unwrap_or_else(|| {
            let denied =
                !s.members.is_empty() && s.members.iter().all(|m| m.health == Health::NotPermitted);
            if denied {
                "unknown (status not permitted)".into()
            } else {
                "none".into()
            }
        });
    let term = s
        .leader
        .and_then(|l| s.member(l))
        .and_then(|m| m.raft_term)
        .unwrap_or(0);
    let first = Line::from(vec![
        Span::styled(format!(" {word} "), style),
        Span::styled(
            format!(
                "  {}/{} voters up, {} needed, tolerates {} more failure{}",
                q.healthy_voters,
                q.voters,
                q.needed,
                q.tolerates.max(0),
                if q.tolerates == 1 { "" } else { "s" }
            ),
            theme.text,
        ),
    ]);
    let alarms = match (&s.alarms_error, s.alarms.is_empty()) {
        (Some(e), _) if e.problem == crate::etcd::Problem::PermissionDenied => {
            "alarms: not permitted".to_string()
        }
        (Some(_), _) => "alarms unknown (no quorum)".to_string(),
        (None, true) => "no alarms".to_string(),
        (None, false) => s
            .alarms
            .iter()
            .map(|(id, a)| format!("{a} on {id:x}"))
            .collect::<Vec<_>>()
            .join(", "),
    };
    let second = Line::from(vec![
        Span::styled(" leader ", theme.muted),
        Span::styled(safe(&leader).into_owned(), theme.leader),
        Span::styled(format!("  term {term}  rev {}  ", s.revision), theme.muted),
        Span::styled(
            alarms,
            if s.alarms.is_empty() {
                theme.muted
            } else {
                theme.error
            },
        ),
    ]);
    let mut lines = vec![first, second];
    if let Some(problems) = problems(s) {
        lines.push(Line::styled(format!(" {}", safe(&problems)), theme.error));
    }
    lines
}

/// The members that are not up, by name and why in a few words: a partition must be
/// named at the top, not only in a table cell.
fn problems(s: &ClusterSnapshot) -> Option<String> {
    let named: Vec<String> = s
        .members
        .iter()
        .filter_map(|m| {
            let name = if m.name.is_empty() {
                format!("{:x}", m.id)
            } else {
                m.name.clone()
            };
            let what = match &m.health {
                Health::Up | Health::NotPermitted | Health::NotStarted => return None,
                Health::CutOff(_) => "cut off from its peers (partitioned)".to_string(),
                Health::Unhealthy(why) => format!("unhealthy: {why}"),
                Health::Unreachable(e) => e.headline().to_string(),
            };
            Some(format!("{name} {what}"))
        })
        .collect();
    (!named.is_empty()).then(|| named.join(" · "))
}

fn draw_detail(frame: &mut Frame, area: Rect, c: &ClusterState, theme: &Theme) {
    let Some(m) = c.selected() else {
        return;
    };
    let title = if m.name.is_empty() {
        format!("{:x}", m.id)
    } else {
        m.name.clone()
    };
    let block = pane(&safe(&title), theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines = vec![
        Line::from(vec![
            Span::styled("client ", theme.muted),
            Span::styled(safe(&m.client_urls.join(", ")).into_owned(), theme.text),
        ]),
        Line::from(vec![
            Span::styled("peer   ", theme.muted),
            Span::styled(safe(&m.peer_urls.join(", ")).into_owned(), theme.text),
        ]),
    ];
    match &m.health {
        Health::Unreachable(e) => {
            lines.push(Line::styled(safe(&e.to_string()).into_owned(), theme.error));
        }
        Health::CutOff(why) => lines.push(Line::styled(
            format!("cut off from its peers (partitioned): {}", safe(why)),
            theme.error,
        )),
        Health::Unhealthy(why) => {
            lines.push(Line::styled(
                format!("unhealthy: {}", safe(why)),
                theme.warning,
            ));
        }
        Health::NotPermitted => lines.push(Line::styled(
            "status: not permitted for this user",
            theme.muted,
        )),
        Health::Up | Health::NotStarted => {}
    }
    // One line each: a reason such as a failed linearizable read is long.
    for (path, probe) in [
        ("/health ", &m.probes.health),
        ("/livez  ", &m.probes.livez),
        ("/readyz ", &m.probes.readyz),
    ] {
        // A member that is down has said why above; "no answer" thrice adds nothing.
        let down = matches!(m.health, Health::Unreachable(_));
        let Some(p) = probe
            .as_ref()
            .filter(|p| **p != Probe::NotServed && !(down && matches!(p, Probe::Failed(_))))
        else {
            continue;
        };
        let style = match p {
            Probe::Healthy => theme.healthy,
            _ => theme.error,
        };
        lines.push(Line::from(vec![
            Span::styled(path, theme.muted),
            Span::styled(safe(&p.describe()).into_owned(), style),
        ]));
    }
    if let Some(e) = c.metrics_errors.get(&m.id) {
        lines.push(Line::styled(format!("metrics: {}", safe(e)), theme.warning));
    }
    lines.extend(super::cluster_details::lines(c, m, inner.width, theme));
    let metrics = c.metrics.get(&m.id).map(|(_, mm)| mm);
    let ms = |l: Option<&crate::metrics::Latency>| {
        l.map(|l| format!("{:.1} ms", l.seconds * 1000.0))
            .unwrap_or_else(|| "absent".into())
    };
    let num = |v: Option<f64>| {
        v.map(|v| format!("{v:.0}"))
            .unwrap_or_else(|| "absent".into())
    };
    if let Some(mm) = metrics {
        lines.push(Line::from(vec![
            Span::styled("wal fsync p99 ", theme.muted),
            Span::styled(ms(mm.wal_fsync_p99.as_ref()), theme.text),
            Span::styled("  backend commit p99 ", theme.muted),
            Span::styled(ms(mm.backend_commit_p99.as_ref()), theme.text),
        ]));
        lines.push(Line::from(vec![
            Span::styled("proposals committed ", theme.muted),
            Span::styled(num(mm.proposals_committed), theme.text),
            Span::styled(" applied ", theme.muted),
            Span::styled(num(mm.proposals_applied), theme.text),
            Span::styled(" pending ", theme.muted),
            Span::styled(num(mm.proposals_pending), theme.text),
            Span::styled(" failed ", theme.muted),
            Span::styled(
                num(mm.proposals_failed),
                if mm.proposals_failed.is_some_and(|v| v > 0.0) {
                    theme.warning
                } else {
                    theme.text
                },
            ),
        ]));
        lines.push(Line::from(vec![
            Span::styled("leader changes ", theme.muted),
            Span::styled(num(mm.leader_changes), theme.text),
            Span::styled("  watchers ", theme.muted),
            Span::styled(num(mm.watchers), theme.text),
        ]));
    }
    // Rows as wrapped, not lines: a long metrics line takes two on a narrow screen.
    let text_h = super::forecast::height(&lines, inner.width);
    let [text, sparks] =
        Layout::vertical([Constraint::Length(text_h), Constraint::Min(0)]).areas(inner);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), text);
    let Some(series) = c.series.get(&m.id) else {
        return;
    };
    let charts: [(&str, &std::collections::VecDeque<u64>); 3] = [
        ("db size", &series.db_size),
        ("committed/2s", &series.committed),
        ("wal p99 µs", &series.wal_p99_us),
    ];
    let rows = Layout::vertical([Constraint::Length(2); 3]).split(sparks);
    for ((label, data), row) in charts.iter().zip(rows.iter()) {
        if row.height == 0 {
            break;
        }
        let [l, r] = Layout::horizontal([Constraint::Length(14), Constraint::Min(0)]).areas(*row);
        frame.render_widget(Paragraph::new(Line::styled(*label, theme.muted)), l);
        let data: Vec<u64> = data.iter().copied().collect();
        frame.render_widget(Sparkline::default().data(&data).style(theme.healthy), r);
    }
}

/// `clock` is the last tick's instant and wall time together: an entry noted at an
/// instant is shown at the wall time that instant had, in the screen's time zone.
fn draw_log(
    frame: &mut Frame,
    area: Rect,
    c: &ClusterState,
    clock: (Instant, std::time::SystemTime),
    theme: &Theme,
) {
    let (now, wall) = clock;
    let block = pane("Events", theme);
    let h = usize::from(block.inner(area).height);
    let lines: Vec<Line> = c
        .log
        .iter()
        .rev()
        .take(h)
        .map(|(at, what)| {
            let when = wall
                .checked_sub(now.saturating_duration_since(*at))
                .unwrap_or(wall);
            Line::from(vec![
                Span::styled(format!("{} ", crate::clock::hms(when)), theme.muted),
                Span::styled(safe(what).into_owned(), theme.text),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
