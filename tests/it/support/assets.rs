//! Bytes to upload: deterministic filler, a file the sandbox's type
//! sniffing takes for a PNG, and the MD5 the object store answers with.

use md5::{Digest, Md5};

/// `len` deterministic bytes; `salt` makes other content of the same size.
/// They repeat every 256 bytes.
pub fn bytes(len: usize, salt: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(salt))
        .collect()
}

/// [`bytes`] mixed with each byte's offset / 256: they repeat every
/// 64 KiB, not every 256 bytes.
pub fn unrepeating_bytes(len: usize, salt: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(salt) ^ (i >> 8) as u8)
        .collect()
}

/// `len` bytes after a PNG signature: an asset whose type its first bytes
/// show, with `salt` making different content of the same size.
pub fn png(len: usize, salt: u8) -> Vec<u8> {
    let mut data = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    data.extend(bytes(len, salt));
    data
}

pub fn md5_hex(bytes: &[u8]) -> String {
    hex::encode(Md5::digest(bytes))
}
