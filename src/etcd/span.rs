//! Where to end the next page of a scan on etcd before 3.7, without any I/O.
//!
//! etcd counts every key in a limited `Range`'s span before it answers, so a scan in
//! pages of `[last key, end)` pays for all that is left on every page (quadratic). This
//! plans bounded sub-ranges instead: the first page spans the whole scan once (its count
//! is the scan's total, exact at the pinned revision), and every later page ends at a
//! bound estimated by interpolating the key space from what the last page saw, so that
//! etcd counts about one page. The count etcd returns for the bounded range is the
//! feedback: more than a page left inside the bound narrows the next one, fewer than a
//! page widens it (×1 to ×4). Only when the keys left are known to be few does a page
//! run to the scan's end.
//!
//! Keys are placed on a line by their 8 bytes after a common prefix, read big-endian
//! (shorter keys padded with zeros); estimates may be far off (decimal names across a
//! carry, a dense directory after sparse ones) but each miss costs one cheap empty
//! range or one over-wide count, and the feedback corrects the next.

use super::skipscan::{key_after, prefix_end};

/// How much wider than the last range the next may grow when the last held less than a
/// page.
const MAX_WIDEN: u128 = 4;
/// How much wider each range grows while crossing a gap (empty ranges in a row): a
/// byte level at a time for small pages (live `du`'s, up to 20,000 keys), doubling for
/// large ones (the key index's 160,000). From the middle of a byte level, ×256 reaches
/// nearly to the end of the level above: at ten million Kubernetes keys the index
/// counted 6.5 keys for each key read, whole resource directories (4 million events)
/// for one page. Doubling finds the far side of a gap within twice its distance: 4.0
/// keys counted per key read, for 900 ranges instead of 230, the added ones empty. For
/// small pages the gaps come often and the added round trips would cost more than the
/// counting saved (simulated on both benches' key sets: du's would make 6.5 times the
/// requests for half the keys counted).
const GAP_GROW: u128 = 256;
const GAP_GROW_LARGE: u128 = 2;
/// Pages from this many keys on cross gaps by doubling.
const LARGE_PAGE: u64 = 50_000;

/// Where a range ends: at a key, or at the scan's end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bound {
    Key(Vec<u8>),
    End,
}

/// The length of the prefix `a` and `b` share.
pub fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// The 8 bytes of `key` after `p`, big-endian, padded with zeros.
pub fn coord(key: &[u8], p: usize) -> u64 {
    let mut b = [0u8; 8];
    let tail = key.get(p..).unwrap_or_default();
    let n = tail.len().min(8);
    b[..n].copy_from_slice(&tail[..n]);
    u64::from_be_bytes(b)
}

fn at(base: &[u8], v: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(base.len() + 8);
    k.extend_from_slice(base);
    k.extend_from_slice(&v.to_be_bytes());
    k
}

/// `end` as a bound: `[0]` is etcd's "end of the key space".
fn is_keyspace_end(end: &[u8]) -> bool {
    end == [0]
}

fn clamp(k: Vec<u8>, end: &[u8]) -> Bound {
    if !is_keyspace_end(end) && k.as_slice() >= end {
        Bound::End
    } else {
        Bound::Key(k)
    }
}

/// A bound `num/den` times as far beyond `b` as `b` is beyond `a` (`a < b`), measured
/// at their common prefix; at least one step past `b`. Overflow past the common
/// prefix's range gives that prefix's end; anything at or past `end` is `End`.
pub fn project(a: &[u8], b: &[u8], num: u64, den: u64, end: &[u8]) -> Bound {
    let p = common_prefix(a, b);
    let (va, vb) = (coord(a, p) as u128, coord(b, p) as u128);
    let delta = (vb.saturating_sub(va) * num as u128 / den.max(1) as u128).max(1);
    let w = vb + delta;
    match u64::try_from(w) {
        Ok(w) => clamp(at(&b[..p], w), end),
        Err(_) => match prefix_end(&b[..p]) {
            Some(k) => clamp(k, end),
            None => Bound::End,
        },
    }
}

/// A bound `num/den` of the way from `from` to `end` (`[0]`: the key space's end),
/// at least one step past `from`.
pub fn between(from: &[u8], end: &[u8], num: u64, den: u64) -> Bound {
    let (p, vend) = if is_keyspace_end(end) {
        (0, 1u128 << 64)
    } else {
        let p = common_prefix(from, end);
        (p, coord(end, p) as u128)
    };
    let vf = coord(from, p) as u128;
    let delta = (vend.saturating_sub(vf) * num as u128 / den.max(1) as u128).max(1);
    match u64::try_from(vf + delta) {
        Ok(w) if (w as u128) < vend => clamp(at(&from[..p], w), end),
        _ => Bound::End,
    }
}

/// How far one page reaches: `width` in units of the 8 bytes after byte `p` of a key.
/// Kept at a fixed byte position rather than re-measured at each range's common prefix,
/// so that widening after empty ranges grows steadily instead of jumping to the end of
/// whatever prefix two bounds happen to share (a carry like `pod-0199` → `pod-0200`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Step {
    p: usize,
    width: u128,
    /// The page size `width` was aimed at.
    target: u64,
}

impl Step {
    /// Learned from a full page: `n` keys from `first` to `last` make `target`
    /// keys about `(last - first) × target / (n - 1)` wide.
    fn learn(first: &[u8], last: &[u8], n: u64, target: u64) -> Step {
        let p = common_prefix(first, last);
        let d = (coord(last, p) as u128).saturating_sub(coord(first, p) as u128);
        Step {
            p,
            width: (d * target as u128 / n.saturating_sub(1).max(1) as u128).max(1),
            target,
        }
        .normalized()
    }

    fn grown(self, by: u128) -> Step {
        Step {
            width: self.width.saturating_mul(by),
            ..self
        }
        .normalized()
    }

    /// The same density aimed at pages of `target` keys (the caller's page size may
    /// change between pages).
    fn aimed(self, target: u64) -> Step {
        Step {
            width: (self.width.saturating_mul(target as u128) / self.target.max(1) as u128).max(1),
            target,
            ..self
        }
        .normalized()
    }

    /// A width of 2^64 units or more at `p` is the same width a byte further left.
    fn normalized(mut self) -> Step {
        while self.width > u64::MAX as u128 && self.p > 0 {
            self.p -= 1;
            self.width >>= 8;
        }
        self
    }

    /// `width` past `from`, clamped to `end`.
    fn from(self, from: &[u8], end: &[u8]) -> Bound {
        if self.width > u64::MAX as u128 {
            return Bound::End;
        }
        let mut base = from[..self.p.min(from.len())].to_vec();
        base.resize(self.p, 0);
        match u64::try_from(coord(from, self.p) as u128 + self.width) {
            Ok(v) => clamp(at(&base, v), end),
            // Carries past byte `p`: at most the end of the prefix `from` has there.
            Err(_) => match prefix_end(&base) {
                Some(k) => clamp(k, end),
                None => Bound::End,
            },
        }
    }
}

/// The plan of a bounded scan of `[from, end)` at one revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spans {
    /// Where the next page starts.
    pub from: Vec<u8>,
    end: Vec<u8>,
    /// Keys at or after `from`, once the first page has counted them.
    remaining: Option<u64>,
    /// A bound read before, and how many keys are known to lie in `[from, bound)`.
    inside: Option<(Vec<u8>, u64)>,
    step: Option<Step>,
    /// Empty ranges in a row: the scan is crossing a gap.
    empties: u32,
    done: bool,
}

impl Spans {
    /// `from` is the first key of the scan (`[0]` or a prefix), `end` its end (`[0]`:
    /// the end of the key space).
    pub fn new(from: Vec<u8>, end: Vec<u8>) -> Self {
        Spans {
            from,
            end,
            remaining: None,
            inside: None,
            step: None,
            empties: 0,
            done: false,
        }
    }

    pub fn done(&self) -> bool {
        self.done
    }

    /// Keys at or after `from`, known after the first page.
    pub fn remaining(&self) -> Option<u64> {
        self.remaining
    }

    /// The end of the next range for a page of `target` keys.
    /// Ranges are aimed at two pages: a page's limit stops the read within the range
    /// (the rest is known to be small and read next), which happens far more often
    /// than a range that holds less than a page and leaves a gap to cross.
    pub fn plan(&self, target: u64) -> Bound {
        let target = target.max(1);
        let Some(remaining) = self.remaining else {
            // The first page spans the whole scan once: its count is the total.
            return Bound::End;
        };
        if remaining <= target.saturating_mul(2) {
            return Bound::End;
        }
        if let Some((bound, n)) = &self.inside
            && *n <= target.saturating_mul(2)
        {
            return Bound::Key(bound.clone());
        }
        let guess = match self.step {
            Some(step) => step.aimed(target * 2).from(&self.from, &self.end),
            None => Bound::End,
        };
        // Past the end (or nothing to go by) while many keys are left: assume they are
        // spread evenly over what is left.
        let guess = match guess {
            Bound::End => between(&self.from, &self.end, target, remaining),
            k => k,
        };
        match (guess, &self.inside) {
            (Bound::Key(g), Some((bound, _))) if g > *bound => Bound::Key(bound.clone()),
            (Bound::End, Some((bound, _))) => Bound::Key(bound.clone()),
            (g, _) => g,
        }
    }

    /// What the range `[from, bound)` planned for pages of `target` answered: its
    /// `count` (etcd's count of the whole range), and the `n` keys read; `edges` are
    /// the page's middle key (index `n / 2`) and its last. More than `n` counted means
    /// the limit stopped the page. The density is learned from the page's second half
    /// only: a page that began in sparse keys and ended in a dense directory would
    /// otherwise aim the next far into the dense one.
    pub fn record(
        &mut self,
        bound: &Bound,
        target: u64,
        count: u64,
        n: u64,
        edges: Option<(&[u8], &[u8])>,
    ) {
        let more = count > n;
        self.remaining = Some(match self.remaining {
            None => count.saturating_sub(n),
            Some(r) => r.saturating_sub(n),
        });
        if more {
            let Some((first, last)) = edges else {
                // A page stopped by its limit that held no keys cannot happen; never
                // loop on it.
                self.done = true;
                return;
            };
            self.from = key_after(last);
            self.empties = 0;
            self.inside = match bound {
                Bound::Key(b) => Some((b.clone(), count - n)),
                Bound::End => None,
            };
            let tail = n - n / 2;
            if tail >= 2 {
                self.step = Some(Step::learn(first, last, tail, target.max(1)));
            }
        } else {
            match bound {
                Bound::End => self.done = true,
                Bound::Key(b) => {
                    self.from = b.clone();
                    self.inside = None;
                    // Fewer than a page: widen ×1 to ×4. Empty ranges in a row are a
                    // gap between directories: from the second, widen by `GAP_GROW`
                    // (small pages) or `GAP_GROW_LARGE`.
                    let step = self.step.map(|s| match n {
                        0 if self.empties > 0 && target >= LARGE_PAGE => s.grown(GAP_GROW_LARGE),
                        0 if self.empties > 0 => s.grown(GAP_GROW),
                        0 => s.grown(MAX_WIDEN),
                        n => s.grown(
                            (target.max(1) as u128)
                                .div_ceil(n as u128)
                                .clamp(1, MAX_WIDEN),
                        ),
                    });
                    self.empties = if n == 0 { self.empties + 1 } else { 0 };
                    self.step = step;
                }
            }
        }
        if self.remaining == Some(0) {
            // The count was exact at the pinned revision: nothing is left.
            self.done = true;
        }
    }
}

#[cfg(test)]
#[path = "span_tests.rs"]
mod tests;
