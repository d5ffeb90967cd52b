//! The last five minutes of readings, one series per graph.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// How far back the graphs look.
pub const WINDOW: Duration = Duration::from_secs(300);
/// Most points kept per series (5 minutes at 5 Hz), whatever the interval.
const MAX_POINTS: usize = 1500;

/// Timestamped values, oldest first, none older than [`WINDOW`] before the newest. A NaN
/// value is a reading that was missing ("n/a"): graphs leave a gap there, never a zero.
#[derive(Clone, Debug, Default)]
pub struct Series {
    points: VecDeque<(Instant, f64)>,
}

impl Series {
    /// Appends a value and forgets what fell out of the window.
    pub fn push(&mut self, at: Instant, value: f64) {
        self.points.push_back((at, value));
        while let Some(&(first, _)) = self.points.front() {
            if at.duration_since(first) > WINDOW || self.points.len() > MAX_POINTS {
                self.points.pop_front();
            } else {
                break;
            }
        }
    }

    /// Records that there was no reading at `at` (drawn as a gap).
    pub fn push_missing(&mut self, at: Instant) {
        self.push(at, f64::NAN);
    }

    /// Puts `older` (oldest first) in front of what the series holds: points from before the
    /// first one kept, e.g. the server's recorded history on connect. Later ones are ignored.
    pub fn prefill(&mut self, older: impl IntoIterator<Item = (Instant, f64)>) {
        let first = self.points.front().map(|&(at, _)| at);
        let newest = self.points.back().map(|&(at, _)| at);
        let keep: Vec<(Instant, f64)> = older
            .into_iter()
            .filter(|&(at, _)| first.is_none_or(|f| at < f))
            .collect();
        let newest = newest.or(keep.last().map(|&(at, _)| at));
        for point in keep.into_iter().rev() {
            let too_old = newest.is_some_and(|n| n.duration_since(point.0) > WINDOW);
            if too_old || self.points.len() >= MAX_POINTS {
                break;
            }
            self.points.push_front(point);
        }
    }

    /// The points, oldest first.
    pub fn points(&self) -> impl Iterator<Item = (Instant, f64)> + '_ {
        self.points.iter().copied()
    }

    /// The newest value; `None` when there is none or it was missing.
    pub fn last(&self) -> Option<f64> {
        self.points.back().map(|&(_, v)| v).filter(|v| !v.is_nan())
    }

    /// The largest value in the window (missing readings ignored).
    pub fn max(&self) -> Option<f64> {
        self.points
            .iter()
            .map(|&(_, v)| v)
            .filter(|v| !v.is_nan())
            .reduce(f64::max)
    }

    /// How many points are kept.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Whether no point is kept.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

/// The series the graph window draws.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// CPU usage, percent.
    pub cpu: Series,
    /// CPU temperature, degrees C (empty when the host has no sensor).
    pub temp: Series,
    /// Memory used, percent.
    pub mem: Series,
    /// Received bytes per second, all interfaces but `lo`.
    pub rx: Series,
    /// Sent bytes per second, all interfaces but `lo`.
    pub tx: Series,
    /// Usage of each core, percent (detailed stream).
    pub cores: Vec<Series>,
    /// Swap used, percent.
    pub swap: Series,
    /// Bytes read per second, all block devices (detailed stream).
    pub disk_read: Series,
    /// Bytes written per second, all block devices (detailed stream).
    pub disk_write: Series,
    /// Busy percent of each GPU (detailed stream).
    pub gpus: Vec<Series>,
    /// Hottest sensor, degrees C (detailed stream).
    pub hottest: Series,
    /// Charge of the first battery, percent (detailed stream).
    pub battery: Series,
    /// Bytes read and written per second of each block device, in the stream's order
    /// (detailed stream).
    pub devices: Vec<(Series, Series)>,
    /// Received and sent bytes per second of each interface but `lo`, by name.
    pub interfaces: std::collections::BTreeMap<String, (Series, Series)>,
}

/// Pushes `values` onto one series each, adding series as needed; `None` is a missing reading.
pub fn push_each(
    series: &mut Vec<Series>,
    at: Instant,
    values: impl IntoIterator<Item = Option<f64>>,
) {
    for (i, v) in values.into_iter().enumerate() {
        if series.len() <= i {
            series.push(Series::default());
        }
        match v {
            Some(v) => series[i].push(at, v),
            None => series[i].push_missing(at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefill_puts_only_older_points_in_front_within_the_window() {
        let t0 = Instant::now() + Duration::from_secs(1000);
        let mut s = Series::default();
        s.push(t0, 50.0);
        s.push(t0 + Duration::from_secs(1), 51.0);
        let older = (0..400).map(|i| (t0 - Duration::from_secs(400 - i), i as f64));
        s.prefill(older.chain([(t0 + Duration::from_secs(5), 99.0)]));
        let points: Vec<f64> = s.points().map(|p| p.1).collect();
        // 299 seconds before t0 fit in the five minutes ending at t0 + 1 s; the later one is not added.
        assert_eq!(points.len(), 2 + 299, "{points:?}");
        assert_eq!(points[0], 101.0);
        assert_eq!(&points[points.len() - 3..], &[399.0, 50.0, 51.0]);
    }

    #[test]
    fn old_points_fall_out_of_the_window() {
        let t0 = Instant::now();
        let mut s = Series::default();
        for i in 0..400 {
            s.push(t0 + Duration::from_secs(i), i as f64);
        }
        assert_eq!(s.len(), 301);
        assert_eq!(s.points().next().map(|p| p.1), Some(99.0));
        assert_eq!(s.last(), Some(399.0));
        assert_eq!(s.max(), Some(399.0));
    }

    #[test]
    fn a_missing_reading_is_kept_as_a_gap_not_a_value() {
        let t0 = Instant::now();
        let mut s = Series::default();
        let mut each = Vec::new();
        push_each(&mut each, t0, [Some(40.0)]);
        push_each(&mut each, t0 + Duration::from_secs(1), [None]);
        s.push(t0, 40.0);
        s.push_missing(t0 + Duration::from_secs(1));
        for series in [&s, &each[0]] {
            assert_eq!(series.len(), 2);
            assert_eq!(series.last(), None);
            assert_eq!(series.max(), Some(40.0));
            assert!(series.points().nth(1).is_some_and(|p| p.1.is_nan()));
        }
    }

    #[test]
    fn fast_intervals_are_capped() {
        let t0 = Instant::now();
        let mut s = Series::default();
        for i in 0..5000 {
            s.push(t0 + Duration::from_millis(i), 1.0);
        }
        assert_eq!(s.len(), MAX_POINTS);
    }
}
