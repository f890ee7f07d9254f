//! etcd's MVCC layout in the `key` bucket: each bbolt key is a revision (8-byte big-endian
//! main revision, `_`, 8-byte sub revision, and a trailing `t` for a deletion), each value
//! an `mvccpb.KeyValue`. Only the metadata is kept per change; where the value's bytes
//! lie is remembered so they are read from the file when someone asks for them.

use crate::decode::wire::{Reader, Value};

/// A revision: `main` counts transactions, `sub` the changes within one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Revision {
    pub main: i64,
    pub sub: i64,
}

/// Parses a `key` bucket key; `None` if it is not one. The bool is the tombstone mark.
pub fn parse_rev_key(k: &[u8]) -> Option<(Revision, bool)> {
    let tombstone = match k.len() {
        17 => false,
        18 if k[17] == b't' => true,
        _ => return None,
    };
    if k[8] != b'_' {
        return None;
    }
    let main = i64::from_be_bytes(k[0..8].try_into().ok()?);
    let sub = i64::from_be_bytes(k[9..17].try_into().ok()?);
    Some((Revision { main, sub }, tombstone))
}

/// `mvccpb.KeyValue`, value included: what [`super::SnapshotFile::get`] reads.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyValue {
    pub key: Vec<u8>,
    pub create_revision: i64,
    pub mod_revision: i64,
    pub version: i64,
    pub value: Vec<u8>,
    pub lease: i64,
}

/// An `mvccpb.KeyValue` as it lies in its buffer: the key and value are borrowed, and
/// `value_start` says where the value begins in the buffer.
#[derive(Debug, Default)]
pub struct RawKv<'a> {
    pub key: &'a [u8],
    pub value: &'a [u8],
    pub value_start: usize,
    pub create_revision: i64,
    pub mod_revision: i64,
    pub version: i64,
    pub lease: i64,
}

/// Decodes an `mvccpb.KeyValue`; unknown fields are skipped as protobuf allows.
pub fn decode_raw(buf: &[u8]) -> Result<RawKv<'_>, String> {
    let mut kv = RawKv::default();
    let mut r = Reader::new(buf);
    while let Some(field) = r.next_field() {
        let (number, value) = field.map_err(|e| format!("not a KeyValue protobuf: {e}"))?;
        // int64 fields travel as varints holding the two's complement.
        match (number, value) {
            (1, Value::Bytes(b)) => kv.key = b,
            (2, Value::Varint(v)) => kv.create_revision = v as i64,
            (3, Value::Varint(v)) => kv.mod_revision = v as i64,
            (4, Value::Varint(v)) => kv.version = v as i64,
            (5, Value::Bytes(b)) => {
                kv.value = b;
                // The reader stands just past the bytes it handed out.
                kv.value_start = r.pos() - b.len();
            }
            (6, Value::Varint(v)) => kv.lease = v as i64,
            (1..=6, v) => {
                return Err(format!(
                    "KeyValue field {number} is a {}, not the expected type",
                    v.wire_name()
                ));
            }
            _ => {}
        }
    }
    Ok(kv)
}

/// Where a value's bytes are: at an offset of the file, or, for the few entries of a
/// bucket small enough to be stored inline in its parent, in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueAt {
    File(u64),
    /// Offset into the history's buffer of inline values.
    Inline(u64),
}

/// One change to a key, without the key (the history holds each key once) and without
/// the value (read from the file on demand). A tombstone has no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub revision: Revision,
    pub tombstone: bool,
    pub create_revision: i64,
    pub mod_revision: i64,
    pub version: i64,
    pub lease: i64,
    pub value_len: u32,
    /// A [`ValueAt`] in two fields: an enum would cost 8 bytes more on each of a million
    /// changes.
    pub(super) value_offset: u64,
    pub(super) value_inline: bool,
    /// Where the key's bytes are in the history's key buffer.
    pub(super) key_at: u64,
    pub(super) key_len: u32,
}

impl Event {
    pub(super) fn value_at(&self) -> ValueAt {
        match self.value_inline {
            true => ValueAt::Inline(self.value_offset),
            false => ValueAt::File(self.value_offset),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::wire::Writer;

    #[test]
    fn revision_keys_parse_and_others_do_not() {
        let mut k = 258i64.to_be_bytes().to_vec();
        k.push(b'_');
        k.extend(1i64.to_be_bytes());
        k.push(b't');
        assert_eq!(
            parse_rev_key(&k),
            Some((Revision { main: 258, sub: 1 }, true))
        );
        assert_eq!(parse_rev_key(b"consistent_index"), None);
        k[8] = b'-';
        assert_eq!(parse_rev_key(&k), None);
    }

    #[test]
    fn the_value_is_located_inside_its_buffer() {
        let mut w = Writer::new();
        w.string(1, "/k").varint(2, 2).varint(3, 3).varint(4, 1);
        w.string(5, "hello").varint(6, 7);
        let buf = w.finish();
        let kv = decode_raw(&buf).unwrap();
        assert_eq!(kv.key, b"/k");
        assert_eq!(&buf[kv.value_start..kv.value_start + 5], b"hello");
        assert_eq!((kv.create_revision, kv.mod_revision, kv.lease), (2, 3, 7));
    }

    #[test]
    fn garbage_values_are_errors() {
        assert!(decode_raw(&[0x0a, 0xff]).is_err());
        assert!(decode_raw(&[0x10, 0x01]).is_ok());
        assert!(
            decode_raw(&[0x0d, 1, 2, 3, 4])
                .unwrap_err()
                .contains("field 1")
        );
    }
}
