//! Key rotation without a signature any client cannot verify.
//!
//! A rotation adds a successor key in status `passive`: published in the JWKS, not signing. Once
//! it has been published for the pre-publication time (long enough for every client's JWKS cache
//! to pick it up) it becomes `active` and signs, and its predecessor becomes `passive`: still
//! published, so tokens it signed keep verifying. When every token the predecessor signed has
//! expired (the realm's access token lifetime, plus a margin for clock skew, after the successor
//! took over) the predecessor is `disabled` and leaves the JWKS.
//!
//! [`plan`] decides these steps from a realm's key list and the time, so every node can run it:
//! a successor's id is derived from its predecessor's ([`successor_id`]), so two nodes adding the
//! same successor conflict instead of adding two, and status changes are idempotent.
//! A passive key that is the active key's derived successor, or was created after it, is a
//! pending successor; any other passive key is retiring.

use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::model::{KeyStatus, SigningAlgorithm, SigningKey, UnixTime};

/// Clock-skew margin added before a retiring key is disabled, seconds.
pub const RETIRE_MARGIN: i64 = 300;

/// When keys move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RotationPolicy {
    /// Start a rotation when the active key is this old (`None`: only on demand).
    pub rotate_after: Option<i64>,
    /// How long a successor is published before it signs, seconds.
    pub prepublish: i64,
    /// The realm's access token lifetime (tokens signed by a retiring key live this long).
    pub token_lifetime: i64,
}

/// One step of a rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyChange {
    /// Generate the successor of key `predecessor` (id [`successor_id`]), passive.
    AddSuccessor {
        /// The key being replaced.
        predecessor: Uuid,
        /// Its algorithm.
        algorithm: SigningAlgorithm,
    },
    /// Change a key's status.
    SetStatus {
        /// The key.
        key: Uuid,
        /// Its new status.
        status: KeyStatus,
    },
}

/// The id of the successor of key `predecessor`: the same on every node.
pub fn successor_id(predecessor: Uuid) -> Uuid {
    let digest = Sha256::new()
        .chain_update(b"portcullis key successor\0")
        .chain_update(predecessor.as_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x80; // version 8: custom
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 9562 variant
    Uuid::from_bytes(bytes)
}

/// The changes due for one realm's keys at `now`. `rotate_now` starts a rotation of every
/// algorithm that has no pending successor yet (the `keys rotate` command).
pub fn plan(
    keys: &[SigningKey],
    policy: &RotationPolicy,
    now: UnixTime,
    rotate_now: bool,
) -> Vec<KeyChange> {
    let mut changes = Vec::new();
    for algorithm in [SigningAlgorithm::Es256, SigningAlgorithm::Rs256] {
        let of_alg: Vec<&SigningKey> = keys.iter().filter(|k| k.algorithm == algorithm).collect();
        let Some(active) = of_alg
            .iter()
            .filter(|k| k.status == KeyStatus::Active)
            .max_by_key(|k| (k.created_at, k.id))
        else {
            continue;
        };
        // A pending successor: the active key's own successor, or any passive key created after it
        // (ids break no ties: a successor made in the same second as its predecessor is still
        // recognised by its derived id).
        let successor = successor_id(active.id);
        let is_pending = |k: &SigningKey| {
            k.status == KeyStatus::Passive
                && (k.id == successor || k.created_at > active.created_at)
        };
        let pending = of_alg
            .iter()
            .filter(|k| is_pending(k))
            .min_by_key(|k| (k.created_at, k.id));
        match pending {
            Some(successor) if now >= successor.created_at + policy.prepublish => {
                changes.push(KeyChange::SetStatus {
                    key: successor.id,
                    status: KeyStatus::Active,
                });
                changes.push(KeyChange::SetStatus {
                    key: active.id,
                    status: KeyStatus::Passive,
                });
            }
            Some(_) => {}
            None => {
                let due = policy
                    .rotate_after
                    .is_some_and(|age| now >= active.created_at + age);
                if rotate_now || due {
                    changes.push(KeyChange::AddSuccessor {
                        predecessor: active.id,
                        algorithm,
                    });
                }
            }
        }
        // A retiring key (passive, older than the signing key) goes once the signing key has
        // signed for longer than any token lives.
        let took_over = active.created_at + policy.prepublish;
        for old in of_alg
            .iter()
            .filter(|k| k.status == KeyStatus::Passive && !is_pending(k))
        {
            if now >= took_over + policy.token_lifetime + RETIRE_MARGIN {
                changes.push(KeyChange::SetStatus {
                    key: old.id,
                    status: KeyStatus::Disabled,
                });
            }
        }
    }
    changes
}

/// Plans and applies the due changes for one realm; answers what was done. Safe to run on every
/// node at once: a successor another node added first is a tolerated conflict.
pub fn rotate_realm(
    store: &dyn crate::store::Store,
    realm_id: Uuid,
    policy: &RotationPolicy,
    now: UnixTime,
    rotate_now: Option<Option<SigningAlgorithm>>,
) -> Result<Vec<KeyChange>, crate::error::Error> {
    let keys = store.list_signing_keys(Some(realm_id))?;
    let mut changes = plan(&keys, policy, now, rotate_now.is_some());
    if let Some(Some(only)) = rotate_now {
        changes.retain(
            |c| !matches!(c, KeyChange::AddSuccessor { algorithm, .. } if *algorithm != only),
        );
    }
    for change in &changes {
        match change {
            KeyChange::AddSuccessor {
                predecessor,
                algorithm,
            } => {
                let key = super::generate_signing_key_with_id(
                    successor_id(*predecessor),
                    realm_id,
                    *algorithm,
                    KeyStatus::Passive,
                    now,
                )?;
                match store.create_signing_key(&key) {
                    Ok(()) | Err(crate::error::StoreError::Conflict(_)) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            KeyChange::SetStatus { key, status } => {
                // Compare-and-set from the status planned on: a node that rotated first wins,
                // and the private key is never rewritten.
                if let Some(found) = keys.iter().find(|k| k.id == *key) {
                    store.set_key_status(found.id, found.status, *status)?;
                }
            }
        }
    }
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::PrivateKeyDer;

    fn key(n: u128, status: KeyStatus, created_at: i64) -> SigningKey {
        SigningKey {
            id: Uuid::from_u128(n),
            realm_id: Uuid::nil(),
            algorithm: SigningAlgorithm::Es256,
            status,
            private_key: PrivateKeyDer::new(""),
            public_jwk: String::new(),
            created_at,
        }
    }

    const POLICY: RotationPolicy = RotationPolicy {
        rotate_after: Some(1000),
        prepublish: 100,
        token_lifetime: 50,
    };

    fn add(predecessor: u128) -> KeyChange {
        KeyChange::AddSuccessor {
            predecessor: Uuid::from_u128(predecessor),
            algorithm: SigningAlgorithm::Es256,
        }
    }

    fn set(k: u128, status: KeyStatus) -> KeyChange {
        KeyChange::SetStatus {
            key: Uuid::from_u128(k),
            status,
        }
    }

    fn same_second_successor() -> SigningKey {
        SigningKey {
            id: successor_id(Uuid::from_u128(1)),
            ..key(0, KeyStatus::Passive, 500)
        }
    }

    fn set_id(key: Uuid, status: KeyStatus) -> KeyChange {
        KeyChange::SetStatus { key, status }
    }

    #[test]
    fn a_rotation_publishes_then_signs_then_retires() {
        use KeyStatus::{Active, Disabled, Passive};
        let one = |s| vec![key(1, s, 0)];
        // (keys, now, rotate_now, expected changes)
        let table: Vec<(Vec<SigningKey>, i64, bool, Vec<KeyChange>)> = vec![
            (one(Active), 10, false, vec![]),
            (one(Active), 10, true, vec![add(1)]),
            (one(Active), 1000, false, vec![add(1)]),
            // The successor waits out its pre-publication time...
            (
                vec![key(1, Active, 0), key(2, Passive, 500)],
                599,
                false,
                vec![],
            ),
            (
                vec![key(1, Active, 0), key(2, Passive, 500)],
                599,
                true,
                vec![],
            ),
            // ...then signs, and the predecessor stays published.
            (
                vec![key(1, Active, 0), key(2, Passive, 500)],
                600,
                false,
                vec![set(2, Active), set(1, Passive)],
            ),
            // The predecessor leaves once its tokens expired: 500 + 100 + 50 + 300.
            (
                vec![key(1, Passive, 0), key(2, Active, 500)],
                949,
                false,
                vec![],
            ),
            (
                vec![key(1, Passive, 0), key(2, Active, 500)],
                950,
                false,
                vec![set(1, Disabled)],
            ),
            // Disabled keys are left alone.
            (
                vec![key(1, Disabled, 0), key(2, Active, 500)],
                5000,
                false,
                vec![add(2)],
            ),
            // A successor made in the same second as its predecessor is still recognised.
            (
                vec![key(1, Active, 500), same_second_successor()],
                600,
                false,
                vec![
                    set_id(successor_id(Uuid::from_u128(1)), Active),
                    set(1, Passive),
                ],
            ),
            // No active key: nothing to rotate.
            (one(Passive), 5000, true, vec![]),
        ];
        for (keys, now, rotate_now, expected) in table {
            assert_eq!(
                plan(&keys, &POLICY, now, rotate_now),
                expected,
                "{keys:?} at {now}"
            );
        }
    }

    #[test]
    fn successor_ids_are_stable_and_distinct() {
        let a = successor_id(Uuid::from_u128(1));
        assert_eq!(a, successor_id(Uuid::from_u128(1)));
        assert_ne!(a, successor_id(Uuid::from_u128(2)));
        assert_eq!(a.get_version_num(), 8);
    }
}
