//! Joins the releases' models into one schema: every message and field that existed in any
//! release, with the first and last release it existed in. Where a field number meant
//! different things in two releases, the newest definition wins and the difference is
//! reported; when only its message type changed (PersistentVolumeClaimSpec.resources went from
//! ResourceRequirements to VolumeResourceRequirements in 1.29), the fields of the old type
//! that the new one lacks are added to the new one, so objects written before still decode by
//! name.

use std::collections::BTreeMap;

use crate::release::{FieldDef, Model};

/// Indices into the release list.
#[derive(Debug, Clone, Copy)]
pub struct Span {
    pub first: usize,
    pub last: usize,
}

pub struct Field {
    pub def: FieldDef,
    pub span: Span,
}

pub struct Message {
    pub list_wrapper: bool,
    pub span: Span,
    pub fields: BTreeMap<u32, Field>,
}

#[derive(Default)]
pub struct Schema {
    pub messages: BTreeMap<String, Message>,
    pub groups: BTreeMap<String, String>,
    pub conflicts: Vec<String>,
}

fn widen(span: &mut Span, i: usize) {
    span.first = span.first.min(i);
    span.last = span.last.max(i);
}

/// `models` in release order, oldest first.
pub fn merge(models: &[(String, Model)]) -> Schema {
    let mut out = Schema::default();
    // (new type, old type, last release index of the old type) of fields whose message type
    // changed.
    let mut retyped: Vec<(String, String, usize)> = Vec::new();
    for (i, (label, model)) in models.iter().enumerate() {
        for (group, prefix) in &model.groups {
            out.groups.insert(group.clone(), prefix.clone());
        }
        for (full, m) in &model.messages {
            let msg = out.messages.entry(full.clone()).or_insert_with(|| Message {
                list_wrapper: m.list_wrapper,
                span: Span { first: i, last: i },
                fields: BTreeMap::new(),
            });
            widen(&mut msg.span, i);
            msg.list_wrapper = m.list_wrapper;
            for (number, f) in &m.fields {
                match msg.fields.get_mut(number) {
                    Some(existing) => {
                        if existing.def.ty != f.ty
                            && is_message(&existing.def.ty)
                            && is_message(&f.ty)
                        {
                            retyped.push((f.ty.clone(), existing.def.ty.clone(), i - 1));
                        }
                        if existing.def != *f {
                            out.conflicts.push(format!(
                                "{full} field {number}: {:?} before {label}, then {:?}",
                                existing.def, f
                            ));
                            existing.def = f.clone();
                        }
                        widen(&mut existing.span, i);
                    }
                    None => {
                        msg.fields.insert(
                            *number,
                            Field {
                                def: f.clone(),
                                span: Span { first: i, last: i },
                            },
                        );
                    }
                }
            }
        }
    }
    for (new, old, until) in retyped {
        union(&mut out, &new, &old, until, 0);
    }
    out
}

fn is_message(ty: &str) -> bool {
    !crate::proto::SCALARS.contains(&ty)
}

/// Adds to message `new` the fields `old` had by release `until` that `new` lacks, recursing
/// where both have a field of the same number with different message types.
fn union(schema: &mut Schema, new: &str, old: &str, until: usize, depth: u32) {
    if depth > 8 || new == old {
        return;
    }
    let Some(old_fields): Option<Vec<(u32, FieldDef, Span)>> = schema.messages.get(old).map(|m| {
        m.fields
            .iter()
            .map(|(n, f)| (*n, f.def.clone(), f.span))
            .collect()
    }) else {
        return;
    };
    let mut nested = Vec::new();
    let Some(target) = schema.messages.get_mut(new) else {
        return;
    };
    for (number, def, span) in old_fields {
        if span.first > until {
            continue;
        }
        let span = Span {
            first: span.first,
            last: span.last.min(until),
        };
        match target.fields.get(&number) {
            None => {
                schema.conflicts.push(format!(
                    "{new} field {number} ({}) added from {old}, which held it in older releases",
                    def.json
                ));
                target.fields.insert(number, Field { def, span });
            }
            Some(f) if f.def.ty != def.ty && is_message(&f.def.ty) && is_message(&def.ty) => {
                nested.push((f.def.ty.clone(), def.ty.clone()));
            }
            Some(_) => {}
        }
    }
    for (n, o) in nested {
        union(schema, &n, &o, until, depth + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::Card;
    use crate::release::MessageDef;

    fn field(json: &str, ty: &str) -> FieldDef {
        FieldDef {
            json: json.into(),
            card: Card::Optional,
            ty: ty.into(),
            required: false,
            inline: false,
            pointer: false,
        }
    }

    fn model(msgs: &[(&str, &[(u32, FieldDef)])]) -> Model {
        let mut m = Model::default();
        for (name, fields) in msgs {
            let mut def = MessageDef::default();
            for (n, f) in fields.iter() {
                def.fields.insert(*n, f.clone());
            }
            m.messages.insert((*name).to_string(), def);
        }
        m
    }

    /// PVC spec.resources: ResourceRequirements (with claims, field 3) until 1.28, then
    /// VolumeResourceRequirements without it; a field the old type gained after the switch
    /// is not carried over.
    #[test]
    fn spans_and_retyped_fields() {
        let old = model(&[
            ("Spec", &[(2, field("resources", "RR"))]),
            (
                "RR",
                &[(1, field("limits", "Q")), (3, field("claims", "C"))],
            ),
        ]);
        let new = model(&[
            ("Spec", &[(2, field("resources", "VRR"))]),
            (
                "RR",
                &[
                    (1, field("limits", "Q")),
                    (3, field("claims", "C")),
                    (9, field("later", "string")),
                ],
            ),
            ("VRR", &[(1, field("limits", "Q"))]),
        ]);
        let s = merge(&[("1.28".into(), old), ("1.29".into(), new)]);
        let vrr = &s.messages["VRR"];
        let claims = &vrr.fields[&3];
        assert_eq!(claims.def.json, "claims");
        assert_eq!((claims.span.first, claims.span.last), (0, 0));
        assert!(!vrr.fields.contains_key(&9));
        assert_eq!(s.messages["Spec"].fields[&2].def.ty, "VRR", "newest wins");
        assert_eq!((vrr.span.first, vrr.span.last), (1, 1));
    }
}
