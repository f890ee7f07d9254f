//! What etcd keeps about itself next to the keys: the `meta` bucket (applied raft index,
//! compaction marks), `members` (one JSON value per member, keyed by its hex ID) and
//! `cluster` (the cluster version). The cluster ID is not among them: etcd keeps it in
//! the WAL, not in the database; [`EtcdMeta::derived_cluster_id`] recomputes it.

use super::mvcc::parse_rev_key;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Member {
    pub id: u64,
    pub name: String,
    pub peer_urls: Vec<String>,
    pub client_urls: Vec<String>,
    pub is_learner: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EtcdMeta {
    /// The raft index the database reflects.
    pub consistent_index: Option<u64>,
    /// Raft term (etcd 3.5 and later store it).
    pub term: Option<u64>,
    /// The last compaction that finished; older revisions are gone.
    pub compacted_revision: Option<i64>,
    /// The last compaction that was started (equal to the finished one unless a
    /// compaction was interrupted).
    pub scheduled_compact_revision: Option<i64>,
    pub cluster_version: Option<String>,
    /// The storage schema version, written by etcd 3.6 and later (`meta/storageVersion`).
    pub storage_version: Option<String>,
    pub members: Vec<Member>,
    /// IDs from `members_removed`.
    pub removed_members: Vec<u64>,
}

impl EtcdMeta {
    /// Takes one entry of the `meta`, `members` or `cluster` bucket; returns why it could
    /// not be understood, if it could not.
    pub fn add(&mut self, bucket: &str, key: &[u8], value: &[u8]) -> Result<(), String> {
        match (bucket, key) {
            ("meta", b"consistent_index") => self.consistent_index = Some(be_u64(value)?),
            ("meta", b"term") => self.term = Some(be_u64(value)?),
            ("meta", b"finishedCompactRev") => self.compacted_revision = Some(rev(value)?),
            ("meta", b"scheduledCompactRev") => self.scheduled_compact_revision = Some(rev(value)?),
            ("cluster", b"clusterVersion") => {
                self.cluster_version = Some(String::from_utf8_lossy(value).into_owned())
            }
            ("meta", b"storageVersion") => {
                // Empty while a freshly upgraded member has not set it yet.
                self.storage_version =
                    Some(String::from_utf8_lossy(value).into_owned()).filter(|v| !v.is_empty())
            }
            ("members", _) => self.members.push(member(key, value)?),
            ("members_removed", _) => self.removed_members.push(hex_id(key)?),
            _ => {}
        }
        Ok(())
    }
}

impl EtcdMeta {
    /// The cluster ID as etcd computed it when the cluster was founded: the first 8 bytes
    /// (big-endian) of the SHA-1 of the sorted member IDs, each 8 bytes big-endian. Only
    /// right while the members are the founding ones, so `None` once one was removed; a
    /// member added later cannot be told apart from a founding one in the file.
    pub fn derived_cluster_id(&self) -> Option<u64> {
        if self.members.is_empty() || !self.removed_members.is_empty() {
            return None;
        }
        let mut ids: Vec<u64> = self.members.iter().map(|m| m.id).collect();
        ids.sort_unstable();
        let bytes: Vec<u8> = ids.iter().flat_map(|id| id.to_be_bytes()).collect();
        let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &bytes);
        let first: [u8; 8] = digest.as_ref().get(..8)?.try_into().ok()?;
        Some(u64::from_be_bytes(first))
    }
}

fn hex_id(key: &[u8]) -> Result<u64, String> {
    std::str::from_utf8(key)
        .ok()
        .and_then(|k| u64::from_str_radix(k, 16).ok())
        .ok_or_else(|| "a member key should be its ID in hex".to_string())
}

fn be_u64(v: &[u8]) -> Result<u64, String> {
    let bytes: [u8; 8] = v
        .try_into()
        .map_err(|_| format!("expected an 8-byte number, found {} bytes", v.len()))?;
    Ok(u64::from_be_bytes(bytes))
}

fn rev(v: &[u8]) -> Result<i64, String> {
    parse_rev_key(v)
        .map(|(r, _)| r.main)
        .ok_or_else(|| "expected a revision (17 bytes)".to_string())
}

fn member(key: &[u8], value: &[u8]) -> Result<Member, String> {
    let id = hex_id(key)?;
    let json: serde_json::Value =
        serde_json::from_slice(value).map_err(|e| format!("member {id:x}: not JSON: {e}"))?;
    let strings = |field: &str| -> Vec<String> {
        json.get(field)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(Member {
        id,
        name: json
            .get("name")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string(),
        peer_urls: strings("peerURLs"),
        client_urls: strings("clientURLs"),
        is_learner: json
            .get("isLearner")
            .and_then(|v| v.as_bool())
            .unwrap_or(false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_meta_members_and_cluster_version() {
        let mut m = EtcdMeta::default();
        m.add("meta", b"consistent_index", &9u64.to_be_bytes())
            .unwrap();
        let mut compact = 5i64.to_be_bytes().to_vec();
        compact.push(b'_');
        compact.extend(0i64.to_be_bytes());
        m.add("meta", b"finishedCompactRev", &compact).unwrap();
        m.add("cluster", b"clusterVersion", b"3.4.0").unwrap();
        let json =
            br#"{"id":10276657743932975437,"peerURLs":["http://localhost:2380"],"name":"default"}"#;
        m.add("members", b"8e9e05c52164694d", json).unwrap();
        assert_eq!(m.consistent_index, Some(9));
        assert_eq!(m.compacted_revision, Some(5));
        assert_eq!(m.cluster_version.as_deref(), Some("3.4.0"));
        assert_eq!(m.members[0].id, 0x8e9e05c52164694d);
        assert_eq!(m.members[0].name, "default");
        // What etcd reported as this one-member cluster's ID.
        assert_eq!(m.derived_cluster_id(), Some(14841639068965178418));
        m.add("members_removed", b"1234", b"removed").unwrap();
        assert_eq!(m.derived_cluster_id(), None);
        assert!(m.add("meta", b"term", b"short").is_err());
        assert!(m.add("members", b"zz", b"{}").is_err());
    }
}
