//! What one analysis may cost, so that no small input costs much: a bound on the periods
//! its series lay on regular grids, in proportion to the values it read (with a floor and
//! a ceiling), a share of the series given the whole model search in proportion to the
//! bytes sent, and a deadline, checked between series. A series whose grid would be mostly
//! invented by interpolation is reported but not forecast (see the engine).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Grid periods any analysis may lay, however few values it read.
pub const FREE_POINTS: usize = 100_000;
/// Grid periods allowed per value read, beyond [`FREE_POINTS`]: a series is forecast only
/// when at least half its periods have data, so honest data needs at most two.
pub const POINTS_PER_VALUE: usize = 4;
/// Grid periods one analysis may lay at most, by default (40 MB of values).
pub const DEFAULT_MAX_POINTS: usize = 5_000_000;

/// Grid periods whose series get the whole model search, however small the input.
pub const FREE_SEARCH_PERIODS: usize = 20_000;
/// Bytes of input that pay for the whole model search on one more grid period, beyond
/// [`FREE_SEARCH_PERIODS`]. The search costs up to about 16 µs a period (short series) and
/// the rest of a series' analysis about as much again, so twelve bytes a period keeps an
/// input near 2 s of CPU per MB. Long tables carry 25 bytes or more a period and never
/// reach it; a wide table of one-digit numbers carries two.
pub const BYTES_PER_SEARCH_PERIOD: usize = 12;

/// Grid periods (in input order) whose series get the whole model search, for an input of
/// `bytes` bytes; the series after them choose among the light methods only.
pub fn full_search_periods(bytes: usize) -> usize {
    FREE_SEARCH_PERIODS.saturating_add(bytes / BYTES_PER_SEARCH_PERIOD)
}

/// The limits of one analysis.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// When to stop: checked before each series (the series running then finishes).
    pub deadline: Option<Instant>,
    /// The time allowed, as given to [`Budget::within`] (for messages).
    pub window: Option<Duration>,
    /// The ceiling on grid periods, whatever was read.
    pub max_points: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            deadline: None,
            window: None,
            max_points: DEFAULT_MAX_POINTS,
        }
    }
}

impl Budget {
    /// A budget that stops `within` from now.
    pub fn within(within: Duration) -> Self {
        Self {
            deadline: Instant::now().checked_add(within),
            window: Some(within),
            ..Self::default()
        }
    }

    /// Grid periods allowed for an input of `values` values read.
    pub fn allowed_points(&self, values: usize) -> usize {
        FREE_POINTS
            .max(values.saturating_mul(POINTS_PER_VALUE))
            .min(self.max_points)
    }

    /// Whether the deadline has passed.
    pub fn expired(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }
}

/// Grid periods laid so far by the series of one analysis, against what it may lay.
#[derive(Debug)]
pub struct PointsMeter {
    laid: AtomicUsize,
    allowed: usize,
}

impl PointsMeter {
    /// A meter allowing `allowed` periods.
    pub fn new(allowed: usize) -> Self {
        Self {
            laid: AtomicUsize::new(0),
            allowed,
        }
    }

    /// Takes `points` periods; false (and nothing taken) when that would pass the allowance.
    pub fn take(&self, points: usize) -> bool {
        let mut current = self.laid.load(Ordering::Relaxed);
        loop {
            let next = current.saturating_add(points);
            if next > self.allowed {
                return false;
            }
            match self.laid.compare_exchange_weak(
                current,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(seen) => current = seen,
            }
        }
    }

    /// The periods allowed.
    pub fn allowed(&self) -> usize {
        self.allowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowances_scale_with_what_was_read() {
        let b = Budget::default();
        assert_eq!(b.allowed_points(3), FREE_POINTS);
        assert_eq!(b.allowed_points(1_000_000), 4_000_000);
        assert_eq!(b.allowed_points(usize::MAX), DEFAULT_MAX_POINTS);
        let m = PointsMeter::new(10);
        assert!(m.take(6) && m.take(4));
        assert!(!m.take(1), "past the allowance");
        assert!(!Budget::default().expired());
        assert!(Budget::within(Duration::ZERO).expired());
    }
}
