//! The API server's value transformers, read side, on RustCrypto primitives. The layouts
//! (after the `k8s:enc:<provider>:v1:<key>:` prefix):
//! - aescbc: 16-byte IV, then AES-CBC with PKCS#7 padding; no additional data.
//! - aesgcm: 12-byte nonce, then AES-GCM (tag last); the additional data is the etcd key.
//! - secretbox: 24-byte nonce, then NaCl secretbox (Poly1305 tag first, XSalsa20).
//! - KMS v2 data: AES-GCM as aesgcm under the DEK; with an HKDF seed, the first 32 bytes
//!   are the HKDF-SHA256 expand info deriving a one-time 32-byte key, then aesgcm.
//!
//! Errors are words only: nothing of the key, the ciphertext or a partial plaintext.

use std::fmt;

use aes::cipher::{BlockDecryptMut, KeyIvInit, block_padding::Pkcs7};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use zeroize::Zeroizing;

pub type Plaintext = Zeroizing<Vec<u8>>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CipherError {
    /// Shorter than the nonce/IV and tag need.
    TooShort,
    /// CBC data that is not whole blocks.
    NotBlocks,
    /// Authentication failed (GCM, secretbox) or the padding is wrong (CBC): a wrong key
    /// or a damaged value.
    Rejected,
    /// A key of a size the cipher cannot take.
    KeySize(usize),
}

impl fmt::Display for CipherError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CipherError::TooShort => f.write_str("the value is too short to hold a nonce and data"),
            CipherError::NotBlocks => f.write_str("the data is not a whole number of AES blocks"),
            CipherError::Rejected => {
                f.write_str("the key does not open it (wrong key, or the value is damaged)")
            }
            CipherError::KeySize(n) => write!(f, "a {n}-byte key cannot be used here"),
        }
    }
}

pub fn aescbc(key: &[u8], data: &[u8]) -> Result<Plaintext, CipherError> {
    const IV: usize = 16;
    if data.len() < 2 * IV {
        return Err(CipherError::TooShort);
    }
    let (iv, body) = data.split_at(IV);
    if body.len() % 16 != 0 {
        return Err(CipherError::NotBlocks);
    }
    fn run<C>(key: &[u8], iv: &[u8], body: &[u8]) -> Result<Plaintext, CipherError>
    where
        cbc::Decryptor<C>: KeyIvInit + BlockDecryptMut,
        C: aes::cipher::BlockDecryptMut + aes::cipher::BlockCipher,
    {
        let d = cbc::Decryptor::<C>::new_from_slices(key, iv)
            .map_err(|_| CipherError::KeySize(key.len()))?;
        d.decrypt_padded_vec_mut::<Pkcs7>(body)
            .map(Zeroizing::new)
            .map_err(|_| CipherError::Rejected)
    }
    match key.len() {
        16 => run::<aes::Aes128>(key, iv, body),
        24 => run::<aes::Aes192>(key, iv, body),
        32 => run::<aes::Aes256>(key, iv, body),
        n => Err(CipherError::KeySize(n)),
    }
}

pub fn aesgcm(key: &[u8], data: &[u8], aad: &[u8]) -> Result<Plaintext, CipherError> {
    const NONCE: usize = 12;
    const TAG: usize = 16;
    if data.len() < NONCE + TAG {
        return Err(CipherError::TooShort);
    }
    let (nonce, body) = data.split_at(NONCE);
    let payload = Payload { msg: body, aad };
    let nonce = aes_gcm::Nonce::from_slice(nonce);
    let opened = match key.len() {
        16 => aes_gcm::Aes128Gcm::new_from_slice(key)
            .map_err(|_| CipherError::KeySize(16))?
            .decrypt(nonce, payload),
        24 => aes_gcm::AesGcm::<aes::Aes192, aes_gcm::aead::consts::U12>::new_from_slice(key)
            .map_err(|_| CipherError::KeySize(24))?
            .decrypt(nonce, payload),
        32 => aes_gcm::Aes256Gcm::new_from_slice(key)
            .map_err(|_| CipherError::KeySize(32))?
            .decrypt(nonce, payload),
        n => return Err(CipherError::KeySize(n)),
    };
    opened
        .map(Zeroizing::new)
        .map_err(|_| CipherError::Rejected)
}

pub fn secretbox(key: &[u8], data: &[u8]) -> Result<Plaintext, CipherError> {
    use crypto_secretbox::XSalsa20Poly1305;
    const NONCE: usize = 24;
    const TAG: usize = 16;
    if data.len() < NONCE + TAG {
        return Err(CipherError::TooShort);
    }
    let (nonce, body) = data.split_at(NONCE);
    let b = XSalsa20Poly1305::new_from_slice(key).map_err(|_| CipherError::KeySize(key.len()))?;
    b.decrypt(crypto_secretbox::Nonce::from_slice(nonce), body)
        .map(Zeroizing::new)
        .map_err(|_| CipherError::Rejected)
}

/// KMS v2 data under an HKDF seed: `info (32) | nonce | ciphertext | tag`.
pub fn hkdf_seed_gcm(seed: &[u8], data: &[u8], aad: &[u8]) -> Result<Plaintext, CipherError> {
    const INFO: usize = 32;
    if data.len() < INFO {
        return Err(CipherError::TooShort);
    }
    let (info, rest) = data.split_at(INFO);
    let kdf =
        hkdf::Hkdf::<sha2::Sha256>::from_prk(seed).map_err(|_| CipherError::KeySize(seed.len()))?;
    let mut key = Zeroizing::new([0u8; 32]);
    kdf.expand(info, key.as_mut())
        .map_err(|_| CipherError::KeySize(seed.len()))?;
    aesgcm(key.as_ref(), rest, aad)
}

#[cfg(test)]
#[path = "ciphers_tests.rs"]
mod tests;
