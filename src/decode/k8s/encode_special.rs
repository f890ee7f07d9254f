//! The inverse of `special.rs`: times, durations, quantities, IntOrString, embedded JSON,
//! the CRD schema unions and list wrappers, each as its Go type's protobuf Marshal writes it.

use super::encode_json;
use super::encode_message::{Encoder, kind_of};
use super::encode_time::{parse_duration, parse_rfc3339};
use super::encode_wire as wire;
use super::schema::{FieldType, MessageDef, Special};
use crate::decode::node::Node;

pub fn encode(
    enc: &mut Encoder,
    def: &MessageDef,
    node: Option<&Node>,
    depth: u32,
) -> Result<Vec<u8>, String> {
    let node = node.filter(|n| **n != Node::Null);
    let mut out = Vec::new();
    match def.special {
        // metav1.Time.Marshal: nothing for the zero time, else Timestamp{seconds, nanos: 0}
        // (its ProtoTime drops nanoseconds); MicroTime keeps them. Both fields always.
        Special::Time | Special::MicroTime => {
            if let Some(n) = node {
                let Node::Str(text) = n else {
                    return Err(enc.err(format!("expected a time, found {}", kind_of(n))));
                };
                let (secs, nanos) = parse_rfc3339(text).map_err(|e| enc.err(e))?;
                let nanos = if def.special == Special::Time {
                    0
                } else {
                    nanos
                };
                wire::varint_field(&mut out, 1, secs as u64);
                wire::varint_field(&mut out, 2, i64::from(nanos) as u64);
            }
        }
        Special::Duration => {
            let nanos = match node {
                None => 0,
                Some(Node::Str(t)) => parse_duration(t).map_err(|e| enc.err(e))?,
                Some(n) => {
                    return Err(enc.err(format!("expected a duration, found {}", kind_of(n))));
                }
            };
            wire::varint_field(&mut out, 1, nanos as u64);
        }
        // Quantity.Marshal writes its String(), which is "0" for the zero quantity.
        Special::Quantity => {
            let text = match node {
                None => "0".to_string(),
                Some(Node::Str(t)) => t.clone(),
                Some(Node::Int(i)) => i.to_string(),
                Some(Node::UInt(u)) => u.to_string(),
                Some(Node::Number(t)) => t.clone(),
                Some(Node::Float(f)) => super::gotime::go_float(*f),
                Some(n) => {
                    return Err(enc.err(format!("expected a quantity, found {}", kind_of(n))));
                }
            };
            wire::bytes_field(&mut out, 1, text.as_bytes());
        }
        // IntOrString{Type, IntVal, StrVal}: all three always.
        Special::IntOrString => {
            let (ty, int, text) = match node {
                None => (0, 0, ""),
                Some(Node::Str(t)) => (1, 0, t.as_str()),
                Some(n @ (Node::Int(_) | Node::UInt(_) | Node::Number(_))) => {
                    let mut tmp = Vec::new();
                    enc.scalar(super::schema::Scalar::Int32, 2, n, &mut tmp)?;
                    let v = match n {
                        Node::Int(i) => *i,
                        Node::UInt(u) => *u as i64,
                        Node::Number(t) => t.parse().unwrap_or(0),
                        _ => 0,
                    };
                    (0, v, "")
                }
                Some(n) => {
                    return Err(enc.err(format!(
                        "expected a number or a string, found {}",
                        kind_of(n)
                    )));
                }
            };
            wire::varint_field(&mut out, 1, ty);
            wire::varint_field(&mut out, 2, int as u64);
            wire::bytes_field(&mut out, 3, text.as_bytes());
        }
        // RawExtension, FieldsV1, apiextensions JSON: `raw` only when non-nil.
        Special::EmbeddedJson => {
            if let Some(n) = node {
                wire::bytes_field(&mut out, 1, encode_json::compact(n).as_bytes());
            }
        }
        Special::PropsOrBool => match node {
            None | Some(Node::Bool(false)) => wire::varint_field(&mut out, 1, 0),
            Some(Node::Bool(true)) => wire::varint_field(&mut out, 1, 1),
            Some(schema @ Node::Map(_)) => {
                wire::varint_field(&mut out, 1, 1);
                union_message(enc, def, 2, schema, &mut out, depth)?;
            }
            Some(n) => {
                return Err(enc.err(format!(
                    "expected a schema or a boolean, found {}",
                    kind_of(n)
                )));
            }
        },
        Special::PropsOrArray | Special::PropsOrStringArray => match node {
            None => {}
            Some(schema @ Node::Map(_)) => union_message(enc, def, 1, schema, &mut out, depth)?,
            Some(Node::Seq(items)) => {
                let f = def
                    .field(2)
                    .map(|(_, f)| f.clone())
                    .ok_or_else(|| enc.err("the schema lacks the union's list"))?;
                enc.repeated(&f, items, &mut out, depth)?;
            }
            Some(n) => {
                return Err(enc.err(format!("expected a schema or a list, found {}", kind_of(n))));
            }
        },
        // go-to-protobuf's wrapper of a named slice (or, for 1.15's meta/v1 Fields, map):
        // the value is its one field's.
        Special::ListWrapper => {
            let f = def
                .fields
                .first()
                .cloned()
                .ok_or_else(|| enc.err("the schema lacks the wrapper's field"))?;
            enc.field(def, &f, true, node, &mut out, depth)?;
        }
        Special::None => return Err(enc.err("not a special type")),
    }
    Ok(out)
}

fn union_message(
    enc: &mut Encoder,
    def: &MessageDef,
    number: u32,
    node: &Node,
    out: &mut Vec<u8>,
    depth: u32,
) -> Result<(), String> {
    let Some((_, f)) = def.field(number) else {
        return Err(enc.err("the schema lacks the union's schema field"));
    };
    let FieldType::Message(i) = f.ty else {
        return Err(enc.err("the union's schema field is not a message"));
    };
    let body = enc.message(i, Some(node), depth + 1)?;
    wire::bytes_field(out, number, &body);
    Ok(())
}
