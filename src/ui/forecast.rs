//! The Cluster view's forecast line for the selected member: growth over the session,
//! time to quota at that rate, and what a defragmentation would free. No sentence
//! about compaction: live, etcd reports nothing that says what it would free.

use ratatui::text::{Line, Span};

use crate::app::App;
use crate::app::forecast::selected;
use crate::checks::forecast::{QUOTA_WARN, defrag_worth_it, human, mib};
use crate::theme::Theme;

use crate::text::safe;

pub fn line<'a>(app: &App, theme: &Theme) -> Option<Line<'a>> {
    let f = selected(&app.forecast, &app.cluster)?;
    // Only once there is something to say: a measured growth, or a defragmentation
    // that would free at least a MiB (a fresh member always has a few free pages).
    if f.growth.is_none() && f.defrag_free.is_none_or(|b| b < 1 << 20) {
        return None;
    }
    let mut spans = vec![
        Span::styled(" forecast ", theme.muted),
        Span::styled(safe(&f.name).into_owned(), theme.text),
        Span::raw(": "),
    ];
    // The defragmentation figure first: it is known from the first refresh.
    if let Some(free) = f.defrag_free {
        let worth = defrag_worth_it(f.db_size.unwrap_or(0), free);
        spans.push(Span::styled(
            format!("defragmentation would free {}  ", mib(free)),
            if worth { theme.warning } else { theme.text },
        ));
    }
    match (f.growth, f.to_quota) {
        (None, _) => spans.push(Span::styled("growth: measuring…", theme.muted)),
        (Some(g), _) if g <= 0.0 => spans.push(Span::styled(
            format!("not growing (over {})", human(f.span)),
            theme.muted,
        )),
        (Some(g), t) => {
            let style = if t.is_some_and(|t| t < QUOTA_WARN) {
                theme.warning
            } else {
                theme.text
            };
            let when = t.map(human).unwrap_or_else(|| "—".into());
            spans.push(Span::styled(
                format!(
                    "grows {}/h (over {}): quota {} in {when}",
                    mib((g * 3600.0) as i64),
                    human(f.span),
                    mib(f.quota)
                ),
                style,
            ));
        }
    }
    Some(Line::from(spans))
}
