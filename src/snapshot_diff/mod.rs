//! `etcdtui snapshot diff FILE`: what changed in the live cluster since a snapshot was
//! taken — keys added, removed and changed, grouped by their first two path segments —
//! and, for one key, how its value changed, decoded as the Keys view shows it. "Changed"
//! means the value differs: a key written since with the very same bytes is counted
//! apart as "rewritten".

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::json;

use crate::text::{bytes, safe};

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum DiffOutput {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Added,
    Removed,
    Changed,
    /// Written since the snapshot, but with the value it had: not a change.
    Rewritten,
}

impl Change {
    fn mark(self) -> char {
        match self {
            Change::Added => '+',
            Change::Removed => '-',
            Change::Changed => '~',
            Change::Rewritten => '=',
        }
    }
}

/// How many keys of each kind changed under one prefix.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    pub rewritten: usize,
}

impl Counts {
    fn add(&mut self, c: Change) {
        match c {
            Change::Added => self.added += 1,
            Change::Removed => self.removed += 1,
            Change::Changed => self.changed += 1,
            Change::Rewritten => self.rewritten += 1,
        }
    }

    fn differ(&self) -> usize {
        self.added + self.removed + self.changed
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff {
    pub snapshot_revision: i64,
    pub live_revision: i64,
    /// Every key written since the snapshot, in key order.
    pub keys: Vec<(Vec<u8>, Change)>,
    pub total: Counts,
    /// Per prefix (see [`group_of`]), in prefix order.
    pub groups: BTreeMap<String, Counts>,
}

/// The first two path segments of a key's directory: `/registry/pods/ns/name` is
/// counted under `/registry/pods`, `/app/x` under `/app`, `/x` under `/`.
pub fn group_of(key: &[u8]) -> String {
    let text = bytes(key);
    let lead = if text.starts_with('/') { "/" } else { "" };
    let parts: Vec<&str> = text.split('/').filter(|s| !s.is_empty()).collect();
    let dirs = parts.len().saturating_sub(1).min(2);
    format!("{lead}{}", parts[..dirs].join("/"))
}

/// Merge-joins the snapshot's keys and the live keys (both sorted, with
/// `mod_revision`): a key whose `mod_revision` differs was written since, and counts as
/// changed until [`Diff::set_rewritten`] is told which of them kept their value.
pub fn compare(
    snapshot: &[(Vec<u8>, i64)],
    live: &[(Vec<u8>, i64)],
    revisions: (i64, i64),
) -> Diff {
    use std::cmp::Ordering;
    let mut keys = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < snapshot.len() || j < live.len() {
        let order = match (snapshot.get(i), live.get(j)) {
            (Some(s), Some(l)) => s.0.cmp(&l.0),
            (Some(_), None) => Ordering::Less,
            _ => Ordering::Greater,
        };
        match order {
            Ordering::Less => {
                keys.push((snapshot[i].0.clone(), Change::Removed));
                i += 1;
            }
            Ordering::Greater => {
                keys.push((live[j].0.clone(), Change::Added));
                j += 1;
            }
            Ordering::Equal => {
                if snapshot[i].1 != live[j].1 {
                    keys.push((live[j].0.clone(), Change::Changed));
                }
                i += 1;
                j += 1;
            }
        }
    }
    Diff::of(keys, revisions)
}

impl Diff {
    fn of(keys: Vec<(Vec<u8>, Change)>, revisions: (i64, i64)) -> Diff {
        let mut total = Counts::default();
        let mut groups: BTreeMap<String, Counts> = BTreeMap::new();
        for (k, c) in &keys {
            total.add(*c);
            // A prefix whose keys were only rewritten has nothing to show.
            if *c != Change::Rewritten {
                groups.entry(group_of(k)).or_default().add(*c);
            }
        }
        Diff {
            snapshot_revision: revisions.0,
            live_revision: revisions.1,
            keys,
            total,
            groups,
        }
    }

    /// Keys written since the snapshot whose values still need comparing.
    pub fn candidates(&self) -> Vec<Vec<u8>> {
        self.keys
            .iter()
            .filter(|(_, c)| *c == Change::Changed)
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// `same`: candidates whose live value equals the snapshot's; they become rewritten.
    pub fn set_rewritten(&mut self, same: &std::collections::HashSet<Vec<u8>>) {
        let keys = std::mem::take(&mut self.keys)
            .into_iter()
            .map(|(k, c)| match c {
                Change::Changed if same.contains(&k) => (k, Change::Rewritten),
                other => (k, other),
            })
            .collect();
        *self = Diff::of(keys, (self.snapshot_revision, self.live_revision));
    }
}

/// Thousands separated, as people read counts: 1,203.
fn n(v: usize) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// One sentence, busiest prefix first: "since the snapshot: 1,203 keys changed under
/// /registry/pods, …".
pub fn summary(d: &Diff) -> String {
    let t = &d.total;
    let rewritten = match t.rewritten {
        0 => String::new(),
        r => format!(
            "; {} more rewritten with the same value (not counted as changed)",
            n(r)
        ),
    };
    if t.differ() == 0 {
        return format!(
            "since the snapshot (rev {}): nothing changed (live rev {}){rewritten}",
            d.snapshot_revision, d.live_revision
        );
    }
    let mut busiest: Vec<(&String, &Counts)> = d.groups.iter().collect();
    busiest.sort_by_key(|(_, c)| std::cmp::Reverse(c.differ()));
    let top = busiest
        .iter()
        .take(3)
        .map(|(g, c)| format!("{} under {g}", n(c.differ())))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "since the snapshot (rev {}, live rev {}): {} keys differ — {} added, {} changed, {} removed; {top}{rewritten}",
        d.snapshot_revision,
        d.live_revision,
        n(t.differ()),
        n(t.added),
        n(t.changed),
        n(t.removed)
    )
}

/// Keys listed in the text output; JSON always has them all.
const LIST_LIMIT: usize = 200;

pub fn table(d: &Diff) -> String {
    let mut out = format!("{}\n", safe(&summary(d)));
    if d.keys.is_empty() {
        return out;
    }
    let width = d
        .groups
        .keys()
        .map(|g| g.chars().count())
        .max()
        .unwrap_or(6);
    out.push_str(&format!(
        "\n{:<width$}  {:>8}  {:>8}  {:>8}\n",
        "PREFIX", "ADDED", "CHANGED", "REMOVED"
    ));
    for (g, c) in &d.groups {
        out.push_str(&format!(
            "{:<width$}  {:>8}  {:>8}  {:>8}\n",
            safe(g),
            n(c.added),
            n(c.changed),
            n(c.removed)
        ));
    }
    out.push('\n');
    for (k, c) in d.keys.iter().take(LIST_LIMIT) {
        out.push_str(&format!("{} {}\n", c.mark(), safe(&bytes(k))));
    }
    if d.keys.len() > LIST_LIMIT {
        out.push_str(&format!(
            "… and {} more keys (-o json lists them all)\n",
            n(d.keys.len() - LIST_LIMIT)
        ));
    }
    out
}

pub fn to_json(d: &Diff) -> serde_json::Value {
    json!({
        "snapshot_revision": d.snapshot_revision,
        "live_revision": d.live_revision,
        "summary": summary(d),
        "total": d.total,
        "groups": d.groups,
        "keys": d.keys.iter().map(|(k, c)| json!({"key": bytes(k), "change": c})).collect::<Vec<_>>(),
    })
}

/// A unified diff of one key's value, both sides decoded the way the Keys view shows
/// them (secrets masked), so a Kubernetes object diffs as YAML, not protobuf bytes.
pub fn value_diff(key: &[u8], before: Option<&[u8]>, after: Option<&[u8]>) -> String {
    let show = |v: Option<&[u8]>| match v {
        Some(v) => {
            let format = crate::decode::detect(key, v);
            let mut t = crate::decode::render_value::render(key, v, format, false).text;
            if !t.ends_with('\n') {
                t.push('\n');
            }
            t
        }
        None => String::new(),
    };
    let (a, b) = (show(before), show(after));
    if a == b {
        return format!("{}: value unchanged\n", safe(&bytes(key)));
    }
    let name = bytes(key);
    let diff = similar::TextDiff::from_lines(&a, &b)
        .unified_diff()
        .header(&format!("snapshot {name}"), &format!("live {name}"))
        .to_string();
    diff.lines().map(|l| safe(l).into_owned() + "\n").collect()
}

#[cfg(test)]
mod tests;
