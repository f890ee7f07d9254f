//! Protobuf wire writing as gogo-protobuf's generated Marshal does it: tags and varints,
//! negative int32/int64 as ten-byte varints, lengths before every message and string.

pub fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub fn tag(out: &mut Vec<u8>, number: u32, wire: u8) {
    varint(out, (u64::from(number) << 3) | u64::from(wire));
}

pub fn bytes_field(out: &mut Vec<u8>, number: u32, b: &[u8]) {
    tag(out, number, 2);
    varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

pub fn varint_field(out: &mut Vec<u8>, number: u32, v: u64) {
    tag(out, number, 0);
    varint(out, v);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_like_go() {
        let mut out = Vec::new();
        varint(&mut out, 300);
        assert_eq!(out, [0xac, 0x02]);
        out.clear();
        // int32(-1) is written as uint64(int64(-1)): ten bytes.
        varint(&mut out, -1i64 as u64);
        assert_eq!(out.len(), 10);
        out.clear();
        bytes_field(&mut out, 1, b"v1");
        assert_eq!(out, [0x0a, 2, b'v', b'1']);
    }
}
