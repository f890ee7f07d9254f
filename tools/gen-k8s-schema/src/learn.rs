//! Fills in fields and kinds newer than the proto release, from Kubernetes' own round-trip
//! testdata (kubernetes/api `testdata/HEAD`: each kind as stored protobuf `NAME.pb` beside
//! the YAML the API prints for it, `NAME.yaml`).
//!
//! A field number the protos do not know is matched to the one OpenAPI field of that type
//! (k8s-openapi, newer than the protos) whose value in the YAML equals the decoded wire
//! value; the type comes from OpenAPI. Ambiguous matches are left out and reported, never
//! guessed. Learned fields carry the `N` flag in schema.txt.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use serde_yaml::Value as Y;

use crate::openapi::OaType;
use crate::output::{OutField, OutMessage, Schema};
use crate::score::{META, STRING_LIST, W, fields, map_entry, match_score, proto_of, special};

pub struct Learner<'a> {
    schema: &'a mut Schema,
    types: &'a HashMap<String, OaType>,
    index: HashMap<String, usize>,
    pub learned: usize,
    pub created: BTreeSet<String>,
    pub unplaced: BTreeSet<String>,
}

impl<'a> Learner<'a> {
    pub fn new(schema: &'a mut Schema, types: &'a HashMap<String, OaType>) -> Self {
        let index = schema
            .messages
            .iter()
            .enumerate()
            .map(|(i, m)| (m.full.clone(), i))
            .collect();
        Learner {
            schema,
            types,
            index,
            learned: 0,
            created: BTreeSet::new(),
            unplaced: BTreeSet::new(),
        }
    }

    /// Learns from every `NAME.pb`/`NAME.yaml` pair in `dir`.
    pub fn run(&mut self, dir: &Path) -> Result<usize, String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map_err(|e| format!("read {}: {e}", dir.display()))?
            .filter_map(|e| {
                let n = e.ok()?.file_name().to_string_lossy().to_string();
                n.strip_suffix(".pb").map(str::to_string)
            })
            .collect();
        names.sort();
        for name in &names {
            let pb = std::fs::read(dir.join(format!("{name}.pb"))).map_err(|e| e.to_string())?;
            let text = std::fs::read_to_string(dir.join(format!("{name}.yaml")))
                .map_err(|e| e.to_string())?;
            let yaml: Y = serde_yaml::from_str(&text).map_err(|e| format!("{name}: {e}"))?;
            let Some(full) = self.message_for(name) else {
                self.unplaced
                    .insert(format!("{name}: no message for this kind"));
                continue;
            };
            let raw = pb
                .get(4..)
                .and_then(fields)
                .and_then(|f| {
                    f.into_iter().find_map(|(n, w)| match (n, w) {
                        (2, W::Bytes(b)) => Some(b),
                        _ => None,
                    })
                })
                .unwrap_or(&[]);
            self.message(&full, raw, &yaml, 0);
        }
        // Kinds that had no protobuf schema now may.
        let kinds = std::mem::take(&mut self.schema.kinds);
        self.schema.kinds = kinds
            .into_iter()
            .map(|(av, kind, full)| {
                let full = full.or_else(|| {
                    let def = self.types.iter().find(|(_, t)| {
                        t.api_version.as_deref() == Some(&av) && t.kind.as_deref() == Some(&kind)
                    })?;
                    self.index.contains_key(def.0).then(|| def.0.clone())
                });
                (av, kind, full)
            })
            .collect();
        for m in &mut self.schema.messages {
            m.fields.sort_by_key(|f| f.number);
        }
        Ok(names.len())
    }

    /// `group.version.Kind` -> message, as the decoder would look it up.
    fn message_for(&self, name: &str) -> Option<String> {
        let (gv, kind) = name.rsplit_once('.')?;
        let (group, version) = gv.rsplit_once('.')?;
        let av = if group == "core" {
            version.to_string()
        } else {
            format!("{group}/{version}")
        };
        if let Some((_, _, full)) = self
            .schema
            .kinds
            .iter()
            .find(|(a, k, _)| *a == av && k == kind)
        {
            return full.clone().or_else(|| {
                self.types
                    .iter()
                    .find(|(_, t)| {
                        t.api_version.as_deref() == Some(&av) && t.kind.as_deref() == Some(kind)
                    })
                    .map(|(def, _)| def.clone())
            });
        }
        let group = if group == "core" { "" } else { group };
        let mut candidates = Vec::new();
        if let Some(prefix) = self.schema.groups.get(group) {
            candidates.push(format!("{prefix}.{version}.{kind}"));
        }
        if let Some(label) = group.split('.').next().filter(|l| !l.is_empty()) {
            candidates.push(format!("k8s.io.api.{label}.{version}.{kind}"));
        }
        candidates.push(format!("{META}.{kind}"));
        candidates.into_iter().find(|c| self.index.contains_key(c))
    }

    fn ensure(&mut self, full: &str) -> usize {
        if let Some(i) = self.index.get(full) {
            return *i;
        }
        self.schema.messages.push(OutMessage {
            full: full.to_string(),
            list_wrapper: false,
            fields: Vec::new(),
        });
        let i = self.schema.messages.len() - 1;
        self.index.insert(full.to_string(), i);
        self.created.insert(full.to_string());
        i
    }

    /// The OpenAPI type, or the same-named type of another version of the group (the spec
    /// drops versions the server no longer serves, like storage.k8s.io/v1beta1 CSINode).
    fn openapi(&self, full: &str) -> Option<&'a OaType> {
        let types: &'a HashMap<String, OaType> = self.types;
        if let Some(t) = types.get(full) {
            return Some(t);
        }
        let (pkg, name) = full.rsplit_once('.')?;
        let group = pkg.rsplit_once('.')?.0;
        types
            .iter()
            .filter(|(k, _)| {
                k.rsplit_once('.').is_some_and(|(p, n)| {
                    n == name && p.rsplit_once('.').is_some_and(|(g, _)| g == group)
                })
            })
            .max_by(|a, b| b.0.cmp(a.0))
            .map(|(_, t)| t)
    }

    fn message(&mut self, full: &str, bytes: &[u8], yaml: &Y, depth: u32) {
        if depth > 40 || special(full).is_some() {
            return;
        }
        let Some(wire) = fields(bytes) else { return };
        let Some(map) = yaml.as_mapping() else { return };
        let idx = self.ensure(full);
        let mut groups: BTreeMap<u32, Vec<W<'_>>> = BTreeMap::new();
        for (n, w) in wire {
            groups.entry(n).or_default().push(w);
        }
        let mut pending = Vec::new();
        for (n, vals) in groups {
            let known = self.schema.messages[idx]
                .fields
                .iter()
                .find(|f| f.number == n)
                .map(|f| (f.json.clone(), f.card.clone(), f.ty.clone(), f.inline));
            match known {
                Some(f) => self.descend(&f.0, &f.1, &f.2, f.3, &vals, yaml, depth),
                None => pending.push((n, vals)),
            }
        }
        // Placing one field removes it from the candidates of the others: retry until
        // nothing changes, then report what is still ambiguous.
        loop {
            let before = pending.len();
            pending.retain(|(n, vals)| !self.learn_field(idx, *n, vals, map, yaml, depth, false));
            if pending.is_empty() || pending.len() == before {
                break;
            }
        }
        for (n, vals) in pending {
            self.learn_field(idx, n, &vals, map, yaml, depth, true);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn descend(
        &mut self,
        json: &str,
        card: &str,
        ty: &str,
        inline: bool,
        vals: &[W<'_>],
        yaml: &Y,
        depth: u32,
    ) {
        if !ty.contains('.') {
            return;
        }
        if inline {
            if let Some(W::Bytes(b)) = vals.last() {
                self.message(ty, b, yaml, depth + 1);
            }
            return;
        }
        let Some(sub) = yaml.get(json) else { return };
        match card {
            "o" => {
                if let Some(W::Bytes(b)) = vals.last() {
                    self.message(ty, b, sub, depth + 1);
                }
            }
            "r" => {
                let Some(items) = sub.as_sequence() else {
                    return;
                };
                for (w, item) in vals.iter().zip(items) {
                    if let W::Bytes(b) = w {
                        self.message(ty, b, item, depth + 1);
                    }
                }
            }
            _ => {
                for w in vals {
                    let W::Bytes(entry) = w else { continue };
                    let Some((key, value)) = map_entry(entry) else {
                        continue;
                    };
                    if let Some(v) = sub.get(key.as_str()) {
                        self.message(ty, value, v, depth + 1);
                    }
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn learn_field(
        &mut self,
        idx: usize,
        n: u32,
        vals: &[W<'_>],
        map: &serde_yaml::Mapping,
        yaml: &Y,
        depth: u32,
        final_pass: bool,
    ) -> bool {
        let full = self.schema.messages[idx].full.clone();
        let Some(oa) = self.openapi(&full) else {
            self.unplaced
                .insert(format!("{full} #{n}: no OpenAPI type"));
            return true;
        };
        let used = self.used_names(idx, 0);
        let mut scored = Vec::new();
        for f in &oa.fields {
            if used.contains(&f.json) {
                continue;
            }
            let (Some(yv), Some((card, ty))) = (map.get(f.json.as_str()), proto_of(&f.rust_type))
            else {
                continue;
            };
            let score = match_score(self.types, &card, &ty, vals, yv, 0);
            if score > 0 {
                scored.push((score, f.json.clone(), card, ty, f.required));
            }
        }
        scored.sort_by_key(|s| std::cmp::Reverse(s.0));
        // Kubernetes copies a type between versions of a group with its field numbers: when
        // another version's .proto gives this number a name that also fits the data, take it.
        let sibling = self.sibling_name(&full, n);
        if let Some(i) = scored.iter().position(|s| Some(&s.1) == sibling.as_ref()) {
            let pick = scored.remove(i);
            scored.clear();
            scored.push(pick);
        }
        let unique = match scored.as_slice() {
            [only] => Some(only),
            [first, second, ..] if first.0 > second.0 => Some(first),
            _ => None,
        };
        let Some((_, json, card, mut ty, required)) = unique.cloned() else {
            if final_pass {
                let names: Vec<&str> = scored.iter().map(|s| s.1.as_str()).collect();
                self.unplaced
                    .insert(format!("{full} #{n}: candidates {names:?}"));
            }
            return false;
        };
        if ty == STRING_LIST {
            let pkg = full.rsplit_once('.').map_or("", |p| p.0);
            ty = format!("{pkg}.{STRING_LIST}");
            if !self.index.contains_key(&ty) {
                let i = self.ensure(&ty);
                self.schema.messages[i].list_wrapper = true;
                self.schema.messages[i].fields.push(OutField {
                    number: 1,
                    json: "items".into(),
                    card: "r".into(),
                    ty: "string".into(),
                    required: false,
                    inline: false,
                    learned: true,
                });
            }
        }
        self.schema.messages[idx].fields.push(OutField {
            number: n,
            json: json.clone(),
            card: card.clone(),
            ty: ty.clone(),
            required,
            inline: false,
            learned: true,
        });
        self.learned += 1;
        self.descend(&json, &card, &ty, false, vals, yaml, depth);
        true
    }

    /// The JSON name field `n` has in the same-named message of another version of the
    /// group, as read from the .proto files (not learned).
    fn sibling_name(&self, full: &str, n: u32) -> Option<String> {
        let (pkg, name) = full.rsplit_once('.')?;
        let group = pkg.rsplit_once('.')?.0;
        self.schema
            .messages
            .iter()
            .filter(|m| {
                m.full != full
                    && m.full.rsplit_once('.').is_some_and(|(p, nm)| {
                        nm == name && p.rsplit_once('.').is_some_and(|(g, _)| g == group)
                    })
            })
            .flat_map(|m| m.fields.iter())
            .find(|f| f.number == n && !f.learned)
            .map(|f| f.json.clone())
    }

    /// JSON names a message already prints, including those of structs it embeds.
    fn used_names(&self, idx: usize, depth: u32) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for f in &self.schema.messages[idx].fields {
            if f.inline && depth < 4 {
                if let Some(child) = self.index.get(&f.ty) {
                    out.extend(self.used_names(*child, depth + 1));
                }
            } else {
                out.insert(f.json.clone());
            }
        }
        out
    }
}
