//! Counting frames and the frames missed, by tick.
//!
//! The server samples once per interval, encodes the frame once and sends the same bytes to
//! every subscriber. A frame's bytes therefore name its tick: the first time any subscriber
//! receives given bytes, that is a new tick. A subscriber missed a frame when a tick first seen
//! inside the measuring window never reached it (after a grace period for late delivery). This
//! needs no sequence number in the protocol and is not fooled by a slow load generator: a frame
//! that arrives late still counts, only a frame the server skipped (latest wins) is missed.
//! Two ticks with identical bytes merge into one, which lowers expected and received alike.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::{Duration, Instant};

use serde::Serialize;

/// Identical bytes seen again after this many intervals are a new tick, not a late copy.
const SAME_TICK_WITHIN_INTERVALS: u32 = 3;

/// One distinct frame and when it reached the first and the last subscriber.
#[derive(Clone, Debug)]
pub struct Tick {
    /// When the first subscriber received it.
    pub first_seen: Instant,
    /// When the last subscriber received it.
    pub last_seen: Instant,
    /// Its size in bytes (the websocket payload).
    pub bytes: usize,
}

/// Every tick seen so far, found by the hash of its bytes.
#[derive(Debug)]
pub struct TickBook {
    interval: Duration,
    by_hash: HashMap<u64, u32>,
    ticks: Vec<Tick>,
}

impl TickBook {
    /// An empty book for a stream with this interval.
    pub fn new(interval: Duration) -> Self {
        Self {
            interval,
            by_hash: HashMap::new(),
            ticks: Vec::new(),
        }
    }

    /// The tick id of a frame received at `at`, making a new tick for new bytes.
    pub fn tick_for(&mut self, frame: &[u8], at: Instant) -> u32 {
        let mut hasher = DefaultHasher::new();
        frame.hash(&mut hasher);
        let hash = hasher.finish();
        if let Some(&id) = self.by_hash.get(&hash) {
            let tick = &mut self.ticks[id as usize];
            let recent = at.saturating_duration_since(tick.first_seen)
                < self.interval * SAME_TICK_WITHIN_INTERVALS;
            if recent && tick.bytes == frame.len() {
                tick.last_seen = tick.last_seen.max(at);
                return id;
            }
        }
        let id = u32::try_from(self.ticks.len()).unwrap_or(u32::MAX);
        self.ticks.push(Tick {
            first_seen: at,
            last_seen: at,
            bytes: frame.len(),
        });
        self.by_hash.insert(hash, id);
        id
    }

    /// The stream interval this book assumes.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Every tick so far, by id.
    pub fn ticks(&self) -> &[Tick] {
        &self.ticks
    }
}

/// Frames per subscriber over the window, and what they weighed.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FrameStats {
    /// Distinct ticks first seen inside the window: the frames each subscriber should get.
    pub ticks: u64,
    /// Fewest window frames one subscriber received.
    pub min: u64,
    /// Mean window frames per subscriber.
    pub mean: f64,
    /// Most window frames one subscriber received.
    pub max: u64,
    /// Window frames that never reached their subscriber, summed over subscribers.
    pub missed: u64,
    /// Subscribers that missed at least one frame.
    pub subscribers_missing: u64,
    /// Mean size of a received frame in bytes.
    pub mean_frame_bytes: f64,
    /// Bytes received per subscriber per second of window.
    pub bytes_per_subscriber_second: f64,
    /// Longest time from a tick reaching its first subscriber to reaching its last, in ms.
    pub max_spread_ms: f64,
}

/// A stretch of time in which one subscriber was knowingly away (closing and reopening its
/// websocket): `[from, to)` by a tick's first sighting.
pub type Gap = (Instant, Instant);

/// Counts, for each subscriber's received tick ids, the window ticks it got and missed.
/// The window is `[from, to)` by first sighting.
pub fn frame_stats(
    book: &TickBook,
    received: &[Vec<u32>],
    from: Instant,
    to: Instant,
) -> FrameStats {
    frame_stats_with_gaps(book, received, &[], from, to).0
}

/// As [`frame_stats`], but a window tick that subscriber `i` did not receive and that was first
/// seen inside one of `gaps[i]` is not missed: it is counted apart, as the second value (frames
/// a reconnecting subscriber was expected to miss). `gaps` may be shorter than `received`.
pub fn frame_stats_with_gaps(
    book: &TickBook,
    received: &[Vec<u32>],
    gaps: &[Vec<Gap>],
    from: Instant,
    to: Instant,
) -> (FrameStats, u64) {
    let ticks = book.ticks();
    let in_window = |id: u32| {
        ticks
            .get(id as usize)
            .is_some_and(|t| t.first_seen >= from && t.first_seen < to)
    };
    let window: Vec<u32> = (0..ticks.len() as u32)
        .filter(|&id| in_window(id))
        .collect();
    let expected = window.len() as u64;
    let max_spread_ms = window
        .iter()
        .map(|&id| {
            let t = &ticks[id as usize];
            t.last_seen
                .saturating_duration_since(t.first_seen)
                .as_secs_f64()
                * 1e3
        })
        .fold(0.0, f64::max);
    let mut stats = FrameStats {
        ticks: expected,
        min: if received.is_empty() { 0 } else { u64::MAX },
        max_spread_ms,
        ..FrameStats::default()
    };
    let (mut frames, mut bytes, mut in_gaps) = (0u64, 0u64, 0u64);
    for (i, ids) in received.iter().enumerate() {
        let mut got: Vec<u32> = ids.iter().copied().filter(|&id| in_window(id)).collect();
        got.sort_unstable();
        got.dedup();
        let count = got.len() as u64;
        frames += count;
        bytes += got
            .iter()
            .map(|&id| ticks[id as usize].bytes as u64)
            .sum::<u64>();
        stats.min = stats.min.min(count);
        stats.max = stats.max.max(count);
        let away = gaps.get(i).map_or(&[][..], Vec::as_slice);
        let excused = if away.is_empty() {
            0
        } else {
            window
                .iter()
                .filter(|&&id| got.binary_search(&id).is_err())
                .filter(|&&id| {
                    let seen = ticks[id as usize].first_seen;
                    away.iter().any(|&(a, b)| seen >= a && seen < b)
                })
                .count() as u64
        };
        in_gaps += excused;
        let missed = expected.saturating_sub(count).saturating_sub(excused);
        stats.missed += missed;
        stats.subscribers_missing += u64::from(missed > 0);
    }
    if !received.is_empty() {
        stats.mean = frames as f64 / received.len() as f64;
        let secs = to.saturating_duration_since(from).as_secs_f64();
        if secs > 0.0 {
            stats.bytes_per_subscriber_second = bytes as f64 / received.len() as f64 / secs;
        }
    }
    if frames > 0 {
        stats.mean_frame_bytes = bytes as f64 / frames as f64;
    }
    (stats, in_gaps)
}

#[cfg(test)]
mod tests {
    use super::*;

    const I: Duration = Duration::from_secs(1);

    #[test]
    fn same_bytes_are_one_tick_until_they_are_old() {
        let t0 = Instant::now();
        let mut book = TickBook::new(I);
        let a = book.tick_for(b"frame a", t0);
        assert_eq!(book.tick_for(b"frame a", t0 + I / 10), a);
        let b = book.tick_for(b"frame b", t0 + I);
        assert_ne!(a, b);
        // The same bytes much later are a new tick (a replayed host can repeat itself).
        let again = book.tick_for(b"frame a", t0 + 5 * I);
        assert_ne!(again, a);
        assert_eq!(book.ticks()[a as usize].last_seen, t0 + I / 10);
    }

    #[test]
    fn counts_gaps_inside_the_window_only() {
        let t0 = Instant::now();
        let mut book = TickBook::new(I);
        // Tick 0 before the window, ticks 1..=4 inside, tick 5 after.
        let ids: Vec<u32> = (0..6)
            .map(|k| book.tick_for(format!("frame {k}").as_bytes(), t0 + k * I))
            .collect();
        let from = t0 + I / 2;
        let to = t0 + 4 * I + I / 2;
        let all = ids.clone();
        let skipped_two = vec![ids[0], ids[1], ids[3], ids[5]];
        let late_joiner = vec![ids[4]];
        let stats = frame_stats(&book, &[all, skipped_two, late_joiner], from, to);
        assert_eq!(stats.ticks, 4);
        assert_eq!((stats.min, stats.max), (1, 4));
        assert_eq!(stats.missed, 2 + 3);
        assert_eq!(stats.subscribers_missing, 2);
        assert!((stats.mean - 7.0 / 3.0).abs() < 1e-9);
        assert!((stats.mean_frame_bytes - 7.0).abs() < 1e-9);
        assert!((stats.bytes_per_subscriber_second - 7.0 * 7.0 / 3.0 / 4.0).abs() < 1e-9);
    }

    #[test]
    fn duplicates_and_no_subscribers_are_harmless() {
        let t0 = Instant::now();
        let mut book = TickBook::new(I);
        let a = book.tick_for(b"x", t0);
        let stats = frame_stats(&book, &[vec![a, a, a]], t0, t0 + I);
        assert_eq!(
            (stats.ticks, stats.min, stats.max, stats.missed),
            (1, 1, 1, 0)
        );
        let none = frame_stats(&book, &[], t0, t0 + I);
        assert_eq!((none.min, none.mean, none.missed), (0, 0.0, 0));
    }

    #[test]
    fn a_reconnecting_subscriber_is_excused_only_inside_its_gap() {
        let t0 = Instant::now();
        let mut book = TickBook::new(I);
        let ids: Vec<u32> = (0..6)
            .map(|k| book.tick_for(format!("frame {k}").as_bytes(), t0 + k * I))
            .collect();
        let (from, to) = (t0, t0 + 6 * I);
        // Away from just before tick 2 until just after tick 3; it also lost tick 5.
        let away = vec![(t0 + 2 * I - I / 10, t0 + 3 * I + I / 10)];
        let reconnecting = vec![ids[0], ids[1], ids[4]];
        // Another subscriber with the same gap that still got tick 2 (in flight when it left).
        let lucky = vec![ids[0], ids[1], ids[2], ids[4], ids[5]];
        let steady: Vec<u32> = ids.clone();
        let (stats, gap) = frame_stats_with_gaps(
            &book,
            &[reconnecting, lucky, steady],
            &[away.clone(), away],
            from,
            to,
        );
        assert_eq!(stats.ticks, 6);
        // Ticks 2 and 3 of the first, tick 3 of the second: expected gaps, not misses.
        assert_eq!(gap, 3);
        // Tick 5 of the first was outside any gap: missed.
        assert_eq!((stats.missed, stats.subscribers_missing), (1, 1));
        assert_eq!((stats.min, stats.max), (3, 6));
        // Without the gaps, every absent frame is missed.
        let plain = frame_stats(&book, &[vec![ids[0], ids[1], ids[4]]], from, to);
        assert_eq!(plain.missed, 3);
    }
}
