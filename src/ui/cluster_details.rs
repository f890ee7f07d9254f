//! The selected member's release details in the Cluster view: the quota and where it
//! came from, the storage version and a downgrade (etcd 3.6+ `status`), the enabled
//! feature gates (3.6+ `/metrics`). What a member does not report says so ("—", "not
//! reported"), so an older etcd is never shown as one with nothing enabled.

use ratatui::text::{Line, Span};

use crate::app::cluster::ClusterState;
use crate::etcd::cluster::{Health, MemberStatus};
use crate::metrics::{FeatureGate, QuotaSource};
use crate::theme::Theme;

use crate::text::{human_size, safe};

const NONE: &str = "—";

/// Labels are this wide, values start after them.
const LABEL: usize = 8;

/// The lines for member `m`, wrapped to `width` columns.
pub fn lines(c: &ClusterState, m: &MemberStatus, width: u16, theme: &Theme) -> Vec<Line<'static>> {
    let label = |s: &str| Span::styled(format!("{s:<LABEL$}"), theme.muted);
    let mut out = Vec::new();
    if m.health == Health::Up {
        let q = c.quota_for(m);
        let style = if q.source == QuotaSource::Default {
            theme.warning
        } else {
            theme.muted
        };
        out.push(Line::from(vec![
            label("quota"),
            Span::styled(human_size(q.bytes.max(0) as usize), theme.text),
            Span::styled(format!(" {}", q.source.label()), style),
        ]));
    }
    let since = m.since_36.as_ref();
    let gates = c
        .metrics
        .get(&m.id)
        .map(|(_, mm)| mm.feature_gates.as_deref());
    let mut second = vec![
        label("storage"),
        Span::styled(
            safe(
                since
                    .and_then(|s| s.storage_version.as_deref())
                    .unwrap_or(NONE),
            )
            .into_owned(),
            theme.text,
        ),
        Span::styled("  downgrade ", theme.muted),
    ];
    match since.and_then(|s| s.downgrade.as_ref()) {
        None => second.push(Span::styled(NONE, theme.text)),
        Some(d) if !d.enabled => second.push(Span::styled("none", theme.text)),
        Some(d) => second.push(Span::styled(
            format!("ENABLED → {}", safe(&d.target)),
            theme.warning,
        )),
    }
    // An older etcd has none of the three: one short line says so for all of them.
    if since.is_none() && !matches!(gates, Some(Some(_))) {
        second.push(Span::styled("  gates ", theme.muted));
        second.push(Span::styled(NONE, theme.text));
        out.push(Line::from(second));
        out.push(Line::from(vec![
            label(""),
            Span::styled(why_missing(m, gates.is_none()), theme.muted),
        ]));
        return out;
    }
    out.push(Line::from(second));
    match gates {
        Some(Some(gates)) => out.extend(gate_lines(gates, width, theme)),
        Some(None) => out.push(Line::from(vec![
            label("gates"),
            Span::styled(NONE, theme.text),
            Span::styled(" not reported", theme.muted),
        ])),
        None => out.push(Line::from(vec![
            label("gates"),
            Span::styled(NONE, theme.text),
            Span::styled(" no metrics yet", theme.muted),
        ])),
    }
    out
}

fn why_missing(m: &MemberStatus, no_metrics: bool) -> String {
    let by = match (&m.health, &m.version) {
        (Health::Up, Some(v)) => format!("not reported by etcd {}", safe(v)),
        (Health::Up, None) => "not reported".into(),
        _ => return "no answer".into(),
    };
    if no_metrics {
        format!("{by} (no metrics yet)")
    } else {
        by
    }
}

/// One line per stage, `alpha: A, B`, broken between gates to fit `width`; a stage
/// with nothing enabled is left out.
fn gate_lines(gates: &[FeatureGate], width: u16, theme: &Theme) -> Vec<Line<'static>> {
    let mut on: Vec<&FeatureGate> = gates.iter().filter(|g| g.enabled).collect();
    on.sort_by(|a, b| (&a.stage, &a.name).cmp(&(&b.stage, &b.name)));
    let width = usize::from(width).max(LABEL + 12);
    let mut lines = Vec::new();
    let mut line: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    let mut stage: Option<&str> = None;
    for (i, g) in on.iter().enumerate() {
        let last_of_stage = on.get(i + 1).is_none_or(|n| n.stage != g.stage);
        let name = format!("{}{}", safe(&g.name), if last_of_stage { "" } else { "," });
        let new_stage = stage != Some(g.stage.as_str());
        let head = new_stage.then(|| format!("{}: ", safe(&g.stage.to_ascii_lowercase())));
        let need = head.as_ref().map_or(0, |h| h.chars().count()) + name.chars().count() + 1;
        if new_stage || used + need > width {
            if !line.is_empty() {
                lines.push(Line::from(std::mem::take(&mut line)));
            }
            let first = if lines.is_empty() { "gates" } else { "" };
            line.push(Span::styled(format!("{first:<LABEL$}"), theme.muted));
            used = LABEL;
        }
        if let Some(h) = head {
            line.push(Span::styled(h, theme.muted));
        }
        line.push(Span::styled(format!("{name} "), theme.text));
        used += need;
        stage = Some(g.stage.as_str());
    }
    if lines.is_empty() && line.is_empty() {
        line = vec![
            Span::styled(format!("{:<LABEL$}", "gates"), theme.muted),
            Span::styled("none enabled", theme.text),
        ];
    }
    lines.push(Line::from(line));
    lines
}
