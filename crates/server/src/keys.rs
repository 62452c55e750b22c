//! Parsed signers, kept in memory so a token costs one signature and not a key parse.
//!
//! The signer for a realm and algorithm is the newest active key of the store's key list (itself
//! cached by `cache::CachedStore`). A parsed signer is reused while its key is still the current
//! one, so a rotation (a new key in the list) takes effect as soon as the list is refreshed.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use oauth_core::keys::{KeySource, Signer, signing_key};
use oauth_core::model::SigningAlgorithm;
use oauth_core::{Error, Store};
use uuid::Uuid;

/// Most parsed signers kept; past it the map starts over.
pub const MAX_SIGNERS: usize = 1024;

/// Signers by key id.
#[derive(Debug, Default)]
pub struct CachedKeySource {
    signers: RwLock<HashMap<Uuid, Arc<Signer>>>,
}

impl KeySource for CachedKeySource {
    fn signer(
        &self,
        store: &dyn Store,
        realm_id: Uuid,
        algorithm: SigningAlgorithm,
    ) -> Result<Arc<Signer>, Error> {
        let key = signing_key(store, realm_id, algorithm)?;
        if let Some(signer) = self
            .signers
            .read()
            .ok()
            .and_then(|m| m.get(&key.id).cloned())
        {
            return Ok(signer);
        }
        let signer = Arc::new(Signer::from_key(&key)?);
        if let Ok(mut map) = self.signers.write() {
            // Retired keys' signers are few; a bound keeps the map from growing without end.
            if map.len() >= MAX_SIGNERS {
                map.clear();
            }
            map.insert(key.id, signer.clone());
        }
        Ok(signer)
    }
}
