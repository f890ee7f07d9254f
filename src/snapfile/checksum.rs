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

const fn crc32c_table() -> [u32; 256] {
    let mut table = [0u32; 256];
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
        table[i] = c;
        i += 1;
    }
    table
}

static CRC32C_TABLE: [u32; 256] = crc32c_table();

/// A running CRC-32C, fed piece by piece like Go's `hash.Hash32`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Crc32c {
    state: u32,
}

impl Crc32c {
    pub fn update(&mut self, data: &[u8]) {
        let mut c = !self.state;
        for &b in data {
            c = CRC32C_TABLE[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8);
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
    }

    #[test]
    fn fnv64a_matches_known_values() {
        assert_eq!(fnv64a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv64a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
