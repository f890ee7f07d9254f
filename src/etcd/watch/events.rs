//! Watch events as plain data, and the revision bookkeeping that keeps a resumed watch
//! from repeating itself. Pure: tested without etcd.

use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Put,
    Delete,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatchEvent {
    pub kind: EventKind,
    pub key: Vec<u8>,
    /// Empty for a delete.
    pub value: Vec<u8>,
    /// Only when the watch asked for previous values and the key existed before.
    pub prev_value: Option<Vec<u8>>,
    pub mod_revision: i64,
    /// 0 for a delete.
    pub create_revision: i64,
    /// 0 for a delete; 1 when the put created the key.
    pub version: i64,
    pub lease: i64,
}

/// Converts etcd's events. The kind comes from the key's version, not from
/// `Event::event_type`, which panics on a type number it does not know: a put always
/// leaves version >= 1, and a delete's key-value is a tombstone with version 0.
pub fn convert(events: &[etcd_client::Event]) -> Vec<WatchEvent> {
    events
        .iter()
        .filter_map(|ev| {
            // An event without a key-value has nothing to show.
            let kv = ev.kv()?;
            let kind = if kv.version() == 0 {
                EventKind::Delete
            } else {
                EventKind::Put
            };
            Some(WatchEvent {
                kind,
                key: kv.key().to_vec(),
                value: kv.value().to_vec(),
                prev_value: ev.prev_kv().map(|p| p.value().to_vec()),
                mod_revision: kv.mod_revision(),
                create_revision: kv.create_revision(),
                version: kv.version(),
                lease: kv.lease(),
            })
        })
        .collect()
}

/// Keeps only the events at or after `next` (the revision after the last one
/// delivered). A resumed watch may replay what the old member had already sent; all
/// events of one revision come in one response, so a revision is kept or dropped whole.
pub fn fresh(mut events: Vec<WatchEvent>, next: i64) -> Vec<WatchEvent> {
    events.retain(|e| e.mod_revision >= next);
    events
}

/// The revision to resume from after delivering `events`.
pub fn next_after(events: &[WatchEvent], next: i64) -> i64 {
    events
        .iter()
        .map(|e| e.mod_revision + 1)
        .fold(next, i64::max)
}

/// 0.5 s, doubling per failed attempt, at most 5 s: quick to move on from one dead
/// member, gentle on a cluster that is down altogether.
pub fn backoff(attempt: u32) -> Duration {
    let doublings = attempt.saturating_sub(1).min(4);
    Duration::from_millis(500 << doublings).min(Duration::from_secs(5))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(key: &str, rev: i64) -> WatchEvent {
        WatchEvent {
            kind: EventKind::Put,
            key: key.as_bytes().to_vec(),
            value: Vec::new(),
            prev_value: None,
            mod_revision: rev,
            create_revision: rev,
            version: 1,
            lease: 0,
        }
    }

    #[test]
    fn a_replayed_response_is_dropped_and_a_new_one_kept_whole() {
        let replayed = vec![ev("a", 7), ev("b", 7)];
        assert!(fresh(replayed, 8).is_empty());
        let overlapping = vec![ev("a", 7), ev("b", 8), ev("c", 8), ev("d", 9)];
        let kept = fresh(overlapping, 8);
        let keys: Vec<&[u8]> = kept.iter().map(|e| e.key.as_slice()).collect();
        assert_eq!(keys, [b"b", b"c", b"d"]);
        assert_eq!(next_after(&kept, 8), 10);
    }

    #[test]
    fn nothing_delivered_keeps_the_resume_point() {
        assert_eq!(next_after(&[], 42), 42);
    }

    #[test]
    fn backoff_doubles_from_half_a_second_to_five() {
        let secs: Vec<f64> = (1..=7).map(|a| backoff(a).as_secs_f64()).collect();
        assert_eq!(secs, [0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 5.0]);
        assert_eq!(backoff(0), Duration::from_millis(500));
        assert_eq!(backoff(u32::MAX), Duration::from_secs(5));
    }
}
