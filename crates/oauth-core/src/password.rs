//! Password hashing with Argon2id; bcrypt hashes (`$2a$`, `$2b$`, `$2y$`: Authup's) are verified
//! for users moving in from Authup and replaced with Argon2id at their next successful login.
//!
//! Defaults follow OWASP (m = 19456 KiB, t = 2, p = 1). [`PasswordHasher::verify_or_dummy`] runs a
//! full verification against a dummy hash when the user does not exist, so an unknown username
//! costs the same time as a wrong password and usernames cannot be enumerated by timing.
//!
//! Verification reuses Argon2's working memory (19 MiB at the defaults) from a small pool instead
//! of allocating it per login: a login storm then holds `concurrency x m` of memory, stays
//! resident, and pays no page faults, where fresh allocations would be scattered over the
//! allocator's per-thread arenas and inflate the process to gigabytes.

use std::sync::{Arc, Mutex};

use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::error::Error;
use crate::hash::constant_time_eq;
use crate::random::Entropy;
use crate::secret::{Password, PasswordHash};

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Params {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Number of passes.
    pub iterations: u32,
    /// Degree of parallelism (lanes).
    pub parallelism: u32,
}

impl Default for Argon2Params {
    fn default() -> Self {
        Self {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

/// Longest password accepted, in bytes; longer input is refused before any hashing.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Highest bcrypt cost verified: a stored bcrypt hash of a higher cost never verifies (one
/// login would otherwise occupy a hashing permit for minutes). Authup's default is 10.
pub const MAX_BCRYPT_COST: u32 = 15;

/// Working-memory buffers kept for reuse; more are freed after use.
pub const MAX_POOLED_BUFFERS: usize = 8;

/// Hashes and verifies passwords; holds a dummy hash for unknown users and a pool of working
/// memory (shared by clones).
#[derive(Clone)]
pub struct PasswordHasher {
    argon2: Argon2<'static>,
    dummy: PasswordHash,
    pool: Arc<Mutex<Vec<Vec<Block>>>>,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("params", self.argon2.params())
            .finish_non_exhaustive()
    }
}

impl PasswordHasher {
    /// A hasher with the given parameters; computes its dummy hash once (one Argon2 run).
    pub fn new(params: Argon2Params, rng: &mut dyn Entropy) -> Result<Self, Error> {
        let params = Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            None,
        )
        .map_err(|e| Error::internal(format!("argon2 parameters: {e}")))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let mut hasher = Self {
            argon2,
            dummy: PasswordHash::new(String::new()),
            pool: Arc::new(Mutex::new(Vec::new())),
        };
        let mut filler = [0u8; 24];
        rng.fill_bytes(&mut filler);
        hasher.dummy = hasher.hash(&Password::new(hex::encode(filler)), rng)?;
        Ok(hasher)
    }

    /// Hashes a password with a fresh 16-byte salt into a PHC string (in pooled memory).
    pub fn hash(&self, password: &Password, rng: &mut dyn Entropy) -> Result<PasswordHash, Error> {
        use argon2::password_hash::phc::{Output, ParamsString, Salt};
        let fail = |e: &dyn std::fmt::Display| Error::internal(format!("argon2 hash: {e}"));
        let mut salt = [0u8; 16];
        rng.fill_bytes(&mut salt);
        let params = self.argon2.params().clone();
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        self.with_memory(params.block_count(), |memory| {
            self.argon2.hash_password_into_with_memory(
                password.secret().as_bytes(),
                &salt,
                &mut out,
                memory,
            )
        })
        .map_err(|e| fail(&e))?;
        let phc = argon2::PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params).map_err(|e| fail(&e))?,
            salt: Some(Salt::new(&salt).map_err(|e| fail(&e))?),
            hash: Some(Output::new(&out).map_err(|e| fail(&e))?),
        };
        Ok(PasswordHash::new(phc.to_string()))
    }

    /// Verifies `password` against `hash`; with no hash (unknown user, or a user without a
    /// password) verifies against the dummy hash and answers `false`, at the same cost. A bcrypt
    /// hash (imported from Authup) is verified with bcrypt; the dummy hash stays Argon2id, so an
    /// unknown user costs what a user with a current hash costs.
    pub fn verify_or_dummy(&self, password: &Password, hash: Option<&PasswordHash>) -> bool {
        let (target, real) = match hash {
            Some(hash) => (hash, true),
            None => (&self.dummy, false),
        };
        let ok = match bcrypt_cost(target.secret()) {
            Some(cost) => {
                cost <= MAX_BCRYPT_COST
                    && bcrypt::verify(password.secret().as_bytes(), target.secret())
                        .unwrap_or(false)
            }
            None => self.verify_phc(password.secret().as_bytes(), target.secret()),
        };
        ok && real
    }

    /// Whether `hash` was made otherwise than this hasher would make it now (another algorithm,
    /// bcrypt included, version or cost parameters, or unreadable): it is then replaced at the
    /// next successful login, so every stored hash, and so every failed login, costs what the
    /// dummy hash costs.
    pub fn needs_rehash(&self, hash: &PasswordHash) -> bool {
        let Ok(phc) = argon2::PasswordHash::new(hash.secret()) else {
            return true;
        };
        let current = self.argon2.params();
        let same = phc.algorithm.as_str() == Algorithm::Argon2id.ident().as_str()
            && phc.version == Some(Version::V0x13.into())
            && Params::try_from(&phc).is_ok_and(|p| {
                (p.m_cost(), p.t_cost(), p.p_cost())
                    == (current.m_cost(), current.t_cost(), current.p_cost())
            });
        !same
    }

    /// Recomputes the hash with the parameters and salt of the stored PHC string, in pooled
    /// memory, and compares in constant time. A malformed string never verifies.
    fn verify_phc(&self, password: &[u8], stored: &str) -> bool {
        let Ok(phc) = argon2::PasswordHash::new(stored) else {
            return false;
        };
        let (Some(salt), Some(expected)) = (&phc.salt, &phc.hash) else {
            return false;
        };
        let Ok(algorithm) = Algorithm::try_from(phc.algorithm.as_str()) else {
            return false;
        };
        let version = match phc.version.map(Version::try_from) {
            None => Version::V0x13,
            Some(Ok(version)) => version,
            Some(Err(_)) => return false,
        };
        let Ok(params) = Params::try_from(&phc) else {
            return false;
        };
        let mut out = [0u8; 64];
        let Some(out) = out.get_mut(..expected.len()) else {
            return false;
        };
        let blocks = params.block_count();
        let argon2 = Argon2::new(algorithm, version, params);
        let computed = self.with_memory(blocks, |memory| {
            argon2.hash_password_into_with_memory(password, salt.as_ref(), out, memory)
        });
        computed.is_ok() && constant_time_eq(out, expected.as_bytes())
    }

    /// Runs `f` with `blocks` blocks of working memory taken from the pool (or made).
    fn with_memory<R>(&self, blocks: usize, f: impl FnOnce(&mut [Block]) -> R) -> R {
        let mut buffer = self
            .pool
            .lock()
            .ok()
            .and_then(|mut pool| pool.pop())
            .unwrap_or_default();
        if buffer.len() < blocks {
            buffer.resize(blocks, Block::default());
        }
        let result = f(&mut buffer[..blocks]);
        if let Ok(mut pool) = self.pool.lock()
            && pool.len() < MAX_POOLED_BUFFERS
        {
            pool.push(buffer);
        }
        result
    }
}

/// Whether this server can verify `hash` (an import's check): an Argon2 PHC string with its
/// salt and hash, or a bcrypt hash of a cost up to [`MAX_BCRYPT_COST`].
pub fn is_verifiable_hash(hash: &str) -> bool {
    if let Some(cost) = bcrypt_cost(hash) {
        return cost <= MAX_BCRYPT_COST && hash.len() == 60;
    }
    argon2::PasswordHash::new(hash).is_ok_and(|phc| {
        Algorithm::try_from(phc.algorithm.as_str()).is_ok()
            && Params::try_from(&phc).is_ok()
            && phc.salt.is_some()
            && phc.hash.is_some()
    })
}

/// The cost of a bcrypt hash (`$2a$`, `$2b$`, `$2y$` and two cost digits), `None` for anything
/// else.
fn bcrypt_cost(hash: &str) -> Option<u32> {
    let rest = hash
        .strip_prefix("$2a$")
        .or_else(|| hash.strip_prefix("$2b$"))
        .or_else(|| hash.strip_prefix("$2y$"))?;
    let digits = rest
        .get(..2)
        .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))?;
    (rest.as_bytes().get(2) == Some(&b'$')).then(|| digits.parse().ok())?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_of_other_parameters_need_a_rehash() {
        let mut rng = crate::random::SeededEntropy::new(3);
        let params = |memory_kib, iterations| Argon2Params {
            memory_kib,
            iterations,
            parallelism: 1,
        };
        let current = PasswordHasher::new(params(64, 1), &mut rng).unwrap();
        let same = current.hash(&Password::new("pw"), &mut rng).unwrap();
        assert!(!current.needs_rehash(&same));
        for other in [params(128, 1), params(64, 2)] {
            let older = PasswordHasher::new(other, &mut rng).unwrap();
            let hash = older.hash(&Password::new("pw"), &mut rng).unwrap();
            assert!(current.needs_rehash(&hash), "{other:?}");
        }
        assert!(current.needs_rehash(&PasswordHash::new(
            "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaA".to_owned()
        )));
        assert!(current.needs_rehash(&PasswordHash::new("not a phc string".to_owned())));
    }
    use crate::random::SeededEntropy;

    fn cheap() -> PasswordHasher {
        let params = Argon2Params {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        };
        PasswordHasher::new(params, &mut SeededEntropy::new(3)).unwrap()
    }

    #[test]
    fn verifies_only_the_right_password() {
        let hasher = cheap();
        let mut rng = SeededEntropy::new(4);
        let hash = hasher.hash(&Password::new("start123"), &mut rng).unwrap();
        assert!(hash.secret().starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        let table = [("start123", true), ("start124", false), ("", false)];
        for (candidate, expected) in table {
            assert_eq!(
                hasher.verify_or_dummy(&Password::new(candidate), Some(&hash)),
                expected,
                "{candidate}"
            );
        }
    }

    #[test]
    fn unknown_user_never_verifies() {
        let hasher = cheap();
        assert!(!hasher.verify_or_dummy(&Password::new("anything"), None));
        assert!(!hasher.verify_or_dummy(&Password::new(""), None));
    }

    #[test]
    fn default_parameters_are_owasp() {
        let params = Argon2Params::default();
        assert_eq!(
            (params.memory_kib, params.iterations, params.parallelism),
            (19_456, 2, 1)
        );
    }

    #[test]
    fn verifies_hashes_made_with_other_parameters() {
        // A hash made under earlier settings still verifies after the parameters change.
        let old = PasswordHasher::new(
            Argon2Params {
                memory_kib: 128,
                iterations: 2,
                parallelism: 2,
            },
            &mut SeededEntropy::new(5),
        )
        .unwrap();
        let hash = old
            .hash(&Password::new("pw"), &mut SeededEntropy::new(6))
            .unwrap();
        let current = cheap();
        assert!(current.verify_or_dummy(&Password::new("pw"), Some(&hash)));
        assert!(!current.verify_or_dummy(&Password::new("px"), Some(&hash)));
    }

    #[test]
    fn a_corrupt_stored_hash_does_not_verify() {
        let hasher = cheap();
        for corrupt in [
            "not-a-phc-string",
            "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ",
            "$argon2id$v=99$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            "$scrypt$ln=4,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        ] {
            let corrupt = PasswordHash::new(corrupt);
            assert!(!hasher.verify_or_dummy(&Password::new("x"), Some(&corrupt)));
        }
    }

    #[test]
    fn bcrypt_hashes_from_authup_verify_and_need_a_rehash() {
        let hasher = cheap();
        let parts = bcrypt::hash_with_salt("moving-in", 4, [7u8; 16]).unwrap();
        for version in [
            bcrypt::Version::TwoA,
            bcrypt::Version::TwoB,
            bcrypt::Version::TwoY,
        ] {
            let label = format!("{version:?}");
            let stored = PasswordHash::new(parts.format_for_version(version));
            assert!(hasher.verify_or_dummy(&Password::new("moving-in"), Some(&stored)));
            assert!(!hasher.verify_or_dummy(&Password::new("moving-out"), Some(&stored)));
            assert!(hasher.needs_rehash(&stored), "{label}");
        }
        let table = [
            ("$2b$04$short", Some(4)),
            ("$2b$4$aaaa", None),
            ("$2x$04$aaaa", None),
            ("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaA", None),
            (
                "$2b$31$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                Some(31),
            ),
        ];
        for (hash, cost) in table {
            assert_eq!(bcrypt_cost(hash), cost, "{hash}");
        }
        let too_costly = PasswordHash::new(
            bcrypt::hash_with_salt("moving-in", 4, [7u8; 16])
                .unwrap()
                .format_for_version(bcrypt::Version::TwoB)
                .replacen("$04$", "$31$", 1),
        );
        assert!(!hasher.verify_or_dummy(&Password::new("moving-in"), Some(&too_costly)));
        let corrupt = PasswordHash::new("$2b$04$not-a-bcrypt-hash".to_owned());
        assert!(!hasher.verify_or_dummy(&Password::new("moving-in"), Some(&corrupt)));
    }
}
