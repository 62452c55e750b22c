//! [`KeyEncryption`]: the stored format, what opens and what does not.

use super::*;

const KID: Uuid = Uuid::from_u128(0x6f1c_1a52_3c1e_4b8e_9d51_0c7a_8e2f_4b10);
const OTHER: Uuid = Uuid::from_u128(0x6f1c_1a52_3c1e_4b8e_9d51_0c7a_8e2f_4b11);

/// Sealed by the previous implementation (OpenSSL's AES-256-GCM in `store-shared`) under KEK
/// `[7; 32]`, key id [`KID`]: databases written before the move must still open.
const WRITTEN_BEFORE: &str = "enc:v1:EOqmLtmKe+uDY8wl+9t/YlDJJxgaONA3Zn7LbCU85ITtGYkanRU9fQ==";

fn der(value: &str) -> PrivateKeyDer {
    PrivateKeyDer::new(value)
}

#[test]
fn a_key_sealed_before_the_move_to_ring_still_opens() {
    let kek = KeyEncryption::with_kek([7; 32]);
    let opened = kek.open(KID, WRITTEN_BEFORE.to_owned()).unwrap();
    assert_eq!(opened.secret(), "MIGHAgEAMBMG");
}

#[test]
fn sealing_hides_the_key_and_uses_a_fresh_nonce() {
    let kek = KeyEncryption::with_kek([7; 32]);
    let sealed = kek.seal(KID, &der("MIGHAgEAMBMG")).unwrap();
    assert!(sealed.starts_with(SEALED_PREFIX));
    assert!(!sealed.contains("MIGHAgEAMBMG"));
    assert_ne!(sealed, kek.seal(KID, &der("MIGHAgEAMBMG")).unwrap());
    assert_eq!(kek.open(KID, sealed).unwrap().secret(), "MIGHAgEAMBMG");
}

#[test]
fn a_sealed_key_copied_onto_another_key_id_does_not_open() {
    let kek = KeyEncryption::with_kek([7; 32]);
    let sealed = kek.seal(KID, &der("MIGHAgEAMBMG")).unwrap();
    assert!(kek.open(OTHER, sealed).is_err());
}

#[test]
fn a_tampered_or_truncated_sealed_key_does_not_open() {
    let kek = KeyEncryption::with_kek([7; 32]);
    let mut tampered = WRITTEN_BEFORE.as_bytes().to_vec();
    let last = tampered.len() - 4;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    assert!(kek.open(KID, String::from_utf8(tampered).unwrap()).is_err());
    assert!(kek.open(KID, format!("{SEALED_PREFIX}AAEC")).is_err());
}

#[test]
fn another_kek_does_not_open_and_says_so() {
    let other = KeyEncryption::with_kek([8; 32]);
    let err = other.open(KID, WRITTEN_BEFORE.to_owned()).unwrap_err();
    assert!(err.to_string().contains("wrong key"), "{err}");
}

#[test]
fn without_a_kek_keys_are_stored_as_they_are_and_sealed_ones_are_refused() {
    let none = KeyEncryption::none();
    assert!(!none.seals());
    assert_eq!(none.seal(KID, &der("MIG")).unwrap(), "MIG");
    let err = none.open(KID, WRITTEN_BEFORE.to_owned()).unwrap_err();
    assert!(err.to_string().contains("keys.encryption_key"), "{err}");
    assert_eq!(none.open(KID, "MIG".into()).unwrap().secret(), "MIG");
    assert!(!none.clear_keys_read(), "nothing to seal without a KEK");
}

#[test]
fn a_clear_key_read_under_a_kek_is_reported_on_that_instance_only() {
    let kek = KeyEncryption::with_kek([7; 32]);
    let other = KeyEncryption::with_kek([7; 32]);
    kek.open(KID, kek.seal(KID, &der("MIG")).unwrap()).unwrap();
    assert!(!kek.clear_keys_read(), "a sealed key is not reported");
    assert_eq!(kek.open(KID, "legacy".into()).unwrap().secret(), "legacy");
    assert!(kek.clear_keys_read());
    assert!(!other.clear_keys_read(), "not process-global");
}

#[test]
fn the_kek_never_shows_in_debug() {
    let shown = format!("{:?}", KeyEncryption::with_kek([0x41; 32]));
    assert!(
        shown.contains("[redacted]") && !shown.contains("65"),
        "{shown}"
    );
}
