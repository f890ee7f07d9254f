//! Schema-driven decoding of one protobuf message into a [`Node`] with Kubernetes' JSON names,
//! following Go's encoding/json rules for what is printed (see `build`).

use super::schema::{Card, FieldDef, FieldType, MessageDef, Scalar, Schema, Special};
use super::special;
use crate::decode::generic::{self, MAX_DEPTH};
use crate::decode::node::Node;
use crate::decode::wire::{Reader, Value};

/// Notes are capped so a corrupt 1 MiB value cannot produce a million of them.
const MAX_NOTES: usize = 20;

pub struct Decoder {
    pub schema: &'static Schema,
    notes: Vec<String>,
    dropped: usize,
    path: Vec<&'static str>,
}

enum Slot {
    Empty,
    One(Node),
    Many(Vec<Node>),
    Entries(Vec<(String, Node)>),
}

impl Decoder {
    pub fn new() -> Self {
        Decoder {
            schema: Schema::get(),
            notes: Vec::new(),
            dropped: 0,
            path: Vec::new(),
        }
    }

    pub fn note(&mut self, text: String) {
        if self.notes.len() < MAX_NOTES {
            let at = self.path.join(".");
            if at.is_empty() {
                self.notes.push(text);
            } else {
                self.notes.push(format!("{at}: {text}"));
            }
        } else {
            self.dropped += 1;
        }
    }

    pub fn into_notes(mut self) -> Vec<String> {
        if self.dropped > 0 {
            self.notes
                .push(format!("... and {} more notes", self.dropped));
        }
        self.notes
    }

    /// Decodes `buf` as message `index`. Never fails: what the schema cannot name is dumped.
    pub fn message(&mut self, buf: &[u8], index: usize, depth: u32) -> Node {
        let schema = self.schema;
        let Some(def) = schema.def(index) else {
            return generic::dump(buf, depth).0;
        };
        if depth >= MAX_DEPTH {
            self.note("nesting too deep; shown undecoded".to_string());
            return Node::Str(generic::opaque(buf));
        }
        match def.special {
            Special::None => self.plain(buf, def, depth),
            other => special::decode(self, other, buf, def, depth),
        }
    }

    /// Fields of a message by JSON name, in field-number order (Go's struct order, mostly).
    pub fn plain(&mut self, buf: &[u8], def: &'static MessageDef, depth: u32) -> Node {
        let mut slots: Vec<Slot> = def.fields.iter().map(|_| Slot::Empty).collect();
        let mut unknown = Vec::new();
        let mut reader = Reader::new(buf);
        loop {
            let start = reader.pos();
            match reader.next_field() {
                None => break,
                Some(Err(e)) => {
                    let rest = buf.get(start..).unwrap_or(&[]);
                    self.note(format!(
                        "{} is corrupt or truncated: {e} at byte {start}; {} bytes undecoded",
                        short_name(&def.full),
                        rest.len()
                    ));
                    unknown.push(("#undecoded".to_string(), Node::Str(generic::opaque(rest))));
                    break;
                }
                Some(Ok((number, value))) => {
                    let known = def.field(number).and_then(|(i, f)| {
                        let slot = slots.get_mut(i)?;
                        self.path.push(&f.json);
                        let ok = self.apply(slot, f, value, depth);
                        self.path.pop();
                        ok.then_some(())
                    });
                    if known.is_none() {
                        self.unknown_field(def, number, &value, depth, &mut unknown);
                    }
                }
            }
        }
        build(def, slots, unknown)
    }

    fn unknown_field(
        &mut self,
        def: &MessageDef,
        number: u32,
        value: &Value<'_>,
        depth: u32,
        unknown: &mut Vec<(String, Node)>,
    ) {
        let what = match def.field(number) {
            Some((_, f)) => format!("field {number} ({}) has an unexpected wire type", f.json),
            None => format!("unknown field {number}"),
        };
        self.note(format!(
            "{what} ({}) in {}: shown as #{number}",
            value.wire_name(),
            def.full
        ));
        generic::push_entry(
            unknown,
            generic::field_key(number, value),
            generic::value_node(value, depth),
        );
    }

    /// Stores one occurrence of a known field; false when the wire type does not fit.
    fn apply(&mut self, slot: &mut Slot, f: &FieldDef, value: Value<'_>, depth: u32) -> bool {
        match f.card {
            Card::Optional => match self.value(f.ty, value, depth) {
                Some(node) => {
                    *slot = Slot::One(node);
                    true
                }
                None => false,
            },
            Card::Repeated => {
                let items = match (f.ty, value) {
                    (FieldType::Scalar(s), Value::Bytes(b)) if is_packable(s) => unpack(s, b),
                    _ => self.value(f.ty, value, depth).map(|n| vec![n]),
                };
                let Some(items) = items else { return false };
                match slot {
                    Slot::Many(v) => v.extend(items),
                    _ => *slot = Slot::Many(items),
                }
                true
            }
            Card::Map(key_type) => {
                let Value::Bytes(entry) = value else {
                    return false;
                };
                let Some((k, v)) = self.map_entry(key_type, f.ty, entry, depth) else {
                    return false;
                };
                match slot {
                    Slot::Entries(e) => e.push((k, v)),
                    _ => *slot = Slot::Entries(vec![(k, v)]),
                }
                true
            }
        }
    }

    fn map_entry(
        &mut self,
        key_type: Scalar,
        value_type: FieldType,
        entry: &[u8],
        depth: u32,
    ) -> Option<(String, Node)> {
        let mut key = None;
        let mut val = None;
        let mut reader = Reader::new(entry);
        while let Some(field) = reader.next_field() {
            match field.ok()? {
                (1, v) => key = Some(scalar(key_type, v)?),
                (2, v) => val = Some(self.value(value_type, v, depth)?),
                _ => return None,
            }
        }
        let key = match key.unwrap_or(Node::Str(String::new())) {
            Node::Str(s) => s,
            Node::Int(i) => i.to_string(),
            Node::UInt(u) => u.to_string(),
            Node::Bool(b) => b.to_string(),
            other => format!("{other:?}"),
        };
        // A missing value is the type's zero value, as Go's map decoding leaves it.
        let val = match val {
            Some(v) => v,
            None => match value_type {
                FieldType::Message(i) => self.message(&[], i, depth + 1),
                FieldType::Scalar(Scalar::String | Scalar::Bytes) => Node::Str(String::new()),
                FieldType::Scalar(Scalar::Bool) => Node::Bool(false),
                FieldType::Scalar(_) => Node::Int(0),
            },
        };
        Some((key, val))
    }

    fn value(&mut self, ty: FieldType, value: Value<'_>, depth: u32) -> Option<Node> {
        match (ty, value) {
            (FieldType::Message(i), Value::Bytes(b)) => Some(self.message(b, i, depth + 1)),
            (FieldType::Message(_), _) => None,
            (FieldType::Scalar(s), v) => scalar(s, v),
        }
    }
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

fn short_name(full: &str) -> &str {
    full.rsplit('.').next().unwrap_or(full)
}

/// Go's JSON for a decoded struct: absent fields are omitted; a scalar holding its zero value
/// is omitted unless the field is required or a pointer (Go writes non-pointer scalars to
/// protobuf even when zero, and `omitempty` drops them again); structs are always printed; maps are sorted
/// by key with the last duplicate winning; embedded structs are flattened.
fn build(def: &MessageDef, slots: Vec<Slot>, unknown: Vec<(String, Node)>) -> Node {
    let mut out = Vec::with_capacity(slots.len() + unknown.len());
    for (f, slot) in def.fields.iter().zip(slots) {
        match slot {
            Slot::Empty => {}
            Slot::One(node) => {
                if f.inline
                    && let Node::Map(entries) = node
                {
                    out.extend(entries);
                    continue;
                }
                // A Go pointer that was written is printed even when zero (`controller: false`).
                let scalar_field = matches!(f.ty, FieldType::Scalar(_));
                if scalar_field && !f.required && !f.pointer && node.is_scalar_zero() {
                    continue;
                }
                out.push((f.json.clone(), node));
            }
            Slot::Many(items) => out.push((f.json.clone(), Node::Seq(items))),
            Slot::Entries(mut entries) => {
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                // Keep the last of equal keys: move its value into the survivor.
                entries.dedup_by(|later, kept| {
                    let same = later.0 == kept.0;
                    if same {
                        std::mem::swap(&mut later.1, &mut kept.1);
                    }
                    same
                });
                out.push((f.json.clone(), Node::Map(entries)));
            }
        }
    }
    out.extend(unknown);
    Node::Map(out)
}

fn is_packable(s: Scalar) -> bool {
    !matches!(s, Scalar::String | Scalar::Bytes)
}

fn unpack(s: Scalar, b: &[u8]) -> Option<Vec<Node>> {
    let mut out = Vec::new();
    let mut reader = Reader::new(b);
    while !reader.rest().is_empty() {
        let value = match s {
            Scalar::Double | Scalar::Fixed64 | Scalar::SFixed64 => {
                Value::Fixed64(reader.fixed64().ok()?)
            }
            Scalar::Float | Scalar::Fixed32 | Scalar::SFixed32 => {
                Value::Fixed32(reader.fixed32().ok()?)
            }
            _ => Value::Varint(reader.varint().ok()?),
        };
        out.push(scalar(s, value)?);
    }
    Some(out)
}

/// A scalar as Go prints it; `None` when the wire type does not fit the declared type.
pub fn scalar(s: Scalar, value: Value<'_>) -> Option<Node> {
    Some(match (s, value) {
        (Scalar::String, Value::Bytes(b)) => Node::Str(String::from_utf8_lossy(b).into_owned()),
        (Scalar::Bytes, Value::Bytes(b)) => Node::Str(crate::decode::base64::encode(b)),
        (Scalar::Bool, Value::Varint(v)) => Node::Bool(v != 0),
        // Truncation to 32 bits is how protobuf reads int32 (negatives are sign-extended).
        (Scalar::Int32, Value::Varint(v)) => Node::Int(i64::from(v as u32 as i32)),
        (Scalar::Int64, Value::Varint(v)) => Node::Int(v as i64),
        (Scalar::UInt32, Value::Varint(v)) => Node::Int(i64::from(v as u32)),
        (Scalar::UInt64, Value::Varint(v)) => i64::try_from(v).map_or(Node::UInt(v), Node::Int),
        (Scalar::SInt32, Value::Varint(v)) => Node::Int(i64::from(zigzag(v) as i32)),
        (Scalar::SInt64, Value::Varint(v)) => Node::Int(zigzag(v)),
        (Scalar::Fixed32, Value::Fixed32(v)) => Node::Int(i64::from(v)),
        (Scalar::SFixed32, Value::Fixed32(v)) => Node::Int(i64::from(v as i32)),
        (Scalar::Fixed64, Value::Fixed64(v)) => i64::try_from(v).map_or(Node::UInt(v), Node::Int),
        (Scalar::SFixed64, Value::Fixed64(v)) => Node::Int(v as i64),
        (Scalar::Double, Value::Fixed64(v)) => Node::Float(f64::from_bits(v)),
        (Scalar::Float, Value::Fixed32(v)) => Node::Float(f64::from(f32::from_bits(v))),
        _ => return None,
    })
}

fn zigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}
