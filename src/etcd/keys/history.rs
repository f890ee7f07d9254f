//! Earlier versions of a key, and the compacted revision that ends the walk back.

use super::*;

/// Earlier versions of a key, newest first, walking back by `mod_revision - 1`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct History {
    pub entries: Vec<KeyValue>,
    pub end: HistoryEnd,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HistoryEnd {
    /// Reached the version that created the key.
    Created,
    /// Older revisions were compacted away at this revision.
    Compacted { revision: i64 },
    /// Stopped at the page size; `before` is where to continue.
    More { before: i64 },
}

pub async fn history(
    c: &EndpointClient,
    key: &[u8],
    before: i64,
    limit: usize,
) -> Result<History, EtcdError> {
    let mut entries = Vec::new();
    let mut at = before;
    while at > 0 {
        if entries.len() >= limit {
            return Ok(History {
                entries,
                end: HistoryEnd::More { before: at },
            });
        }
        match get_at(c, key, at).await {
            Ok((Some(kv), _)) => {
                at = kv.mod_revision - 1;
                let created = kv.version == 1;
                entries.push(kv);
                if created {
                    break;
                }
            }
            // Deleted at that revision: the key was re-created later.
            Ok((None, _)) => break,
            Err(e) if e.problem == Problem::Compacted => {
                let revision = compacted_revision(c).await.unwrap_or(0);
                return Ok(History {
                    entries,
                    end: HistoryEnd::Compacted { revision },
                });
            }
            Err(e) => return Err(e),
        }
    }
    Ok(History {
        entries,
        end: HistoryEnd::Created,
    })
}

/// etcd's range error does not say which revision was compacted; a watch from revision
/// 1 is cancelled with exactly that number, which is how etcdctl finds it too.
pub async fn compacted_revision(c: &EndpointClient) -> Result<i64, EtcdError> {
    let opts = etcd_client::WatchOptions::new().with_start_revision(1);
    c.call(|mut cl| async move {
        let mut stream = cl.watch("\0", Some(opts)).await?;
        let mut found = 0;
        while let Some(resp) = stream.message().await? {
            if resp.compact_revision() > 0 || resp.canceled() {
                found = resp.compact_revision();
                break;
            }
        }
        Ok(found)
    })
    .await
}
