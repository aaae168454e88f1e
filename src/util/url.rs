//! Percent-decoding of URL query components, as Go's `net/url` reads them:
//! shared by the fetcher (strict, as `url.QueryUnescape`) and the web UI's
//! request parser (lenient).

/// The bytes of a query component (`+` is a space, `%XX` a byte) and
/// whether every `%` began a valid escape; an invalid one is kept as
/// written.
pub fn query_unescape(s: &str) -> (Vec<u8>, bool) {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut valid = true;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => match b
                .get(i + 1..i + 3)
                .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            {
                Some(h) => {
                    out.push(hex(h[0]) << 4 | hex(h[1]));
                    i += 3;
                    continue;
                }
                None => {
                    valid = false;
                    out.push(b'%');
                }
            },
            c => out.push(c),
        }
        i += 1;
    }
    (out, valid)
}

/// The value of an ASCII hex digit.
fn hex(c: u8) -> u8 {
    (c as char).to_digit(16).unwrap_or(0) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_plus_and_invalid_ones() {
        assert_eq!(
            query_unescape("a+b%2Fc%e2%9c%93"),
            ("a b/c✓".as_bytes().to_vec(), true)
        );
        assert_eq!(query_unescape("%zz%4"), (b"%zz%4".to_vec(), false));
        // Go rejects a sign where a hex digit belongs.
        assert_eq!(query_unescape("%+1"), (b"% 1".to_vec(), false));
    }
}
