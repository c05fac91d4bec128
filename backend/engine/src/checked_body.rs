//! Response bodies held for the checks that read them (`body_contains`, `json`): each up to
//! [`MAX_CHECKED_BODY`], and all of a run's together up to a run-wide budget
//! ([`RUN_BUDGET`]) at any one time, so a thousand users checking large responses hold at most
//! the budget, not a thousand times the per-body cap.
//!
//! The budget is taken as a body's buffer grows and given back when the body is dropped (its
//! checks judged). A body that finds the budget spent is not waited for room (that would add
//! the wait to its latency): it lets go of what it held, the rest of the response is still read
//! and counted, and its checks are not judged. The request then counts as failed with
//! `other`, not as a passed or failed check (see `journey::send`).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use shared::units::{human_bytes, plural};

/// Most bytes of one body kept for checks; the rest is still read and counted.
pub(crate) const MAX_CHECKED_BODY: usize = 8 << 20;

/// Most bytes of bodies held for checks by a whole run at any one time.
pub(crate) const RUN_BUDGET: usize = 256 << 20;

/// A body's buffer grows at least by this much (and at least doubles), so a body arriving in
/// small reads takes the budget a few times, not once per read.
const MIN_GROWTH: usize = 16 << 10;

/// The bytes a run may hold for checks at once, shared by its workers.
#[derive(Debug)]
pub(crate) struct Budget {
    held: AtomicUsize,
    limit: usize,
    /// Bodies that found the budget spent (their checks not judged).
    refused: AtomicU64,
}

impl Budget {
    pub(crate) const fn new(limit: usize) -> Self {
        Self {
            held: AtomicUsize::new(0),
            limit,
            refused: AtomicU64::new(0),
        }
    }

    /// The run's warning when bodies found the budget spent: their requests count as `other`
    /// errors because of the generator's limit, not the target's doing, so the generator says so.
    pub(crate) fn warning(&self) -> Option<String> {
        let refused = self.refused.load(Ordering::Relaxed);
        (refused > 0).then(|| {
            let (them, they) = if refused == 1 {
                ("its", "that request is")
            } else {
                ("their", "those requests are")
            };
            format!(
                "{} could not be kept for {them} checks: the run's {} for bodies held for checks at once was spent; {they} counted as errors (other), which describes the generator's limit, not the target",
                plural(refused, "response body", "response bodies"),
                human_bytes(self.limit as u64),
            )
        })
    }

    /// Takes `n` bytes if they fit under the limit.
    fn take(&self, n: usize) -> bool {
        self.held
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |held| {
                held.checked_add(n).filter(|&total| total <= self.limit)
            })
            .is_ok()
    }

    fn give_back(&self, n: usize) {
        self.held.fetch_sub(n, Ordering::Relaxed);
    }

    /// Bytes held now.
    #[cfg(test)]
    pub(crate) fn held(&self) -> usize {
        self.held.load(Ordering::Relaxed)
    }
}

impl Default for Budget {
    fn default() -> Self {
        Self::new(RUN_BUDGET)
    }
}

/// One response's body, kept for its checks under a run's [`Budget`].
#[derive(Debug)]
pub(crate) struct CheckedBody<'a> {
    budget: &'a Budget,
    bytes: Vec<u8>,
    /// Most bytes kept of this body.
    limit: usize,
    /// Bytes of the budget this body holds: its buffer's capacity.
    taken: usize,
    /// The budget was spent when this body needed more: nothing is kept.
    spent: bool,
}

impl<'a> CheckedBody<'a> {
    /// An empty body that keeps up to [`MAX_CHECKED_BODY`] bytes under `budget`.
    pub(crate) fn new(budget: &'a Budget) -> Self {
        Self::with_limit(budget, MAX_CHECKED_BODY)
    }

    pub(crate) fn with_limit(budget: &'a Budget, limit: usize) -> Self {
        Self {
            budget,
            bytes: Vec::new(),
            limit,
            taken: 0,
            spent: false,
        }
    }

    /// Keeps what of `data` fits under this body's limit, if the budget has room for it.
    pub(crate) fn push(&mut self, data: &[u8]) {
        if self.spent {
            return;
        }
        let room = self.limit.saturating_sub(self.bytes.len());
        let data = &data[..data.len().min(room)];
        if data.is_empty() {
            return;
        }
        let needed = self.bytes.len() + data.len();
        if needed > self.taken {
            let roomy = needed
                .max(self.taken.saturating_mul(2))
                .max(MIN_GROWTH)
                .min(self.limit);
            // Room to grow if the budget has it, what this read needs otherwise.
            let grown = [roomy, needed]
                .into_iter()
                .find(|&size| self.budget.take(size - self.taken));
            let Some(size) = grown else {
                self.spend();
                return;
            };
            self.bytes.reserve_exact(size - self.bytes.len());
            self.taken = size;
        }
        self.bytes.extend_from_slice(data);
    }

    /// Lets go of what is held: the checks will not be judged.
    fn spend(&mut self) {
        self.spent = true;
        self.budget.refused.fetch_add(1, Ordering::Relaxed);
        self.bytes = Vec::new();
        self.budget.give_back(std::mem::take(&mut self.taken));
    }

    /// The body as kept for its checks, or `None` when the run's budget was spent while it
    /// arrived (its checks cannot be judged).
    pub(crate) fn checkable(&self) -> Option<&[u8]> {
        (!self.spent).then_some(self.bytes.as_slice())
    }
}

impl Drop for CheckedBody<'_> {
    fn drop(&mut self) {
        self.budget.give_back(self.taken);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_keeps_up_to_its_limit_and_gives_the_budget_back_when_dropped() {
        let budget = Budget::new(1 << 20);
        let mut body = CheckedBody::with_limit(&budget, 100_000);
        for _ in 0..1000 {
            body.push(&[b'x'; 1000]);
        }
        assert_eq!(body.checkable().map(<[u8]>::len), Some(100_000));
        // The buffer's capacity is what is held, grown in a few steps, never past the limit.
        assert_eq!(budget.held(), 100_000);
        drop(body);
        assert_eq!(budget.held(), 0);
    }

    #[test]
    fn a_body_that_finds_the_budget_spent_lets_go_and_cannot_be_checked() {
        let budget = Budget::new(100_000);
        let mut first = CheckedBody::new(&budget);
        first.push(&[b'a'; 60_000]);
        assert_eq!(first.checkable().map(<[u8]>::len), Some(60_000));
        let mut second = CheckedBody::new(&budget);
        // Room for this read, if not for the usual growth.
        second.push(&[b'b'; 30_000]);
        assert_eq!(second.checkable().map(<[u8]>::len), Some(30_000));
        second.push(&[b'b'; 30_000]);
        assert!(second.checkable().is_none(), "spent");
        // What it held went back at once; more data does not take any again.
        assert_eq!(budget.held(), 60_000);
        second.push(&[b'b'; 10]);
        assert!(second.checkable().is_none());
        assert_eq!(budget.held(), 60_000);
        drop(second);
        assert_eq!(budget.held(), 60_000);
        drop(first);
        assert_eq!(budget.held(), 0);
        // The room given back serves the next body.
        let mut third = CheckedBody::new(&budget);
        third.push(&[b'c'; 90_000]);
        assert_eq!(third.checkable().map(<[u8]>::len), Some(90_000));
    }
}
