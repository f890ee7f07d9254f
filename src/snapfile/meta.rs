//! bbolt's two meta pages (0 and 1). Every commit rewrites one of them, alternating, so the
//! one with the higher transaction id that passes its checksum describes the database;
//! the other is the previous commit, kept for exactly the case of a torn write.

use super::checksum::fnv64a;
use super::error::SnapError;

pub const MAGIC: u32 = 0xED0C_DAED;
pub const VERSION: u32 = 2;
/// bbolt writes this as the freelist page id when the freelist is not persisted (etcd
/// opens bbolt with NoFreelistSync): the free pages are then whatever is unreachable.
pub const NO_FREELIST: u64 = u64::MAX;

/// Page header (16 bytes) then the meta; the checksum covers the meta up to itself.
const META_OFFSET: usize = 16;
const CHECKSUM_AT: usize = META_OFFSET + 56;
pub const META_END: usize = CHECKSUM_AT + 8;

pub const MIN_PAGE_SIZE: u32 = 512;
pub const MAX_PAGE_SIZE: u32 = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    pub page_size: u32,
    pub root: u64,
    pub freelist: u64,
    /// High-water mark: pages `0..page_count` are in use or free; the rest of the file is
    /// slack that bbolt grew but never wrote.
    pub page_count: u64,
    pub txid: u64,
}

/// Why one meta page cannot be used, in order of how far it got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaFault {
    Short,
    Magic,
    Version(u32),
    Checksum,
    PageSize(u32),
}

impl MetaFault {
    fn describe(self, which: u64) -> String {
        match self {
            MetaFault::Short => format!("meta page {which} is missing (file too short)"),
            MetaFault::Magic => format!("meta page {which} has no bbolt magic"),
            MetaFault::Version(v) => format!("meta page {which} has format version {v}"),
            MetaFault::Checksum => format!("meta page {which} fails its checksum"),
            MetaFault::PageSize(s) => {
                format!("meta page {which} gives an impossible page size {s}")
            }
        }
    }
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(s.try_into().ok()?))
}

pub fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes(s.try_into().ok()?))
}

/// Parses and validates the meta at the start of `page`.
pub fn parse(page: &[u8]) -> Result<Meta, MetaFault> {
    let field = |at| u64_at(page, META_OFFSET + at).ok_or(MetaFault::Short);
    let magic = u32_at(page, META_OFFSET).ok_or(MetaFault::Short)?;
    if magic != MAGIC {
        return Err(MetaFault::Magic);
    }
    let version = u32_at(page, META_OFFSET + 4).ok_or(MetaFault::Short)?;
    if version != VERSION {
        return Err(MetaFault::Version(version));
    }
    let covered = page.get(META_OFFSET..CHECKSUM_AT).ok_or(MetaFault::Short)?;
    if u64_at(page, CHECKSUM_AT) != Some(fnv64a(covered)) {
        return Err(MetaFault::Checksum);
    }
    let page_size = u32_at(page, META_OFFSET + 8).ok_or(MetaFault::Short)?;
    if !(MIN_PAGE_SIZE..=MAX_PAGE_SIZE).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(MetaFault::PageSize(page_size));
    }
    Ok(Meta {
        page_size,
        root: field(16)?,
        freelist: field(32)?,
        page_count: field(40)?,
        txid: field(48)?,
    })
}

/// Picks the meta to use from meta page 0 and the candidates for meta page 1 (which sits
/// one page size in; when meta 0 is damaged the page size is unknown, so the caller offers
/// page 1 at every possible size). A meta 1 only counts where its own page size matches
/// the offset it was found at.
pub fn choose(
    meta0: Result<Meta, MetaFault>,
    meta1: &[(u32, Result<Meta, MetaFault>)],
) -> Result<Meta, SnapError> {
    let good1 = meta1.iter().find_map(|(offset, m)| match m {
        Ok(m) if m.page_size == *offset => Some(*m),
        _ => None,
    });
    match (meta0, good1) {
        (Ok(a), Some(b)) if a.page_size == b.page_size => Ok(if b.txid > a.txid { b } else { a }),
        (Ok(a), _) => Ok(a),
        (Err(_), Some(b)) => Ok(b),
        (Err(fault0), None) => Err(no_meta(fault0, meta1)),
    }
}

fn no_meta(fault0: MetaFault, meta1: &[(u32, Result<Meta, MetaFault>)]) -> SnapError {
    // Meta 1's most telling fault: the one found at a plausible offset that got furthest.
    let fault1 = meta1
        .iter()
        .filter_map(|(_, m)| m.err())
        .min_by_key(|f| match f {
            MetaFault::Short | MetaFault::Magic => 2,
            _ => 1,
        })
        .unwrap_or(MetaFault::Short);
    let no_magic = |f: MetaFault| matches!(f, MetaFault::Magic | MetaFault::Short);
    match (fault0, fault1) {
        (MetaFault::Version(v), _) | (_, MetaFault::Version(v)) => {
            SnapError::UnsupportedVersion { version: v }
        }
        (f0, f1) if no_magic(f0) && no_magic(f1) => SnapError::NotBbolt,
        (f0, f1) => SnapError::NoValidMeta {
            detail: format!("{}; {}", f0.describe(0), f1.describe(1)),
        },
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A valid meta page of `page_size` bytes, for tests that build databases by hand.
    pub fn meta_page(pgid: u64, page_size: u32, root: u64, page_count: u64, txid: u64) -> Vec<u8> {
        meta_page_with_freelist(pgid, page_size, root, NO_FREELIST, page_count, txid)
    }

    pub fn meta_page_with_freelist(
        pgid: u64,
        page_size: u32,
        root: u64,
        freelist: u64,
        page_count: u64,
        txid: u64,
    ) -> Vec<u8> {
        let mut p = vec![0u8; page_size as usize];
        p[0..8].copy_from_slice(&pgid.to_le_bytes());
        p[8..10].copy_from_slice(&0x04u16.to_le_bytes());
        let m = META_OFFSET;
        p[m..m + 4].copy_from_slice(&MAGIC.to_le_bytes());
        p[m + 4..m + 8].copy_from_slice(&VERSION.to_le_bytes());
        p[m + 8..m + 12].copy_from_slice(&page_size.to_le_bytes());
        p[m + 16..m + 24].copy_from_slice(&root.to_le_bytes());
        p[m + 32..m + 40].copy_from_slice(&freelist.to_le_bytes());
        p[m + 40..m + 48].copy_from_slice(&page_count.to_le_bytes());
        p[m + 48..m + 56].copy_from_slice(&txid.to_le_bytes());
        let sum = fnv64a(&p[m..CHECKSUM_AT]);
        p[CHECKSUM_AT..META_END].copy_from_slice(&sum.to_le_bytes());
        p
    }

    #[test]
    fn the_newer_valid_meta_wins_and_a_damaged_one_is_skipped() {
        let a = parse(&meta_page(0, 4096, 3, 4, 7));
        let b = parse(&meta_page(1, 4096, 2, 4, 8));
        assert_eq!(choose(a, &[(4096, b)]).map(|m| m.txid), Ok(8));
        let mut broken = meta_page(1, 4096, 2, 4, 8);
        broken[40] ^= 1;
        assert_eq!(parse(&broken), Err(MetaFault::Checksum));
        assert_eq!(choose(a, &[(4096, parse(&broken))]).map(|m| m.txid), Ok(7));
    }

    #[test]
    fn faults_become_errors_a_person_understands() {
        let none = choose(Err(MetaFault::Magic), &[(4096, Err(MetaFault::Magic))]);
        assert_eq!(none, Err(SnapError::NotBbolt));
        let both = choose(Err(MetaFault::Checksum), &[(4096, Err(MetaFault::Magic))]);
        assert!(
            both.unwrap_err()
                .to_string()
                .contains("meta page 0 fails its checksum")
        );
    }
}
