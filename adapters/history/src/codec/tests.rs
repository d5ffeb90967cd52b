//! Round trips of both versions, the sizes the layout promises, and damaged blobs.

use super::*;

/// A small deterministic generator (xorshift64*), so the property test needs no crate.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Bit-exact equality (`NaN == NaN` when the bits agree).
pub(super) fn same(a: &Chunk, b: &Chunk) -> bool {
    a.ids == b.ids
        && a.times == b.times
        && a.values.len() == b.values.len()
        && a.values
            .iter()
            .zip(&b.values)
            .all(|(x, y)| x.to_bits() == y.to_bits())
}

/// One value of a column of `kind`, at row `row`.
pub(super) fn value(rng: &mut Rng, kind: u64, row: usize, prev: f32) -> f32 {
    match kind {
        0 => 42.5,
        1 => (rng.below(1_000) as f32) / 10.0,
        2 => f32::from_bits(rng.next() as u32),
        3 if rng.below(4) == 0 => f32::NAN,
        3 => (1_000_000 + row * 4_096) as f32,
        4 => [
            0.0,
            -0.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::MIN_POSITIVE,
        ][rng.below(5) as usize],
        5 if rng.below(3) == 0 => prev,
        5 => (rng.below(100_000) as f32) * 0.01,
        _ => f32::from_bits(0x7fc0_0001 + rng.below(8) as u32),
    }
}

fn random_chunk(rng: &mut Rng, width: usize) -> (Chunk, i64) {
    let n_ids = rng.below(12) as usize;
    let n_times = rng.below(200) as usize;
    let mut ids: Vec<i64> = (0..n_ids).map(|_| rng.below(1 << 40) as i64).collect();
    ids.sort_unstable();
    ids.dedup();
    let start = rng.below(2_000_000_000) as i64;
    let mut t = start;
    let times: Vec<i64> = (0..n_times)
        .map(|_| {
            t += [1, 1, 1, 2, 0, 10, 3_000][rng.below(7) as usize];
            t
        })
        .collect();
    let cells = ids.len() * width;
    let kinds: Vec<u64> = (0..cells).map(|_| rng.below(7)).collect();
    let mut values = vec![0f32; times.len() * cells];
    for cell in 0..cells {
        let mut prev = 0.0;
        for row in 0..times.len() {
            prev = value(rng, kinds[cell], row, prev);
            values[row * cells + cell] = prev;
        }
    }
    (Chunk { ids, times, values }, start)
}

#[test]
fn every_random_chunk_round_trips_bit_for_bit() {
    let mut rng = Rng(0x05ee_d0fc_0dec);
    for case in 0..2_000 {
        let width = [1, 3][case % 2];
        let (chunk, start) = random_chunk(&mut rng, width);
        let blob = encode(&chunk, start, width);
        let back = decode(&blob, start, width).unwrap_or_else(|e| panic!("case {case}: {e}"));
        assert!(
            same(&chunk, &back),
            "case {case}: {chunk:?} came back {back:?}"
        );
        // The old layout still reads back too.
        let old = encode_v1(&chunk, start);
        if !chunk.ids.is_empty() && !chunk.times.is_empty() {
            let back = decode(&old, start, width).unwrap();
            assert!(same(&chunk, &back), "case {case} (version 1)");
        }
    }
}

#[test]
fn steady_and_decimal_series_cost_a_fraction_of_a_byte() {
    // An hour at 1 s of 4 series: constant, 0.1-step percentages, a slowly rising byte count,
    // and a load average that changes every 5 s.
    let times: Vec<i64> = (0..3_600).map(|t| 1_700_000_000 + t).collect();
    let mut values = Vec::new();
    for (i, _) in times.iter().enumerate() {
        values.push(42.2);
        values.push(((i * 7 % 13) as f32 + 10.0) / 10.0);
        values.push((2_000_000_000 + (i / 10) * 4_096) as f32);
        values.push(((i / 5 % 20) as f32) / 100.0);
    }
    let chunk = Chunk {
        ids: vec![1, 2, 3, 9],
        times,
        values,
    };
    let blob = encode(&chunk, 1_700_000_000, 1);
    assert!(same(&decode(&blob, 1_700_000_000, 1).unwrap(), &chunk));
    let per_value = blob.len() as f64 / chunk.values.len() as f64;
    assert!(per_value < 0.6, "{per_value:.3} bytes per value");
    assert!(encode_v1(&chunk, 1_700_000_000).len() > 2 * blob.len());
}

#[test]
fn damaged_blobs_are_refused_not_panicked_on() {
    let chunk = Chunk {
        ids: vec![1, 2],
        times: vec![7, 8],
        values: vec![1.0, 2.0, 1.5, f32::NAN],
    };
    for blob in [encode(&chunk, 7, 1), encode_v1(&chunk, 7)] {
        assert!(same(&decode(&blob, 7, 1).unwrap(), &chunk));
        for cut in 0..blob.len() {
            assert_eq!(decode(&blob[..cut], 7, 1), Err(Damaged), "{cut}");
        }
        assert_eq!(decode(&blob, 7, 3), Err(Damaged));
    }
    let mut trailing = encode(&chunk, 7, 1);
    trailing.push(0);
    assert_eq!(decode(&trailing, 7, 1), Err(Damaged));
    assert_eq!(decode(&[0xff; 12], 0, 1), Err(Damaged));
    assert_eq!(decode(&[0x7f, 0x7f], 0, 1), Err(Damaged));
    assert_eq!(decode(&[0, 0xff, 0xff, 2, 0xff], 0, 1), Err(Damaged));
    // Flipping any one bit either is refused or gives some chunk, never a panic.
    let blob = encode(&chunk, 7, 1);
    for i in 0..blob.len() * 8 {
        let mut bad = blob.clone();
        bad[i / 8] ^= 1 << (i % 8);
        let _ = decode(&bad, 7, 1);
    }
}
