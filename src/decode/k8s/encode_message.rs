//! Schema-driven encoding of one object tree into protobuf, byte for byte as gogo-protobuf's
//! generated Marshal writes it: fields in number order; a non-pointer scalar always (zero
//! or not), a pointer only when set; bytes only when non-nil; non-pointer structs always,
//! empty or not; repeated fields unpacked; map entries sorted by key, key and value always.

use super::encode_pointers::Pointers;
use super::encode_special;
use super::encode_wire as wire;
use super::schema::{
    Card, FieldDef, FieldType, MessageDef, Release, Releases, Scalar, Schema, Special,
};
use crate::decode::node::Node;

/// Far deeper than any Kubernetes type nests; a schema cycle cannot loop forever.
const MAX_DEPTH: u32 = 100;

pub struct Encoder {
    pub schema: &'static Schema,
    pointers: &'static Pointers,
    path: Vec<String>,
    /// The API server release to write as; `None`: the newest.
    pub release: Option<Release>,
}

/// Whether a field with `releases` existed in `release` (the newest when `None`).
fn existed(releases: &Releases, release: Option<Release>) -> bool {
    match release {
        None => !releases.removed(),
        Some(r) => releases.first.is_none_or(|a| a <= r) && releases.last.is_none_or(|b| r <= b),
    }
}

impl Encoder {
    pub fn new() -> Self {
        Encoder {
            schema: Schema::get(),
            pointers: Pointers::get(),
            path: Vec::new(),
            release: None,
        }
    }

    /// An error naming where in the object it happened (`spec.replicas: ...`).
    pub fn err(&self, text: impl std::fmt::Display) -> String {
        if self.path.is_empty() {
            text.to_string()
        } else {
            format!("{}: {text}", self.path.join("."))
        }
    }

    /// Message `index` from `node`; `None` is Go's zero value of the struct.
    pub fn message(
        &mut self,
        index: usize,
        node: Option<&Node>,
        depth: u32,
    ) -> Result<Vec<u8>, String> {
        let schema = self.schema;
        let def = schema
            .def(index)
            .ok_or_else(|| self.err("the schema is missing a message"))?;
        if depth > MAX_DEPTH {
            return Err(self.err("nested too deeply"));
        }
        if def.special != Special::None {
            return encode_special::encode(self, def, node, depth);
        }
        self.plain(index, node, depth)
    }

    pub fn plain(
        &mut self,
        index: usize,
        node: Option<&Node>,
        depth: u32,
    ) -> Result<Vec<u8>, String> {
        let entries: &[(String, Node)] = match node {
            None | Some(Node::Null) => &[],
            Some(Node::Map(entries)) => entries,
            Some(_) => {
                let name = self.name(index);
                return Err(self.err(format!("expected an object ({name})")));
            }
        };
        let mut out = Vec::new();
        self.fields(index, entries, &mut out, depth)?;
        for (key, _) in entries {
            if !self.claims(index, key, 0) {
                let name = self.name(index);
                return Err(self.err(format!("unknown field {key:?} in {name}")));
            }
        }
        Ok(out)
    }

    fn name(&self, index: usize) -> &'static str {
        let full = self.schema.def(index).map_or("", |d| d.full.as_str());
        full.rsplit('.').next().unwrap_or(full)
    }

    /// Whether `key` names a field of message `index`, directly or through an embedded struct.
    fn claims(&self, index: usize, key: &str, depth: u32) -> bool {
        let Some(def) = self.schema.def(index) else {
            return false;
        };
        def.fields.iter().any(|f| match (f.inline, f.ty) {
            (true, FieldType::Message(i)) if depth < 8 => self.claims(i, key, depth + 1),
            _ => f.json == key,
        })
    }

    /// Writes the fields of `index` found in `entries` (the object's keys; an embedded
    /// struct reads its fields from its parent's keys).
    fn fields(
        &mut self,
        index: usize,
        entries: &[(String, Node)],
        out: &mut Vec<u8>,
        depth: u32,
    ) -> Result<(), String> {
        let schema = self.schema;
        let Some(def) = schema.def(index) else {
            return Ok(());
        };
        for f in &def.fields {
            // A field the writing release did not have is written only when the object has
            // it, like a pointer: gogo writes every other field even when zero.
            let pointer = f.pointer
                || !existed(&f.releases, self.release)
                || self.pointers.is_pointer(index, f.number);
            if f.inline
                && let FieldType::Message(child) = f.ty
            {
                let any = entries.iter().any(|(k, _)| self.claims(child, k, 0));
                if pointer && !any {
                    continue;
                }
                let mut body = Vec::new();
                self.fields(child, entries, &mut body, depth + 1)?;
                wire::bytes_field(out, f.number, &body);
                continue;
            }
            let value = entries
                .iter()
                .rev()
                .find(|(k, _)| *k == f.json)
                .map(|(_, v)| v);
            self.path.push(f.json.clone());
            let r = self.field(def, f, pointer, value, out, depth);
            self.path.pop();
            r?;
        }
        Ok(())
    }

    pub fn field(
        &mut self,
        def: &MessageDef,
        f: &FieldDef,
        pointer: bool,
        value: Option<&Node>,
        out: &mut Vec<u8>,
        depth: u32,
    ) -> Result<(), String> {
        let value = value.filter(|v| **v != Node::Null || !pointer);
        match f.card {
            Card::Optional => match (f.ty, value) {
                (_, None) if pointer => Ok(()),
                (FieldType::Scalar(Scalar::Bytes), None | Some(Node::Null)) => Ok(()),
                (FieldType::Scalar(s), None | Some(Node::Null)) => {
                    self.scalar(s, f.number, &zero(s), out)
                }
                (FieldType::Scalar(s), Some(v)) => self.scalar(s, f.number, v, out),
                (FieldType::Message(i), v) => {
                    let body = self.message(i, v, depth + 1)?;
                    wire::bytes_field(out, f.number, &body);
                    Ok(())
                }
            },
            Card::Repeated => match value {
                None | Some(Node::Null) => Ok(()),
                Some(Node::Seq(items)) => self.repeated(f, items, out, depth),
                Some(_) => Err(self.err(format!("expected a list (in {})", def.full))),
            },
            Card::Map(key_type) => match value {
                None | Some(Node::Null) => Ok(()),
                Some(Node::Map(entries)) => self.map(f, key_type, entries, out, depth),
                Some(_) => Err(self.err("expected a mapping")),
            },
        }
    }

    pub fn repeated(
        &mut self,
        f: &FieldDef,
        items: &[Node],
        out: &mut Vec<u8>,
        depth: u32,
    ) -> Result<(), String> {
        for (n, item) in items.iter().enumerate() {
            self.path.push(format!("[{n}]"));
            let r = match f.ty {
                FieldType::Scalar(s) => self.scalar(s, f.number, item, out),
                FieldType::Message(i) => self.message(i, Some(item), depth + 1).map(|body| {
                    wire::bytes_field(out, f.number, &body);
                }),
            };
            self.path.pop();
            r?;
        }
        Ok(())
    }

    fn map(
        &mut self,
        f: &FieldDef,
        key_type: Scalar,
        entries: &[(String, Node)],
        out: &mut Vec<u8>,
        depth: u32,
    ) -> Result<(), String> {
        // Go sorts string keys bytewise and integer keys numerically; a repeated key keeps
        // the last value, as Go's map decoding does.
        let mut sorted: Vec<(&String, &Node)> = entries.iter().map(|(k, v)| (k, v)).collect();
        let numeric = !matches!(key_type, Scalar::String | Scalar::Bytes | Scalar::Bool);
        sorted.sort_by(|a, b| {
            if numeric {
                let (x, y) = (a.0.parse::<i64>().ok(), b.0.parse::<i64>().ok());
                x.cmp(&y).then_with(|| a.0.cmp(b.0))
            } else {
                a.0.as_bytes().cmp(b.0.as_bytes())
            }
        });
        let mut i = 0;
        while i < sorted.len() {
            while i + 1 < sorted.len() && sorted[i + 1].0 == sorted[i].0 {
                i += 1;
            }
            let (k, v) = sorted[i];
            i += 1;
            self.path.push(k.clone());
            let mut entry = Vec::new();
            let key_node = match key_type {
                Scalar::String | Scalar::Bytes => Node::Str(k.clone()),
                Scalar::Bool => Node::Bool(k == "true"),
                _ => Node::Int(k.parse().map_err(|_| self.err("map key is not a number"))?),
            };
            let r = self
                .scalar(key_type, 1, &key_node, &mut entry)
                .and_then(|()| match f.ty {
                    FieldType::Scalar(s) => {
                        let v = if *v == Node::Null { zero(s) } else { v.clone() };
                        self.scalar(s, 2, &v, &mut entry)
                    }
                    FieldType::Message(m) => {
                        let body = self.message(m, Some(v), depth + 1)?;
                        wire::bytes_field(&mut entry, 2, &body);
                        Ok(())
                    }
                });
            self.path.pop();
            r?;
            wire::bytes_field(out, f.number, &entry);
        }
        Ok(())
    }

    /// One scalar field as Go writes it (int32 sign-extended, doubles little-endian).
    pub fn scalar(
        &self,
        s: Scalar,
        number: u32,
        node: &Node,
        out: &mut Vec<u8>,
    ) -> Result<(), String> {
        let int = || -> Result<i128, String> {
            match node {
                Node::Int(i) => Ok(i128::from(*i)),
                Node::UInt(u) => Ok(i128::from(*u)),
                Node::Number(t) => t
                    .parse::<i128>()
                    .map_err(|_| self.err(format!("{t} is not an integer"))),
                other => Err(self.err(format!("expected an integer, found {}", kind_of(other)))),
            }
        };
        let ranged = |lo: i128, hi: i128| -> Result<i128, String> {
            let v = int()?;
            if (lo..=hi).contains(&v) {
                Ok(v)
            } else {
                Err(self.err(format!("{v} is out of range")))
            }
        };
        let float = || -> Result<f64, String> {
            match node {
                Node::Float(f) => Ok(*f),
                Node::Int(i) => Ok(*i as f64),
                Node::UInt(u) => Ok(*u as f64),
                Node::Number(t) => t
                    .parse()
                    .map_err(|_| self.err(format!("{t} is not a number"))),
                other => Err(self.err(format!("expected a number, found {}", kind_of(other)))),
            }
        };
        let (i32r, i64r) = (
            (i128::from(i32::MIN), i128::from(i32::MAX)),
            (i128::from(i64::MIN), i128::from(i64::MAX)),
        );
        match s {
            Scalar::String => match node {
                Node::Str(t) => wire::bytes_field(out, number, t.as_bytes()),
                other => {
                    return Err(self.err(format!("expected a string, found {}", kind_of(other))));
                }
            },
            Scalar::Bytes => match node {
                Node::Str(t) => {
                    use base64::Engine;
                    let b = base64::engine::general_purpose::STANDARD
                        .decode(t)
                        .map_err(|e| self.err(format!("not base64: {e}")))?;
                    wire::bytes_field(out, number, &b);
                }
                other => {
                    return Err(self.err(format!("expected base64 text, found {}", kind_of(other))));
                }
            },
            Scalar::Bool => match node {
                Node::Bool(b) => wire::varint_field(out, number, u64::from(*b)),
                other => {
                    return Err(
                        self.err(format!("expected true or false, found {}", kind_of(other)))
                    );
                }
            },
            Scalar::Int32 => wire::varint_field(out, number, ranged(i32r.0, i32r.1)? as i64 as u64),
            Scalar::Int64 => wire::varint_field(out, number, ranged(i64r.0, i64r.1)? as i64 as u64),
            Scalar::UInt32 => {
                wire::varint_field(out, number, ranged(0, i128::from(u32::MAX))? as u64)
            }
            Scalar::UInt64 => {
                wire::varint_field(out, number, ranged(0, i128::from(u64::MAX))? as u64)
            }
            Scalar::SInt32 | Scalar::SInt64 => {
                let v = ranged(i64r.0, i64r.1)? as i64;
                wire::varint_field(out, number, ((v << 1) ^ (v >> 63)) as u64);
            }
            Scalar::Fixed32 | Scalar::SFixed32 => {
                let v = ranged(i128::from(i32::MIN), i128::from(u32::MAX))? as u32;
                wire::tag(out, number, 5);
                out.extend_from_slice(&v.to_le_bytes());
            }
            Scalar::Fixed64 | Scalar::SFixed64 => {
                let v = ranged(i64r.0, i128::from(u64::MAX))? as u64;
                wire::tag(out, number, 1);
                out.extend_from_slice(&v.to_le_bytes());
            }
            Scalar::Double => {
                wire::tag(out, number, 1);
                out.extend_from_slice(&float()?.to_bits().to_le_bytes());
            }
            Scalar::Float => {
                wire::tag(out, number, 5);
                out.extend_from_slice(&(float()? as f32).to_bits().to_le_bytes());
            }
        }
        Ok(())
    }
}

impl Default for Encoder {
    fn default() -> Self {
        Self::new()
    }
}

/// Go's zero value of a scalar type, as the tree holds it.
fn zero(s: Scalar) -> Node {
    match s {
        Scalar::String | Scalar::Bytes => Node::Str(String::new()),
        Scalar::Bool => Node::Bool(false),
        Scalar::Double | Scalar::Float => Node::Float(0.0),
        _ => Node::Int(0),
    }
}

pub fn kind_of(node: &Node) -> &'static str {
    match node {
        Node::Null => "null",
        Node::Bool(_) => "a boolean",
        Node::Int(_) | Node::UInt(_) | Node::Float(_) | Node::Number(_) => "a number",
        Node::Str(_) => "a string",
        Node::Seq(_) => "a list",
        Node::Map(_) => "an object",
    }
}
