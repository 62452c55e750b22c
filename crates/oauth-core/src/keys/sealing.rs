//! Private keys sealed at rest: [`KeyEncryption`], a value each store is given at open.
//!
//! With a key-encryption key (KEK), a signing key's private half is stored as `enc:v1:` +
//! base64(nonce ‖ ciphertext ‖ tag), AES-256-GCM with a fresh 96-bit nonce and the key's id (its 16
//! UUID bytes) as associated data, so a sealed key copied onto another row does not open. Reading
//! opens it; a stored key without the prefix (written before a KEK was configured) is read as it
//! is and noted ([`KeyEncryption::clear_keys_read`]), so the server can rewrite the keys sealed.
//! Without a KEK keys are stored as they are, and a sealed key cannot be read (the error names the
//! missing setting).
//!
//! The stores apply it in `KeyStore` (`create_signing_key` seals, `list_signing_keys` opens);
//! records of the admin API (`Records<SigningKey>`) carry the private key as stored. Nonces come
//! from the operating system's CSPRNG through `ring`, like the ES256 signer's (`p256.rs`), and
//! deliberately cannot be injected: a nonce repeated under one KEK would expose the keys, so no
//! seeded source may ever reach here.

use std::sync::atomic::{AtomicBool, Ordering};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use uuid::Uuid;

use crate::error::StoreError;
use crate::model::SigningKey;
use crate::secret::PrivateKeyDer;

/// What marks a stored private key as sealed (and the format's version).
pub const SEALED_PREFIX: &str = "enc:v1:";

/// Length of the AES-GCM tag appended to the ciphertext.
const TAG_LEN: usize = 16;

/// How private keys are stored: sealed under a KEK, or as they are. Shared by the server and its
/// store (`Arc`); it remembers whether a key stored in the clear was read.
pub struct KeyEncryption {
    kek: Option<LessSafeKey>,
    clear_read: AtomicBool,
}

impl std::fmt::Debug for KeyEncryption {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyEncryption")
            .field("kek", &self.kek.as_ref().map(|_| "[redacted]"))
            .field("clear_read", &self.clear_keys_read())
            .finish()
    }
}

impl Default for KeyEncryption {
    fn default() -> Self {
        Self::none()
    }
}

impl KeyEncryption {
    /// No KEK: private keys are stored as they are; a sealed key cannot be read.
    pub fn none() -> Self {
        Self {
            kek: None,
            clear_read: AtomicBool::new(false),
        }
    }

    /// Seals private keys under `kek` (32 bytes, AES-256).
    pub fn with_kek(kek: [u8; 32]) -> Self {
        let kek = UnboundKey::new(&AES_256_GCM, &kek)
            .map(LessSafeKey::new)
            .ok();
        Self {
            kek,
            clear_read: AtomicBool::new(false),
        }
    }

    /// Whether keys are sealed (a KEK is configured).
    pub fn seals(&self) -> bool {
        self.kek.is_some()
    }

    /// Whether a private key stored in the clear has been read while a KEK is configured (so the
    /// stored keys need sealing).
    pub fn clear_keys_read(&self) -> bool {
        self.clear_read.load(Ordering::Relaxed)
    }

    /// The stored form of key `id`'s private half.
    pub fn seal(&self, id: Uuid, private_key: &PrivateKeyDer) -> Result<String, StoreError> {
        let Some(kek) = &self.kek else {
            return Ok(private_key.secret().to_owned());
        };
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| StoreError::backend("no randomness for a signing key's nonce"))?;
        let mut sealed = private_key.secret().as_bytes().to_vec();
        kek.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(id.as_bytes()),
            &mut sealed,
        )
        .map_err(|_| StoreError::backend("cannot seal a signing key"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{SEALED_PREFIX}{}", STANDARD.encode(out)))
    }

    /// Key `id`'s private half from its stored form.
    pub fn open(&self, id: Uuid, stored: String) -> Result<PrivateKeyDer, StoreError> {
        let Some(body) = stored.strip_prefix(SEALED_PREFIX) else {
            if self.kek.is_some() {
                self.clear_read.store(true, Ordering::Relaxed);
            }
            return Ok(PrivateKeyDer::new(stored));
        };
        let Some(kek) = &self.kek else {
            return Err(StoreError::backend(
                "a signing key is encrypted and no keys.encryption_key is configured",
            ));
        };
        let mut bytes = STANDARD.decode(body).map_err(StoreError::backend)?;
        if bytes.len() < NONCE_LEN + TAG_LEN {
            return Err(StoreError::backend("a sealed signing key is truncated"));
        }
        let mut sealed = bytes.split_off(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(&bytes)
            .map_err(|_| StoreError::backend("a sealed signing key is truncated"))?;
        let plain = kek
            .open_in_place(nonce, Aad::from(id.as_bytes()), &mut sealed)
            .map_err(|_| {
                StoreError::backend(
                    "keys.encryption_key does not decrypt the stored signing keys (wrong key?)",
                )
            })?;
        let plain = String::from_utf8(plain.to_vec()).map_err(StoreError::backend)?;
        Ok(PrivateKeyDer::new(plain))
    }

    /// `key` with its private half in stored form (what a store writes).
    pub fn seal_key(&self, key: &SigningKey) -> Result<SigningKey, StoreError> {
        Ok(SigningKey {
            private_key: PrivateKeyDer::new(self.seal(key.id, &key.private_key)?),
            ..key.clone()
        })
    }

    /// `key`, read from a store in stored form, with its private half opened.
    pub fn open_key(&self, key: SigningKey) -> Result<SigningKey, StoreError> {
        let private_key = self.open(key.id, key.private_key.secret().to_owned())?;
        Ok(SigningKey { private_key, ..key })
    }
}

#[cfg(test)]
mod tests;
