//! Full pull pages, kept compressed to be sent again.
//!
//! A full page (`more: true`) of a scope never changes. `server_seq` is allocated inside the
//! committing transaction and the log is only appended to, so every change up to the page's
//! `next` is committed when the page is read, and no later commit can land among them. When a
//! province's laptops pull at once they ask for the same pages in the same order; the server
//! reads, checks, encodes and compresses each page once, and sends the same bytes to the others.
//! A page that is not full (the end of the log, which grows) is never kept.
//!
//! The pages are kept by the epoch they were read in: a restored database has another epoch.
//! What is kept is bounded by a budget of compressed bytes; the oldest pages go first.

use std::collections::{HashMap, VecDeque};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::body::Bytes;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use townhall_domain::wire::PullResponse;
use townhall_domain::{AgencyId, LocalityId};

use crate::store::{PullScope, StoreError, StoredChange};

/// Which page: the same key always means the same bytes.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct PageKey {
    epoch: String,
    everything: bool,
    localities: Vec<LocalityId>,
    agency: Option<AgencyId>,
    since: u64,
    limit: u32,
}

impl PageKey {
    /// The page after `since` of at most `limit` changes in `scope`, in `epoch`.
    pub fn new(epoch: &str, scope: &PullScope, since: u64, limit: u32) -> Self {
        let mut localities = scope.localities.clone();
        // A jurisdiction's localities come from a tree walk; their order does not change what
        // the page holds.
        localities.sort_unstable();
        Self {
            epoch: epoch.to_owned(),
            everything: scope.everything,
            localities,
            agency: scope.agency,
            since,
            limit,
        }
    }
}

/// A page's JSON, gzip-compressed.
#[derive(Debug)]
pub struct GzipPage(Bytes);

impl GzipPage {
    /// Encodes and compresses `response`.
    fn encode(response: &PullResponse<StoredChange>) -> Result<Self, StoreError> {
        // Written straight into the compressor: no whole-page JSON buffer, the biggest
        // short-lived allocation a page would otherwise make. The output has room for a page of
        // 1,000 questions (about 255 KiB compressed). The fastest level, like the rest of the
        // server's responses: the first laptop to ask waits for it.
        let mut gzip = GzEncoder::new(Vec::with_capacity(256 * 1024), Compression::fast());
        let mut json = std::io::BufWriter::with_capacity(64 * 1024, &mut gzip);
        serde_json::to_writer(&mut json, response)?;
        json.flush().map_err(compression)?;
        drop(json);
        let mut gzip = gzip.finish().map_err(compression)?;
        // Kept for minutes: no spare capacity beyond what the budget counts.
        gzip.shrink_to_fit();
        Ok(Self(Bytes::from(gzip)))
    }

    /// The compressed bytes, for a client that accepts gzip.
    pub fn gzip(&self) -> Bytes {
        self.0.clone()
    }

    /// The JSON itself, for a client that does not accept gzip (none of ours).
    pub fn json(&self) -> Result<Bytes, StoreError> {
        let mut json = Vec::with_capacity(self.0.len() * 4);
        GzDecoder::new(&self.0[..])
            .read_to_end(&mut json)
            .map_err(compression)?;
        Ok(Bytes::from(json))
    }
}

fn compression(e: std::io::Error) -> StoreError {
    StoreError::Database(format!("compressing a page failed: {e}"))
}

/// A page as the handler sends it.
#[derive(Debug)]
pub enum Answer {
    /// A full page, compressed: shared with every device of the same scope.
    Kept(Arc<GzipPage>),
    /// The end of the log, or a refetch: for this request only.
    Fresh(PullResponse<StoredChange>),
}

/// One page's place. Requests for the same page wait on its lock while the first reads it,
/// then send what it kept, or read for themselves, side by side, if it was not full.
type Slot = Arc<Mutex<SlotState>>;

#[derive(Debug, Default)]
enum SlotState {
    /// Not read yet, or the read failed.
    #[default]
    Empty,
    /// Read, full, and kept.
    Kept(Arc<GzipPage>),
    /// Read, and not full: every request reads its own.
    NotKept,
}

/// Bytes a kept page costs beyond its compressed body: its key, held twice, and the entries
/// around it. Counted so that many tiny pages (`limit=1`) cannot hold more than the budget.
fn overhead(key: &PageKey) -> usize {
    let key_bytes = key.epoch.len()
        + std::mem::size_of_val(key.localities.as_slice())
        + std::mem::size_of::<PageKey>();
    2 * key_bytes + 128
}

/// Forgets a slot unless the read that holds it finished: an error or a panic in `read`
/// leaves nothing behind.
struct Unfinished<'a> {
    cache: &'a PageCache,
    key: &'a PageKey,
    slot: &'a Slot,
    armed: bool,
}

impl Drop for Unfinished<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.cache.forget(self.key, self.slot);
        }
    }
}

/// The pages kept, see the module's documentation.
#[derive(Debug)]
pub struct PageCache {
    budget: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    slots: HashMap<PageKey, Slot>,
    /// Filled pages, oldest first, with what each costs.
    filled: VecDeque<(PageKey, usize)>,
    bytes: usize,
}

impl PageCache {
    /// Keeps at most `budget` bytes (compressed pages and their keys); 0 keeps nothing.
    pub fn new(budget: usize) -> Self {
        Self {
            budget,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The page for `key`: the one kept, or the one `read` returns, kept when it is full.
    /// Blocks while another request reads the same page. An error keeps nothing, and the next
    /// request reads again.
    pub fn page(
        &self,
        key: PageKey,
        read: impl FnOnce() -> Result<PullResponse<StoredChange>, StoreError>,
    ) -> Result<Answer, StoreError> {
        if self.budget == 0 {
            return read().map(Answer::Fresh);
        }
        let slot = Arc::clone(self.lock().slots.entry(key.clone()).or_default());
        let mut state = slot.lock().unwrap_or_else(PoisonError::into_inner);
        match &*state {
            SlotState::Kept(kept) => return Ok(Answer::Kept(Arc::clone(kept))),
            SlotState::NotKept => {
                drop(state);
                return read().map(Answer::Fresh);
            }
            SlotState::Empty => {}
        }
        let mut unfinished = Unfinished {
            cache: self,
            key: &key,
            slot: &slot,
            armed: true,
        };
        let response = read()?;
        if !matches!(response, PullResponse::Page { more: true, .. }) {
            // Those waiting read for themselves; the slot goes when this guard drops.
            *state = SlotState::NotKept;
            return Ok(Answer::Fresh(response));
        }
        let encoded = Arc::new(GzipPage::encode(&response)?);
        *state = SlotState::Kept(Arc::clone(&encoded));
        drop(state);
        unfinished.armed = false;
        drop(unfinished);
        let cost = encoded.0.len() + overhead(&key);
        self.filled(key, &slot, cost);
        Ok(Answer::Kept(encoded))
    }

    /// Records a filled page and lets the oldest go until the budget holds.
    fn filled(&self, key: PageKey, slot: &Slot, cost: usize) {
        let mut inner = self.lock();
        // The slot may have been let go meanwhile (the budget is smaller than one page).
        if !inner.slots.get(&key).is_some_and(|s| Arc::ptr_eq(s, slot)) {
            return;
        }
        inner.filled.push_back((key, cost));
        inner.bytes += cost;
        while inner.bytes > self.budget {
            let Some((oldest, cost)) = inner.filled.pop_front() else {
                break;
            };
            inner.slots.remove(&oldest);
            inner.bytes -= cost;
        }
    }

    /// Drops a slot that holds no page, so the keys of pages never kept (the end of the log)
    /// do not pile up.
    fn forget(&self, key: &PageKey, slot: &Slot) {
        let mut inner = self.lock();
        if inner.slots.get(key).is_some_and(|s| Arc::ptr_eq(s, slot)) {
            inner.slots.remove(key);
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Pages kept and the bytes they count for.
    pub fn usage(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.filled.len(), inner.bytes)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::cell::Cell;

    use super::*;

    fn scope() -> PullScope {
        PullScope {
            everything: true,
            localities: Vec::new(),
            agency: None,
        }
    }

    fn key(since: u64) -> PageKey {
        PageKey::new("epoch", &scope(), since, 2)
    }

    /// A page of `changes` stored changes from `since`; full when `more`.
    fn response(since: u64, changes: u64, more: bool) -> PullResponse<StoredChange> {
        let changes: Vec<StoredChange> = (since + 1..=since + changes)
            .map(|seq| {
                StoredChange::new(
                    seq,
                    format!(r#"{{"server_seq":{seq},"text":"{}"}}"#, "x".repeat(400)),
                )
                .unwrap()
            })
            .collect();
        PullResponse::Page {
            epoch: "epoch".to_owned(),
            next: since + changes.len() as u64,
            changes,
            more,
        }
    }

    fn kept(answer: Answer) -> Arc<GzipPage> {
        match answer {
            Answer::Kept(page) => page,
            Answer::Fresh(response) => panic!("not kept: {response:?}"),
        }
    }

    #[test]
    fn a_full_page_is_read_once_and_its_json_is_the_response() {
        let cache = PageCache::new(64 * 1024 * 1024);
        let reads = Cell::new(0);
        let read = || {
            reads.set(reads.get() + 1);
            Ok(response(0, 2, true))
        };
        let first = kept(cache.page(key(0), read).unwrap());
        let again = kept(cache.page(key(0), read).unwrap());
        assert_eq!(reads.get(), 1);
        assert!(Arc::ptr_eq(&first, &again));
        let json = first.json().unwrap();
        assert_eq!(json, serde_json::to_vec(&response(0, 2, true)).unwrap());
        assert_eq!(cache.usage(), (1, first.gzip().len() + overhead(&key(0))));
    }

    #[test]
    fn the_end_of_the_log_and_failures_are_never_kept() {
        let cache = PageCache::new(64 * 1024 * 1024);
        for _ in 0..2 {
            let answer = cache.page(key(4), || Ok(response(4, 1, false))).unwrap();
            assert!(matches!(answer, Answer::Fresh(_)));
            let failed = cache.page(key(6), || Err(StoreError::Database("locked".to_owned())));
            assert!(failed.is_err());
        }
        assert_eq!(cache.usage(), (0, 0));
        assert!(
            cache.lock().slots.is_empty(),
            "no empty slot is left behind"
        );
        // After a failure the next request reads again.
        kept(cache.page(key(6), || Ok(response(6, 2, true))).unwrap());
        // A read that panics leaves no slot behind either.
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            cache.page(key(8), || panic!("the store panicked"))
        }));
        assert!(panicked.is_err());
        assert_eq!(cache.lock().slots.len(), 1, "only the kept page's");
        kept(cache.page(key(8), || Ok(response(8, 2, true))).unwrap());
        // Nothing at all is kept with a budget of 0.
        let none = PageCache::new(0);
        assert!(matches!(
            none.page(key(0), || Ok(response(0, 2, true))).unwrap(),
            Answer::Fresh(_)
        ));
    }

    #[test]
    fn the_oldest_pages_go_when_the_budget_is_full() {
        let size = GzipPage::encode(&response(0, 2, true)).unwrap().0.len() + overhead(&key(0));
        // Room for three pages of about this size.
        let cache = PageCache::new(size * 3 + size / 2);
        for since in [0, 2, 4, 6, 8] {
            kept(
                cache
                    .page(key(since), || Ok(response(since, 2, true)))
                    .unwrap(),
            );
        }
        let (pages, bytes) = cache.usage();
        assert_eq!(pages, 3);
        assert!(bytes <= size * 3 + size / 2, "{bytes}");
        let reads = Cell::new(0);
        let read = |since| {
            reads.set(reads.get() + 1);
            Ok(response(since, 2, true))
        };
        kept(cache.page(key(8), || read(8)).unwrap());
        assert_eq!(reads.get(), 0, "the newest page is still kept");
        kept(cache.page(key(0), || read(0)).unwrap());
        assert_eq!(
            reads.get(),
            1,
            "the oldest page was let go and is read again"
        );
    }

    #[test]
    fn pages_are_kept_per_scope_and_epoch() {
        let province = townhall_domain::LocalityId::from_uuid(uuid::Uuid::from_u128(1));
        let other = townhall_domain::LocalityId::from_uuid(uuid::Uuid::from_u128(2));
        let jurisdiction = |localities: Vec<townhall_domain::LocalityId>| PullScope {
            everything: false,
            localities,
            agency: None,
        };
        let keys = [
            PageKey::new("epoch", &scope(), 0, 2),
            PageKey::new("other epoch", &scope(), 0, 2),
            PageKey::new("epoch", &jurisdiction(vec![province]), 0, 2),
            PageKey::new("epoch", &jurisdiction(vec![province, other]), 0, 2),
            PageKey::new("epoch", &scope(), 1, 2),
            PageKey::new("epoch", &scope(), 0, 3),
        ];
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                assert_ne!(a, b);
            }
        }
        // The order a tree walk lists the localities in does not matter.
        assert_eq!(
            PageKey::new("epoch", &jurisdiction(vec![province, other]), 0, 2),
            PageKey::new("epoch", &jurisdiction(vec![other, province]), 0, 2)
        );
    }
}
