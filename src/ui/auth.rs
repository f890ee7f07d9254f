//! The Auth view: is authentication on, who are the users, what may each role do.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::app::App;
use crate::app::auth::Pane;
use crate::etcd::auth::Span as KeySpan;
use crate::theme::Theme;

use crate::text::{bytes, safe};

fn pane<'a>(title: &str, focused: bool, theme: &Theme) -> Block<'a> {
    super::pane(format!(" {title} "), focused, theme)
}

fn span_text(s: &KeySpan) -> String {
    match s {
        KeySpan::Key(k) => bytes(k),
        KeySpan::Prefix(p) => format!("{}* (prefix)", bytes(p)),
        KeySpan::FromKey(k) if k.is_empty() || k == &[0] => "every key".into(),
        KeySpan::FromKey(k) => format!("{} and after", bytes(k)),
        KeySpan::Range(a, b) => format!("[{}, {})", bytes(a), bytes(b)),
    }
}

/// Whether auth is on comes from etcd's `AuthStatus`; only on 3.4, which lacks it, is
/// it inferred, and then the line says so.
fn status_line<'a>(app: &App, theme: &Theme) -> Line<'a> {
    use crate::etcd::permissions::AuthState;
    let access = app.access.as_ref();
    // Until the session has asked: etcd refuses a password login when auth is off, so
    // being connected with one says it is on.
    let auth = match (access, &app.context.user) {
        (Some(a), _) => a.auth,
        (None, Some(_)) => AuthState::Enabled,
        (None, None) => AuthState::Unknown,
    };
    let who = match access {
        Some(a) => match (&a.user, &a.cert_cn) {
            (Some(u), Some(cn)) if u == cn => Some(format!("{}, certificate CN", safe(u))),
            (Some(u), _) => Some(safe(u).into_owned()),
            (None, _) => None,
        },
        None => app.context.user.as_ref().map(|u| safe(u).into_owned()),
    };
    let inferred = if auth.inferred() {
        " (inferred: etcd 3.4 has no AuthStatus)"
    } else {
        ""
    };
    let mut spans = vec![Span::styled(" authentication ", theme.muted)];
    match auth.is_enabled() {
        Some(true) => {
            spans.push(Span::styled("enabled", theme.healthy));
            if let Some(w) = who {
                spans.push(Span::styled(format!(" (connected as {w})"), theme.muted));
            }
        }
        Some(false) => {
            spans.push(Span::styled("disabled", theme.warning));
            spans.push(Span::styled(
                " (whoever reaches the endpoint has full access)",
                theme.muted,
            ));
        }
        None => spans.push(Span::styled("not known yet", theme.muted)),
    }
    spans.push(Span::styled(inferred, theme.muted));
    Line::from(spans)
}

/// What the connected user may do with keys, from its own roles (which etcd lets it
/// read even when it may not list users and roles).
fn own_permissions<'a>(app: &App, theme: &Theme) -> Vec<Line<'a>> {
    let Some(p) = app.access.as_ref().and_then(|a| a.keys.as_ref()) else {
        return Vec::new();
    };
    let mut lines = vec![
        Line::raw(""),
        Line::styled(
            format!("Roles of this user: {}", safe(&p.roles.join(", "))),
            theme.title,
        ),
    ];
    if p.all {
        lines.push(Line::styled("  every key (the root role)", theme.muted));
    } else if p.perms.is_empty() {
        lines.push(Line::styled("  no key permissions at all", theme.warning));
    }
    for perm in &p.perms {
        lines.push(Line::from(vec![
            Span::styled(format!("  {:<10}", perm.access.label()), theme.key),
            Span::styled(span_text(&perm.span), theme.text),
        ]));
    }
    lines
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let a = &app.auth;
    let [head, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    let status = status_line(app, theme);
    frame.render_widget(Paragraph::new(status), head);
    if let Some(why) = &a.not_permitted {
        let mut text = vec![
            Line::styled(
                "not permitted: this user may not list users and roles",
                theme.warning,
            ),
            Line::styled(safe(why).into_owned(), theme.muted),
        ];
        text.extend(own_permissions(app, theme));
        // etcd's reason is a sentence: wrapped, not cut at the pane's edge.
        let text = Paragraph::new(text)
            .wrap(ratatui::widgets::Wrap { trim: false })
            .block(pane("Auth", true, theme));
        frame.render_widget(text, body);
        return;
    }
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(body);
    let Some(info) = &a.info else {
        let msg = if a.loading { "loading…" } else { "" };
        frame.render_widget(
            Paragraph::new(Line::styled(msg, theme.muted)).block(pane("Users", true, theme)),
            left,
        );
        return;
    };
    let users: Vec<Line> = if info.users.is_empty() {
        vec![Line::styled("no users", theme.muted)]
    } else {
        info.users
            .iter()
            .enumerate()
            .map(|(i, u)| {
                let l = Line::from(vec![
                    Span::styled(format!("{:<16}", safe(&u.name)), theme.text),
                    Span::styled(safe(&u.roles.join(", ")).into_owned(), theme.muted),
                ]);
                if a.pane == Pane::Users && i == a.user_cursor {
                    l.style(theme.selection)
                } else {
                    l
                }
            })
            .collect()
    };
    frame.render_widget(
        Paragraph::new(users).block(pane("Users", a.pane == Pane::Users, theme)),
        left,
    );
    let mut roles: Vec<Line> = Vec::new();
    for (i, r) in info.roles.iter().enumerate() {
        let l = Line::styled(safe(&r.name).into_owned(), theme.title);
        roles.push(if a.pane == Pane::Roles && i == a.role_cursor {
            l.style(theme.selection)
        } else {
            l
        });
        if r.name == "root" && r.perms.is_empty() {
            roles.push(Line::styled("  everything (the root role)", theme.muted));
        }
        for p in &r.perms {
            roles.push(Line::from(vec![
                Span::styled(format!("  {:<10}", p.access.label()), theme.key),
                Span::styled(span_text(&p.span), theme.text),
            ]));
        }
    }
    if roles.is_empty() {
        roles.push(Line::styled("no roles", theme.muted));
    }
    frame.render_widget(
        Paragraph::new(roles).block(pane("Roles", a.pane == Pane::Roles, theme)),
        right,
    );
}
