//! `hexdump -C` style dump: offset, 16 bytes in two groups of 8, printable ASCII column.
//! Only printable ASCII reaches the text column, so the dump is safe to put on a terminal.

pub fn dump(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len().div_ceil(16) * 80);
    for (line, chunk) in bytes.chunks(16).enumerate() {
        let offset = line * 16;
        for shift in (0..8).rev() {
            out.push(char::from(HEX[(offset >> (shift * 4)) & 15]));
        }
        out.push(' ');
        for i in 0..16 {
            if i == 8 {
                out.push(' ');
            }
            match chunk.get(i) {
                Some(b) => {
                    out.push(' ');
                    out.push(char::from(HEX[usize::from(b >> 4)]));
                    out.push(char::from(HEX[usize::from(b & 15)]));
                }
                None => out.push_str("   "),
            }
        }
        out.push_str("  |");
        for &b in chunk {
            out.push(if (0x20..0x7f).contains(&b) {
                char::from(b)
            } else {
                '.'
            });
        }
        out.push_str("|\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dumps_like_hexdump_c() {
        assert_eq!(
            dump(b"k8s\0\n\x09\n\x02v1\x12\x03Pod\x12xyz"),
            "00000000  6b 38 73 00 0a 09 0a 02  76 31 12 03 50 6f 64 12  |k8s.....v1..Pod.|\n\
             00000010  78 79 7a                                          |xyz|\n"
        );
        assert_eq!(dump(b""), "");
    }
}
