//! The Cluster view's member table: one row per member, columns dropped right to left
//! on narrow terminals.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::cluster::ClusterState;
use crate::etcd::cluster::{ClusterSnapshot, Health, MemberStatus};
use crate::etcd::member_health::Probe;
use crate::theme::Theme;

use super::cluster::{mib, pane};
use crate::text::safe;

struct Col {
    title: &'static str,
    width: usize,
    /// Dropped first on narrow terminals (lower keeps longer).
    keep: u8,
}

const COLS: &[Col] = &[
    Col {
        title: "",
        width: 2,
        keep: 9,
    },
    Col {
        title: "name",
        width: 12,
        keep: 9,
    },
    Col {
        title: "health",
        width: 13,
        keep: 9,
    },
    Col {
        title: "lag",
        width: 6,
        keep: 8,
    },
    Col {
        title: "db",
        width: 7,
        keep: 7,
    },
    Col {
        title: "quota",
        width: 6,
        keep: 7,
    },
    Col {
        title: "rtt",
        width: 7,
        keep: 6,
    },
    Col {
        title: "version",
        width: 8,
        keep: 5,
    },
    Col {
        title: "in use",
        width: 7,
        keep: 4,
    },
    Col {
        title: "term",
        width: 5,
        keep: 3,
    },
    Col {
        title: "index",
        width: 9,
        keep: 1,
    },
    Col {
        title: "applied",
        width: 9,
        keep: 1,
    },
    Col {
        title: "/health",
        width: 7,
        keep: 6,
    },
    Col {
        title: "/livez",
        width: 6,
        keep: 3,
    },
    Col {
        title: "/readyz",
        width: 7,
        keep: 3,
    },
    Col {
        title: "id",
        width: 17,
        keep: 2,
    },
];

fn shown_cols(width: usize) -> Vec<usize> {
    let mut keep = 0;
    loop {
        let cols: Vec<usize> = (0..COLS.len()).filter(|&i| COLS[i].keep > keep).collect();
        let need: usize = cols.iter().map(|&i| COLS[i].width + 1).sum();
        if need <= width || keep >= 8 {
            return cols;
        }
        keep += 1;
    }
}

/// The quota to measure against: etcd's own answer, else configured, else the default.
fn quota_of(c: &ClusterState, m: &MemberStatus) -> i64 {
    c.quota_for(m).bytes
}

fn cells(
    c: &ClusterState,
    s: &ClusterSnapshot,
    m: &MemberStatus,
    theme: &Theme,
) -> Vec<(String, Style)> {
    let t = theme.text;
    let opt = |v: Option<String>| v.unwrap_or_else(|| "-".into());
    let leader = s.leader == Some(m.id);
    let marker = if leader {
        "★"
    } else if m.is_learner {
        "L"
    } else {
        " "
    };
    let (health, hs) = match &m.health {
        Health::Up => ("up".to_string(), theme.healthy),
        Health::Unhealthy(_) => ("UNHEALTHY".to_string(), theme.warning),
        Health::CutOff(_) => ("CUT OFF".to_string(), theme.error),
        Health::NotPermitted => ("not permitted".to_string(), theme.muted),
        Health::NotStarted => ("not started".to_string(), theme.warning),
        Health::Unreachable(e) => (short_problem(e).to_string(), theme.error),
    };
    let lag = s.lag(m);
    let quota = quota_of(c, m);
    let share = m.db_size.map(|d| d as f64 * 100.0 / quota as f64);
    vec![
        (
            marker.into(),
            if m.is_learner && !leader {
                theme.learner
            } else {
                theme.leader
            },
        ),
        (
            if m.name.is_empty() {
                "(unstarted)".into()
            } else {
                m.name.clone()
            },
            if leader { theme.leader } else { t },
        ),
        (health, hs),
        (
            opt(lag.map(|l| l.to_string())),
            if lag.is_some_and(|l| l > 1000) {
                theme.warning
            } else {
                t
            },
        ),
        (opt(m.db_size.map(mib)), t),
        (
            opt(share.map(|p| format!("{p:.0}%"))),
            if share.is_some_and(|p| p >= 80.0) {
                theme.error
            } else {
                t
            },
        ),
        (opt(m.rtt.map(|d| format!("{}ms", d.as_millis()))), t),
        (opt(m.version.clone()), t),
        (opt(m.db_size_in_use.map(mib)), t),
        (opt(m.raft_term.map(|v| v.to_string())), t),
        (opt(m.raft_index.map(|v| v.to_string())), t),
        (opt(m.raft_applied_index.map(|v| v.to_string())), t),
        probe_cell(m.probes.health.as_ref(), theme),
        probe_cell(m.probes.livez.as_ref(), theme),
        probe_cell(m.probes.readyz.as_ref(), theme),
        (format!("{:x}", m.id), theme.muted),
    ]
}

fn probe_cell(p: Option<&Probe>, theme: &Theme) -> (String, Style) {
    let style = match p {
        Some(Probe::Healthy) => theme.healthy,
        Some(Probe::Unhealthy(_) | Probe::Failed(_)) => theme.error,
        _ => theme.muted,
    };
    (p.map_or("-", Probe::word).to_string(), style)
}

/// A word for the table; the detail pane has the whole sentence.
fn short_problem(e: &crate::etcd::EtcdError) -> &'static str {
    use crate::etcd::Problem::*;
    match e.problem {
        Unreachable => "DOWN",
        Timeout => "NO ANSWER",
        TlsUnknownCa | TlsWrongHost | TlsExpired | TlsNotOffered | TlsRequired => "TLS ERROR",
        TlsClientCertRequired | TlsClientCertRejected => "CERT REFUSED",
        AuthFailed | AuthRequired | AuthDisabled | PermissionDenied => "AUTH ERROR",
        _ => "ERROR",
    }
}

fn fit(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n > w {
        let mut t: String = s.chars().take(w.saturating_sub(1)).collect();
        t.push('…');
        t
    } else {
        format!("{s:<w$}")
    }
}

pub(super) fn draw_table(
    frame: &mut Frame,
    area: Rect,
    c: &ClusterState,
    s: &ClusterSnapshot,
    theme: &Theme,
) {
    let block = pane("Members", theme);
    let inner = block.inner(area);
    let cols = shown_cols(usize::from(inner.width));
    let mut lines = vec![Line::from(
        cols.iter()
            .map(|&i| {
                Span::styled(
                    format!("{} ", fit(COLS[i].title, COLS[i].width)),
                    theme.muted,
                )
            })
            .collect::<Vec<_>>(),
    )];
    for (row, m) in s.members.iter().enumerate() {
        let cs = cells(c, s, m, theme);
        let spans: Vec<Span> = cols
            .iter()
            .map(|&i| Span::styled(format!("{} ", fit(&safe(&cs[i].0), COLS[i].width)), cs[i].1))
            .collect();
        let line = Line::from(spans);
        lines.push(if row == c.cursor {
            line.style(theme.selection)
        } else {
            line
        });
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
