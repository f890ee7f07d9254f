//! Schema-less protobuf dump for what the schema cannot name: unknown field numbers (a newer
//! Kubernetes), unknown kinds, corrupt input. Keys read `#<field> <wire type>`; a
//! length-delimited value is shown as text when it is printable, as a nested dump when it
//! parses as a message, and as hex/base64 otherwise.

use super::node::Node;
use super::wire::{Reader, Value, parses_cleanly};

/// Nesting limit for both this dump and the schema decoder: deep enough for any real
/// Kubernetes object, shallow enough that hostile input cannot exhaust the stack.
pub const MAX_DEPTH: u32 = 64;

pub fn field_key(number: u32, value: &Value<'_>) -> String {
    let kind = match value {
        Value::Bytes(b) => match bytes_kind(b) {
            BytesKind::Message => "message",
            BytesKind::Text => "string",
            BytesKind::Opaque => "bytes",
        },
        other => other.wire_name(),
    };
    format!("#{number} {kind}")
}

enum BytesKind {
    Message,
    Text,
    Opaque,
}

/// A nested message usually holds tag and length bytes below 0x20, which text rarely does;
/// text without them is text even if it happens to parse as protobuf.
fn bytes_kind(b: &[u8]) -> BytesKind {
    let has_low = b.iter().any(|&c| c < 0x20);
    if has_low && parses_cleanly(b) {
        BytesKind::Message
    } else if is_printable_utf8(b) {
        BytesKind::Text
    } else if parses_cleanly(b) {
        BytesKind::Message
    } else {
        BytesKind::Opaque
    }
}

/// The value as a node; nested messages are dumped up to `MAX_DEPTH`.
pub fn value_node(value: &Value<'_>, depth: u32) -> Node {
    match *value {
        Value::Varint(v) | Value::Fixed64(v) => i64::try_from(v).map_or(Node::UInt(v), Node::Int),
        Value::Fixed32(v) => Node::Int(i64::from(v)),
        Value::Bytes(b) => bytes_node(b, depth),
    }
}

fn bytes_node(b: &[u8], depth: u32) -> Node {
    match bytes_kind(b) {
        BytesKind::Message if depth < MAX_DEPTH => dump(b, depth + 1).0,
        BytesKind::Text => Node::Str(String::from_utf8_lossy(b).into_owned()),
        _ => Node::Str(opaque(b)),
    }
}

/// Bytes nothing else could make sense of: hex when short, base64 when long.
pub fn opaque(b: &[u8]) -> String {
    if b.len() <= 64 {
        let mut s = String::with_capacity(4 + b.len() * 2);
        s.push_str("hex:");
        for byte in b {
            s.push_str(&format!("{byte:02x}"));
        }
        s
    } else {
        format!("base64:{}", super::base64::encode(b))
    }
}

pub fn is_printable_utf8(b: &[u8]) -> bool {
    match std::str::from_utf8(b) {
        Ok(s) => s
            .chars()
            .all(|c| !c.is_control() || c == '\n' || c == '\t' || c == '\r'),
        Err(_) => false,
    }
}

/// Adds `value` under `key`, turning repeated keys into a list as protobuf repeats fields.
pub fn push_entry(entries: &mut Vec<(String, Node)>, key: String, value: Node) {
    if let Some((_, existing)) = entries.iter_mut().find(|(k, _)| *k == key) {
        match existing {
            Node::Seq(items) => items.push(value),
            other => {
                let first = std::mem::replace(other, Node::Null);
                *other = Node::Seq(vec![first, value]);
            }
        }
    } else {
        entries.push((key, value));
    }
}

/// Dumps a whole message. The error, if any, says where reading stopped; what could not
/// be read is kept under `#undecoded`.
pub fn dump(buf: &[u8], depth: u32) -> (Node, Option<String>) {
    let mut entries = Vec::new();
    let mut reader = Reader::new(buf);
    let mut error = None;
    loop {
        let start = reader.pos();
        match reader.next_field() {
            None => break,
            Some(Ok((number, value))) => {
                push_entry(
                    &mut entries,
                    field_key(number, &value),
                    value_node(&value, depth),
                );
            }
            Some(Err(e)) => {
                let rest = buf.get(start..).unwrap_or(&[]);
                entries.push(("#undecoded".to_string(), Node::Str(opaque(rest))));
                error = Some(format!("{e} at byte {start} ({} bytes left)", rest.len()));
                break;
            }
        }
    }
    (Node::Map(entries), error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dumps_nested_and_repeated_fields() {
        // 1: "ab", 2: {1: 5}, 3: 7, 3: 8
        let buf = [0x0a, 2, b'a', b'b', 0x12, 2, 0x08, 5, 0x18, 7, 0x18, 8];
        let (node, err) = dump(&buf, 0);
        assert!(err.is_none());
        assert_eq!(node.get("#1 string"), Some(&Node::Str("ab".into())));
        assert_eq!(
            node.get("#2 message"),
            Some(&Node::Map(vec![("#1 varint".into(), Node::Int(5))]))
        );
        assert_eq!(
            node.get("#3 varint"),
            Some(&Node::Seq(vec![Node::Int(7), Node::Int(8)]))
        );
    }

    #[test]
    fn keeps_what_it_cannot_read() {
        let (node, err) = dump(&[0x08, 1, 0x0a, 9, 1], 0);
        assert!(err.is_some());
        assert_eq!(
            node.get("#undecoded"),
            Some(&Node::Str("hex:0a0901".into()))
        );
    }
}
