//! etcd 3.7's `RangeStream`: one range read in chunks that etcd sizes itself (10 keys
//! first, doubling towards `--max-request-bytes`), each chunk a limited range *without*
//! the total count. A limited `Range` counts every key in its span before it answers
//! (on 1,000,000 keys ~170 ms per request, whatever the limit), so a scan in pages of
//! `[from, end)` costs time in proportion to what is left on every page; a stream
//! unlimited in size never counts. Dropping the stream cancels it on the server, so
//! reading only its first chunks costs only those chunks.
//!
//! Members before 3.7 answer `Unimplemented`; callers then fall back to `Range`.

use std::collections::HashSet;
use std::ops::ControlFlow;
use std::sync::Mutex;

use etcd_client::GetOptions;

use super::connect::EndpointClient;
use super::errors::EtcdError;
use super::keys::MAX_MESSAGE;

/// Endpoints that answered `Unimplemented`: asking each of them once is enough. A member
/// upgraded to 3.7 within the session keeps the fallback, which is still correct.
static WITHOUT_STREAM: Mutex<Option<HashSet<String>>> = Mutex::new(None);

fn known_without(endpoint: &str) -> bool {
    WITHOUT_STREAM
        .lock()
        .map(|s| s.as_ref().is_some_and(|s| s.contains(endpoint)))
        .unwrap_or(false)
}

fn remember_without(endpoint: &str) {
    if let Ok(mut s) = WITHOUT_STREAM.lock() {
        s.get_or_insert_with(HashSet::new)
            .insert(endpoint.to_string());
    }
}

fn is_unimplemented(e: &etcd_client::Error) -> bool {
    matches!(e, etcd_client::Error::GRpcStatus(s) if s.code() == tonic::Code::Unimplemented)
}

/// How a stream ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Streamed {
    /// Every key of the range was delivered. `revision` is the store's revision when
    /// etcd began the stream (the final chunk's header, as a `Range` header says it),
    /// not the one a pinned read was made at.
    Complete { revision: i64 },
    /// The caller stopped early; the rest was not read.
    Stopped,
}

/// One chunk of an open stream, or its end.
#[derive(Debug)]
pub enum Chunk {
    Kvs(etcd_client::GetResponse),
    /// The final chunk came (its keys, if any, were handed out as `Kvs` first).
    Complete {
        revision: i64,
    },
}

/// An open `RangeStream`, read chunk by chunk at the caller's pace: not reading applies
/// backpressure (gRPC flow control), so a caller may pause between chunks. Dropping it
/// cancels the stream on the server.
pub struct RangeReader {
    stream: etcd_client::GetStreamResponse,
    endpoint: String,
    timeout: std::time::Duration,
    revision: i64,
    first: bool,
    /// The final chunk's keys were handed out; the next call says `Complete`.
    ended: Option<i64>,
}

impl RangeReader {
    /// Opens `[from, end)` (an `end` of `[0]` is "to the end of the key space") at
    /// `revision` (0: the current one). `Ok(None)`: this member has no `RangeStream`.
    pub async fn open(
        c: &EndpointClient,
        from: Vec<u8>,
        end: Vec<u8>,
        revision: i64,
        keys_only: bool,
    ) -> Result<Option<RangeReader>, EtcdError> {
        if known_without(&c.endpoint) {
            return Ok(None);
        }
        let mut opts = GetOptions::new().with_range(end);
        if keys_only {
            opts = opts.with_keys_only();
        }
        if revision > 0 {
            opts = opts.with_revision(revision);
        }
        let client = c.client.clone();
        let opened = tokio::time::timeout(c.command_timeout, async move {
            client
                .kv_client()
                .max_decoding_message_size(MAX_MESSAGE)
                .get_stream(from, Some(opts))
                .await
        })
        .await;
        let stream = match opened {
            Ok(Ok(s)) => s,
            Ok(Err(e)) if is_unimplemented(&e) => {
                remember_without(&c.endpoint);
                return Ok(None);
            }
            Ok(Err(e)) => return Err(EtcdError::from_client(&c.endpoint, &e)),
            Err(_) => return Err(EtcdError::timeout(&c.endpoint, c.command_timeout)),
        };
        Ok(Some(RangeReader {
            stream,
            endpoint: c.endpoint.clone(),
            timeout: c.command_timeout,
            revision,
            first: true,
            ended: None,
        }))
    }

    /// The final chunk has been handed out: the next call says `Complete`.
    pub fn ended(&self) -> bool {
        self.ended.is_some()
    }

    /// The next chunk. Every chunk must arrive within the command timeout: a frozen
    /// member never hangs us. `Ok(None)` only for a member that says it has no
    /// `RangeStream` with its first message.
    pub async fn next(&mut self) -> Result<Option<Chunk>, EtcdError> {
        if let Some(revision) = self.ended {
            return Ok(Some(Chunk::Complete { revision }));
        }
        let next = match tokio::time::timeout(self.timeout, self.stream.message()).await {
            Ok(r) => r,
            Err(_) => return Err(EtcdError::timeout(&self.endpoint, self.timeout)),
        };
        let chunk = match next {
            // A server without the method may only say so with the first message.
            Err(e) if self.first && is_unimplemented(&e) => {
                remember_without(&self.endpoint);
                return Ok(None);
            }
            Err(e) => return Err(EtcdError::from_client(&self.endpoint, &e)),
            Ok(None) => {
                return Ok(Some(Chunk::Complete {
                    revision: self.revision,
                }));
            }
            Ok(Some(chunk)) => chunk,
        };
        self.first = false;
        if let Some(h) = chunk.header()
            && h.revision() > 0
        {
            // Only the final chunk carries a header.
            self.ended = Some(h.revision());
        }
        Ok(Some(Chunk::Kvs(chunk)))
    }
}

/// Streams `[from, end)` (an `end` of `[0]` is "to the end of the key space") at
/// `revision` (0: the current one), handing each chunk's key-values to `each`, which
/// may stop the read. `Ok(None)`: this member has no `RangeStream` (before 3.7).
/// Every chunk must arrive within the command timeout: a frozen member never hangs us.
pub async fn stream_range(
    c: &EndpointClient,
    from: Vec<u8>,
    end: Vec<u8>,
    revision: i64,
    keys_only: bool,
    mut each: impl FnMut(&[etcd_client::KeyValue]) -> ControlFlow<()>,
) -> Result<Option<Streamed>, EtcdError> {
    let Some(mut reader) = RangeReader::open(c, from, end, revision, keys_only).await? else {
        return Ok(None);
    };
    loop {
        match reader.next().await? {
            None => return Ok(None),
            Some(Chunk::Complete { revision }) => return Ok(Some(Streamed::Complete { revision })),
            Some(Chunk::Kvs(chunk)) => {
                if each(chunk.kvs()).is_break() {
                    return Ok(Some(Streamed::Stopped));
                }
            }
        }
    }
}
