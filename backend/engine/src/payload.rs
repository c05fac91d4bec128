//! Generated request payloads: a JSON document of an exact byte size, built once per run.

use bytes::Bytes;

/// A valid JSON object of exactly `size` bytes (at least 2): `{"data":"xxxx…"}`, or `{}`
/// padded with spaces when too small for the field.
pub(crate) fn json_of_size(size: usize) -> Bytes {
    const HEAD: &str = "{\"data\":\"";
    const TAIL: &str = "\"}";
    let overhead = HEAD.len() + TAIL.len();
    let mut out = Vec::with_capacity(size.max(2));
    if size < overhead {
        out.push(b'{');
        out.resize(size.max(2) - 1, b' ');
        out.push(b'}');
    } else {
        out.extend_from_slice(HEAD.as_bytes());
        // A repeating alphabet compresses like real text rather than like zeros.
        out.extend((0..size - overhead).map(|i| b"abcdefghijklmnopqrstuvwxyz0123456789"[i % 36]));
        out.extend_from_slice(TAIL.as_bytes());
    }
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_sizes_and_valid_json() {
        for size in [2, 5, 10, 11, 12, 1024, 10 * 1024, 100 * 1024] {
            let body = json_of_size(size);
            assert_eq!(body.len(), size);
            let parsed: Result<serde_json::Value, _> = serde_json::from_slice(&body);
            assert!(parsed.is_ok_and(|v| v.is_object()), "size {size}");
        }
    }
}
