//! Signing keys: generation, JWS signers, and the JWKS document.
//!
//! Each realm holds an ES256 and an RS256 key pair. The newest `active` key of an algorithm signs;
//! `active` and `passive` keys are published in the JWKS; `disabled` keys are neither. Private keys
//! are stored as PKCS#8 DER (base64); the public half is stored as a ready JWK carrying its `kid`.
//! A server that wants to avoid parsing a key per request implements [`KeySource`] with a cache.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use josekit::jwk::KeyPair as _;
use josekit::jws::{ES256, JwsSigner, RS256};
use uuid::Uuid;

use crate::error::Error;
use crate::model::{KeyStatus, SigningAlgorithm, SigningKey, UnixTime};
use crate::random::{Entropy, random_uuid};
use crate::secret::PrivateKeyDer;
use crate::store::Store;

mod p256;
pub mod rotation;
pub mod sealing;

/// RSA modulus size for new RS256 keys.
pub const RSA_BITS: u32 = 2048;

/// Generates a new key pair for `realm_id` (RSA generation takes tens of milliseconds).
pub fn generate_signing_key(
    realm_id: Uuid,
    algorithm: SigningAlgorithm,
    status: KeyStatus,
    now: UnixTime,
    rng: &mut dyn Entropy,
) -> Result<SigningKey, Error> {
    generate_signing_key_with_id(random_uuid(rng), realm_id, algorithm, status, now)
}

/// [`generate_signing_key`] with a chosen id (a rotation's successor, see [`rotation`]).
pub fn generate_signing_key_with_id(
    id: Uuid,
    realm_id: Uuid,
    algorithm: SigningAlgorithm,
    status: KeyStatus,
    now: UnixTime,
) -> Result<SigningKey, Error> {
    let (private_der, mut jwk) = match algorithm {
        SigningAlgorithm::Es256 => {
            let pair = ES256.generate_key_pair()?;
            (pair.to_der_private_key(), pair.to_jwk_public_key())
        }
        SigningAlgorithm::Rs256 => {
            let pair = RS256.generate_key_pair(RSA_BITS)?;
            (pair.to_der_private_key(), pair.to_jwk_public_key())
        }
    };
    jwk.set_key_id(id.to_string());
    jwk.set_algorithm(algorithm.as_str());
    jwk.set_key_use("sig");
    Ok(SigningKey {
        id,
        realm_id,
        algorithm,
        status,
        private_key: PrivateKeyDer::new(STANDARD.encode(private_der)),
        public_jwk: jwk.to_string(),
        created_at: now,
    })
}

/// A parsed private key ready to sign, with its `kid`.
#[derive(Debug)]
pub struct Signer {
    /// The key id written into the JWS header.
    pub kid: String,
    /// The algorithm.
    pub algorithm: SigningAlgorithm,
    inner: Box<dyn JwsSigner>,
}

impl Signer {
    /// Parses a stored key.
    pub fn from_key(key: &SigningKey) -> Result<Self, Error> {
        let der = STANDARD
            .decode(key.private_key.secret())
            .map_err(|e| Error::internal(format!("key {} is not base64: {e}", key.id)))?;
        let inner: Box<dyn JwsSigner> = match key.algorithm {
            // ring's P-256 when it takes the key (it always does for keys this server made),
            // else josekit's own.
            SigningAlgorithm::Es256 => match p256::P256Signer::from_der(&der) {
                Some(signer) => Box::new(signer),
                None => Box::new(ES256.signer_from_der(&der)?),
            },
            SigningAlgorithm::Rs256 => Box::new(RS256.signer_from_der(&der)?),
        };
        Ok(Self {
            kid: key.id.to_string(),
            algorithm: key.algorithm,
            inner,
        })
    }

    /// The josekit signer.
    pub fn jws_signer(&self) -> &dyn JwsSigner {
        self.inner.as_ref()
    }
}

/// The key that signs for a realm and algorithm: the newest active one.
pub fn current_key(keys: &[SigningKey], algorithm: SigningAlgorithm) -> Option<&SigningKey> {
    keys.iter()
        .filter(|k| k.algorithm == algorithm && k.status == KeyStatus::Active)
        .max_by_key(|k| (k.created_at, k.id))
}

/// The key that signs for `realm_id` and `algorithm`: the newest active one in the store.
pub fn signing_key(
    store: &dyn Store,
    realm_id: Uuid,
    algorithm: SigningAlgorithm,
) -> Result<SigningKey, Error> {
    let keys = store.list_signing_keys(Some(realm_id))?;
    current_key(&keys, algorithm).cloned().ok_or_else(|| {
        Error::internal(format!(
            "realm {realm_id} has no active {} key",
            algorithm.as_str()
        ))
    })
}

/// Where grants get their signer from.
pub trait KeySource: Send + Sync {
    /// The signer for `realm_id` and `algorithm`.
    fn signer(
        &self,
        store: &dyn Store,
        realm_id: Uuid,
        algorithm: SigningAlgorithm,
    ) -> Result<Arc<Signer>, Error>;
}

/// Reads and parses the key from the store on every call; correct, but not fast.
#[derive(Debug, Default, Clone, Copy)]
pub struct StoreKeySource;

impl KeySource for StoreKeySource {
    fn signer(
        &self,
        store: &dyn Store,
        realm_id: Uuid,
        algorithm: SigningAlgorithm,
    ) -> Result<Arc<Signer>, Error> {
        Ok(Arc::new(Signer::from_key(&signing_key(
            store, realm_id, algorithm,
        )?)?))
    }
}

/// The JWKS (RFC 7517 §5) of the published keys among `keys`.
pub fn jwks(keys: &[SigningKey]) -> Result<serde_json::Value, Error> {
    let mut published = Vec::new();
    for key in keys.iter().filter(|k| k.status != KeyStatus::Disabled) {
        let jwk: serde_json::Value = serde_json::from_str(&key.public_jwk).map_err(|e| {
            Error::internal(format!("key {} has a corrupt public JWK: {e}", key.id))
        })?;
        published.push(jwk);
    }
    Ok(serde_json::json!({ "keys": published }))
}

/// The published key whose `kid` is `kid` among `keys`: the bare JWK (RFC 7517 §4, with `kid`,
/// `alg` and `use`), as Authup's `GET /jwks/{kid}` answers it. `None` when no published key has it
/// (disabled keys are not published).
pub fn jwk(keys: &[SigningKey], kid: &str) -> Result<Option<serde_json::Value>, Error> {
    let Some(key) = keys
        .iter()
        .find(|k| k.status != KeyStatus::Disabled && k.id.to_string() == kid)
    else {
        return Ok(None);
    };
    serde_json::from_str(&key.public_jwk)
        .map(Some)
        .map_err(|e| Error::internal(format!("key {} has a corrupt public JWK: {e}", key.id)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SeededEntropy;

    #[test]
    fn one_published_key_is_found_by_its_kid() {
        let mut rng = SeededEntropy::new(3);
        let realm = Uuid::nil();
        let active = generate_signing_key(
            realm,
            SigningAlgorithm::Es256,
            KeyStatus::Active,
            1,
            &mut rng,
        )
        .unwrap();
        let passive = generate_signing_key(
            realm,
            SigningAlgorithm::Es256,
            KeyStatus::Passive,
            1,
            &mut rng,
        )
        .unwrap();
        let disabled = generate_signing_key(
            realm,
            SigningAlgorithm::Es256,
            KeyStatus::Disabled,
            1,
            &mut rng,
        )
        .unwrap();
        let keys = [active.clone(), passive.clone(), disabled.clone()];
        let table = [
            (active.id.to_string(), true),
            (passive.id.to_string(), true),
            (disabled.id.to_string(), false),
            (Uuid::nil().to_string(), false),
            ("undefined".to_owned(), false),
        ];
        for (kid, published) in table {
            let found = jwk(&keys, &kid).unwrap();
            assert_eq!(found.is_some(), published, "{kid}");
            if let Some(found) = found {
                assert_eq!(found["kid"], kid.as_str());
                assert_eq!(found["alg"], "ES256");
                assert_eq!(found["use"], "sig");
                assert!(found.get("d").is_none());
            }
        }
    }

    #[test]
    fn generated_keys_publish_kid_alg_and_use() {
        let mut rng = SeededEntropy::new(9);
        let realm = Uuid::nil();
        for alg in [SigningAlgorithm::Es256, SigningAlgorithm::Rs256] {
            let key = generate_signing_key(realm, alg, KeyStatus::Active, 100, &mut rng).unwrap();
            let jwk: serde_json::Value = serde_json::from_str(&key.public_jwk).unwrap();
            assert_eq!(jwk["kid"], key.id.to_string());
            assert_eq!(jwk["alg"], alg.as_str());
            assert_eq!(jwk["use"], "sig");
            assert!(
                jwk.get("d").is_none(),
                "public JWK must not hold the private part"
            );
            let signer = Signer::from_key(&key).unwrap();
            assert_eq!(signer.jws_signer().algorithm().name(), alg.as_str());
        }
    }

    #[test]
    fn current_key_is_newest_active_and_jwks_skips_disabled() {
        let mut rng = SeededEntropy::new(10);
        let realm = Uuid::nil();
        let es = SigningAlgorithm::Es256;
        let old = generate_signing_key(realm, es, KeyStatus::Active, 1, &mut rng).unwrap();
        let new = generate_signing_key(realm, es, KeyStatus::Active, 2, &mut rng).unwrap();
        let passive = generate_signing_key(realm, es, KeyStatus::Passive, 3, &mut rng).unwrap();
        let off = generate_signing_key(realm, es, KeyStatus::Disabled, 4, &mut rng).unwrap();
        let keys = vec![old.clone(), new.clone(), passive, off.clone()];
        assert_eq!(current_key(&keys, es).map(|k| k.id), Some(new.id));
        assert!(current_key(&keys, SigningAlgorithm::Rs256).is_none());
        let set = jwks(&keys).unwrap();
        let kids: Vec<_> = set["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(kids.len(), 3);
        assert!(!kids.contains(&off.id.to_string()));
        assert!(kids.contains(&old.id.to_string()));
    }

    #[test]
    fn es256_keys_sign_with_ring_and_verify_with_the_published_jwk() {
        let mut rng = SeededEntropy::new(11);
        let es = SigningAlgorithm::Es256;
        let key = generate_signing_key(Uuid::nil(), es, KeyStatus::Active, 1, &mut rng).unwrap();
        let der = STANDARD.decode(key.private_key.secret()).unwrap();
        assert!(
            p256::P256Signer::from_der(&der).is_some(),
            "ring takes the keys this server generates"
        );
        let signer = Signer::from_key(&key).unwrap();
        let message = b"header.payload";
        let signature = signer.jws_signer().sign(message).unwrap();
        assert_eq!(signature.len(), 64, "JWS r || s");
        let jwk = josekit::jwk::Jwk::from_bytes(key.public_jwk.as_bytes()).unwrap();
        let verifier = ES256.verifier_from_jwk(&jwk).unwrap();
        josekit::jws::JwsVerifier::verify(&verifier, message, &signature).unwrap();
        let mut forged = signature.clone();
        forged[10] ^= 1;
        assert!(josekit::jws::JwsVerifier::verify(&verifier, message, &forged).is_err());
        assert!(josekit::jws::JwsVerifier::verify(&verifier, b"other", &signature).is_err());
    }
}
