//! One bbolt page's contents: a 16-byte header, then fixed-size elements whose keys and
//! values sit further into the page at offsets relative to each element. Parsing checks
//! every offset against the buffer, so a damaged page is an error, never a panic.

use super::meta::u64_at;

pub const HEADER_LEN: usize = 16;
const ELEMENT_LEN: usize = 16;

pub const BRANCH: u16 = 0x01;
pub const LEAF: u16 = 0x02;
pub const META: u16 = 0x04;
pub const FREELIST: u16 = 0x10;

/// A leaf element with this flag holds a nested bucket's header as its value.
const BUCKET_LEAF: u32 = 0x01;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageHeader {
    pub id: u64,
    pub flags: u16,
    pub count: u16,
    pub overflow: u32,
}

impl PageHeader {
    pub fn parse(buf: &[u8]) -> Result<PageHeader, String> {
        let head = buf
            .get(..HEADER_LEN)
            .ok_or_else(|| format!("only {} bytes, too short for a page header", buf.len()))?;
        let u16_at = |at: usize| u16::from_le_bytes([head[at], head[at + 1]]);
        Ok(PageHeader {
            id: u64_at(head, 0).unwrap_or_default(),
            flags: u16_at(8),
            count: u16_at(10),
            overflow: u32_at(head, 12),
        })
    }
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map(u32::from_le_bytes)
        .unwrap_or_default()
}

pub fn kind_name(flags: u16) -> String {
    match flags {
        BRANCH => "a branch page".into(),
        LEAF => "a leaf page".into(),
        META => "a meta page".into(),
        FREELIST => "a freelist page".into(),
        other => format!("a page of unknown kind (flags 0x{other:02x})"),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeafEntry<'a> {
    pub is_bucket: bool,
    pub key: &'a [u8],
    pub value: &'a [u8],
    /// Where `value` starts in the page, overflow included.
    pub value_pos: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node<'a> {
    /// Child page ids, in key order.
    Branch(Vec<u64>),
    Leaf(Vec<LeafEntry<'a>>),
}

/// Parses a branch or leaf page held whole (with overflow) in `buf`.
pub fn parse(buf: &[u8]) -> Result<(PageHeader, Node<'_>), String> {
    let header = PageHeader::parse(buf)?;
    let count = usize::from(header.count);
    let table_end = HEADER_LEN + count * ELEMENT_LEN;
    if table_end > buf.len() {
        return Err(format!(
            "its {count} elements do not fit in the page ({} bytes)",
            buf.len()
        ));
    }
    let node = match header.flags {
        BRANCH => Node::Branch(branch(buf, count)?),
        LEAF => Node::Leaf(leaf(buf, count)?),
        other => {
            return Err(format!(
                "expected a branch or leaf page, found {}",
                kind_name(other)
            ));
        }
    };
    Ok((header, node))
}

fn branch(buf: &[u8], count: usize) -> Result<Vec<u64>, String> {
    if count == 0 {
        return Err("a branch page with no elements".into());
    }
    let mut children = Vec::with_capacity(count);
    for i in 0..count {
        let at = HEADER_LEN + i * ELEMENT_LEN;
        let pgid = u64_at(buf, at + 8).unwrap_or_default();
        children.push(pgid);
    }
    Ok(children)
}

fn leaf(buf: &[u8], count: usize) -> Result<Vec<LeafEntry<'_>>, String> {
    let mut entries = Vec::with_capacity(count);
    for i in 0..count {
        let at = HEADER_LEN + i * ELEMENT_LEN;
        let flags = u32_at(buf, at);
        let pos = u32_at(buf, at + 4) as usize;
        let ksize = u32_at(buf, at + 8) as usize;
        let vsize = u32_at(buf, at + 12) as usize;
        let past_end = || format!("leaf element {i} points past the end of the page");
        let key_start = at.checked_add(pos).ok_or_else(past_end)?;
        let key_end = key_start.checked_add(ksize).ok_or_else(past_end)?;
        let value_end = key_end.checked_add(vsize).ok_or_else(past_end)?;
        let (Some(key), Some(value)) = (buf.get(key_start..key_end), buf.get(key_end..value_end))
        else {
            return Err(past_end());
        };
        entries.push(LeafEntry {
            is_bucket: flags & BUCKET_LEAF != 0,
            key,
            value,
            value_pos: key_end,
        });
    }
    Ok(entries)
}

/// Page ids listed on a freelist page. A count of 0xFFFF means the real count is too big
/// for the header and sits in the first 8 bytes after it.
pub fn freelist_ids(buf: &[u8]) -> Result<Vec<u64>, String> {
    let header = PageHeader::parse(buf)?;
    if header.flags != FREELIST {
        return Err(format!(
            "expected a freelist page, found {}",
            kind_name(header.flags)
        ));
    }
    let (count, start) = if header.count == 0xFFFF {
        let n = u64_at(buf, HEADER_LEN).ok_or("freelist count missing")?;
        (n, HEADER_LEN + 8)
    } else {
        (u64::from(header.count), HEADER_LEN)
    };
    let room = (buf.len().saturating_sub(start) / 8) as u64;
    if count > room {
        return Err(format!(
            "the freelist claims {count} page ids but the page holds at most {room}"
        ));
    }
    Ok((0..count as usize)
        .filter_map(|i| u64_at(buf, start + i * 8))
        .collect())
}

/// Builders for hand-made pages in tests.
#[cfg(test)]
pub mod build {
    use super::*;

    /// A leaf page of `size` bytes (at least enough for the entries): (flags, key, value).
    pub fn leaf_page(pgid: u64, size: usize, entries: &[(u32, &[u8], &[u8])]) -> Vec<u8> {
        let mut p = vec![0u8; HEADER_LEN + entries.len() * ELEMENT_LEN];
        p[0..8].copy_from_slice(&pgid.to_le_bytes());
        p[8..10].copy_from_slice(&LEAF.to_le_bytes());
        p[10..12].copy_from_slice(&(entries.len() as u16).to_le_bytes());
        for (i, (flags, k, v)) in entries.iter().enumerate() {
            let at = HEADER_LEN + i * ELEMENT_LEN;
            let pos = (p.len() - at) as u32;
            p[at..at + 4].copy_from_slice(&flags.to_le_bytes());
            p[at + 4..at + 8].copy_from_slice(&pos.to_le_bytes());
            p[at + 8..at + 12].copy_from_slice(&(k.len() as u32).to_le_bytes());
            p[at + 12..at + 16].copy_from_slice(&(v.len() as u32).to_le_bytes());
            p.extend_from_slice(k);
            p.extend_from_slice(v);
        }
        if p.len() < size {
            p.resize(size, 0);
        }
        p
    }

    /// A bucket header for a bucket whose root is page `root`, or inline (`root` 0) with
    /// `inline` as its page.
    pub fn bucket_value(root: u64, inline: &[u8]) -> Vec<u8> {
        let mut v = root.to_le_bytes().to_vec();
        v.extend_from_slice(&0u64.to_le_bytes());
        v.extend_from_slice(inline);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::build::*;
    use super::*;

    #[test]
    fn reads_leaf_entries_and_bucket_flags() {
        let page = leaf_page(3, 256, &[(0, b"a", b"1"), (1, b"b", b"xyz")]);
        let (h, node) = parse(&page).unwrap();
        assert_eq!(h.id, 3);
        let Node::Leaf(e) = node else {
            panic!("not a leaf")
        };
        assert_eq!(
            (e[0].key, e[0].value, e[0].is_bucket),
            (&b"a"[..], &b"1"[..], false)
        );
        assert_eq!(
            (e[1].key, e[1].value, e[1].is_bucket),
            (&b"b"[..], &b"xyz"[..], true)
        );
    }

    #[test]
    fn an_element_pointing_outside_the_page_is_an_error() {
        let mut page = leaf_page(3, 64, &[(0, b"a", b"1")]);
        page[HEADER_LEN + 12..HEADER_LEN + 16].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(
            parse(&page).unwrap_err(),
            "leaf element 0 points past the end of the page"
        );
        page[10] = 200;
        assert!(parse(&page).unwrap_err().contains("do not fit"));
    }

    #[test]
    fn freelist_with_a_huge_count_is_refused() {
        let mut page = vec![0u8; 64];
        page[8..10].copy_from_slice(&FREELIST.to_le_bytes());
        page[10..12].copy_from_slice(&0xFFFFu16.to_le_bytes());
        page[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(freelist_ids(&page).unwrap_err().contains("claims"));
        page[16..24].copy_from_slice(&2u64.to_le_bytes());
        page[24] = 9;
        page[32] = 10;
        assert_eq!(freelist_ids(&page), Ok(vec![9, 10]));
    }
}
