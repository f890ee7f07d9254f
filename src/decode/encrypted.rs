//! Values encrypted at rest by the API server: `k8s:enc:<provider>:v1:<key name>:<ciphertext>`
//! (aescbc, aesgcm, secretbox, kms) and `k8s:enc:kms:v2:<provider name>:<ciphertext>`.

use super::render::plain;
use super::{Format, RenderOptions, Rendered};
use crate::encryption::{self, EncryptionConfig, kms};

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

/// The Encrypted format: the decrypted value when `keys` open it, else what the value
/// says about itself (provider, key, KMS envelope) and why it was not opened.
pub fn show(
    key: &[u8],
    value: &[u8],
    opts: &RenderOptions,
    keys: Option<&EncryptionConfig>,
) -> Option<Rendered> {
    let e = parse(value)?;
    let mut lines = vec![e.describe(value.len())];
    if let Some((_, version, _, data)) = encryption::split(value)
        && e.provider.starts_with("kms")
    {
        lines.extend(match version {
            "v2" => match kms::EncryptedObject::parse(data) {
                Ok(obj) => obj.describe(),
                Err(why) => vec![why],
            },
            _ => kms::describe_v1(data),
        });
    }
    let why = match keys {
        None => return Some(plain(Format::Encrypted, lines.join("\n"))),
        Some(cfg) => match encryption::decrypt(cfg, key, value) {
            Ok(opened) => {
                let plaintext: &[u8] = &opened.plaintext;
                let format = super::detect(key, plaintext);
                let mut r = super::render::render(key, plaintext, format, opts, None);
                r.notes.insert(
                    0,
                    format!("decrypted with {} key {}", opened.provider, opened.key),
                );
                r.format = Format::Encrypted;
                return Some(r);
            }
            Err(why) => why,
        },
    };
    lines.push(format!("not decrypted: {why}"));
    let mut r = plain(Format::Encrypted, lines.join("\n"));
    r.notes.push(format!("not decrypted: {why}"));
    Some(r)
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

    /// A Secret `db` in `default` with `password: hunter2`, as the API server stores it.
    pub fn secret_value() -> Vec<u8> {
        let mut raw = crate::decode::wire::Writer::new();
        raw.message(1, |m| {
            m.string(1, "db").string(3, "default");
        })
        .message(2, |e| {
            e.string(1, "password").bytes(2, b"hunter2");
        })
        .string(3, "Opaque");
        crate::decode::wire::Writer::k8s_value("v1", "Secret", &raw.finish())
    }

    fn keys_for(provider: &str, name: &str, key: &[u8]) -> EncryptionConfig {
        use base64::Engine;
        let text = format!(
            "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - {provider}:\n      keys: [{{name: {name}, secret: {}}}]\n",
            base64::engine::general_purpose::STANDARD.encode(key)
        );
        crate::encryption::config::parse(&text, std::path::Path::new("/e.yaml")).expect("config")
    }

    #[test]
    fn decrypted_secrets_stay_masked_until_revealed() {
        let etcd_key = b"/registry/secrets/default/db";
        let k = crate::encryption::seal::random(32);
        let cfg = keys_for("secretbox", "sb1", &k);
        let v = crate::encryption::seal::secretbox("sb1", &k, &secret_value());
        let hide = RenderOptions::default();
        let r = show(etcd_key, &v, &hide, Some(&cfg)).expect("shown");
        assert_eq!(r.format, Format::Encrypted);
        assert_eq!(
            r.notes.first().map(String::as_str),
            Some("decrypted with secretbox key sb1")
        );
        assert!(r.text.contains("kind: Secret"), "{}", r.text);
        assert!(r.text.contains("password: •••••• (7 bytes)"), "{}", r.text);
        assert!(!r.text.contains("aHVudGVyMg=="), "{}", r.text);
        let reveal = RenderOptions {
            reveal_secrets: true,
        };
        let r = show(etcd_key, &v, &reveal, Some(&cfg)).expect("shown");
        assert!(r.text.contains("password: aHVudGVyMg=="), "{}", r.text);
        assert_eq!(r.kind, Some(("v1".into(), "Secret".into())));
    }

    #[test]
    fn without_the_key_the_value_says_why() {
        let etcd_key = b"/registry/secrets/default/db";
        let k = crate::encryption::seal::random(32);
        let v = crate::encryption::seal::aescbc("key1", &k, &secret_value());
        let hide = RenderOptions::default();
        let r = show(etcd_key, &v, &hide, None).expect("shown");
        assert_eq!(r.text, describe_len(&v));
        let other = keys_for("aescbc", "key2", &k);
        let r = show(etcd_key, &v, &hide, Some(&other)).expect("shown");
        assert_eq!(
            r.text,
            format!(
                "{}\nnot decrypted: the EncryptionConfiguration has no aescbc key named key1",
                describe_len(&v)
            )
        );
        let wrong = keys_for("aescbc", "key1", &crate::encryption::seal::random(32));
        let r = show(etcd_key, &v, &hide, Some(&wrong)).expect("shown");
        assert!(
            r.text.contains("not decrypted: aescbc key key1: "),
            "{}",
            r.text
        );
        assert!(!r.text.contains("hunter2"));
    }

    #[test]
    fn kms_envelopes_are_shown() {
        use prost::Message;
        let obj = kms::EncryptedObject {
            encrypted_data: vec![7; 50],
            key_id: "kid-1".into(),
            encrypted_dek_source: vec![1; 32],
            annotations: Default::default(),
            encrypted_dek_source_type: kms::AES_GCM_KEY,
        };
        let mut v = b"k8s:enc:kms:v2:vault:".to_vec();
        v.extend(obj.encode_to_vec());
        let r = show(
            b"/registry/secrets/a/b",
            &v,
            &RenderOptions::default(),
            None,
        )
        .unwrap();
        assert!(r.text.contains("KMS v2 key ID: kid-1"), "{}", r.text);
        assert!(
            r.text
                .contains("encrypted DEK source: 32 bytes, type AES_GCM_KEY"),
            "{}",
            r.text
        );
    }

    fn describe_len(v: &[u8]) -> String {
        parse(v).expect("encrypted").describe(v.len())
    }
}
