//! Every key's changes, gathered from the `key` bucket. Keys live once each in one
//! buffer and changes in one sorted array, so memory is the key bytes plus a fixed
//! record per change, whatever the values weigh (they stay in the file).

use super::mvcc::{Event, ValueAt, decode_raw, parse_rev_key};

/// Gathers the `key` bucket's entries. They arrive in revision order with keys in any
/// order; one sort at the end groups each key's changes, which costs far less memory than
/// a map from key to changes held through a million inserts.
#[derive(Debug, Default)]
pub struct HistoryBuilder {
    keys: Vec<u8>,
    inline: Vec<u8>,
    events: Vec<Event>,
}

impl HistoryBuilder {
    /// Adds one `key` bucket entry; `value_at` is where `value` begins in the file, or
    /// `None` when it sits in an inline bucket (its value bytes are then copied).
    pub fn add(
        &mut self,
        rev_key: &[u8],
        value: &[u8],
        value_at: Option<u64>,
    ) -> Result<(), String> {
        let (revision, tombstone) =
            parse_rev_key(rev_key).ok_or("not a revision (8 bytes, '_', 8 bytes, optional 't')")?;
        let kv = decode_raw(value)?;
        let too_big = |what: &str, n: usize| format!("a {what} of {n} bytes, beyond etcd's limits");
        let value_len =
            u32::try_from(kv.value.len()).map_err(|_| too_big("value", kv.value.len()))?;
        let key_len = u32::try_from(kv.key.len()).map_err(|_| too_big("key", kv.key.len()))?;
        let (value_offset, value_inline) = match value_at {
            Some(at) => (at + kv.value_start as u64, false),
            None => {
                let at = self.inline.len() as u64;
                self.inline.extend_from_slice(kv.value);
                (at, true)
            }
        };
        let key_at = self.keys.len() as u64;
        self.keys.extend_from_slice(kv.key);
        self.events.push(Event {
            revision,
            tombstone,
            create_revision: kv.create_revision,
            mod_revision: kv.mod_revision,
            version: kv.version,
            lease: kv.lease,
            value_len,
            value_offset,
            value_inline,
            key_at,
            key_len,
        });
        Ok(())
    }

    /// The history in key order, each key's changes in revision order.
    pub fn finish(self) -> History {
        let HistoryBuilder {
            keys,
            inline,
            mut events,
        } = self;
        let key_of = |e: &Event| &keys[e.key_at as usize..][..e.key_len as usize];
        // Keys share long prefixes ("/registry/…"): past the prefix all of them share,
        // eight bytes read as one number order most pairs without a byte-wise compare.
        let shared = events.first().map_or(0, |first| {
            let first = key_of(first);
            events.iter().fold(first.len(), |n, e| {
                let k = key_of(e);
                n.min(first.iter().zip(k).take_while(|(a, b)| a == b).count())
            })
        });
        let window = |k: &[u8]| {
            let mut w = [0u8; 8];
            let rest = k.get(shared..).unwrap_or_default();
            let n = rest.len().min(8);
            w[..n].copy_from_slice(&rest[..n]);
            u64::from_be_bytes(w)
        };
        events.sort_unstable_by(|a, b| {
            let (ka, kb) = (key_of(a), key_of(b));
            window(ka)
                .cmp(&window(kb))
                .then_with(|| ka.cmp(kb))
                .then(a.revision.cmp(&b.revision))
        });
        let mut starts = Vec::new();
        for (i, e) in events.iter().enumerate() {
            if i == 0 || key_of(&events[i - 1]) != key_of(e) {
                starts.push(i);
            }
        }
        let mut history = History {
            keys,
            inline,
            events,
            starts,
        };
        if history.starts.len() < history.events.len() {
            history.keep_each_key_once();
        }
        history.keys.shrink_to_fit();
        history.inline.shrink_to_fit();
        history.events.shrink_to_fit();
        history.starts.shrink_to_fit();
        history
    }
}

/// Every key's events in revision order, keys sorted.
#[derive(Debug, Default)]
pub struct History {
    /// Key bytes, each key once (in arrival order while building).
    keys: Vec<u8>,
    /// Values of entries in inline buckets.
    inline: Vec<u8>,
    /// Sorted by key, then revision.
    events: Vec<Event>,
    /// Index of each key's first event.
    starts: Vec<usize>,
}

impl History {
    /// The builder stored a key once per change; a key changed many times needs its bytes
    /// only once.
    fn keep_each_key_once(&mut self) {
        let mut keys = Vec::new();
        for k in 0..self.starts.len() {
            let (start, end) = self.bounds(k);
            let first = &self.events[start];
            let at = keys.len() as u64;
            keys.extend_from_slice(&self.keys[first.key_at as usize..][..first.key_len as usize]);
            self.events[start..end]
                .iter_mut()
                .for_each(|e| e.key_at = at);
        }
        self.keys = keys;
    }

    fn bounds(&self, k: usize) -> (usize, usize) {
        let end = self.starts.get(k + 1).copied().unwrap_or(self.events.len());
        (self.starts[k], end)
    }

    pub fn key(&self, e: &Event) -> &[u8] {
        &self.keys[e.key_at as usize..][..e.key_len as usize]
    }

    /// Key number `k` in key order, with its events.
    fn group(&self, k: usize) -> (&[u8], &[Event]) {
        let (start, end) = self.bounds(k);
        (self.key(&self.events[start]), &self.events[start..end])
    }

    /// The first key at or after `from`, as an index for [`History::group`].
    fn first_at(&self, from: &[u8]) -> usize {
        self.starts
            .partition_point(|&s| self.key(&self.events[s]) < from)
    }

    pub fn events(&self, key: &[u8]) -> &[Event] {
        let k = self.first_at(key);
        match k < self.starts.len() {
            true if self.group(k).0 == key => self.group(k).1,
            _ => &[],
        }
    }

    /// (key, events) in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[Event])> {
        (0..self.starts.len()).map(|k| self.group(k))
    }

    /// (key, events) for the keys starting with `prefix`, in key order.
    pub fn with_prefix<'a>(
        &'a self,
        prefix: &'a [u8],
    ) -> impl Iterator<Item = (&'a [u8], &'a [Event])> {
        self.starting_at(prefix)
            .take_while(move |(k, _)| k.starts_with(prefix))
    }

    /// (key, events) for the keys at or after `from`, in key order.
    pub fn starting_at<'a>(&'a self, from: &[u8]) -> impl Iterator<Item = (&'a [u8], &'a [Event])> {
        (self.first_at(from)..self.starts.len()).map(|k| self.group(k))
    }

    /// Keys whose last event is not a deletion.
    pub fn live_keys(&self) -> u64 {
        self.iter()
            .filter(|(_, ev)| History::latest(ev).is_some())
            .count() as u64
    }

    /// The bytes of an inline value; `None` for a value in the file.
    pub fn inline_value(&self, e: &Event) -> Option<&[u8]> {
        match e.value_at() {
            ValueAt::Inline(at) => usize::try_from(at)
                .ok()
                .and_then(|at| self.inline.get(at..at.checked_add(e.value_len as usize)?)),
            ValueAt::File(_) => None,
        }
    }

    /// A key's live state: its last event, unless that deleted it.
    pub fn latest(events: &[Event]) -> Option<&Event> {
        events.last().filter(|e| !e.tombstone)
    }

    /// The state a key had at `revision`: its last event up to it, unless that deleted it.
    pub fn at(events: &[Event], revision: i64) -> Option<&Event> {
        let upto = events.partition_point(|e| e.revision.main <= revision);
        events[..upto].last().filter(|e| !e.tombstone)
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

    fn inline_value<'a>(h: &'a History, e: Option<&Event>) -> Option<&'a [u8]> {
        e.and_then(|e| h.inline_value(e))
    }

    #[test]
    fn replay_honours_tombstones_and_keeps_history() {
        let mut b = HistoryBuilder::default();
        b.add(&rev_key(2, 0, false), &kv_bytes("b", "x", 2), None)
            .unwrap();
        b.add(&rev_key(3, 0, false), &kv_bytes("a", "1", 3), None)
            .unwrap();
        b.add(&rev_key(4, 0, false), &kv_bytes("a", "2", 4), None)
            .unwrap();
        b.add(&rev_key(5, 0, true), &kv_bytes("b", "", 5), None)
            .unwrap();
        let h = b.finish();
        let keys: Vec<&[u8]> = h.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, [&b"a"[..], b"b"]);
        let a = h.events(b"a");
        assert_eq!(a.len(), 2);
        assert_eq!(inline_value(&h, History::latest(a)), Some(&b"2"[..]));
        assert_eq!(History::latest(h.events(b"b")), None);
        assert!(h.events(b"c").is_empty());
        assert!(h.events(b"").is_empty());
        assert_eq!(inline_value(&h, History::at(a, 3)), Some(&b"1"[..]));
        assert_eq!(History::at(a, 1), None);
        let b_events = h.events(b"b");
        assert_eq!(inline_value(&h, History::at(b_events, 4)), Some(&b"x"[..]));
        assert_eq!(History::at(b_events, 5), None);
        let under_a: Vec<&[u8]> = h.with_prefix(b"a").map(|(k, _)| k).collect();
        assert_eq!(under_a, [&b"a"[..]]);
        assert_eq!(h.with_prefix(b"z").count(), 0);
        assert_eq!(h.with_prefix(b"").count(), 2);
        assert_eq!(h.live_keys(), 1);
        // "a" changed twice but its bytes are kept once.
        assert_eq!(h.keys.len(), 2);
    }

    #[test]
    fn values_in_the_file_are_located_not_copied() {
        let mut b = HistoryBuilder::default();
        let buf = kv_bytes("/k", "value", 2);
        b.add(&rev_key(2, 0, false), &buf, Some(4096)).unwrap();
        let h = b.finish();
        let e = &h.events(b"/k")[0];
        assert_eq!(h.inline_value(e), None);
        assert_eq!(e.value_len, 5);
        let ValueAt::File(at) = e.value_at() else {
            panic!("not in the file")
        };
        let start = (at - 4096) as usize;
        assert_eq!(&buf[start..start + 5], b"value");
        assert!(h.inline.is_empty());
    }

    /// The sort's shortcut (eight bytes past the shared prefix as a number) must give
    /// byte order, for keys shorter than the window, zero bytes and long ties too.
    #[test]
    fn keys_come_out_in_byte_order() {
        let keys: [&[u8]; 8] = [
            b"/r/abcdefghij1",
            b"/r/a\0",
            b"/r/b",
            b"/r/",
            b"/r/abcdefghij0",
            b"/r/a",
            b"/r/a\0\0",
            b"/r/\xff",
        ];
        let mut b = HistoryBuilder::default();
        for (i, k) in keys.iter().enumerate() {
            let mut w = Writer::new();
            w.bytes(1, k).varint(4, 1);
            b.add(&rev_key(i as i64 + 2, 0, false), &w.finish(), None)
                .unwrap();
        }
        let h = b.finish();
        let got: Vec<&[u8]> = h.iter().map(|(k, _)| k).collect();
        let mut want = keys.to_vec();
        want.sort();
        assert_eq!(got, want);
    }

    /// A million keys cost this much each besides their bytes: keep it from growing.
    #[test]
    fn a_change_is_a_small_fixed_record() {
        assert!(
            std::mem::size_of::<Event>() <= 80,
            "{}",
            std::mem::size_of::<Event>()
        );
    }

    #[test]
    fn garbage_entries_are_errors() {
        let mut h = HistoryBuilder::default();
        assert!(h.add(&rev_key(2, 0, false), &[0x0a, 0xff], None).is_err());
        assert!(h.add(b"not a revision", &[], None).is_err());
        assert!(h.add(&rev_key(2, 0, false), &[0x10, 0x01], None).is_ok());
    }
}
