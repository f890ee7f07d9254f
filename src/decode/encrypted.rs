//! Values encrypted at rest by the API server: `k8s:enc:<provider>:v1:<key name>:<ciphertext>`
//! (aescbc, aesgcm, secretbox, kms) and `k8s:enc:kms:v2:<provider name>:<ciphertext>`.

pub const PREFIX: &[u8] = b"k8s:enc:";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encrypted {
    /// `aescbc`, `aesgcm`, `secretbox`, `kms`, `kms v2`, or whatever a newer server wrote.
    pub provider: String,
    /// The key (v1) or KMS provider (v2) name; empty if the prefix is cut short.
    pub key: String,
    /// Bytes after the prefix.
    pub ciphertext_len: usize,
}

pub fn parse(value: &[u8]) -> Option<Encrypted> {
    let rest = value.strip_prefix(PREFIX)?;
    // provider ":" version ":" name ":" ciphertext; the ciphertext may contain ':'.
    let mut parts = rest.splitn(4, |&b| b == b':');
    let provider = parts.next().unwrap_or(&[]);
    let version = parts.next().unwrap_or(&[]);
    let name = parts.next().unwrap_or(&[]);
    let ciphertext = parts.next();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let provider = if version == b"v1" || version.is_empty() {
        text(provider)
    } else {
        format!("{} {}", text(provider), text(version))
    };
    Some(Encrypted {
        provider,
        key: text(name),
        ciphertext_len: ciphertext.map_or(0, <[u8]>::len),
    })
}

impl Encrypted {
    pub fn describe(&self, total: usize) -> String {
        let key = if self.key.is_empty() { "?" } else { &self.key };
        format!(
            "encrypted at rest (provider {}, key {key}), {total} bytes",
            self.provider
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_providers() {
        let v = b"k8s:enc:aescbc:v1:key1:\x01\x02:\x03";
        let e = parse(v).expect("encrypted");
        assert_eq!(e.provider, "aescbc");
        assert_eq!(e.key, "key1");
        assert_eq!(e.ciphertext_len, 4);
        assert_eq!(
            e.describe(v.len()),
            format!(
                "encrypted at rest (provider aescbc, key key1), {} bytes",
                v.len()
            )
        );
        let e = parse(b"k8s:enc:kms:v2:mykms:xyz").expect("kms v2");
        assert_eq!((e.provider.as_str(), e.key.as_str()), ("kms v2", "mykms"));
        let e = parse(b"k8s:enc:").expect("short");
        assert_eq!(e.key, "");
        assert!(parse(b"k8s\0").is_none());
    }
}
