//! Joins protos with OpenAPI types and writes the compact text table read by
//! `src/decode/k8s/schema.rs`. Format, one record per line:
//!
//! ```text
//! P <index> <package>                          proto package
//! M <pkg>.<Name> [L]                           message; L = list wrapper (JSON is its items)
//! F <number> <jsonName> <card> <type> [RIN]    field of the last M; card o | r | m:<keytype>;
//!                                              type scalar or <pkg>.<Name>; R required,
//!                                              I inline, N learned from round-trip testdata
//! K <apiVersion> <kind> <pkg>.<Name>|-         kind -> message (- = no protobuf schema)
//! G <group> <package prefix>                   API group -> Go package (`""` for core)
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::openapi::{OaField, OaType};
use crate::proto::{Card, Message, SCALARS};

pub struct OutField {
    pub number: u32,
    pub json: String,
    pub card: String,
    pub ty: String,
    pub required: bool,
    pub inline: bool,
    /// Placed from round-trip testdata, not from a .proto file.
    pub learned: bool,
}

pub struct OutMessage {
    pub full: String,
    pub list_wrapper: bool,
    pub fields: Vec<OutField>,
}

pub struct Schema {
    pub messages: Vec<OutMessage>,
    pub kinds: BTreeSet<(String, String, Option<String>)>,
    pub groups: BTreeMap<String, String>,
    pub warnings: Vec<String>,
}

fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn split_full(full: &str) -> (&str, &str) {
    full.rsplit_once('.').unwrap_or(("", full))
}

/// The OpenAPI type for a message: the same definition, or for API versions the spec no
/// longer serves (apps/v1beta1, extensions/v1beta1, ...) the same-named type of another
/// version of the group that shares the most field names.
fn find_openapi<'a>(m: &Message, types: &'a HashMap<String, OaType>) -> Option<&'a OaType> {
    if let Some(t) = types.get(&m.full()) {
        return Some(t);
    }
    let group_prefix = split_full(&m.package).0;
    let names: BTreeSet<String> = m.fields.iter().map(|f| norm(&f.name)).collect();
    // Same group first; extensions/v1beta1 types live on in apps and networking.k8s.io.
    let best = |same_group: bool| {
        types
            .iter()
            .filter(|(k, _)| {
                let (pkg, name) = split_full(k);
                name == m.name && (!same_group || split_full(pkg).0 == group_prefix)
            })
            .map(|(k, t)| {
                let overlap = t
                    .fields
                    .iter()
                    .filter(|f| names.contains(&norm(&f.json)))
                    .count();
                (overlap, k, t)
            })
            .filter(|(overlap, _, _)| *overlap > 0)
            .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(a.1)))
            .map(|(_, _, t)| t)
    };
    best(true).or_else(|| best(false))
}

fn match_field<'a>(proto_name: &str, oa: &'a OaType) -> Option<&'a OaField> {
    oa.fields
        .iter()
        .find(|f| f.json == proto_name)
        .or_else(|| oa.fields.iter().find(|f| norm(&f.json) == norm(proto_name)))
}

/// Whether every field of `child` shows up on the parent's OpenAPI type, directly or through
/// a struct the child itself embeds (NamedRuleWithOperations > RuleWithOperations > Rule).
fn on_parent(
    child: &Message,
    oa: &OaType,
    by_full: &HashMap<String, &Message>,
    depth: u32,
) -> bool {
    depth < 4
        && !child.fields.is_empty()
        && child.fields.iter().all(|cf| {
            match_field(&cf.name, oa).is_some()
                || matches!(cf.card, Card::Optional)
                    && by_full
                        .get(&cf.ty)
                        .is_some_and(|gc| on_parent(gc, oa, by_full, depth + 1))
        })
}

pub fn join(protos: &[Message], types: &HashMap<String, OaType>) -> Schema {
    let by_full: HashMap<String, &Message> = protos.iter().map(|m| (m.full(), m)).collect();
    let mut warnings = Vec::new();
    let mut messages = Vec::new();
    for m in protos {
        let oa = find_openapi(m, types);
        let mut fields = Vec::new();
        for f in &m.fields {
            let card = match &f.card {
                Card::Optional => "o".to_string(),
                Card::Repeated => "r".to_string(),
                Card::Map(k) => format!("m:{k}"),
            };
            let mut out = OutField {
                number: f.number,
                json: f.name.clone(),
                card,
                ty: f.ty.clone(),
                required: false,
                inline: false,
                learned: false,
            };
            if let Some(oa) = oa {
                if let Some(of) = match_field(&f.name, oa) {
                    out.json = of.json.clone();
                    out.required = of.required;
                } else if let (Card::Optional, Some(child)) = (&f.card, by_full.get(&f.ty)) {
                    // Go embeds the struct (`json:",inline"`): OpenAPI shows its fields on the parent.
                    if on_parent(child, oa, &by_full, 0) {
                        out.inline = true;
                    } else {
                        warnings.push(format!("{}.{}: not in OpenAPI", m.full(), f.name));
                    }
                } else {
                    warnings.push(format!("{}.{}: not in OpenAPI", m.full(), f.name));
                }
            }
            fields.push(out);
        }
        fields.sort_by_key(|f| f.number);
        messages.push(OutMessage {
            full: m.full(),
            list_wrapper: m.list_wrapper,
            fields,
        });
    }
    messages.sort_by(|a, b| a.full.cmp(&b.full));

    let mut kinds = BTreeSet::new();
    let mut groups = BTreeMap::new();
    for (full, t) in types {
        let (Some(av), Some(kind)) = (&t.api_version, &t.kind) else {
            continue;
        };
        let present = by_full.contains_key(full);
        kinds.insert((av.clone(), kind.clone(), present.then(|| full.clone())));
        // meta/v1 types (Status, APIGroup) claim the core group too; they are not its package.
        if present
            && !full.starts_with("k8s.io.apimachinery.")
            && let Some(group) = &t.group
        {
            let pkg = split_full(full).0;
            groups.insert(group.clone(), split_full(pkg).0.to_string());
        }
    }
    let missing = kinds.iter().filter(|k| k.2.is_none()).count();
    if missing > 0 {
        warnings.push(format!(
            "{missing} kinds have no protobuf schema in this proto release"
        ));
    }
    Schema {
        messages,
        kinds,
        groups,
        warnings,
    }
}

pub fn render(header: &str, schema: &Schema) -> String {
    let mut packages: BTreeMap<String, usize> = BTreeMap::new();
    for m in &schema.messages {
        let n = packages.len();
        packages
            .entry(split_full(&m.full).0.to_string())
            .or_insert(n);
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
    let mut by_index: Vec<(&usize, &String)> = packages.iter().map(|(p, i)| (i, p)).collect();
    by_index.sort();
    for (i, p) in by_index {
        out.push_str(&format!("P {i} {p}\n"));
    }
    for (group, prefix) in &schema.groups {
        let g = if group.is_empty() { "\"\"" } else { group };
        out.push_str(&format!("G {g} {prefix}\n"));
    }
    for (av, kind, full) in &schema.kinds {
        let target = full
            .as_deref()
            .map(short)
            .unwrap_or_else(|| "-".to_string());
        out.push_str(&format!("K {av} {kind} {target}\n"));
    }
    for m in &schema.messages {
        let flag = if m.list_wrapper { " L" } else { "" };
        out.push_str(&format!("M {}{flag}\n", short(&m.full)));
        for f in &m.fields {
            let mut flags = String::new();
            if f.required {
                flags.push('R');
            }
            if f.inline {
                flags.push('I');
            }
            if f.learned {
                flags.push('N');
            }
            let sep = if flags.is_empty() { "" } else { " " };
            out.push_str(&format!(
                "F {} {} {} {}{sep}{flags}\n",
                f.number,
                f.json,
                f.card,
                short(&f.ty)
            ));
        }
    }
    out
}
