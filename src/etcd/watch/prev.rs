//! The previous value of a watched event, read on demand: a Range of the key at the
//! event's revision − 1. The Watch view asks for this instead of opening its watch with
//! prev_kv, which costs etcd most of its write ceiling for every event whether anyone
//! looks at the diff or not.

use crate::etcd::connect::EndpointClient;
use crate::etcd::errors::{EtcdError, Problem};
use crate::etcd::keys::{compacted_revision, get_at};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrevValue {
    /// The key's value just before the event.
    Value(Vec<u8>),
    /// The key did not exist before the event: the put created it.
    Absent,
    /// Revision − 1 was compacted away; etcd keeps history from `revision` on.
    Compacted { revision: i64 },
}

/// The value of `key` at `event_revision - 1`.
pub async fn read(
    c: &EndpointClient,
    key: &[u8],
    event_revision: i64,
) -> Result<PrevValue, EtcdError> {
    let at = event_revision - 1;
    if at < 1 {
        return Ok(PrevValue::Absent);
    }
    match get_at(c, key, at).await {
        Ok((Some(kv), _)) => Ok(PrevValue::Value(kv.value)),
        Ok((None, _)) => Ok(PrevValue::Absent),
        Err(e) if e.problem == Problem::Compacted => {
            let revision = compacted_revision(c).await.unwrap_or(0);
            Ok(PrevValue::Compacted { revision })
        }
        Err(e) => Err(e),
    }
}
