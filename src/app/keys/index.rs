//! The full key index behind `/`: every key, keys only, fetched in pages pinned to one
//! revision. Keys are packed into one buffer with an end offset each, so a million
//! keys cost their bytes plus four bytes, not a `Vec` header and an allocation each.

use memchr::memmem;

#[derive(Clone, Debug, Default)]
pub struct KeyIndex {
    data: Vec<u8>,
    /// `ends[i]` is where key i ends in `data`; key i starts at `ends[i - 1]`.
    ends: Vec<u32>,
    pub revision: i64,
    pub done: bool,
    pub loading: bool,
    /// The number of keys in the store when indexing began, for progress.
    pub expected: Option<i64>,
    pub error: Option<String>,
}

impl KeyIndex {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.data[start..self.ends[i] as usize]
    }

    /// Sizes the buffers once the key count is known, so growing them never doubles
    /// the memory of a big index.
    pub fn reserve_for(&mut self, keys: i64, avg_len: usize) {
        let keys = usize::try_from(keys).unwrap_or(0);
        self.ends.reserve(keys.saturating_sub(self.ends.len()));
        let want = keys.saturating_mul(avg_len + avg_len / 8 + 1);
        self.data.reserve(want.saturating_sub(self.data.len()));
    }

    /// Appends a page; returns false when the buffer would pass 4 GiB of key bytes
    /// (the offsets are u32), in which case the index stays partial.
    pub fn push_page(&mut self, keys: &[Vec<u8>]) -> bool {
        for k in keys {
            let Ok(end) = u32::try_from(self.data.len() + k.len()) else {
                return false;
            };
            self.data.extend_from_slice(k);
            self.ends.push(end);
        }
        true
    }

    /// Appends a packed page; false when the index would pass 4 GiB of key bytes.
    pub fn push_batch(&mut self, batch: &crate::etcd::keys::KeyBatch) -> bool {
        let base = self.data.len();
        let Ok(total) = u32::try_from(base + batch.data.len()) else {
            return false;
        };
        self.data.extend_from_slice(&batch.data);
        // Offsets are shifted by what the index held before; `total` bounds them all.
        let base = total - batch.data.len() as u32;
        self.ends.extend(batch.ends.iter().map(|e| base + e));
        true
    }

    pub fn last(&self) -> Option<&[u8]> {
        (!self.is_empty()).then(|| self.get(self.len() - 1))
    }

    pub fn bytes(&self) -> usize {
        self.data.len()
    }

    /// Indices of keys containing `needle`, in key order, at most `limit`. Searching the
    /// packed buffer in one pass and mapping hits back to keys is what keeps a keystroke
    /// over a million keys in the tens of milliseconds.
    pub fn search(&self, needle: &[u8], limit: usize) -> (Vec<usize>, usize) {
        if needle.is_empty() {
            return (Vec::new(), 0);
        }
        let finder = memmem::Finder::new(needle);
        let mut hits = Vec::new();
        let mut total = 0;
        let mut pos = 0;
        // Matches come in increasing order, so the key cursor only moves forward.
        let mut key = 0;
        while let Some(off) = finder.find(&self.data[pos..]) {
            let at = pos + off;
            while key < self.ends.len() && (self.ends[key] as usize) <= at {
                key += 1;
            }
            let Some(&end) = self.ends.get(key) else {
                break;
            };
            // A match running past the key's end spans two keys: not a match.
            if at + needle.len() > end as usize {
                pos = at + 1;
                continue;
            }
            total += 1;
            if hits.len() < limit {
                hits.push(key);
            }
            // One hit per key is enough: skip the rest of it.
            pos = end as usize;
        }
        (hits, total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(keys: &[&str]) -> KeyIndex {
        let mut ix = KeyIndex::default();
        let page: Vec<Vec<u8>> = keys.iter().map(|k| k.as_bytes().to_vec()).collect();
        assert!(ix.push_page(&page));
        ix
    }

    #[test]
    fn packs_and_returns_keys() {
        let ix = index(&["/a", "/bb", "/ccc"]);
        assert_eq!(ix.len(), 3);
        assert_eq!(ix.get(1), b"/bb");
        assert_eq!(ix.last(), Some(&b"/ccc"[..]));
        assert_eq!(ix.bytes(), 9);
    }

    #[test]
    fn packed_batches_append_with_shifted_offsets() {
        let mut ix = index(&["/a"]);
        let batch = crate::etcd::keys::KeyBatch {
            data: b"/bb/ccc".to_vec(),
            ends: vec![3, 7],
        };
        assert!(ix.push_batch(&batch));
        assert_eq!(ix.len(), 3);
        assert_eq!(ix.get(1), b"/bb");
        assert_eq!(ix.get(2), b"/ccc");
    }

    #[test]
    fn search_finds_each_key_once_and_never_across_two_keys() {
        let ix = index(&["/pods/web-1", "/pods/web-2web", "/svc/db", "/xweb"]);
        let (hits, total) = ix.search(b"web", 10);
        assert_eq!(hits, vec![0, 1, 3]);
        assert_eq!(total, 3);
        // "1/po" only exists across the boundary of key 0 and key 1.
        let (hits, _) = ix.search(b"1/po", 10);
        assert!(hits.is_empty());
        let (hits, total) = ix.search(b"/", 2);
        assert_eq!((hits.len(), total), (2, 4));
    }
}
