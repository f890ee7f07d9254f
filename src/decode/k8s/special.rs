//! Types whose Go JSON form is not an object of their fields: times, durations, quantities,
//! IntOrString, embedded JSON (RawExtension, FieldsV1, apiextensions JSON), the CRD schema
//! unions, and go-to-protobuf's list wrappers. Each mirrors that type's `MarshalJSON`.

use super::gotime;
use super::message::Decoder;
use super::schema::{MessageDef, Special};
use crate::decode::generic;
use crate::decode::json;
use crate::decode::node::Node;
use crate::decode::wire::{Reader, Value};

/// Seconds of Go's zero `time.Time` (0001-01-01), which Kubernetes prints as `null`.
const GO_ZERO_TIME: i64 = -62_135_596_800;

pub fn decode(
    dec: &mut Decoder,
    special: Special,
    buf: &[u8],
    def: &'static MessageDef,
    depth: u32,
) -> Node {
    let fields = match raw_fields(buf) {
        Some(f) => f,
        None => {
            dec.note(format!(
                "{} is corrupt; shown undecoded",
                def.full.rsplit('.').next().unwrap_or("value")
            ));
            return generic::dump(buf, depth).0;
        }
    };
    let varint = |n: u32| {
        fields.iter().rev().find_map(|(num, v)| match v {
            Value::Varint(x) if *num == n => Some(*x),
            _ => None,
        })
    };
    let bytes = |n: u32| {
        fields.iter().rev().find_map(|(num, v)| match v {
            Value::Bytes(b) if *num == n => Some(*b),
            _ => None,
        })
    };
    match special {
        Special::Time | Special::MicroTime => {
            // Time.Unmarshal treats an empty message as the zero time.
            if buf.is_empty() {
                return Node::Null;
            }
            let secs = varint(1).unwrap_or(0) as i64;
            let nanos = i64::from(varint(2).unwrap_or(0) as u32 as i32);
            if secs == GO_ZERO_TIME && (special == Special::Time || nanos == 0) {
                return Node::Null;
            }
            // metav1.Time keeps whole seconds only; MicroTime prints microseconds.
            let micro = special == Special::MicroTime;
            Node::Str(gotime::rfc3339(secs, if micro { nanos } else { 0 }, micro))
        }
        Special::Duration => Node::Str(gotime::go_duration(varint(1).unwrap_or(0) as i64)),
        Special::Quantity => {
            let s = bytes(1).map(String::from_utf8_lossy).unwrap_or_default();
            Node::Str(if s.is_empty() {
                "0".to_string()
            } else {
                s.into_owned()
            })
        }
        Special::IntOrString => {
            if varint(1) == Some(1) {
                let s = bytes(3).map(String::from_utf8_lossy).unwrap_or_default();
                Node::Str(s.into_owned())
            } else {
                Node::Int(i64::from(varint(2).unwrap_or(0) as u32 as i32))
            }
        }
        Special::EmbeddedJson => match bytes(1) {
            None => Node::Null,
            Some(raw) => embedded(dec, raw, depth),
        },
        Special::PropsOrBool | Special::PropsOrArray | Special::PropsOrStringArray => {
            let node = dec.plain(buf, def, depth);
            props_union(special, node)
        }
        // The wrapper's one field: `items`, or `map` for meta/v1 Fields of 1.15.
        Special::ListWrapper => match dec.plain(buf, def, depth) {
            Node::Map(mut entries) => match entries
                .iter()
                .position(|(k, _)| def.fields.first().is_some_and(|f| f.json == *k))
            {
                Some(i) => entries.swap_remove(i).1,
                None => Node::Null,
            },
            other => other,
        },
        Special::None => dec.plain(buf, def, depth),
    }
}

fn raw_fields(buf: &[u8]) -> Option<Vec<(u32, Value<'_>)>> {
    let mut out = Vec::new();
    let mut reader = Reader::new(buf);
    while let Some(f) = reader.next_field() {
        out.push(f.ok()?);
    }
    Some(out)
}

/// RawExtension and friends marshal their bytes verbatim; they hold JSON, or for objects
/// written by a protobuf client another `k8s\0` envelope.
fn embedded(dec: &mut Decoder, raw: &[u8], depth: u32) -> Node {
    if raw.is_empty() {
        return Node::Null;
    }
    if raw.starts_with(super::MAGIC) {
        let obj = super::decode_nested(raw, depth + 1);
        for n in obj.notes {
            dec.note(format!("embedded object: {n}"));
        }
        return obj.node;
    }
    match std::str::from_utf8(raw).ok().map(json::parse) {
        Some(Ok(node)) => node,
        _ => {
            dec.note("embedded value is not JSON; shown as bytes".to_string());
            Node::Str(generic::opaque(raw))
        }
    }
}

/// apiextensions' JSONSchemaPropsOr{Bool,Array,StringArray}: whichever side is set.
fn props_union(special: Special, node: Node) -> Node {
    let mut node = node;
    let mut take = |key: &str| -> Option<Node> {
        match &mut node {
            Node::Map(entries) => {
                let i = entries.iter().position(|(k, _)| k == key)?;
                Some(entries.swap_remove(i).1)
            }
            _ => None,
        }
    };
    match special {
        Special::PropsOrBool => match take("schema") {
            Some(schema) => schema,
            None => Node::Bool(matches!(take("allows"), Some(Node::Bool(true)))),
        },
        Special::PropsOrArray => match take("jSONSchemas") {
            Some(list) => list,
            None => take("schema").unwrap_or(Node::Null),
        },
        _ => match take("property") {
            Some(list) => list,
            None => take("schema").unwrap_or(Node::Null),
        },
    }
}
