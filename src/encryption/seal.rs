//! The write side of the documented formats, for tests and the demo only: etcdtui never
//! writes encrypted values to a cluster. Kept next to the read side so both follow the
//! same layout notes (see `ciphers.rs`).

use aes::cipher::{BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};
use aes_gcm::aead::{Aead, KeyInit, Payload};

/// `n` random bytes (keys, nonces).
pub fn random(n: usize) -> Vec<u8> {
    let mut b = vec![0u8; n];
    // SystemRandom only fails when the OS has no randomness at all.
    if ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b).is_err() {
        b.iter_mut().enumerate().for_each(|(i, x)| *x = i as u8);
    }
    b
}

fn prefixed(provider: &str, key_name: &str, body: Vec<u8>) -> Vec<u8> {
    let mut v = format!("k8s:enc:{provider}:v1:{key_name}:").into_bytes();
    v.extend(body);
    v
}

/// `k8s:enc:aescbc:v1:<name>:` + IV + AES-256-CBC/PKCS#7 (32-byte key).
pub fn aescbc(key_name: &str, key: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let iv = random(16);
    let body = match cbc::Encryptor::<aes::Aes256>::new_from_slices(key, &iv) {
        Ok(e) => e.encrypt_padded_vec_mut::<Pkcs7>(plaintext),
        Err(_) => Vec::new(),
    };
    prefixed("aescbc", key_name, [iv, body].concat())
}

/// `k8s:enc:aesgcm:v1:<name>:` + nonce + AES-GCM with the etcd key as additional data.
pub fn aesgcm(key_name: &str, key: &[u8], etcd_key: &[u8], plaintext: &[u8]) -> Vec<u8> {
    prefixed("aesgcm", key_name, gcm_body(key, etcd_key, plaintext))
}

/// nonce (12) + AES-GCM(ciphertext + tag); 16- or 32-byte keys.
pub fn gcm_body(key: &[u8], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let nonce = random(12);
    let payload = Payload {
        msg: plaintext,
        aad,
    };
    let n = aes_gcm::Nonce::from_slice(&nonce);
    let sealed = match key.len() {
        16 => aes_gcm::Aes128Gcm::new_from_slice(key).map(|c| c.encrypt(n, payload)),
        _ => aes_gcm::Aes256Gcm::new_from_slice(key).map(|c| c.encrypt(n, payload)),
    };
    match sealed {
        Ok(Ok(ct)) => [nonce, ct].concat(),
        _ => Vec::new(),
    }
}

/// `k8s:enc:secretbox:v1:<name>:` + nonce + NaCl secretbox (32-byte key).
pub fn secretbox(key_name: &str, key: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let nonce = random(24);
    let sealed = crypto_secretbox::XSalsa20Poly1305::new_from_slice(key)
        .map(|b| b.encrypt(crypto_secretbox::Nonce::from_slice(&nonce), plaintext));
    let body = match sealed {
        Ok(Ok(ct)) => [nonce, ct].concat(),
        _ => Vec::new(),
    };
    prefixed("secretbox", key_name, body)
}
