//! The three checksums a snapshot file involves: FNV-64a guards bbolt's meta pages,
//! CRC-32C (Castagnoli) is what `etcdctl snapshot status` prints as the hash, and SHA-256
//! is what `etcdctl snapshot save` appends to the file.

/// FNV-1a, 64 bit, as bbolt computes over the first 56 bytes of a meta.
pub fn fnv64a(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The reflected Castagnoli polynomial.
const CASTAGNOLI: u32 = 0x82f6_3b78;

/// Slicing-by-8 tables: `TABLES[0]` is the classic byte table, `TABLES[k]` advances a
/// byte that sits `k` bytes further back, so eight bytes fold in per step (the status hash
/// runs over every byte of the database, and a byte at a time was most of its time).
const fn crc32c_tables() -> [[u32; 256]; 8] {
    let mut t = [[0u32; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ CASTAGNOLI
            } else {
                c >> 1
            };
            k += 1;
        }
        t[0][i] = c;
        i += 1;
    }
    let mut i = 0;
    while i < 256 {
        let mut k = 1;
        while k < 8 {
            let prev = t[k - 1][i];
            t[k][i] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
            k += 1;
        }
        i += 1;
    }
    t
}

static TABLES: [[u32; 256]; 8] = crc32c_tables();

/// A running CRC-32C, fed piece by piece like Go's `hash.Hash32`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Crc32c {
    state: u32,
}

impl Crc32c {
    pub fn update(&mut self, data: &[u8]) {
        let mut c = !self.state;
        let mut chunks = data.chunks_exact(8);
        for b in &mut chunks {
            let lo = c ^ u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            c = TABLES[7][(lo & 0xff) as usize]
                ^ TABLES[6][((lo >> 8) & 0xff) as usize]
                ^ TABLES[5][((lo >> 16) & 0xff) as usize]
                ^ TABLES[4][(lo >> 24) as usize]
                ^ TABLES[3][b[4] as usize]
                ^ TABLES[2][b[5] as usize]
                ^ TABLES[1][b[6] as usize]
                ^ TABLES[0][b[7] as usize];
        }
        for &b in chunks.remainder() {
            c = TABLES[0][((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8);
        }
        self.state = !c;
    }

    pub fn sum(&self) -> u32 {
        self.state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_matches_the_standard_check_value() {
        let mut c = Crc32c::default();
        c.update(b"1234");
        c.update(b"56789");
        assert_eq!(c.sum(), 0xe306_9283);
        assert_eq!(Crc32c::default().sum(), 0);
        // Any split gives the same sum as one pass (the 8-byte steps and the tail agree).
        let data: Vec<u8> = (0..100u8).map(|i| i.wrapping_mul(37)).collect();
        let mut whole = Crc32c::default();
        whole.update(&data);
        for split in 0..data.len() {
            let mut parts = Crc32c::default();
            parts.update(&data[..split]);
            parts.update(&data[split..]);
            assert_eq!(parts.sum(), whole.sum(), "split at {split}");
        }
        let mut long = Crc32c::default();
        long.update(b"123456789123456789");
        assert_eq!(long.sum(), 0xa86c_53f4);
    }

    #[test]
    fn fnv64a_matches_known_values() {
        assert_eq!(fnv64a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv64a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
