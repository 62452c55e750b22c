//! Private keys sealed at rest with AES-256-GCM under a key-encryption key (KEK).
//!
//! When the process has a KEK ([`set_key_encryption_key`], once, at start), every signing key
//! written is stored as `enc:v1:` + base64(nonce ‖ ciphertext ‖ tag), with the key's id as
//! associated data (a sealed key copied onto another row does not open). Reading opens it; a
//! stored key without the prefix (written before a KEK was configured) is read as it is, and
//! [`clear_keys_read`] tells the server such a key was seen, so it rewrites (seals) the keys. Without a KEK keys are stored as they are,
//! and a sealed key cannot be read (an error names the missing KEK).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use oauth_core::StoreError;
use openssl::symm::{Cipher, decrypt_aead, encrypt_aead};

const PREFIX: &str = "enc:v1:";
const NONCE: usize = 12;
const TAG: usize = 16;

static KEK: OnceLock<[u8; 32]> = OnceLock::new();

/// Set when a key stored in the clear was read while a KEK is configured.
static CLEAR_READ: AtomicBool = AtomicBool::new(false);

/// Sets the process's key-encryption key; answers `false` if one was already set to another
/// value.
pub fn set_key_encryption_key(key: [u8; 32]) -> bool {
    *KEK.get_or_init(|| key) == key
}

/// Whether a private key stored in the clear has been read while a KEK is configured (so the
/// stored keys need sealing).
pub fn clear_keys_read() -> bool {
    CLEAR_READ.load(Ordering::Relaxed)
}

/// Whether `stored` is a sealed private key (`enc:v1:`), which only [`open`] with the KEK reads.
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

/// The stored form of `private_key` (of key `id`).
pub fn seal(id: &[u8], private_key: &str) -> Result<String, StoreError> {
    let Some(kek) = KEK.get() else {
        return Ok(private_key.to_owned());
    };
    let mut nonce = [0u8; NONCE];
    openssl::rand::rand_bytes(&mut nonce).map_err(StoreError::backend)?;
    let mut tag = [0u8; TAG];
    let sealed = encrypt_aead(
        Cipher::aes_256_gcm(),
        kek,
        Some(&nonce),
        id,
        private_key.as_bytes(),
        &mut tag,
    )
    .map_err(StoreError::backend)?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    out.extend_from_slice(&tag);
    Ok(format!("{PREFIX}{}", STANDARD.encode(out)))
}

/// The private key from its stored form (of key `id`).
pub fn open(id: &[u8], stored: String) -> Result<String, StoreError> {
    let Some(body) = stored.strip_prefix(PREFIX) else {
        if KEK.get().is_some() {
            CLEAR_READ.store(true, Ordering::Relaxed);
        }
        return Ok(stored);
    };
    let Some(kek) = KEK.get() else {
        return Err(StoreError::backend(
            "a signing key is encrypted and no keys.encryption_key is configured",
        ));
    };
    let bytes = STANDARD.decode(body).map_err(StoreError::backend)?;
    if bytes.len() < NONCE + TAG {
        return Err(StoreError::backend("a sealed signing key is truncated"));
    }
    let (nonce, rest) = bytes.split_at(NONCE);
    let (sealed, tag) = rest.split_at(rest.len() - TAG);
    let plain =
        decrypt_aead(Cipher::aes_256_gcm(), kek, Some(nonce), id, sealed, tag).map_err(|_| {
            StoreError::backend(
                "keys.encryption_key does not decrypt the stored signing keys (wrong key?)",
            )
        })?;
    String::from_utf8(plain).map_err(StoreError::backend)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_keys_open_only_with_their_id_and_intact() {
        // The KEK is process-wide: this is the only test in this crate that sets it.
        assert!(set_key_encryption_key([7; 32]));
        assert!(
            !set_key_encryption_key([8; 32]),
            "a second, different KEK is refused"
        );
        let sealed = seal(b"key-1", "MIGHAgEAMBMG").unwrap();
        assert!(sealed.starts_with(PREFIX) && !sealed.contains("MIGHAgEAMBMG"));
        assert_ne!(
            sealed,
            seal(b"key-1", "MIGHAgEAMBMG").unwrap(),
            "fresh nonce each time"
        );
        assert_eq!(open(b"key-1", sealed.clone()).unwrap(), "MIGHAgEAMBMG");
        assert!(open(b"key-2", sealed.clone()).is_err(), "bound to its row");
        let mut tampered = sealed.into_bytes();
        let last = tampered.len() - 3;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert!(open(b"key-1", String::from_utf8(tampered).unwrap()).is_err());
        assert!(!clear_keys_read());
        assert_eq!(
            open(b"key-1", "plain".into()).unwrap(),
            "plain",
            "legacy keys read as they are"
        );
        assert!(clear_keys_read(), "and are reported for sealing");
    }
}
