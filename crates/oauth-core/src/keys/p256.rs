//! ES256 signing with `ring`'s P-256, behind josekit's `JwsSigner` (josekit stays the JOSE layer:
//! headers, payload, compact serialization). ring signs about 1.7 times faster per core than
//! OpenSSL 3 through josekit, which also fetches the digest algorithm anew for every signature;
//! the access-token path is mostly this signature (BENCHMARKS.md).

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use josekit::JoseError;
use josekit::jwk::KeyPair;
use josekit::jws::{ES256, JwsAlgorithm, JwsSigner};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};

/// An ES256 signer over a parsed key pair (cheap to clone).
#[derive(Debug, Clone)]
pub struct P256Signer {
    pair: Arc<EcdsaKeyPair>,
    rng: SystemRandom,
}

impl P256Signer {
    /// From the stored DER private key (SEC1 or PKCS#8, as josekit reads it): its scalar `d`
    /// and public point `x`, `y`; `None` when the key is not a P-256 key ring accepts (the caller
    /// falls back to josekit's own signer).
    pub fn from_der(der: &[u8]) -> Option<Self> {
        let jwk = ES256.key_pair_from_der(der).ok()?.to_jwk_key_pair();
        let part = |name: &str| {
            let text = jwk.parameter(name)?.as_str()?;
            URL_SAFE_NO_PAD.decode(text).ok()
        };
        let (d, x, y) = (part("d")?, part("x")?, part("y")?);
        let mut public = Vec::with_capacity(65);
        public.push(0x04);
        public.extend_from_slice(&x);
        public.extend_from_slice(&y);
        let rng = SystemRandom::new();
        let pair = EcdsaKeyPair::from_private_key_and_public_key(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            &d,
            &public,
            &rng,
        )
        .ok()?;
        Some(Self {
            pair: Arc::new(pair),
            rng,
        })
    }
}

impl JwsSigner for P256Signer {
    fn algorithm(&self) -> &dyn JwsAlgorithm {
        &ES256
    }

    fn key_id(&self) -> Option<&str> {
        None
    }

    fn signature_len(&self) -> usize {
        64
    }

    /// The fixed-width `r ‖ s` signature JWS uses (RFC 7518 §3.4).
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, JoseError> {
        self.pair
            .sign(&self.rng, message)
            .map(|signature| signature.as_ref().to_vec())
            .map_err(|_| JoseError::InvalidSignature(anyhow::Error::msg("ring could not sign")))
    }

    fn box_clone(&self) -> Box<dyn JwsSigner> {
        Box::new(self.clone())
    }
}
