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

#[derive(Debug, Clone, Copy)]
enum W<'a> {
    Varint(u64),
    Fixed64(u64),
    Bytes(&'a [u8]),
    Fixed32(u32),
}

fn varint(b: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for i in 0..10 {
        let byte = *b.get(*pos)?;
        *pos += 1;
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

fn fields(b: &[u8]) -> Option<Vec<(u32, W<'_>)>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < b.len() {
        let key = varint(b, &mut pos)?;
        let n = u32::try_from(key >> 3).ok().filter(|n| *n > 0)?;
        let w = match key & 7 {
            0 => W::Varint(varint(b, &mut pos)?),
            1 => {
                let s = b.get(pos..pos + 8)?;
                pos += 8;
                W::Fixed64(u64::from_le_bytes(s.try_into().ok()?))
            }
            2 => {
                let len = usize::try_from(varint(b, &mut pos)?).ok()?;
                let s = b.get(pos..pos.checked_add(len)?)?;
                pos += len;
                W::Bytes(s)
            }
            5 => {
                let s = b.get(pos..pos + 4)?;
                pos += 4;
                W::Fixed32(u32::from_le_bytes(s.try_into().ok()?))
            }
            _ => return None,
        };
        out.push((n, w));
    }
    Some(out)
}

/// OpenAPI Rust type -> (card, proto type); `None` for shapes protobuf cannot hold directly.
fn proto_of(rust: &str) -> Option<(String, String)> {
    if let Some(inner) = rust
        .strip_prefix("std::vec::Vec<")
        .and_then(|t| t.strip_suffix('>'))
    {
        return Some(("r".into(), elem(inner)?));
    }
    if let Some(inner) = rust
        .strip_prefix("std::collections::BTreeMap<std::string::String, ")
        .and_then(|t| t.strip_suffix('>'))
    {
        // Protobuf maps cannot hold lists; go-to-protobuf wraps the slice in a message whose
        // one field is `repeated items = 1` (like ExtraValue). Its Go name is unknown here.
        if inner == "std::vec::Vec<std::string::String>" {
            return Some(("m:string".into(), STRING_LIST.into()));
        }
        return Some(("m:string".into(), elem(inner)?));
    }
    Some(("o".into(), elem(rust)?))
}

fn elem(rust: &str) -> Option<String> {
    Some(match rust {
        "std::string::String" => "string".into(),
        "i32" => "int32".into(),
        "i64" => "int64".into(),
        "bool" => "bool".into(),
        "f64" => "double".into(),
        "crate::ByteString" => "bytes".into(),
        t if t.starts_with("crate::") && !t.contains('<') => {
            format!(
                "k8s.io.{}",
                t.trim_start_matches("crate::").replace("::", ".")
            )
        }
        _ => return None,
    })
}

/// Placeholder type name for a learned map-of-string-lists value; `ensure` puts it in the
/// parent's package as a list wrapper.
const STRING_LIST: &str = "_StringList";

const META: &str = "k8s.io.apimachinery.pkg.apis.meta.v1";

fn special(ty: &str) -> Option<&'static str> {
    Some(match ty {
        t if t == format!("{META}.Time") => "time",
        t if t == format!("{META}.MicroTime") => "microtime",
        t if t == format!("{META}.FieldsV1") => "json",
        "k8s.io.apimachinery.pkg.runtime.RawExtension" => "json",
        "k8s.io.apimachinery.pkg.api.resource.Quantity" => "quantity",
        "k8s.io.apimachinery.pkg.util.intstr.IntOrString" => "intorstring",
        t if t.starts_with("k8s.io.apiextensions_apiserver.") && t.ends_with(".JSON") => "json",
        _ => return None,
    })
}

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
        scored.sort_by(|a, b| b.0.cmp(&a.0));
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

fn map_entry<'b>(entry: &'b [u8]) -> Option<(String, &'b [u8])> {
    let mut key = String::new();
    let mut value: &[u8] = &[];
    for (n, w) in fields(entry)? {
        match (n, w) {
            (1, W::Bytes(k)) => key = String::from_utf8_lossy(k).into_owned(),
            (2, W::Bytes(v)) => value = v,
            _ => {}
        }
    }
    Some((key, value))
}

fn match_score(
    types: &HashMap<String, OaType>,
    card: &str,
    ty: &str,
    vals: &[W<'_>],
    yv: &Y,
    depth: u32,
) -> u32 {
    let single = |ty: &str, w: W<'_>, yv: &Y| single(types, ty, w, yv, depth);
    match card {
        "o" => vals.last().map_or(0, |w| single(ty, *w, yv)),
        "r" => {
            let Some(items) = yv.as_sequence() else {
                return 0;
            };
            let expanded: Vec<W<'_>> = match (vals, ty) {
                ([W::Bytes(b)], "int32" | "int64" | "bool") => {
                    let mut pos = 0;
                    let mut out = Vec::new();
                    while pos < b.len() {
                        match varint(b, &mut pos) {
                            Some(v) => out.push(W::Varint(v)),
                            None => return 0,
                        }
                    }
                    out
                }
                _ => vals.to_vec(),
            };
            if expanded.len() != items.len() {
                return 0;
            }
            let mut total = 0;
            for (w, item) in expanded.iter().zip(items) {
                match single(ty, *w, item) {
                    0 => return 0,
                    s => total += s,
                }
            }
            total
        }
        _ => {
            let Some(m) = yv.as_mapping() else { return 0 };
            let mut total = 0;
            for w in vals {
                let W::Bytes(entry) = w else { return 0 };
                let Some((key, value)) = map_entry(entry) else {
                    return 0;
                };
                let Some(v) = m.get(key.as_str()) else {
                    return 0;
                };
                let s = single(ty, W::Bytes(value), v);
                if s == 0 && !(ty.contains('.') || ty == "string" || ty == "bytes") {
                    return 0;
                }
                total += s.max(1);
            }
            total
        }
    }
}

fn single(types: &HashMap<String, OaType>, ty: &str, w: W<'_>, yv: &Y, depth: u32) -> u32 {
    match (ty, w) {
        ("string", W::Bytes(b)) => {
            u32::from(yv.as_str() == Some(&*String::from_utf8_lossy(b))) * 10
        }
        ("bytes", W::Bytes(b)) => u32::from(yv.as_str() == Some(&base64(b))) * 10,
        ("int32", W::Varint(v)) => u32::from(yv.as_i64() == Some(i64::from(v as u32 as i32))) * 5,
        ("int64", W::Varint(v)) => u32::from(yv.as_i64() == Some(v as i64)) * 5,
        ("bool", W::Varint(v)) => u32::from(yv.as_bool() == Some(v != 0)) * 3,
        ("double", W::Fixed64(v)) => u32::from(yv.as_f64() == Some(f64::from_bits(v))) * 5,
        (t, W::Bytes(b)) if t.contains('.') || t == STRING_LIST => {
            message_score(types, t, b, yv, depth)
        }
        _ => 0,
    }
}

fn message_score(types: &HashMap<String, OaType>, ty: &str, b: &[u8], yv: &Y, depth: u32) -> u32 {
    let Some(inner) = fields(b) else { return 0 };
    if ty == STRING_LIST {
        let items: Vec<String> = inner
            .iter()
            .filter_map(|(n, w)| match (n, w) {
                (1, W::Bytes(s)) => Some(String::from_utf8_lossy(s).into_owned()),
                _ => None,
            })
            .collect();
        let want: Option<Vec<String>> = yv.as_sequence().map(|s| {
            s.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        });
        return u32::from(want.as_ref() == Some(&items) && items.len() == inner.len()) * 10;
    }
    let get = |n: u32| {
        inner
            .iter()
            .rev()
            .find(|(num, _)| *num == n)
            .map(|(_, w)| *w)
    };
    match special(ty) {
        Some("time") | Some("microtime") => {
            let secs = match get(1) {
                Some(W::Varint(v)) => v as i64,
                None if b.is_empty() => return u32::from(yv.is_null()) * 2,
                _ => 0,
            };
            let nanos = match get(2) {
                Some(W::Varint(v)) => i64::from(v as u32 as i32),
                _ => 0,
            };
            let micro = special(ty) == Some("microtime");
            let text = rfc3339(secs, if micro { nanos } else { 0 }, micro);
            u32::from(yv.as_str() == Some(&text)) * 10
        }
        Some("quantity") => match get(1) {
            Some(W::Bytes(s)) => u32::from(yv.as_str() == Some(&*String::from_utf8_lossy(s))) * 10,
            _ => u32::from(yv.as_str() == Some("0")) * 2,
        },
        Some("intorstring") => match (get(1), get(2), get(3)) {
            (Some(W::Varint(1)), _, Some(W::Bytes(s))) => {
                u32::from(yv.as_str() == Some(&*String::from_utf8_lossy(s))) * 10
            }
            (_, Some(W::Varint(i)), _) => {
                u32::from(yv.as_i64() == Some(i64::from(i as u32 as i32))) * 5
            }
            _ => 0,
        },
        Some(_) => match get(1) {
            Some(W::Bytes(raw)) => {
                let parsed: Option<Y> = serde_yaml::from_slice(raw).ok();
                u32::from(parsed.as_ref() == Some(yv)) * 10
            }
            _ => u32::from(yv.is_null()) * 2,
        },
        None => {
            if !yv.is_mapping() {
                return 0;
            }
            let mut wire = BTreeSet::new();
            collect_strings(b, &mut wire, 0);
            let mut text = BTreeSet::new();
            yaml_strings(yv, &mut text);
            let mut score = 1 + wire.intersection(&text).count() as u32;
            // Same strings (or none) on both sides: compare structure, field by field,
            // against the candidate type's own fields.
            if let (Some(oa), Some(m)) = (types.get(ty), yv.as_mapping())
                && depth < 6
            {
                let mut groups: BTreeMap<u32, Vec<W<'_>>> = BTreeMap::new();
                for (n, w) in inner {
                    groups.entry(n).or_default().push(w);
                }
                if groups.len() == m.len() {
                    score += 2;
                }
                for vals in groups.values() {
                    score += oa
                        .fields
                        .iter()
                        .filter_map(|f| {
                            let yv = m.get(f.json.as_str())?;
                            let (card, ty) = proto_of(&f.rust_type)?;
                            Some(match_score(types, &card, &ty, vals, yv, depth + 1))
                        })
                        .max()
                        .unwrap_or(0);
                }
            }
            score
        }
    }
}

fn collect_strings(b: &[u8], out: &mut BTreeSet<String>, depth: u32) {
    let Some(fs) = fields(b) else { return };
    for (_, w) in fs {
        if let W::Bytes(s) = w {
            match std::str::from_utf8(s) {
                Ok(t) if !t.is_empty() && t.chars().all(|c| !c.is_control()) => {
                    out.insert(t.to_string());
                }
                _ if depth < 20 => collect_strings(s, out, depth + 1),
                _ => {}
            }
        }
    }
}

fn yaml_strings(y: &Y, out: &mut BTreeSet<String>) {
    match y {
        Y::String(s) => {
            out.insert(s.clone());
        }
        Y::Sequence(items) => items.iter().for_each(|i| yaml_strings(i, out)),
        Y::Mapping(m) => {
            for (k, v) in m {
                if let Some(k) = k.as_str() {
                    out.insert(k.to_string());
                }
                yaml_strings(v, out);
            }
        }
        _ => {}
    }
}

fn base64(input: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn rfc3339(secs: i64, nanos: i64, micros: bool) -> String {
    let days = secs.div_euclid(86_400);
    let tod = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let base = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        tod / 3600,
        tod % 3600 / 60,
        tod % 60
    );
    if micros {
        format!("{base}.{:06}Z", nanos / 1000)
    } else {
        format!("{base}Z")
    }
}
