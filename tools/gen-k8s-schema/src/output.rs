//! Writes the compact text table read by `src/decode/k8s/schema.rs`. One record per line:
//!
//! ```text
//! P <index> <package>                                 proto package
//! G <group> <package prefix>                          API group -> Go package (`""` for core)
//! M <pkg>.<Name> [L] [@<first>-[<last>]]              message; L = list wrapper (JSON is its items)
//! F <number> <jsonName> <card> <type> [RIP] [@<first>-[<last>]]
//!                                                     field of the last M; card o | r | m:<keytype>;
//!                                                     type scalar or <pkg>.<Name>; R required (no
//!                                                     omitempty), I inline (embedded struct),
//!                                                     P Go pointer (written only when set)
//! ```
//!
//! `@1.17-1.24`: the releases it existed in; `@1.20-`: added in 1.20, still present. No `@`:
//! in every release read.

use std::collections::BTreeMap;

use crate::merge::{Schema, Span};
use crate::proto::{Card, SCALARS};

fn split_full(full: &str) -> (&str, &str) {
    full.rsplit_once('.').unwrap_or(("", full))
}

pub fn render(header: &str, schema: &Schema, labels: &[String]) -> String {
    let newest = labels.len().saturating_sub(1);
    let span = |s: Span| -> String {
        if s.first == 0 && s.last == newest {
            return String::new();
        }
        let first = labels.get(s.first).map_or("?", String::as_str);
        let last = if s.last == newest {
            ""
        } else {
            labels.get(s.last).map_or("?", String::as_str)
        };
        format!(" @{first}-{last}")
    };
    let mut packages: BTreeMap<&str, usize> = BTreeMap::new();
    for full in schema.messages.keys() {
        let n = packages.len();
        packages.entry(split_full(full).0).or_insert(n);
    }
    let short = |full: &str| -> String {
        if SCALARS.contains(&full) {
            return full.to_string();
        }
        let (pkg, name) = split_full(full);
        match packages.get(pkg) {
            Some(i) => format!("{i}.{name}"),
            None => format!("?{full}"),
        }
    };
    let mut out = String::from(header);
    let mut by_index: Vec<(&usize, &&str)> = packages.iter().map(|(p, i)| (i, p)).collect();
    by_index.sort();
    for (i, p) in by_index {
        out.push_str(&format!("P {i} {p}\n"));
    }
    for (group, prefix) in &schema.groups {
        let g = if group.is_empty() { "\"\"" } else { group };
        out.push_str(&format!("G {g} {prefix}\n"));
    }
    for (full, m) in &schema.messages {
        let flag = if m.list_wrapper { " L" } else { "" };
        out.push_str(&format!("M {}{flag}{}\n", short(full), span(m.span)));
        for (number, f) in &m.fields {
            let d = &f.def;
            let card = match &d.card {
                Card::Optional => "o".to_string(),
                Card::Repeated => "r".to_string(),
                Card::Map(k) => format!("m:{k}"),
            };
            let mut flags = String::new();
            if d.required {
                flags.push('R');
            }
            if d.inline {
                flags.push('I');
            }
            if d.pointer {
                flags.push('P');
            }
            let sep = if flags.is_empty() { "" } else { " " };
            out.push_str(&format!(
                "F {number} {} {card} {}{sep}{flags}{}\n",
                d.json,
                short(&d.ty),
                span(f.span)
            ));
        }
    }
    out
}
