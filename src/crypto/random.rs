//! The operating system's random source, behind one small function so every caller draws
//! key material and tokens the same way.

use zeroize::Zeroizing;

/// Fills `buf` from the operating system's CSPRNG.
///
/// A failing OS random source leaves nothing safe to do, so this is fatal.
pub fn fill(buf: &mut [u8]) {
    #[allow(clippy::expect_used)]
    getrandom::getrandom(buf).expect("the operating system's random source failed");
}

/// 32 random bytes that are wiped when dropped.
pub fn secret_32() -> Zeroizing<[u8; 32]> {
    let mut out = Zeroizing::new([0u8; 32]);
    fill(out.as_mut());
    out
}

/// A 256-bit random token, URL-safe base64 without padding (43 characters).
pub fn token() -> String {
    use base64::Engine as _;
    let bytes = secret_32();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes.as_ref())
}
