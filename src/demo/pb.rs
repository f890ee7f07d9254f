//! Just enough protobuf writing to produce real Kubernetes-shaped values for the demo:
//! the `k8s\0` prefix and a `runtime.Unknown` envelope around an object, as the API
//! server stores them. Field numbers follow Kubernetes' generated.proto files.

#[derive(Default)]
pub struct Msg(Vec<u8>);

impl Msg {
    pub fn new() -> Msg {
        Msg::default()
    }

    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    fn tag(&mut self, field: u32, wire: u8) {
        self.varint((u64::from(field) << 3) | u64::from(wire));
    }

    pub fn int(mut self, field: u32, v: i64) -> Msg {
        self.tag(field, 0);
        self.varint(v as u64);
        self
    }

    pub fn bytes(mut self, field: u32, v: &[u8]) -> Msg {
        self.tag(field, 2);
        self.varint(v.len() as u64);
        self.0.extend_from_slice(v);
        self
    }

    pub fn str(self, field: u32, v: &str) -> Msg {
        self.bytes(field, v.as_bytes())
    }

    pub fn msg(self, field: u32, m: Msg) -> Msg {
        self.bytes(field, &m.0)
    }

    /// A `map<string, string>` (or bytes) entry is a nested message {1: key, 2: value}.
    pub fn map_entry(self, field: u32, k: &str, v: &[u8]) -> Msg {
        self.msg(field, Msg::new().str(1, k).bytes(2, v))
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

/// `k8s\0` + runtime.Unknown{typeMeta{apiVersion, kind}, raw}.
pub fn k8s_value(api_version: &str, kind: &str, object: Msg) -> Vec<u8> {
    let unknown = Msg::new()
        .msg(1, Msg::new().str(1, api_version).str(2, kind))
        .msg(2, object);
    let mut out = b"k8s\0".to_vec();
    out.extend(unknown.into_bytes());
    out
}

/// ObjectMeta: name=1, namespace=3, uid=5, resourceVersion=6,
/// creationTimestamp=8 (Time{seconds=1}), labels=11.
pub fn object_meta(name: &str, namespace: Option<&str>, uid: &str, labels: &[(&str, &str)]) -> Msg {
    let mut m = Msg::new().str(1, name);
    if let Some(ns) = namespace {
        m = m.str(3, ns);
    }
    m = m.str(5, uid).msg(8, Msg::new().int(1, 1_767_225_600));
    for (k, v) in labels {
        m = m.map_entry(11, k, v.as_bytes());
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_lengths_are_encoded_as_protobuf_does() {
        assert_eq!(Msg::new().int(1, 300).into_bytes(), vec![0x08, 0xac, 0x02]);
        assert_eq!(
            Msg::new().str(2, "hi").into_bytes(),
            vec![0x12, 2, b'h', b'i']
        );
        let v = k8s_value("v1", "Pod", Msg::new());
        assert!(v.starts_with(b"k8s\0\x0a\x09\x0a\x02v1\x12\x03Pod"));
    }
}
