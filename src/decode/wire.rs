//! Protobuf wire format reader. Every read is bounds-checked against the remaining input and
//! nothing is allocated from a length prefix: length-delimited values are borrowed slices.

/// One field value as it sits on the wire.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Varint(u64),
    Fixed64(u64),
    Bytes(&'a [u8]),
    Fixed32(u32),
}

impl Value<'_> {
    pub fn wire_name(&self) -> &'static str {
        match self {
            Value::Varint(_) => "varint",
            Value::Fixed64(_) => "fixed64",
            Value::Bytes(_) => "bytes",
            Value::Fixed32(_) => "fixed32",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireError {
    Truncated,
    VarintTooLong,
    /// Groups (3, 4) are not used by Kubernetes; 6 and 7 do not exist.
    BadWireType(u8),
    FieldZero,
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WireError::Truncated => write!(f, "truncated"),
            WireError::VarintTooLong => write!(f, "varint longer than 10 bytes"),
            WireError::BadWireType(t) => write!(f, "unsupported wire type {t}"),
            WireError::FieldZero => write!(f, "field number 0"),
        }
    }
}

pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or(&[])
    }

    pub fn varint(&mut self) -> Result<u64, WireError> {
        let mut value: u64 = 0;
        for i in 0..10 {
            let Some(&b) = self.buf.get(self.pos) else {
                return Err(WireError::Truncated);
            };
            self.pos += 1;
            value |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(WireError::VarintTooLong)
    }

    pub fn fixed64(&mut self) -> Result<u64, WireError> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(a))
    }

    pub fn fixed32(&mut self) -> Result<u32, WireError> {
        let mut a = [0u8; 4];
        a.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(a))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        let end = self.pos.checked_add(n).ok_or(WireError::Truncated)?;
        let slice = self.buf.get(self.pos..end).ok_or(WireError::Truncated)?;
        self.pos = end;
        Ok(slice)
    }

    /// The next (field number, value), `None` at the end of input. After an error the reader
    /// position is unspecified; callers stop reading.
    pub fn next_field(&mut self) -> Option<Result<(u32, Value<'a>), WireError>> {
        if self.pos >= self.buf.len() {
            return None;
        }
        Some(self.read_field())
    }

    fn read_field(&mut self) -> Result<(u32, Value<'a>), WireError> {
        let key = self.varint()?;
        let wire = (key & 7) as u8;
        let number = u32::try_from(key >> 3).map_err(|_| WireError::BadWireType(wire))?;
        if number == 0 {
            return Err(WireError::FieldZero);
        }
        let value = match wire {
            0 => Value::Varint(self.varint()?),
            1 => Value::Fixed64(self.fixed64()?),
            2 => {
                let len = self.varint()?;
                let len = usize::try_from(len).map_err(|_| WireError::Truncated)?;
                Value::Bytes(self.take(len)?)
            }
            5 => Value::Fixed32(self.fixed32()?),
            other => return Err(WireError::BadWireType(other)),
        };
        Ok((number, value))
    }
}

/// Minimal protobuf writer, for building test values and benchmarks (the decoder never
/// writes).
#[derive(Debug, Default, Clone)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub fn new() -> Self {
        Self::default()
    }

    fn raw_varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    fn key(&mut self, field: u32, wire: u8) {
        self.raw_varint((u64::from(field) << 3) | u64::from(wire));
    }

    pub fn varint(&mut self, field: u32, v: u64) -> &mut Self {
        self.key(field, 0);
        self.raw_varint(v);
        self
    }

    pub fn bytes(&mut self, field: u32, b: &[u8]) -> &mut Self {
        self.key(field, 2);
        self.raw_varint(b.len() as u64);
        self.buf.extend_from_slice(b);
        self
    }

    pub fn string(&mut self, field: u32, s: &str) -> &mut Self {
        self.bytes(field, s.as_bytes())
    }

    pub fn message(&mut self, field: u32, build: impl FnOnce(&mut Writer)) -> &mut Self {
        let mut inner = Writer::new();
        build(&mut inner);
        self.bytes(field, &inner.buf)
    }

    pub fn fixed64(&mut self, field: u32, v: u64) -> &mut Self {
        self.key(field, 1);
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }

    pub fn fixed32(&mut self, field: u32, v: u32) -> &mut Self {
        self.key(field, 5);
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }

    pub fn finish(&self) -> Vec<u8> {
        self.buf.clone()
    }

    /// A stored Kubernetes value: `k8s\0` + runtime.Unknown around `raw`.
    pub fn k8s_value(api_version: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
        let mut w = Writer::new();
        w.message(1, |tm| {
            tm.string(1, api_version).string(2, kind);
        })
        .bytes(2, raw)
        .string(3, "")
        .string(4, "");
        let mut out = b"k8s\0".to_vec();
        out.extend(w.finish());
        out
    }
}

/// Whether `buf` is a complete, well-formed sequence of fields (used to guess nested messages).
pub fn parses_cleanly(buf: &[u8]) -> bool {
    let mut r = Reader::new(buf);
    let mut any = false;
    while let Some(f) = r.next_field() {
        if f.is_err() {
            return false;
        }
        any = true;
    }
    any
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_wire_type() {
        let buf = [
            0x08, 0x96, 0x01, // 1: varint 150
            0x11, 1, 0, 0, 0, 0, 0, 0, 0, // 2: fixed64 1
            0x1a, 0x02, b'h', b'i', // 3: bytes "hi"
            0x25, 2, 0, 0, 0, // 4: fixed32 2
        ];
        let mut r = Reader::new(&buf);
        assert_eq!(r.next_field(), Some(Ok((1, Value::Varint(150)))));
        assert_eq!(r.next_field(), Some(Ok((2, Value::Fixed64(1)))));
        assert_eq!(r.next_field(), Some(Ok((3, Value::Bytes(b"hi")))));
        assert_eq!(r.next_field(), Some(Ok((4, Value::Fixed32(2)))));
        assert_eq!(r.next_field(), None);
    }

    #[test]
    fn huge_length_prefix_is_an_error_not_an_allocation() {
        let buf = [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2];
        let mut r = Reader::new(&buf);
        assert_eq!(r.next_field(), Some(Err(WireError::Truncated)));
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(
            Reader::new(&[0x0b]).next_field(),
            Some(Err(WireError::BadWireType(3)))
        );
        assert_eq!(
            Reader::new(&[0x02, 0]).next_field(),
            Some(Err(WireError::FieldZero))
        );
        assert_eq!(
            Reader::new(&[
                0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1
            ])
            .next_field(),
            Some(Err(WireError::VarintTooLong))
        );
        assert!(!parses_cleanly(b"nameValue"));
    }
}
