//! Answers about tokens, kept under the SHA-256 of the token until each answer's own
//! deadline, so that a client sending the same token on every request pays for one
//! signature check or one introspection call, not one per request.
//!
//! The key is a digest, not the token: a memory dump or a debug print of the cache
//! shows no usable credential. SHA-256 makes a collision (one token answering for
//! another) out of reach.

use std::{
    collections::HashMap,
    fmt,
    sync::{PoisonError, RwLock},
    time::Instant,
};

use sha2::{Digest, Sha256};

/// The SHA-256 of a token.
pub(crate) type Fingerprint = [u8; 32];

/// The SHA-256 of `token`.
pub(crate) fn fingerprint(token: &str) -> Fingerprint {
    Sha256::digest(token.as_bytes()).into()
}

/// A bounded map from token fingerprints to answers, each with a deadline.
pub(crate) struct TokenCache<V> {
    entries: RwLock<HashMap<Fingerprint, (V, Instant)>>,
    capacity: usize,
}

/// The size only: the answers name principals, which a debug print of the server's
/// settings has no business listing.
impl<V> fmt::Debug for TokenCache<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = self
            .entries
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        f.debug_struct("TokenCache")
            .field("len", &len)
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl<V: Clone> TokenCache<V> {
    /// A cache holding at most `capacity` answers.
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            entries: RwLock::new(HashMap::new()),
            capacity,
        }
    }

    /// The answer for `key`, if one is kept and its deadline has not passed.
    pub(crate) fn get(&self, key: &Fingerprint, now: Instant) -> Option<V> {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        match entries.get(key) {
            Some((value, until)) if now < *until => Some(value.clone()),
            _ => None,
        }
    }

    /// Keeps `value` for `key` until `until`.
    ///
    /// When full, expired answers go first; if none had expired, everything goes.
    /// Simpler than an LRU and still bounded: only a flood of distinct valid tokens
    /// (one per request) empties it, and then each of them costs a check anyway.
    pub(crate) fn insert(&self, key: Fingerprint, value: V, until: Instant) {
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            let now = Instant::now();
            entries.retain(|_, (_, until)| now < *until);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(key, (value, until));
    }

    /// How many answers are kept (expired ones included until they are swept).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn answers_live_until_their_deadline_and_the_cache_stays_bounded() {
        let cache = TokenCache::new(2);
        let now = Instant::now();
        let later = now + Duration::from_secs(60);
        cache.insert(fingerprint("a"), 1, later);
        assert_eq!(cache.get(&fingerprint("a"), now), Some(1));
        assert_eq!(
            cache.get(&fingerprint("a"), later),
            None,
            "the deadline is exclusive"
        );
        assert_eq!(cache.get(&fingerprint("b"), now), None);

        cache.insert(fingerprint("gone"), 2, now);
        cache.insert(fingerprint("c"), 3, later);
        assert_eq!(cache.len(), 2, "the expired answer made room");
        cache.insert(fingerprint("d"), 4, later);
        assert!(cache.len() <= 2);
        assert_eq!(cache.get(&fingerprint("d"), now), Some(4));
    }

    #[test]
    fn the_key_is_the_sha256_of_the_token() {
        let hex: String = fingerprint("abc")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
