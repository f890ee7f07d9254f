use super::*;
use crate::encryption::seal;

const ETCD_KEY: &[u8] = b"/registry/secrets/default/db";
const PLAIN: &[u8] = b"k8s\0\x0a\x02v1\x12\x06Secret";

fn body<'a>(value: &'a [u8], prefix: &str) -> &'a [u8] {
    value.strip_prefix(prefix.as_bytes()).expect("prefix")
}

#[test]
fn aescbc_round_trip_and_wrong_key() {
    let key = seal::random(32);
    let v = seal::aescbc("key1", &key, PLAIN);
    let data = body(&v, "k8s:enc:aescbc:v1:key1:");
    assert_eq!(data.len(), 16 + (PLAIN.len() / 16 + 1) * 16);
    assert_eq!(&aescbc(&key, data).unwrap()[..], PLAIN);
    // CBC has no tag: a wrong key is caught by the padding nearly always; try several.
    let rejected = (0..8)
        .filter(|_| aescbc(&seal::random(32), data).is_err())
        .count();
    assert!(rejected >= 6, "{rejected}");
    assert_eq!(aescbc(&key, &data[..20]), Err(CipherError::TooShort));
    assert_eq!(aescbc(&key, &data[..33]), Err(CipherError::NotBlocks));
}

#[test]
fn aesgcm_binds_the_etcd_key() {
    for len in [16, 32] {
        let key = seal::random(len);
        let v = seal::aesgcm("k", &key, ETCD_KEY, PLAIN);
        let data = body(&v, "k8s:enc:aesgcm:v1:k:");
        assert_eq!(data.len(), 12 + PLAIN.len() + 16);
        assert_eq!(&aesgcm(&key, data, ETCD_KEY).unwrap()[..], PLAIN);
        // Moved to another key, or opened with another key: rejected.
        assert_eq!(
            aesgcm(&key, data, b"/registry/secrets/default/other"),
            Err(CipherError::Rejected)
        );
        assert_eq!(
            aesgcm(&seal::random(len), data, ETCD_KEY),
            Err(CipherError::Rejected)
        );
    }
    assert_eq!(
        aesgcm(&[0; 20], &[0; 40], b""),
        Err(CipherError::KeySize(20))
    );
}

#[test]
fn secretbox_round_trip_and_damage() {
    let key = seal::random(32);
    let v = seal::secretbox("s", &key, PLAIN);
    let data = body(&v, "k8s:enc:secretbox:v1:s:");
    assert_eq!(data.len(), 24 + 16 + PLAIN.len());
    assert_eq!(&secretbox(&key, data).unwrap()[..], PLAIN);
    let mut damaged = data.to_vec();
    let last = damaged.len() - 1;
    damaged[last] ^= 1;
    assert_eq!(secretbox(&key, &damaged), Err(CipherError::Rejected));
    assert_eq!(secretbox(&key, &data[..30]), Err(CipherError::TooShort));
}

#[test]
fn hkdf_seed_derives_the_key_from_the_info() {
    let seed = seal::random(32);
    let info = seal::random(32);
    let mut key = [0u8; 32];
    hkdf::Hkdf::<sha2::Sha256>::from_prk(&seed)
        .unwrap()
        .expand(&info, &mut key)
        .unwrap();
    let data = [info, seal::gcm_body(&key, ETCD_KEY, PLAIN)].concat();
    assert_eq!(&hkdf_seed_gcm(&seed, &data, ETCD_KEY).unwrap()[..], PLAIN);
    assert_eq!(
        hkdf_seed_gcm(&seal::random(32), &data, ETCD_KEY),
        Err(CipherError::Rejected)
    );
}

#[test]
fn errors_say_nothing_of_the_bytes() {
    for e in [
        CipherError::TooShort,
        CipherError::NotBlocks,
        CipherError::Rejected,
        CipherError::KeySize(7),
    ] {
        let s = e.to_string();
        assert!(!s.is_empty() && !s.contains("0x"), "{s}");
    }
}
