//! Per-minute average, minimum and maximum of each series, built as samples arrive.

use std::collections::BTreeMap;

/// Seconds in one rollup bucket.
pub const MINUTE: i64 = 60;

/// Running figures of one series in one minute.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Acc {
    sum: f64,
    count: u32,
    min: f64,
    max: f64,
}

/// One finished minute: for each series name, average, minimum and maximum.
pub type Minute = (i64, BTreeMap<String, [f64; 3]>);

/// The minute being filled.
#[derive(Debug, Default)]
pub struct Rollup {
    current: Option<(i64, BTreeMap<String, Acc>)>,
}

impl Rollup {
    /// Adds the samples of time `t`; returns the minute this finished, if `t` starts a new one.
    pub fn add<'a>(
        &mut self,
        t: i64,
        values: impl Iterator<Item = (&'a String, &'a f64)>,
    ) -> Option<Minute> {
        let minute = t.div_euclid(MINUTE) * MINUTE;
        let finished = match &self.current {
            Some((m, _)) if *m < minute => self.take(),
            _ => None,
        };
        let (m, accs) = self
            .current
            .get_or_insert_with(|| (minute, BTreeMap::new()));
        if *m > minute {
            // A sample older than the minute being filled (the clock stepped back): dropped.
            return finished;
        }
        for (name, &v) in values.filter(|(_, v)| v.is_finite()) {
            // Looked up by reference: the name is copied only the first time in a minute.
            if let Some(a) = accs.get_mut(name) {
                a.sum += v;
                a.count += 1;
                a.min = a.min.min(v);
                a.max = a.max.max(v);
            } else {
                accs.insert(
                    name.clone(),
                    Acc {
                        sum: v,
                        count: 1,
                        min: v,
                        max: v,
                    },
                );
            }
        }
        finished
    }

    /// Finishes the current minute now (it may be incomplete).
    pub fn take(&mut self) -> Option<Minute> {
        let (m, accs) = self.current.take()?;
        let figures = accs
            .into_iter()
            .map(|(name, a)| (name, [a.sum / f64::from(a.count), a.min, a.max]))
            .collect();
        Some((m, figures))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(v: f64) -> BTreeMap<String, f64> {
        BTreeMap::from([("cpu.usage".to_owned(), v)])
    }

    #[test]
    fn a_minute_finishes_when_the_next_one_starts() {
        let mut r = Rollup::default();
        assert!(r.add(120, values(1.0).iter()).is_none());
        assert!(r.add(150, values(5.0).iter()).is_none());
        assert!(r.add(179, values(3.0).iter()).is_none());
        let (m, figures) = r.add(180, values(9.0).iter()).unwrap();
        assert_eq!(m, 120);
        assert_eq!(figures["cpu.usage"], [3.0, 1.0, 5.0]);
        assert!(r.add(100, values(0.0).iter()).is_none());
        assert_eq!(r.take().unwrap().1["cpu.usage"], [9.0, 9.0, 9.0]);
    }
}
