//! Identifiers and secrets: UUID-like object ids from a fast generator
//! seeded once from the operating system, and OS-random secrets.

use std::sync::Mutex;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::SandboxError;

/// `N` bytes from the operating system's entropy source.
pub(crate) fn os_random<const N: usize>() -> Result<[u8; N], SandboxError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(SandboxError::Entropy)?;
    Ok(buf)
}

/// A random lower-case hex string of `2 * N` characters.
pub(crate) fn random_hex<const N: usize>() -> Result<String, SandboxError> {
    Ok(hex::encode(os_random::<N>()?))
}

/// Generates version-4 UUID strings, the shape the guide's ids have.
#[derive(Debug)]
pub(crate) struct IdGen(Mutex<SmallRng>);

impl IdGen {
    pub(crate) fn new() -> Result<Self, SandboxError> {
        Ok(IdGen(Mutex::new(SmallRng::from_seed(os_random::<32>()?))))
    }

    pub(crate) fn uuid(&self) -> String {
        let mut b: [u8; 16] = self.0.lock().unwrap_or_else(|e| e.into_inner()).random();
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let h = hex::encode(b);
        format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }
}
