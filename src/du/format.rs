//! The printed forms of a [`DuReport`]: a ranked table for people, JSON for scripts.
//! Both `etcdtui du` and `etcdtui snapshot du` print through here, so they read alike.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::{DuReport, Group, Sizes, Source, label};
use crate::text::{bytes, human_size};

/// What a live report cannot know, said where the numbers are.
pub const LIVE_ONLY_NOTE: &str = "history bytes and free pages are known offline only: run \
     `etcdtui snapshot du` on a snapshot for history and free space";

fn size(n: u64) -> String {
    human_size(usize::try_from(n).unwrap_or(usize::MAX))
}

/// The `top` largest groups (0: all), then the totals and, from a file, the free pages.
pub fn table(r: &DuReport, top: usize) -> String {
    let offline = r.source.is_file();
    let mut out = String::new();
    let shown_prefix = if r.prefix.is_empty() {
        "the whole keyspace".to_string()
    } else {
        format!("\"{}\"", bytes(&r.prefix))
    };
    let from = match &r.source {
        Source::Live { endpoint } => format!("live from {endpoint}"),
        Source::File { path, .. } => format!("file {}", crate::text::safe(path)),
    };
    let _ = writeln!(
        out,
        "Space under {shown_prefix}, {} level(s) deep, at revision {} ({from})",
        r.depth, r.revision
    );
    let mut rows: Vec<[String; 7]> = vec![[
        "PATH".into(),
        "KIND".into(),
        "KEYS".into(),
        "KEY BYTES".into(),
        "VALUE BYTES".into(),
        "HISTORY".into(),
        "TOTAL".into(),
    ]];
    let cell = |path: String, kind: String, s: &Sizes| -> [String; 7] {
        [
            path,
            kind,
            s.keys.to_string(),
            size(s.key_bytes),
            size(s.value_bytes),
            if offline {
                size(s.history_bytes)
            } else {
                "-".into()
            },
            size(s.total()),
        ]
    };
    let shown = shown_groups(r, top);
    for g in shown {
        rows.push(cell(
            bytes(&g.path),
            label(&g.path).unwrap_or_default(),
            &g.sizes,
        ));
    }
    let hidden = r.groups.len() - shown.len();
    let mut rest = Sizes::default();
    r.groups[shown.len()..]
        .iter()
        .for_each(|g| rest.add(&g.sizes));
    let mut hidden_n = hidden as u64;
    if let Some((n, s)) = &r.other {
        hidden_n += n;
        rest.add(s);
    }
    if hidden_n > 0 {
        rows.push(cell(format!("({hidden_n} more)"), String::new(), &rest));
    }
    rows.push(cell("TOTAL".into(), String::new(), &r.total));
    let widths: Vec<usize> = (0..7)
        .map(|c| {
            rows.iter()
                .map(|row| row[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in &rows {
        let mut line = String::new();
        for (c, v) in row.iter().enumerate() {
            // Names left, numbers right.
            if c < 2 {
                let _ = write!(line, "{v:<w$}  ", w = widths[c]);
            } else {
                let _ = write!(line, "{v:>w$}  ", w = widths[c]);
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    match &r.source {
        Source::Live { .. } => {
            let _ = writeln!(out, "{LIVE_ONLY_NOTE}");
        }
        Source::File {
            total_size,
            free_pages,
            page_size,
            compacted_revision,
            ..
        } => {
            let free = free_pages * u64::from(*page_size);
            let _ = writeln!(
                out,
                "history: {} in {} revision(s) a compaction to revision {} would free{}",
                size(r.total.history_bytes),
                r.total.history_revisions,
                r.revision,
                compacted_revision
                    .map(|c| format!(" (last compacted at {c})"))
                    .unwrap_or_default()
            );
            let _ = writeln!(
                out,
                "free pages: {free_pages} ({}) of {} a defragmentation would free",
                size(free),
                size(*total_size)
            );
        }
    }
    out
}

fn shown_groups(r: &DuReport, top: usize) -> &[Group] {
    match top {
        0 => &r.groups,
        n => &r.groups[..n.min(r.groups.len())],
    }
}

fn sizes_json(s: &Sizes, offline: bool) -> Value {
    let mut v = json!({
        "keys": s.keys,
        "key_bytes": s.key_bytes,
        "value_bytes": s.value_bytes,
        "total_bytes": s.total(),
    });
    if offline {
        v["history_revisions"] = json!(s.history_revisions);
        v["history_bytes"] = json!(s.history_bytes);
    }
    v
}

/// Every figure, exact, for scripts: groups largest first (`top` of them, 0: all).
pub fn json(r: &DuReport, top: usize) -> Value {
    let offline = r.source.is_file();
    let groups: Vec<Value> = shown_groups(r, top)
        .iter()
        .map(|g| {
            let mut v = sizes_json(&g.sizes, offline);
            v["path"] = json!(bytes(&g.path));
            v["kind"] = json!(label(&g.path));
            v
        })
        .collect();
    let mut out = json!({
        "prefix": bytes(&r.prefix),
        "depth": r.depth,
        "revision": r.revision,
        "groups": groups,
        "total": sizes_json(&r.total, offline),
        "folded": r.other.as_ref().map(|(n, s)| {
            let mut v = sizes_json(s, offline);
            v["groups"] = json!(n);
            v
        }),
    });
    match &r.source {
        Source::Live { endpoint } => {
            out["source"] = json!({"live": endpoint});
            out["note"] = json!(LIVE_ONLY_NOTE);
        }
        Source::File {
            path,
            total_size,
            free_pages,
            page_size,
            compacted_revision,
        } => {
            out["source"] = json!({"file": path});
            out["file"] = json!({
                "total_size": total_size,
                "free_pages": free_pages,
                "page_size": page_size,
                "free_bytes": free_pages * u64::from(*page_size),
                "compacted_revision": compacted_revision,
            });
        }
    }
    out
}
