//! Kubernetes objects as the API server stores them: `k8s\0` followed by a protobuf
//! `runtime.Unknown` {1: typeMeta {1: apiVersion, 2: kind}, 2: raw, 3: contentEncoding,
//! 4: contentType}, where `raw` is the object's own protobuf message.

pub mod encode;
mod encode_input;
mod encode_json;
mod encode_message;
mod encode_pointers;
mod encode_special;
mod encode_time;
mod encode_wire;
pub(crate) mod gotime;
pub mod layout;
mod message;
mod releases;
#[cfg(test)]
mod releases_tests;
pub mod schema;
mod special;

use super::generic;
use super::json;
use super::node::Node;
use super::wire::{Reader, Value};
use message::Decoder;
use schema::{KindLookup, META_V1};

pub const MAGIC: &[u8] = b"k8s\0";

/// A decoded object: `node` is what `kubectl get -o json` would print (TypeMeta first, then
/// the fields in protobuf order); `notes` say what could not be named.
#[derive(Debug, Clone, PartialEq)]
pub struct K8sObject {
    pub api_version: String,
    pub kind: String,
    pub node: Node,
    pub notes: Vec<String>,
}

/// Where the schema comes from, for "about" screens and notes.
pub fn schema_source() -> &'static str {
    &schema::Schema::get().source
}

/// apiVersion and kind from the envelope alone, without decoding the object.
pub fn peek_type(value: &[u8]) -> Option<(String, String)> {
    let env = envelope(value.strip_prefix(MAGIC)?).ok()?;
    Some((env.api_version, env.kind))
}

/// Decodes a stored value (`k8s\0` + runtime.Unknown). Never fails.
pub fn decode(value: &[u8]) -> K8sObject {
    decode_with_hint(value, None)
}

/// Like [`decode`], with the apiVersion/kind to assume when the envelope names none
/// (WatchEvent and other types without TypeMeta).
pub fn decode_with_hint(value: &[u8], hint: Option<(&str, &str)>) -> K8sObject {
    decode_at(value, hint, 0)
}

/// `depth` counts enclosing messages, so objects nested in RawExtensions cannot recurse
/// without bound.
fn decode_at(value: &[u8], hint: Option<(&str, &str)>, depth: u32) -> K8sObject {
    let mut notes = Vec::new();
    let body = match value.strip_prefix(MAGIC) {
        Some(b) => b,
        None => {
            notes.push("value does not start with the k8s\\0 magic".to_string());
            value
        }
    };
    let env = match envelope(body) {
        Ok(env) => env,
        Err(e) => {
            notes.push(format!("the runtime.Unknown envelope is corrupt: {e}"));
            let (node, _) = generic::dump(body, 0);
            return K8sObject {
                api_version: String::new(),
                kind: String::new(),
                node,
                notes,
            };
        }
    };
    let (api_version, kind) = match (env.api_version.is_empty() && env.kind.is_empty(), hint) {
        (true, Some((av, k))) => (av.to_string(), k.to_string()),
        _ => (env.api_version.clone(), env.kind.clone()),
    };
    let mut dec = Decoder::new();
    let body_node = if !env.content_encoding.is_empty() {
        dec.note(format!(
            "content encoding {:?} is not supported; raw bytes shown",
            env.content_encoding
        ));
        Node::Str(generic::opaque(env.raw))
    } else if !env.content_type.is_empty() && !env.content_type.contains("protobuf") {
        match std::str::from_utf8(env.raw).ok().map(json::parse) {
            Some(Ok(node)) => node,
            _ => {
                dec.note(format!(
                    "content type {:?}: raw bytes shown",
                    env.content_type
                ));
                Node::Str(generic::opaque(env.raw))
            }
        }
    } else {
        object(&mut dec, env.raw, &api_version, &kind, depth)
    };
    notes.extend(dec.into_notes());
    // TypeMeta is inline and omitempty in Go; it comes first in the JSON.
    let mut entries = Vec::new();
    if !env.api_version.is_empty() {
        entries.push(("apiVersion".to_string(), Node::Str(env.api_version.clone())));
    }
    if !env.kind.is_empty() {
        entries.push(("kind".to_string(), Node::Str(env.kind.clone())));
    }
    match body_node {
        Node::Map(fields) => entries.extend(fields),
        other => entries.push(("#raw".to_string(), other)),
    }
    K8sObject {
        api_version,
        kind,
        node: Node::Map(entries),
        notes,
    }
}

/// An object embedded in another (RawExtension holding `k8s\0...`), `depth` levels down.
pub(crate) fn decode_nested(value: &[u8], depth: u32) -> K8sObject {
    decode_at(value, None, depth)
}

fn object(dec: &mut Decoder, raw: &[u8], api_version: &str, kind: &str, depth: u32) -> Node {
    let schema = dec.schema;
    let what = format!("{kind} ({api_version})");
    match schema.lookup_kind(api_version, kind) {
        KindLookup::Found(i) => dec.message(raw, i, depth),
        KindLookup::NoProtobuf => {
            dec.note(format!(
                "{what} is newer than the protobuf schema ({}): fields shown by number",
                schema.source
            ));
            unknown_object(dec, raw, depth)
        }
        KindLookup::Unknown => {
            dec.note(format!("unknown kind {what}: fields shown by number"));
            unknown_object(dec, raw, depth)
        }
    }
}

/// Every persisted Kubernetes kind has ObjectMeta as field 1, so an unknown kind still gets
/// a readable `metadata`; everything else is dumped.
fn unknown_object(dec: &mut Decoder, raw: &[u8], depth: u32) -> Node {
    let meta = dec.schema.message(&format!("{META_V1}.ObjectMeta"));
    let mut entries = Vec::new();
    let mut reader = Reader::new(raw);
    loop {
        let start = reader.pos();
        match reader.next_field() {
            None => break,
            Some(Ok((1, Value::Bytes(b)))) if meta.is_some() && entries.is_empty() => {
                let node = meta.map_or(Node::Null, |m| dec.message(b, m, depth + 1));
                entries.push(("metadata".to_string(), node));
            }
            Some(Ok((n, v))) => {
                generic::push_entry(
                    &mut entries,
                    generic::field_key(n, &v),
                    generic::value_node(&v, depth + 1),
                );
            }
            Some(Err(e)) => {
                let rest = raw.get(start..).unwrap_or(&[]);
                dec.note(format!("corrupt at byte {start}: {e}"));
                entries.push(("#undecoded".to_string(), Node::Str(generic::opaque(rest))));
                break;
            }
        }
    }
    Node::Map(entries)
}

struct Envelope<'a> {
    api_version: String,
    kind: String,
    raw: &'a [u8],
    content_encoding: String,
    content_type: String,
}

fn envelope(body: &[u8]) -> Result<Envelope<'_>, String> {
    let mut env = Envelope {
        api_version: String::new(),
        kind: String::new(),
        raw: &[],
        content_encoding: String::new(),
        content_type: String::new(),
    };
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let mut reader = Reader::new(body);
    while let Some(field) = reader.next_field() {
        match field.map_err(|e| format!("{e} at byte {}", reader.pos()))? {
            (1, Value::Bytes(tm)) => {
                let mut r = Reader::new(tm);
                while let Some(f) = r.next_field() {
                    match f.map_err(|e| format!("typeMeta: {e}"))? {
                        (1, Value::Bytes(b)) => env.api_version = text(b),
                        (2, Value::Bytes(b)) => env.kind = text(b),
                        _ => {}
                    }
                }
            }
            (2, Value::Bytes(b)) => env.raw = b,
            (3, Value::Bytes(b)) => env.content_encoding = text(b),
            (4, Value::Bytes(b)) => env.content_type = text(b),
            (n, v) => return Err(format!("unexpected field {n} ({})", v.wire_name())),
        }
    }
    Ok(env)
}
