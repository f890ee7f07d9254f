//! Just enough of etcd's write-ahead log to say how far a stopped member got: the last
//! entry's index and term, the last hard state (term, vote, commit) and the member and
//! cluster IDs. A WAL file is a sequence of frames: an 8-byte little-endian length
//! (lower 56 bits: the record's size; when the top bit is set, the top byte's lower 3 bits
//! count padding bytes after it), then a `walpb.Record` protobuf — type (1), crc (2),
//! data (3). Entries (type 2) hold a `raftpb.Entry` (term 2, index 3), hard states
//! (type 3) a `raftpb.HardState` (term 1, vote 2, commit 3), metadata (type 1) an
//! `etcdserverpb.Metadata` (node ID 1, cluster ID 2). Files are preallocated with zeros:
//! a zero length ends the log. A frame cut short by a crash (a torn tail) ends it too,
//! and is reported.

use std::path::{Path, PathBuf};

const METADATA: u64 = 1;
const ENTRY: u64 = 2;
const STATE: u64 = 3;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WalSummary {
    pub files: Vec<PathBuf>,
    /// `(index, term)` of the last entry written.
    pub last_entry: Option<(u64, u64)>,
    /// `(term, commit)` of the last hard state.
    pub hard_state: Option<(u64, u64)>,
    pub member_id: Option<u64>,
    pub cluster_id: Option<u64>,
    /// Where reading stopped early, and why: a torn tail after a crash, or damage.
    pub torn: Option<String>,
}

fn varint(buf: &[u8], at: &mut usize) -> Option<u64> {
    let mut v: u64 = 0;
    for shift in (0..64).step_by(7) {
        let b = *buf.get(*at)?;
        *at += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

/// One protobuf field: a varint (`Ok`) or length-delimited bytes (`Err`).
type Field<'a> = (u64, Result<u64, &'a [u8]>);

/// The varint fields and the length-delimited fields of one protobuf message, by number.
fn fields(buf: &[u8]) -> Option<Vec<Field<'_>>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < buf.len() {
        let key = varint(buf, &mut at)?;
        let (num, wire) = (key >> 3, key & 7);
        match wire {
            0 => out.push((num, Ok(varint(buf, &mut at)?))),
            2 => {
                let len = usize::try_from(varint(buf, &mut at)?).ok()?;
                let end = at.checked_add(len).filter(|e| *e <= buf.len())?;
                out.push((num, Err(&buf[at..end])));
                at = end;
            }
            1 => at = at.checked_add(8).filter(|e| *e <= buf.len())?,
            5 => at = at.checked_add(4).filter(|e| *e <= buf.len())?,
            _ => return None,
        }
    }
    Some(out)
}

fn num(f: &[Field<'_>], n: u64) -> Option<u64> {
    f.iter()
        .rev()
        .find_map(|(k, v)| (*k == n).then_some(*v).and_then(Result::ok))
}

fn bytes<'a>(f: &[Field<'a>], n: u64) -> Option<&'a [u8]> {
    f.iter()
        .rev()
        .find_map(|(k, v)| (*k == n).then_some(*v).and_then(Result::err))
}

/// Reads one WAL file into `s`; `Err` describes where and why it stopped early.
fn read_file(path: &Path, s: &mut WalSummary) -> Result<(), String> {
    let data = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut at = 0usize;
    let mut records = 0u64;
    while at + 8 <= data.len() {
        let word: [u8; 8] = data[at..at + 8]
            .try_into()
            .map_err(|_| "short frame".to_string())?;
        let len_field = u64::from_le_bytes(word);
        if len_field == 0 {
            return Ok(());
        }
        let rec = (len_field & !(0xffu64 << 56)) as usize;
        let pad = if len_field >> 63 == 1 {
            ((len_field >> 56) & 0x7) as usize
        } else {
            0
        };
        let start = at + 8;
        let torn = |what: &str| {
            format!(
                "{}: {what} after {records} records (byte {at}): a torn write, the log ends there",
                path.display()
            )
        };
        let end = start
            .checked_add(rec)
            .filter(|e| *e <= data.len())
            .ok_or_else(|| torn("a frame runs past the end"))?;
        let body = &data[start..end];
        // A crash mid-write leaves sectors of zeros where the record should be.
        if body.iter().all(|b| *b == 0) {
            return Err(torn("a record of zeros"));
        }
        let rf = fields(body).ok_or_else(|| torn("an unreadable record"))?;
        let kind = num(&rf, 1).unwrap_or(0);
        let payload = bytes(&rf, 3).unwrap_or(&[]);
        match kind {
            ENTRY => {
                let e = fields(payload).ok_or_else(|| torn("an unreadable entry"))?;
                let (term, index) = (num(&e, 2).unwrap_or(0), num(&e, 3).unwrap_or(0));
                s.last_entry = Some((index, term));
            }
            STATE => {
                let h = fields(payload).ok_or_else(|| torn("an unreadable hard state"))?;
                // An empty hard state is written as a marker; it says nothing new.
                if let (Some(t), Some(c)) = (num(&h, 1), num(&h, 3)) {
                    s.hard_state = Some((t, c));
                }
            }
            METADATA => {
                if let Some(m) = fields(payload) {
                    s.member_id = num(&m, 1).or(s.member_id);
                    s.cluster_id = num(&m, 2).or(s.cluster_id);
                }
            }
            _ => {}
        }
        records += 1;
        at = end + pad;
    }
    Ok(())
}

/// Reads every `*.wal` in `dir` in order (their names sort by sequence), keeping the
/// last of each kind. `Err` only when the directory cannot be listed or holds none.
pub fn read_dir(dir: &Path) -> Result<WalSummary, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "wal"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("{} holds no .wal file", dir.display()));
    }
    let mut s = WalSummary::default();
    for f in &files {
        if let Err(e) = read_file(f, &mut s) {
            s.torn = Some(e);
        }
    }
    s.files = files;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put_varint(out: &mut Vec<u8>, mut v: u64) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    fn record(kind: u64, payload: &[u8]) -> Vec<u8> {
        let mut r = Vec::new();
        r.push(0x08);
        put_varint(&mut r, kind);
        r.push(0x1a);
        put_varint(&mut r, payload.len() as u64);
        r.extend_from_slice(payload);
        let pad = (8 - r.len() % 8) % 8;
        let mut len = r.len() as u64;
        if pad > 0 {
            len |= (0x80 | pad as u64) << 56;
        }
        let mut frame = len.to_le_bytes().to_vec();
        frame.extend(r);
        frame.extend(std::iter::repeat_n(0u8, pad));
        frame
    }

    fn entry(term: u64, index: u64) -> Vec<u8> {
        let mut e = vec![0x10];
        put_varint(&mut e, term);
        e.push(0x18);
        put_varint(&mut e, index);
        e
    }

    #[test]
    fn reads_the_last_entry_and_state_and_stops_at_a_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = record(METADATA, &[0x08, 0x2a, 0x10, 0x07]);
        log.extend(record(STATE, &[0x08, 0x02, 0x18, 0x05]));
        for i in 1..=300u64 {
            log.extend(record(ENTRY, &entry(2, i)));
        }
        let whole = log.len();
        log.extend(record(ENTRY, &entry(3, 301)));
        // Cut the last frame short, then the preallocated zeros.
        log.truncate(whole + 11);
        std::fs::write(
            dir.path().join("0000000000000000-0000000000000000.wal"),
            &log,
        )
        .unwrap();
        let s = read_dir(dir.path()).unwrap();
        assert_eq!(s.last_entry, Some((300, 2)));
        assert_eq!(s.hard_state, Some((2, 5)));
        assert_eq!((s.member_id, s.cluster_id), (Some(42), Some(7)));
        assert!(
            s.torn.as_deref().unwrap_or("").contains("torn"),
            "{:?}",
            s.torn
        );
        // Zeros after a whole log are the preallocated space, not damage.
        let mut clean = log[..whole].to_vec();
        clean.extend(vec![0u8; 4096]);
        std::fs::write(
            dir.path().join("0000000000000000-0000000000000000.wal"),
            &clean,
        )
        .unwrap();
        let s = read_dir(dir.path()).unwrap();
        assert_eq!((s.last_entry, s.torn), (Some((300, 2)), None));
        assert!(read_dir(&dir.path().join("nope")).is_err());
    }
}
