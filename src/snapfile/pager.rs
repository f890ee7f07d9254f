//! Positioned reads of whole pages, bounds-checked against the file and the database's
//! high-water mark, so that no offset read from the file can make us read or allocate
//! more than the file holds.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use super::error::SnapError;
use super::meta::{self, MAX_PAGE_SIZE, META_END, MIN_PAGE_SIZE, Meta};
use super::node::PageHeader;

/// Size and modification time of the file when it was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
}

/// Bytes `etcdctl snapshot save` appends: a SHA-256 of everything before them.
pub const TRAILER_LEN: u64 = 32;

pub struct Pager {
    file: File,
    pub file_len: u64,
    /// The file length without the SHA-256 trailer, when there is one.
    pub data_len: u64,
    pub meta: Meta,
    /// The file as it was when opened, to notice it changing before a value is read.
    opened: FileStamp,
}

impl Pager {
    pub fn open(path: &Path) -> Result<Pager, SnapError> {
        let shown = path.display();
        if path.is_dir() {
            return Err(not_a_file(path));
        }
        let file =
            File::open(path).map_err(|e| SnapError::io(format!("cannot open {shown}"), &e))?;
        let metadata = file
            .metadata()
            .map_err(|e| SnapError::io(format!("cannot read the size of {shown}"), &e))?;
        let file_len = metadata.len();
        let opened = FileStamp {
            len: file_len,
            modified: metadata.modified().ok(),
        };
        if file_len == 0 {
            return Err(SnapError::Empty);
        }
        if file_len < META_END as u64 {
            return Err(SnapError::TooSmall { len: file_len });
        }
        let data_len = if has_trailer(file_len) {
            file_len - TRAILER_LEN
        } else {
            file_len
        };
        let meta = read_meta(&file, file_len)?;
        Ok(Pager {
            file,
            file_len,
            data_len,
            meta,
            opened,
        })
    }

    fn stamp(&self) -> Result<FileStamp, SnapError> {
        let m = self
            .file
            .metadata()
            .map_err(|e| SnapError::io("cannot check the snapshot file", &e))?;
        Ok(FileStamp {
            len: m.len(),
            modified: m.modified().ok(),
        })
    }

    /// Reads a value located while the file was scanned. The file is checked against
    /// what it was when opened: a value read from a file rewritten since would be
    /// another's.
    pub fn read_value(&self, at: u64, len: u32) -> Result<Vec<u8>, SnapError> {
        let (opened, now) = (&self.opened, self.stamp()?);
        if now.len != opened.len {
            let detail = format!("it was {} bytes, it is {} now", opened.len, now.len);
            return Err(SnapError::Changed { detail });
        }
        if now.modified != opened.modified {
            let detail = "it was modified since".to_string();
            return Err(SnapError::Changed { detail });
        }
        if at.saturating_add(u64::from(len)) > self.data_len {
            let detail = format!("a value at offset {at} runs past the end of the data");
            return Err(SnapError::Changed { detail });
        }
        let len = usize::try_from(len).map_err(|_| SnapError::Changed {
            detail: format!("a value of {len} bytes cannot be held"),
        })?;
        self.read_at(at, len)
    }

    pub fn page_size(&self) -> u64 {
        u64::from(self.meta.page_size)
    }

    /// Reads `len` bytes at `offset`, which the caller has checked lie inside the data.
    pub fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>, SnapError> {
        let mut buf = vec![0u8; len];
        self.file.read_exact_at(&mut buf, offset).map_err(|e| {
            SnapError::io(format!("cannot read {len} bytes at offset {offset}"), &e)
        })?;
        Ok(buf)
    }

    /// Reads page `pgid` with its overflow pages, after checking that all of them lie
    /// below the high-water mark and inside the file.
    pub fn read_page(&self, pgid: u64) -> Result<Vec<u8>, SnapError> {
        if pgid < 2 || pgid >= self.meta.page_count {
            let has = match self.meta.page_count {
                0..=2 => "no pages besides its two meta pages".to_string(),
                n => format!("only pages 2 to {} besides its meta pages", n - 1),
            };
            return Err(SnapError::page(
                pgid,
                format!("referenced, but the database has {has}"),
            ));
        }
        // The page count comes from the file and may be absurd: check, do not multiply blindly.
        let offset = pgid
            .checked_mul(self.page_size())
            .ok_or_else(|| SnapError::page(pgid, "lies beyond any possible file size"))?;
        let head = self.read_in_file(pgid, offset, self.page_size())?;
        let header = PageHeader::parse(&head).map_err(|d| SnapError::page(pgid, d))?;
        if header.overflow == 0 {
            return Ok(head);
        }
        let pages = u64::from(header.overflow) + 1;
        if pgid.saturating_add(pages) > self.meta.page_count {
            return Err(SnapError::page(
                pgid,
                format!(
                    "claims {} overflow pages, past the database's last page {}",
                    header.overflow,
                    self.meta.page_count - 1
                ),
            ));
        }
        self.read_in_file(pgid, offset, pages.saturating_mul(self.page_size()))
    }

    fn read_in_file(&self, pgid: u64, offset: u64, len: u64) -> Result<Vec<u8>, SnapError> {
        let end = offset.saturating_add(len);
        if end > self.data_len {
            return Err(SnapError::page(
                pgid,
                format!(
                    "lies past the end of the file (needs bytes up to {end}, the data ends at {})",
                    self.data_len
                ),
            ));
        }
        let len = usize::try_from(len).map_err(|_| SnapError::page(pgid, "too large to read"))?;
        self.read_at(offset, len)
    }
}

/// People pass the data dir where the db file inside it was meant: point at it.
fn not_a_file(path: &Path) -> SnapError {
    let db = ["member/snap/db", "snap/db", "db"]
        .iter()
        .map(|inner| path.join(inner))
        .find(|p| p.is_file());
    SnapError::Io {
        context: "a directory, not a file".to_string(),
        message: match db {
            Some(db) => format!("did you mean {}?", db.display()),
            None => "give a snapshot file or a member's member/snap/db".to_string(),
        },
    }
}

/// etcd's own rule (`snapshot restore`): a file whose size is 32 past a multiple of 512
/// carries the SHA-256 trailer; a raw bbolt file is a whole number of pages.
pub fn has_trailer(file_len: u64) -> bool {
    file_len % 512 == TRAILER_LEN
}

fn read_meta(file: &File, file_len: u64) -> Result<Meta, SnapError> {
    let read = |offset: u64| -> Result<Vec<u8>, SnapError> {
        let len = (file_len.saturating_sub(offset)).min(META_END as u64) as usize;
        let mut buf = vec![0u8; len];
        file.read_exact_at(&mut buf, offset)
            .map_err(|e| SnapError::io("cannot read the meta pages", &e))?;
        Ok(buf)
    };
    let meta0 = meta::parse(&read(0)?);
    // Meta 1 sits one page in. Trust meta 0's page size when it is valid; otherwise try
    // every page size bbolt could have used.
    let offsets: Vec<u32> = match meta0 {
        Ok(m) => vec![m.page_size],
        Err(_) => (MIN_PAGE_SIZE.trailing_zeros()..=MAX_PAGE_SIZE.trailing_zeros())
            .map(|shift| 1u32 << shift)
            .collect(),
    };
    let mut meta1 = Vec::new();
    for offset in offsets {
        if u64::from(offset) < file_len {
            meta1.push((offset, meta::parse(&read(u64::from(offset))?)));
        }
    }
    meta::choose(meta0, &meta1)
}
