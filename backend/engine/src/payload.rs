//! Generated request payloads: a JSON document of an exact byte size, built once per run.

use bytes::Bytes;

/// The length of the payload asked to be `size` bytes: that size, at least the 2 of `{}`.
pub(crate) fn json_len(size: usize) -> usize {
    size.max(2)
}

/// A valid JSON object of exactly [`json_len`] bytes: `{"data":"xxxx…"}`, or `{}` padded with
/// spaces when too small for the field.
pub(crate) fn json_of_size(size: usize) -> Bytes {
    #[cfg(test)]
    BUILT_APART.with(|n| n.set(n.get() + 1));
    let mut out = Vec::with_capacity(json_len(size));
    write_json_of_size(&mut out, size);
    Bytes::from(out)
}

#[cfg(test)]
thread_local! {
    /// Payloads built on their own by this thread (by [`json_of_size`]), for tests.
    pub(crate) static BUILT_APART: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Appends the JSON object of [`json_of_size`] to `out`: a request's wire bytes are built with
/// their payload in place, not with a copy of one built apart (for a 1 GB payload, 2 GB while
/// the run is prepared).
pub(crate) fn write_json_of_size(out: &mut Vec<u8>, size: usize) {
    const HEAD: &str = "{\"data\":\"";
    const TAIL: &str = "\"}";
    let overhead = HEAD.len() + TAIL.len();
    out.reserve(json_len(size));
    if size < overhead {
        let start = out.len();
        out.push(b'{');
        out.resize(start + json_len(size) - 1, b' ');
        out.push(b'}');
    } else {
        out.extend_from_slice(HEAD.as_bytes());
        // A repeating alphabet compresses like real text rather than like zeros.
        out.extend((0..size - overhead).map(|i| b"abcdefghijklmnopqrstuvwxyz0123456789"[i % 36]));
        out.extend_from_slice(TAIL.as_bytes());
    }
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
            // Written after what is there, the same bytes.
            let mut out = b"head".to_vec();
            write_json_of_size(&mut out, size);
            assert_eq!(&out[..4], b"head");
            assert_eq!(out[4..], body[..], "size {size}");
        }
    }
}
