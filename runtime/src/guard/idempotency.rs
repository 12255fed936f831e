//! Idempotency keys: the first result for a key is kept for a window and returned for
//! every repeat of the key, and a repeat that arrives while the first call still runs
//! waits for its result instead of running the tool a second time.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use rmcp::model::CallToolResult;
use tokio::sync::watch;

use crate::observe::record::Outcome;

/// The first result of a key and what its call came to.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub(crate) result: CallToolResult,
    pub(crate) outcome: Outcome,
}

/// Entries kept per tool; past it, the oldest finished ones go first.
const CAPACITY: usize = 10_000;

#[derive(Debug)]
enum Entry {
    Running(watch::Receiver<Option<Stored>>),
    Done {
        stored: Box<Stored>,
        expires: Instant,
    },
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<String, Entry>,
    /// Keys in the order their results were stored (so in expiry order).
    order: VecDeque<(Instant, String)>,
}

#[derive(Debug)]
pub(crate) struct Cache {
    window: Duration,
    inner: Arc<Mutex<Inner>>,
}

/// What to do with a call that carries a key.
#[derive(Debug)]
pub(crate) enum Begin {
    /// A finished call had this key: return its result.
    Replay(Stored),
    /// A call with this key is running: wait for its result.
    Wait(watch::Receiver<Option<Stored>>),
    /// The first call with this key: run it and [`Reservation::complete`] it.
    Run(Reservation),
}

/// The right to run the first call of a key. Dropped without a result (the call was
/// refused or cancelled before the tool ran), it frees the key.
#[derive(Debug)]
pub(crate) struct Reservation {
    key: String,
    window: Duration,
    inner: Arc<Mutex<Inner>>,
    sender: Option<watch::Sender<Option<Stored>>>,
}

impl Cache {
    pub(crate) fn new(window: Duration) -> Self {
        Self {
            window,
            inner: Arc::new(Mutex::new(Inner::default())),
        }
    }

    /// A finished result for `key`, if there is one.
    pub(crate) fn replay(&self, key: &str, now: Instant) -> Option<Stored> {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.expire(now);
        match inner.entries.get(key) {
            Some(Entry::Done { stored, .. }) => Some(Stored::clone(stored)),
            _ => None,
        }
    }

    pub(crate) fn begin(&self, key: String, now: Instant) -> Begin {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.expire(now);
        match inner.entries.get(&key) {
            Some(Entry::Done { stored, .. }) => return Begin::Replay(Stored::clone(stored)),
            Some(Entry::Running(receiver)) => return Begin::Wait(receiver.clone()),
            None => {}
        }
        let (sender, receiver) = watch::channel(None);
        inner.entries.insert(key.clone(), Entry::Running(receiver));
        Begin::Run(Reservation {
            key,
            window: self.window,
            inner: Arc::clone(&self.inner),
            sender: Some(sender),
        })
    }
}

impl Inner {
    /// Drops expired results, and the oldest ones while over [`CAPACITY`].
    fn expire(&mut self, now: Instant) {
        while let Some((expires, _)) = self.order.front() {
            if *expires > now && self.order.len() <= CAPACITY {
                break;
            }
            let Some((expires, key)) = self.order.pop_front() else {
                break;
            };
            // The key may have been stored again since; drop only this store of it.
            if matches!(self.entries.get(&key), Some(Entry::Done { expires: e, .. }) if *e == expires)
            {
                self.entries.remove(&key);
            }
        }
    }
}

impl Reservation {
    /// Store the result of the call and hand it to the calls waiting for it.
    pub(crate) fn complete(mut self, stored: Stored, now: Instant) {
        let expires = now + self.window;
        {
            let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            inner.entries.insert(
                self.key.clone(),
                Entry::Done {
                    stored: Box::new(stored.clone()),
                    expires,
                },
            );
            inner.order.push_back((expires, self.key.clone()));
            inner.expire(now);
        }
        if let Some(sender) = self.sender.take() {
            sender.send_replace(Some(stored));
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.sender.is_some() {
            let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            if matches!(inner.entries.get(&self.key), Some(Entry::Running(_))) {
                inner.entries.remove(&self.key);
            }
        }
    }
}

/// Waits for the running call's result; `None` if it ended without one (then the
/// caller should begin again).
pub(crate) async fn wait(mut receiver: watch::Receiver<Option<Stored>>) -> Option<Stored> {
    match receiver.wait_for(Option::is_some).await {
        Ok(result) => result.clone(),
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use rmcp::model::ContentBlock;

    use super::*;

    fn text(stored: &Stored) -> String {
        format!("{:?}", stored.result.content)
    }

    #[tokio::test]
    async fn a_repeated_key_gets_the_first_result_until_the_window_ends() {
        let cache = Cache::new(Duration::from_secs(60));
        let t0 = Instant::now();
        let Begin::Run(reservation) = cache.begin("k".into(), t0) else {
            panic!("the first call runs");
        };
        let Begin::Wait(receiver) = cache.begin("k".into(), t0) else {
            panic!("a repeat during the first call waits");
        };
        let first = Stored {
            result: CallToolResult::success(vec![ContentBlock::text("note 1")]),
            outcome: Outcome::Ok,
        };
        reservation.complete(first.clone(), t0);
        assert_eq!(wait(receiver).await.map(|r| text(&r)), Some(text(&first)));
        assert!(matches!(
            cache.begin("k".into(), t0 + Duration::from_secs(59)),
            Begin::Replay(_)
        ));
        assert!(cache.replay("k", t0 + Duration::from_secs(59)).is_some());
        assert!(cache.replay("k", t0 + Duration::from_secs(61)).is_none());
        assert!(matches!(
            cache.begin("k".into(), t0 + Duration::from_secs(61)),
            Begin::Run(_)
        ));
    }

    #[tokio::test]
    async fn a_reservation_dropped_without_a_result_frees_the_key() {
        let cache = Cache::new(Duration::from_secs(60));
        let t0 = Instant::now();
        let Begin::Run(reservation) = cache.begin("k".into(), t0) else {
            panic!("the first call runs");
        };
        let Begin::Wait(receiver) = cache.begin("k".into(), t0) else {
            panic!("waits");
        };
        drop(reservation);
        assert!(wait(receiver).await.is_none());
        assert!(matches!(cache.begin("k".into(), t0), Begin::Run(_)));
    }
}
