//! The column-at-a-time merge against the plain one, and the inputs it refuses.

use super::super::tests::{Rng, same, value};
use super::super::{decode, encode, encode_v1};
use super::*;

/// A chunk of some of `pool`'s ids over a run of times from `t0`, like one flush of the writer
/// (or, with `sparse`, with gaps and repeated times).
fn flush(rng: &mut Rng, pool: &[i64], t0: i64, width: usize, sparse: bool) -> Chunk {
    let ids: Vec<i64> = pool.iter().copied().filter(|_| rng.below(4) != 0).collect();
    let n_times = rng.below(12) as usize;
    let mut t = t0;
    let times: Vec<i64> = (0..n_times)
        .map(|_| {
            t += if sparse { rng.below(3) as i64 } else { 1 };
            t
        })
        .collect();
    let cells = ids.len() * width;
    let kinds: Vec<u64> = (0..cells).map(|_| rng.below(7)).collect();
    let mut values = vec![0f32; times.len() * cells];
    for (cell, &kind) in kinds.iter().enumerate() {
        let mut prev = 0.0;
        for row in 0..times.len() {
            prev = value(rng, kind, row, prev);
            values[row * cells + cell] = prev;
        }
    }
    Chunk { ids, times, values }
}

#[test]
fn the_stored_merge_is_the_plain_merge_encoded_byte_for_byte() {
    let mut rng = Rng(0x3e_76e5_70fe);
    let mut merged_some = 0;
    // Cases whose chunks' times, one after another, are out of order and in order.
    let mut in_turn = [0; 2];
    for case in 0..1_500 {
        let width = [1, 3][case % 2];
        let pool: Vec<i64> = (0..rng.below(9) as i64).map(|i| i * 2 + 1).collect();
        let mut t0 = 1_700_000_000 + rng.below(1_000) as i64;
        let mut chunks: Vec<Chunk> = (0..rng.below(7))
            .map(|_| {
                let chunk = flush(&mut rng, &pool, t0, width, case % 3 == 0);
                t0 = chunk.times.last().copied().unwrap_or(t0) + 1;
                chunk
            })
            .collect();
        // As stored, chunks follow one another; some cases take them out of turn.
        if case % 4 == 1 {
            chunks.reverse();
        }
        let times: Vec<i64> = chunks.iter().flat_map(|c| c.times.clone()).collect();
        in_turn[usize::from(times.is_sorted())] += 1;
        // Older files hold version 1 rows (which never held an empty chunk).
        let blobs: Vec<(i64, Vec<u8>)> = chunks
            .iter()
            .map(|c| {
                let start = c.times.first().copied().unwrap_or(t0);
                let old = rng.below(4) == 0 && !c.ids.is_empty() && !c.times.is_empty();
                let blob = if old {
                    encode_v1(c, start)
                } else {
                    encode(c, start, width)
                };
                (start, blob)
            })
            .collect();
        let stored: Vec<(i64, &[u8])> = blobs.iter().map(|(s, b)| (*s, b.as_slice())).collect();
        let got = merge_stored(&stored, width).unwrap_or_else(|e| panic!("case {case}: {e}"));
        let plain = merge(&chunks, width);
        match (plain.times.first(), plain.times.last()) {
            (Some(&start), Some(&end)) => {
                let got = got.unwrap_or_else(|| panic!("case {case}: nothing merged"));
                assert_eq!((got.start, got.end), (start, end), "case {case}");
                assert_eq!(got.blob, encode(&plain, start, width), "case {case}");
                let back = decode(&got.blob, start, width).unwrap();
                assert!(same(&back, &plain), "case {case}");
                merged_some += 1;
            }
            _ => assert_eq!(got, None, "case {case}: no time, no chunk"),
        }
    }
    assert!(
        merged_some > 1_000,
        "only {merged_some} cases merged anything"
    );
    assert!(
        in_turn[0] > 200 && in_turn[1] > 800,
        "{in_turn:?} cases out of turn / in turn"
    );
}

#[test]
fn one_bad_input_refuses_the_whole_merge() {
    let good = Chunk {
        ids: vec![1, 2],
        times: vec![10, 11],
        values: vec![1.0, 2.0, 1.5, f32::NAN],
    };
    let blob = encode(&good, 10, 1);
    let disordered = encode(
        &Chunk {
            ids: vec![2, 1],
            ..good.clone()
        },
        10,
        1,
    );
    let repeated = encode_v1(
        &Chunk {
            ids: vec![3, 3],
            ..good.clone()
        },
        10,
    );
    let mut trailing = blob.clone();
    trailing.push(0);
    let mut bad: Vec<Vec<u8>> = (0..blob.len()).map(|cut| blob[..cut].to_vec()).collect();
    bad.extend([disordered, repeated, trailing]);
    for (i, bad) in bad.iter().enumerate() {
        let stored = [(10, blob.as_slice()), (12, bad.as_slice())];
        assert_eq!(merge_stored(&stored, 1), Err(Damaged), "bad input {i}");
    }
    assert_eq!(
        merge_stored(&[(10, &blob[..])], 3),
        Err(Damaged),
        "wrong width"
    );
    assert_eq!(merge_stored(&[], 1), Ok(None));
    // Flipping any one bit of an input is refused or merges; it never panics.
    for i in 0..blob.len() * 8 {
        let mut flipped = blob.clone();
        flipped[i / 8] ^= 1 << (i % 8);
        let _ = merge_stored(&[(10, &blob[..]), (12, &flipped[..])], 1);
    }
}
