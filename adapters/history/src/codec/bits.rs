//! The bit stream under a chunk: LEB128 varints, zigzag, and bits most significant first.

use super::Damaged;

pub(super) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

pub(super) fn get_varint(buf: &[u8], at: &mut usize) -> Result<u64, Damaged> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *buf.get(*at).ok_or(Damaged)?;
        *at += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(Damaged)
}

pub(super) fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

pub(super) fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// Where bits go: a buffer, or a counter (to choose a column's mode without writing it twice).
pub(super) trait Sink {
    /// Appends the low `n` bits of `v` (`n <= 64`), most significant first.
    fn put(&mut self, v: u64, n: u32);
}

/// Counts bits.
#[derive(Default)]
pub(super) struct Count(pub(super) u64);

impl Sink for Count {
    fn put(&mut self, _: u64, n: u32) {
        self.0 += u64::from(n);
    }
}

/// Writes bits into bytes, most significant bit first.
pub(super) struct Bits {
    /// The bytes so far (a chunk's header is already in it).
    pub(super) out: Vec<u8>,
    /// Bits not yet in `out`, in the low `used` bits.
    pub(super) cur: u64,
    /// How many bits of `cur` are in use.
    pub(super) used: u32,
}

impl Sink for Bits {
    fn put(&mut self, v: u64, n: u32) {
        if n > 32 {
            self.put(v >> 32, n - 32);
            self.put(v & 0xffff_ffff, 32);
            return;
        }
        if n == 0 {
            return;
        }
        let v = v & ((1u64 << n) - 1);
        self.cur = (self.cur << n) | v;
        self.used += n;
        while self.used >= 8 {
            self.used -= 8;
            self.out.push((self.cur >> self.used) as u8);
        }
        self.cur &= (1u64 << self.used) - 1;
    }
}

impl Bits {
    pub(super) fn finish(mut self) -> Vec<u8> {
        if self.used > 0 {
            self.out.push((self.cur << (8 - self.used)) as u8);
        }
        self.out
    }
}

/// Reads what [`Bits`] wrote.
pub(super) struct Reader<'a> {
    /// The bit stream.
    pub(super) buf: &'a [u8],
    /// The next bit's position.
    pub(super) pos: usize,
}

impl Reader<'_> {
    pub(super) fn bit(&mut self) -> Result<bool, Damaged> {
        let byte = *self.buf.get(self.pos / 8).ok_or(Damaged)?;
        let bit = (byte >> (7 - self.pos % 8)) & 1 == 1;
        self.pos += 1;
        Ok(bit)
    }

    pub(super) fn get(&mut self, n: u32) -> Result<u64, Damaged> {
        if self.pos + n as usize > self.buf.len() * 8 {
            return Err(Damaged);
        }
        let mut v = 0u64;
        for _ in 0..n {
            v = (v << 1) | u64::from(self.bit()?);
        }
        Ok(v)
    }

    /// The unused bits at the end must be the writer's zero padding.
    pub(super) fn finish(self) -> Result<(), Damaged> {
        let total = self.buf.len() * 8;
        if total - self.pos >= 8 {
            return Err(Damaged);
        }
        let Some(&last) = self.buf.last() else {
            return Ok(());
        };
        let pad = total - self.pos;
        if pad > 0 && last & ((1u8 << pad) - 1) != 0 {
            return Err(Damaged);
        }
        Ok(())
    }
}

/// A signed integer in a prefix-coded width: `0`; `10`+7; `110`+14; `1110`+24; `1111`+64 bits
/// of its zigzag form.
pub(super) fn put_int(w: &mut impl Sink, v: i64) {
    let z = zigzag(v);
    if z == 0 {
        w.put(0, 1);
    } else if z < 1 << 7 {
        w.put(0b10, 2);
        w.put(z, 7);
    } else if z < 1 << 14 {
        w.put(0b110, 3);
        w.put(z, 14);
    } else if z < 1 << 24 {
        w.put(0b1110, 4);
        w.put(z, 24);
    } else {
        w.put(0b1111, 4);
        w.put(z, 64);
    }
}

pub(super) fn get_int(r: &mut Reader<'_>) -> Result<i64, Damaged> {
    let mut ones = 0;
    while ones < 4 && r.bit()? {
        ones += 1;
    }
    let bits = [0, 7, 14, 24, 64][ones];
    Ok(unzigzag(r.get(bits)?))
}
