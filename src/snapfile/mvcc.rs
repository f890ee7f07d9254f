//! etcd's MVCC layout in the `key` bucket: each bbolt key is a revision (8-byte big-endian
//! main revision, `_`, 8-byte sub revision, and a trailing `t` for a deletion), each value
//! an `mvccpb.KeyValue`. Replaying them in revision order gives every key's history.

use std::collections::HashMap;

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

/// `mvccpb.KeyValue`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyValue {
    pub key: Vec<u8>,
    pub create_revision: i64,
    pub mod_revision: i64,
    pub version: i64,
    pub value: Vec<u8>,
    pub lease: i64,
}

/// Decodes an `mvccpb.KeyValue`; unknown fields are skipped as protobuf allows.
pub fn decode_kv(buf: &[u8]) -> Result<KeyValue, String> {
    let mut kv = KeyValue::default();
    let mut r = Reader::new(buf);
    while let Some(field) = r.next_field() {
        let (number, value) = field.map_err(|e| format!("not a KeyValue protobuf: {e}"))?;
        // int64 fields travel as varints holding the two's complement.
        match (number, value) {
            (1, Value::Bytes(b)) => kv.key = b.to_vec(),
            (2, Value::Varint(v)) => kv.create_revision = v as i64,
            (3, Value::Varint(v)) => kv.mod_revision = v as i64,
            (4, Value::Varint(v)) => kv.version = v as i64,
            (5, Value::Bytes(b)) => kv.value = b.to_vec(),
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

/// One change to a key. A tombstone's `kv` carries only the key, as etcd stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub revision: Revision,
    pub tombstone: bool,
    pub kv: KeyValue,
}

/// Gathers the `key` bucket's entries. They arrive in revision order with keys in any
/// order; a hash map takes them and one sort at the end orders the keys, which is cheaper
/// than keeping a sorted map through every insert of long keys with shared prefixes.
#[derive(Debug, Default)]
pub struct HistoryBuilder {
    by_key: HashMap<Vec<u8>, Vec<Event>>,
    /// Without history only each key's last event is kept, and its value dropped: enough
    /// to count live keys.
    keep_history: bool,
}

impl HistoryBuilder {
    pub fn new(keep_history: bool) -> Self {
        HistoryBuilder {
            by_key: HashMap::new(),
            keep_history,
        }
    }

    /// Adds one `key` bucket entry.
    pub fn add(&mut self, rev_key: &[u8], value: &[u8]) -> Result<(), String> {
        let (revision, tombstone) =
            parse_rev_key(rev_key).ok_or("not a revision (8 bytes, '_', 8 bytes, optional 't')")?;
        let mut kv = decode_kv(value)?;
        if !self.keep_history {
            kv.value = Vec::new();
        }
        let event = Event {
            revision,
            tombstone,
            kv,
        };
        match self.by_key.get_mut(&event.kv.key) {
            Some(events) if self.keep_history => events.push(event),
            Some(events) => *events = vec![event],
            None => {
                self.by_key.insert(event.kv.key.clone(), vec![event]);
            }
        }
        Ok(())
    }

    /// Keys whose last event is not a deletion.
    pub fn live_keys(&self) -> u64 {
        self.by_key
            .values()
            .filter(|ev| History::latest(ev).is_some())
            .count() as u64
    }

    /// The history in key order; empty when it was not kept.
    pub fn finish(self) -> History {
        if !self.keep_history {
            return History::default();
        }
        let mut keys: Vec<(Vec<u8>, Vec<Event>)> = self.by_key.into_iter().collect();
        keys.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        History { keys }
    }
}

/// Every key's events in revision order, keys sorted.
#[derive(Debug, Default)]
pub struct History {
    keys: Vec<(Vec<u8>, Vec<Event>)>,
}

impl History {
    pub fn events(&self, key: &[u8]) -> &[Event] {
        self.keys
            .binary_search_by(|(k, _)| k.as_slice().cmp(key))
            .map_or(&[], |i| self.keys[i].1.as_slice())
    }

    /// (key, events) in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[Event])> {
        self.keys
            .iter()
            .map(|(k, ev)| (k.as_slice(), ev.as_slice()))
    }

    /// (key, events) for the keys starting with `prefix`, in key order.
    pub fn with_prefix<'a>(
        &'a self,
        prefix: &'a [u8],
    ) -> impl Iterator<Item = (&'a [u8], &'a [Event])> {
        let start = self.keys.partition_point(|(k, _)| k.as_slice() < prefix);
        self.keys[start..]
            .iter()
            .take_while(move |(k, _)| k.starts_with(prefix))
            .map(|(k, ev)| (k.as_slice(), ev.as_slice()))
    }

    /// (key, events) for the keys at or after `from`, in key order.
    pub fn starting_at<'a>(&'a self, from: &[u8]) -> impl Iterator<Item = (&'a [u8], &'a [Event])> {
        let start = self.keys.partition_point(|(k, _)| k.as_slice() < from);
        self.keys[start..]
            .iter()
            .map(|(k, ev)| (k.as_slice(), ev.as_slice()))
    }

    /// The live value of a key: its last event, unless that deleted it.
    pub fn latest(events: &[Event]) -> Option<&KeyValue> {
        events.last().filter(|e| !e.tombstone).map(|e| &e.kv)
    }

    /// The value a key had at `revision`: its last event up to it, unless that deleted it.
    pub fn at(events: &[Event], revision: i64) -> Option<&KeyValue> {
        let upto = events.partition_point(|e| e.revision.main <= revision);
        events[..upto]
            .last()
            .filter(|e| !e.tombstone)
            .map(|e| &e.kv)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::wire::Writer;

    fn rev_key(main: i64, sub: i64, tombstone: bool) -> Vec<u8> {
        let mut k = main.to_be_bytes().to_vec();
        k.push(b'_');
        k.extend(sub.to_be_bytes());
        if tombstone {
            k.push(b't');
        }
        k
    }

    fn kv_bytes(key: &str, value: &str, rev: u64) -> Vec<u8> {
        let mut w = Writer::new();
        w.string(1, key).varint(2, 2).varint(3, rev).varint(4, 1);
        if !value.is_empty() {
            w.string(5, value);
        }
        w.finish()
    }

    #[test]
    fn revision_keys_parse_and_others_do_not() {
        assert_eq!(
            parse_rev_key(&rev_key(258, 1, true)),
            Some((Revision { main: 258, sub: 1 }, true))
        );
        assert_eq!(parse_rev_key(b"consistent_index"), None);
        let mut bad = rev_key(1, 0, false);
        bad[8] = b'-';
        assert_eq!(parse_rev_key(&bad), None);
    }

    #[test]
    fn replay_honours_tombstones_and_keeps_history() {
        let mut b = HistoryBuilder::new(true);
        b.add(&rev_key(2, 0, false), &kv_bytes("b", "x", 2))
            .unwrap();
        b.add(&rev_key(3, 0, false), &kv_bytes("a", "1", 3))
            .unwrap();
        b.add(&rev_key(4, 0, false), &kv_bytes("a", "2", 4))
            .unwrap();
        b.add(&rev_key(5, 0, true), &kv_bytes("b", "", 5)).unwrap();
        let h = b.finish();
        let keys: Vec<&[u8]> = h.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, [&b"a"[..], b"b"]);
        let a = h.events(b"a");
        assert_eq!(a.len(), 2);
        assert_eq!(
            History::latest(a).map(|kv| kv.value.clone()),
            Some(b"2".to_vec())
        );
        assert_eq!(History::latest(h.events(b"b")), None);
        assert!(h.events(b"c").is_empty());
        assert_eq!(
            History::at(a, 3).map(|kv| kv.value.clone()),
            Some(b"1".to_vec())
        );
        assert_eq!(History::at(a, 1), None);
        let b_events = h.events(b"b");
        assert_eq!(
            History::at(b_events, 4).map(|kv| kv.value.clone()),
            Some(b"x".to_vec())
        );
        assert_eq!(History::at(b_events, 5), None);
        let under_a: Vec<&[u8]> = h.with_prefix(b"a").map(|(k, _)| k).collect();
        assert_eq!(under_a, [&b"a"[..]]);
        assert_eq!(h.with_prefix(b"z").count(), 0);
        assert_eq!(h.with_prefix(b"").count(), 2);
    }

    #[test]
    fn without_history_live_keys_still_count() {
        let mut b = HistoryBuilder::new(false);
        b.add(&rev_key(2, 0, false), &kv_bytes("a", "1", 2))
            .unwrap();
        b.add(&rev_key(3, 0, false), &kv_bytes("b", "x", 3))
            .unwrap();
        b.add(&rev_key(4, 0, true), &kv_bytes("b", "", 4)).unwrap();
        b.add(&rev_key(5, 0, false), &kv_bytes("a", "2", 5))
            .unwrap();
        assert_eq!(b.live_keys(), 1);
        assert_eq!(b.finish().iter().count(), 0);
    }

    #[test]
    fn garbage_values_are_errors() {
        let mut h = HistoryBuilder::new(false);
        assert!(h.add(&rev_key(2, 0, false), &[0x0a, 0xff]).is_err());
        assert!(h.add(&rev_key(2, 0, false), &[0x10, 0x01]).is_ok());
        assert!(
            decode_kv(&[0x0d, 1, 2, 3, 4])
                .unwrap_err()
                .contains("field 1")
        );
    }
}
