//! Varints as printable characters, for postings inside JS strings.
//!
//! Each character carries 5 bits, least significant group first; the first
//! 32 characters of [`ALPHABET`] end a number, the last 32 continue it. So
//! 0–31 take one character, up to 1,023 two, up to 32,767 three.

/// 64 characters that need no escaping in a JS string literal.
pub const ALPHABET: &[u8; 64] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVabcdefghijklmnopqrstuvwxyzWXYZ-_";

/// Append `v` to `out`.
pub fn encode_varint(mut v: u32, out: &mut String) {
    while v >= 32 {
        out.push(ALPHABET[32 + (v & 31) as usize] as char);
        v >>= 5;
    }
    out.push(ALPHABET[v as usize] as char);
}

/// Decode a whole string of varints; None if it is malformed.
pub fn decode_varints(s: &str) -> Option<Vec<u32>> {
    let mut out = Vec::new();
    let (mut v, mut shift) = (0u32, 0u32);
    for b in s.bytes() {
        let d = ALPHABET.iter().position(|&a| a == b)? as u32;
        if shift > 30 {
            return None;
        }
        v |= (d & 31) << shift;
        if d < 32 {
            out.push(v);
            v = 0;
            shift = 0;
        } else {
            shift += 5;
        }
    }
    (shift == 0).then_some(out)
}
