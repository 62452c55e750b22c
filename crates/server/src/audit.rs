//! Audit events, written off the request path.
//!
//! Handlers hand an [`AuditEvent`] to [`Audit::record`], which never blocks: it puts the event on
//! a bounded queue (when the queue is full the event is dropped and counted, so a flood cannot
//! slow the token path). One writer thread takes whatever is queued, folds events that differ
//! only in time into one record with a `count` (a burst of client-credentials tokens for one client
//! from one address becomes one row, not thousands), writes the batch in one statement, and once
//! an hour deletes the events older than the retention period.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::time::{Duration, Instant};

use oauth_core::Store;
use oauth_core::model::{Event, UnixTime};
use oauth_core::random::random_uuid;
use uuid::Uuid;

use crate::state::{OsEntropy, now};

/// Events queued at most; more are dropped (and counted).
pub const QUEUE_CAPACITY: usize = 20_000;
/// Events written in one transaction at most.
const BATCH: usize = QUEUE_CAPACITY;
/// How long the writer gathers events after the first before writing them.
const GATHER: Duration = Duration::from_millis(100);
/// How often old events are purged.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// Something to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// Realm it happened in.
    pub realm_id: Option<Uuid>,
    /// What happened (`login`, `token_issued`, `user_create`, ...).
    pub name: String,
    /// Whether it succeeded.
    pub success: bool,
    /// `user` or `client`.
    pub actor_type: Option<&'static str>,
    /// Who (an id, or the user name a failed login gave).
    pub actor_id: Option<String>,
    /// Kind of record touched.
    pub target_type: Option<&'static str>,
    /// Id of the record touched.
    pub target_id: Option<String>,
    /// Client address.
    pub ip: Option<String>,
    /// More (e.g. the grant type); never a secret.
    pub detail: Option<String>,
    /// When.
    pub at: UnixTime,
}

impl AuditEvent {
    /// An event named `name` in `realm_id`.
    pub fn new(name: &str, realm_id: Option<Uuid>, success: bool, at: UnixTime) -> Self {
        Self {
            realm_id,
            name: name.to_owned(),
            success,
            actor_type: None,
            actor_id: None,
            target_type: None,
            target_id: None,
            ip: None,
            detail: None,
            at,
        }
    }

    /// Who did it (an id, or a user name; cut at 128 characters).
    pub fn actor(mut self, kind: &'static str, id: impl Into<String>) -> Self {
        self.actor_type = Some(kind);
        self.actor_id = Some(id.into().chars().take(128).collect());
        self
    }

    /// What it touched.
    pub fn target(mut self, kind: &'static str, id: impl Into<String>) -> Self {
        self.target_type = Some(kind);
        self.target_id = Some(id.into());
        self
    }

    /// From where.
    pub fn ip(mut self, ip: Option<String>) -> Self {
        self.ip = ip;
        self
    }

    /// More (never a secret).
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// The writer thread, to wait for when the server stops.
#[derive(Debug)]
pub struct Writer(std::thread::JoinHandle<()>);

impl Writer {
    /// Waits up to `timeout` for the writer to write what is queued and stop (it stops once every
    /// [`Audit`] clone is dropped); answers whether it did.
    pub fn finish(self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while !self.0.is_finished() {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        self.0.join().is_ok()
    }
}

/// The queue handlers record into; cheap to clone.
#[derive(Clone, Default)]
pub struct Audit {
    sender: Option<SyncSender<AuditEvent>>,
    dropped: Arc<AtomicU64>,
}

impl std::fmt::Debug for Audit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Audit")
            .field("enabled", &self.sender.is_some())
            .field("dropped", &self.dropped())
            .finish()
    }
}

impl Audit {
    /// Starts the writer thread over `store`, keeping events for `retention_days`.
    pub fn start(store: Arc<dyn Store>, retention_days: u32) -> std::io::Result<Self> {
        Self::start_with_writer(store, retention_days).map(|(audit, _)| audit)
    }

    /// [`start`](Self::start), also answering the writer to wait for at shutdown.
    pub fn start_with_writer(
        store: Arc<dyn Store>,
        retention_days: u32,
    ) -> std::io::Result<(Self, Writer)> {
        let (sender, receiver) = sync_channel(QUEUE_CAPACITY);
        let handle = std::thread::Builder::new()
            .name("audit-writer".into())
            .spawn(move || write_loop(store.as_ref(), &receiver, retention_days))?;
        let audit = Self {
            sender: Some(sender),
            dropped: Arc::default(),
        };
        Ok((audit, Writer(handle)))
    }

    /// Whether events are written (the writer runs).
    pub fn is_enabled(&self) -> bool {
        self.sender.is_some()
    }

    /// Queues an event; never blocks.
    pub fn record(&self, event: AuditEvent) {
        let Some(sender) = &self.sender else { return };
        match sender.try_send(event) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                if self
                    .dropped
                    .fetch_add(1, Ordering::Relaxed)
                    .is_multiple_of(1000)
                {
                    tracing::warn!("audit queue full; dropping events");
                }
            }
            Err(TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Events dropped because the queue was full or the writer gone.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// Hash of everything but the time.
fn key_hash(e: &AuditEvent) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (&e.realm_id, &e.name, e.success, &e.actor_type, &e.actor_id).hash(&mut h);
    (&e.target_type, &e.target_id, &e.ip, &e.detail).hash(&mut h);
    h.finish()
}

fn same_but_time(a: &AuditEvent, b: &AuditEvent) -> bool {
    (&a.realm_id, &a.name, a.success, &a.actor_type, &a.actor_id)
        == (&b.realm_id, &b.name, b.success, &b.actor_type, &b.actor_id)
        && (&a.target_type, &a.target_id, &a.ip, &a.detail)
            == (&b.target_type, &b.target_id, &b.ip, &b.detail)
}

/// Folds events that differ only in time into one, counted, at the earliest time; keeps order.
/// Copies nothing: under load this runs for every token issued.
fn fold(batch: Vec<AuditEvent>) -> Vec<(AuditEvent, i64)> {
    let mut index: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut folded: Vec<(AuditEvent, i64)> = Vec::new();
    for event in batch {
        let slots = index.entry(key_hash(&event)).or_default();
        match slots.iter().find(|&&i| same_but_time(&folded[i].0, &event)) {
            Some(&i) => {
                let (first, count) = &mut folded[i];
                first.at = first.at.min(event.at);
                *count += 1;
            }
            None => {
                slots.push(folded.len());
                folded.push((event, 1));
            }
        }
    }
    folded
}

fn write_loop(store: &dyn Store, receiver: &Receiver<AuditEvent>, retention_days: u32) {
    let mut rng = OsEntropy;
    let mut last_purge: Option<Instant> = None;
    loop {
        if last_purge.is_none_or(|t| t.elapsed() >= PURGE_EVERY) {
            let cutoff = now() - i64::from(retention_days) * 86_400;
            match store.purge_events(cutoff) {
                Ok(0) => {}
                Ok(n) => tracing::info!(purged = n, retention_days, "old audit events deleted"),
                Err(e) => tracing::warn!(error = %e, "cannot purge audit events"),
            }
            last_purge = Some(Instant::now());
        }
        let first = match receiver.recv_timeout(Duration::from_secs(60)) {
            Ok(event) => event,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        // Gather for a moment: under load a batch then holds many events (few transactions,
        // repeats folded); when idle the event is written within GATHER.
        // Sleeping (rather than waking per event) keeps the senders from paying for wakeups.
        std::thread::sleep(GATHER);
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match receiver.try_recv() {
                Ok(event) => batch.push(event),
                Err(_) => break,
            }
        }
        let events: Vec<Event> = fold(batch)
            .into_iter()
            .map(|(e, count)| Event {
                id: random_uuid(&mut rng),
                realm_id: e.realm_id,
                name: e.name,
                success: e.success,
                actor_type: e.actor_type.map(str::to_owned),
                actor_id: e.actor_id,
                target_type: e.target_type.map(str::to_owned),
                target_id: e.target_id,
                ip: e.ip,
                detail: e.detail,
                count,
                created_at: e.at,
            })
            .collect();
        if let Err(e) = store.insert_events(&events) {
            tracing::warn!(error = %e, count = events.len(), "cannot write audit events");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_fold_into_one_counted_event_in_order() {
        let issued = |at, client: &str| {
            AuditEvent::new("token_issued", None, true, at).target("client", client.to_owned())
        };
        let batch = vec![
            issued(5, "a"),
            issued(3, "b"),
            issued(4, "a"),
            issued(6, "a"),
        ];
        let folded = fold(batch);
        assert_eq!(folded.len(), 2);
        assert_eq!(
            (
                folded[0].0.target_id.as_deref(),
                folded[0].0.at,
                folded[0].1
            ),
            (Some("a"), 4, 3)
        );
        assert_eq!(
            (folded[1].0.target_id.as_deref(), folded[1].1),
            (Some("b"), 1)
        );
    }
}
