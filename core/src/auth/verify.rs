//! Password hashing and verification with argon2 working memory that goes back to the OS
//! afterwards.

use argon2::password_hash::phc::Output;
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version};
use zeroize::Zeroizing;

/// Argon2 working memory is allocated with room for at least this many 1 KiB blocks, so the
/// allocation is always above glibc's largest dynamic mmap threshold (32 MiB): it is mmapped and
/// returned to the OS when freed. A 19 MiB allocation would be mmapped the first time, then (glibc
/// raises its threshold when such a chunk is freed) served from a heap arena and kept resident for
/// good. Only the pages argon2 touches (`m_kib`) become resident.
const ARGON2_MIN_CAPACITY_BLOCKS: usize = 33 * 1024;

/// Checks `password` against a PHC string; a malformed PHC string is `false`, never a panic.
///
/// This is the expensive step the adapter runs off its I/O threads for [`crate::hub::Output::VerifyPassword`].
/// The comparison of the hashes is constant-time.
#[must_use]
pub fn verify_password(phc: &str, password: &str) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(hash.algorithm.as_str()),
        Params::try_from(&hash),
    ) else {
        return false;
    };
    let Ok(version) = hash
        .version
        .map_or(Ok(Version::default()), Version::try_from)
    else {
        return false;
    };
    let mut out = Zeroizing::new(vec![0u8; expected.len()]);
    hash_into(
        &Argon2::new(algorithm, version, params),
        password,
        salt,
        &mut out,
    )
    .is_ok()
        && Output::new(&out).is_ok_and(|computed| computed == *expected)
}

/// Hashes `password` with `salt` into `out`, in working memory that is returned to the OS when
/// freed (see [`ARGON2_MIN_CAPACITY_BLOCKS`]); argon2's own `hash_password_into` frees a
/// 19 MiB heap block that raises glibc's thresholds for the rest of the process.
pub(super) fn hash_into(
    argon2: &Argon2<'_>,
    password: &str,
    salt: &[u8],
    out: &mut [u8],
) -> argon2::Result<()> {
    let blocks = argon2.params().block_count();
    let mut memory: Vec<Block> = Vec::with_capacity(blocks.max(ARGON2_MIN_CAPACITY_BLOCKS));
    memory.resize(blocks, Block::default());
    argon2.hash_password_into_with_memory(password.as_bytes(), salt, out, &mut memory[..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Argon2Params, hash_password};

    #[test]
    fn verification_agrees_with_argon2s_own_verifier() {
        use argon2::PasswordVerifier as _;
        let params = Argon2Params {
            m_kib: 256,
            t: 2,
            p: 2,
        };
        let phc = hash_password("right horse", &[5; 16], params).unwrap();
        let parsed = PasswordHash::new(&phc).unwrap();
        for (password, ok) in [("right horse", true), ("wrong horse", false), ("", false)] {
            let theirs = Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok();
            assert_eq!(theirs, ok);
            assert_eq!(verify_password(&phc, password), ok, "{password}");
        }
    }
}
