//! Tokens: how they are made and hashed. The service keeps only a token's SHA-256, so it never needs
//! to store a token itself; `access` compares hashes in constant time.

use sha2::{Digest, Sha256};

pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A fresh random token: 32 bytes from the OS generator, hex-encoded.
pub fn generate_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}
