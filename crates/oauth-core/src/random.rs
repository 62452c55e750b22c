//! Randomness, passed in rather than taken from the environment.
//!
//! The core never reads an ambient random source: every operation that needs randomness takes a
//! `&mut dyn Entropy`. The server passes the operating system's CSPRNG; tests pass
//! [`SeededEntropy`] so runs are reproducible. (Key generation and ECDSA signing inside OpenSSL draw
//! on OpenSSL's own CSPRNG; that is part of the JWS computation josekit performs.)

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A source of cryptographically secure random bytes.
pub trait Entropy {
    /// Fills `dest` with random bytes.
    fn fill_bytes(&mut self, dest: &mut [u8]);
}

/// 32 random bytes (256 bits), base64url without padding: refresh tokens, client secrets, codes.
pub fn random_token(rng: &mut dyn Entropy) -> String {
    let mut bytes = [0u8; 32];
    rng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A random (version 4) UUID built from the given entropy.
pub fn random_uuid(rng: &mut dyn Entropy) -> Uuid {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// A deterministic generator for tests and examples: SHA-256 of a seed and a counter.
///
/// Not for production: its output is predictable from the seed.
#[derive(Debug, Clone)]
pub struct SeededEntropy {
    seed: u64,
    counter: u64,
}

impl SeededEntropy {
    /// A generator whose whole output is determined by `seed`.
    pub fn new(seed: u64) -> Self {
        Self { seed, counter: 0 }
    }
}

impl Entropy for SeededEntropy {
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(32) {
            let block = Sha256::new()
                .chain_update(self.seed.to_le_bytes())
                .chain_update(self.counter.to_le_bytes())
                .finalize();
            self.counter += 1;
            chunk.copy_from_slice(&block[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_256_bits_and_differ() {
        let mut rng = SeededEntropy::new(7);
        let a = random_token(&mut rng);
        let b = random_token(&mut rng);
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).map(|v| v.len()).ok(), Some(32));
        assert_ne!(a, b);
    }

    #[test]
    fn seeded_entropy_is_reproducible_and_uuids_are_v4() {
        let first = random_uuid(&mut SeededEntropy::new(1));
        assert_eq!(first, random_uuid(&mut SeededEntropy::new(1)));
        assert_ne!(first, random_uuid(&mut SeededEntropy::new(2)));
        assert_eq!(first.get_version_num(), 4);
    }
}
