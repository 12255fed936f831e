//! The format of managed tokens: `mcpgen_`, 43 base62 characters holding 256 random
//! bits, and 6 base62 characters of a CRC-32 of everything before them (56 characters).
//!
//! The layout follows GitHub's tokens: the prefix lets secret scanners find a leaked
//! token and tells a reader what it belongs to, and the checksum lets the server refuse
//! a mistyped or truncated token without a store lookup. Base62 keeps the token one
//! word (double-click selects it) and free of characters that need quoting in a header,
//! a shell or JSON.

use sha2::{Digest, Sha256};

/// What every managed token starts with.
pub(crate) const PREFIX: &str = "mcpgen_";
/// Base62 digits of 256 bits: 62^43 > 2^256 > 62^42.
const BODY_LEN: usize = 43;
/// Base62 digits of a CRC-32: 62^6 > 2^32.
const CHECKSUM_LEN: usize = 6;
/// The length of a managed token.
pub(crate) const TOKEN_LEN: usize = PREFIX.len() + BODY_LEN + CHECKSUM_LEN;
/// How many characters after the prefix `token list` shows to tell tokens apart; 24 of
/// the 256 bits, which leaves the rest unguessable.
pub(crate) const DISPLAY_PREFIX_LEN: usize = 4;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A new token from 256 bits of the operating system's randomness.
pub(crate) fn generate() -> Result<String, getrandom::Error> {
    let mut bits = [0u8; 32];
    getrandom::fill(&mut bits)?;
    let mut token = String::with_capacity(TOKEN_LEN);
    token.push_str(PREFIX);
    token.push_str(&base62_fixed(&mut bits, BODY_LEN));
    let checksum = crc32(token.as_bytes());
    token.push_str(&base62_fixed(&mut checksum.to_be_bytes(), CHECKSUM_LEN));
    Ok(token)
}

/// `len` random base62 characters, for identifiers that are printed but not secret.
pub(crate) fn random_base62(len: usize) -> Result<String, getrandom::Error> {
    let mut bits = vec![0u8; len];
    getrandom::fill(&mut bits)?;
    // 256 is not a multiple of 62, so the first digits are a little more likely than
    // the last: fine for identifiers, which need to be distinct rather than secret.
    Ok(bits
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect())
}

/// Why a string is not a managed token; each says what probably happened, never
/// quoting the string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Malformed {
    /// Not `mcpgen_...`: another kind of credential, or none of this server's.
    Prefix,
    /// Too short or too long: cut, or two tokens pasted together.
    Length(usize),
    /// A character outside base62: a quote, a space or a line break came along.
    Character,
    /// The checksum does not match: a character was changed.
    Checksum,
}

impl Malformed {
    /// What the client is told.
    pub(crate) fn describe(self) -> String {
        let why = match self {
            Self::Prefix => format!(
                "it does not start with `{PREFIX}`, so it is not a token this server created"
            ),
            Self::Length(len) => format!(
                "it is {len} characters long instead of {TOKEN_LEN}: it was probably cut, or \
                 something was added, when it was copied"
            ),
            Self::Character => format!(
                "it has characters other than letters and digits after `{PREFIX}`: a quote, a \
                 space or a line break was probably copied with it"
            ),
            Self::Checksum => "its checksum does not match: a character was changed or \
                               mistyped when it was copied"
                .to_owned(),
        };
        format!("the bearer token is malformed: {why}; copy the whole token again")
    }
}

/// Checks the form and the checksum, without a store lookup.
pub(crate) fn check(token: &str) -> Result<(), Malformed> {
    let Some(rest) = token.strip_prefix(PREFIX) else {
        return Err(Malformed::Prefix);
    };
    if token.len() != TOKEN_LEN {
        return Err(Malformed::Length(token.chars().count()));
    }
    if !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Malformed::Character);
    }
    let (signed, checksum) = token.split_at(TOKEN_LEN - CHECKSUM_LEN);
    let expected = base62_fixed(&mut crc32(signed.as_bytes()).to_be_bytes(), CHECKSUM_LEN);
    if checksum != expected {
        return Err(Malformed::Checksum);
    }
    Ok(())
}

/// What the store keeps instead of the token.
pub(crate) fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The characters `token list` shows, for a token that passed [`check`].
pub(crate) fn display_prefix(token: &str) -> &str {
    token
        .get(PREFIX.len()..PREFIX.len() + DISPLAY_PREFIX_LEN)
        .unwrap_or_default()
}

/// The environment variable a stdio server reads its token from: the server's name
/// upper-cased, `-` as `_`, and `_TOKEN` (`WEATHER_TOKEN`).
pub(crate) fn env_var(server_name: &str) -> String {
    let mut name: String = server_name
        .chars()
        .map(|c| match c {
            '-' => '_',
            c => c.to_ascii_uppercase(),
        })
        .collect();
    name.push_str("_TOKEN");
    name
}

/// The big-endian number in `bytes` as exactly `len` base62 digits, zero-padded (the
/// number must fit, which the constants above guarantee). Consumes `bytes`.
fn base62_fixed(bytes: &mut [u8], len: usize) -> String {
    let mut digits = vec![b'0'; len];
    for digit in digits.iter_mut().rev() {
        let mut rem = 0u32;
        for byte in bytes.iter_mut() {
            let acc = (rem << 8) | u32::from(*byte);
            // acc < 62 * 256, so the quotient fits a byte.
            *byte = u8::try_from(acc / 62).unwrap_or(u8::MAX);
            rem = acc % 62;
        }
        *digit = ALPHABET[rem as usize];
    }
    String::from_utf8(digits).unwrap_or_default()
}

/// CRC-32 (IEEE 802.3, the one of zip and PNG), as GitHub's tokens use.
fn crc32(data: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 == 1 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            table[i] = c;
            i += 1;
        }
        table
    };
    !data.iter().fold(!0u32, |crc, &b| {
        TABLE[((crc ^ u32::from(b)) & 0xFF) as usize] ^ (crc >> 8)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> String {
        generate().expect("randomness")
    }

    #[test]
    fn crc32_is_the_standard_one() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn base62_is_fixed_width_and_exact() {
        assert_eq!(base62_fixed(&mut [0, 0, 0, 0], 6), "000000");
        assert_eq!(base62_fixed(&mut [0, 0, 0, 61], 6), "00000z");
        assert_eq!(base62_fixed(&mut [0, 0, 0, 62], 6), "000010");
        assert_eq!(base62_fixed(&mut u32::MAX.to_be_bytes(), 6), "4gfFC3");
        assert_eq!(base62_fixed(&mut [0xFF; 32], BODY_LEN).len(), BODY_LEN);
        assert!(!base62_fixed(&mut [0xFF; 32], BODY_LEN).starts_with('0'));
    }

    #[test]
    fn new_tokens_have_the_form_and_pass_the_check() {
        let (a, b) = (token(), token());
        assert_ne!(a, b);
        for t in [&a, &b] {
            assert_eq!(t.len(), TOKEN_LEN);
            assert!(t.starts_with("mcpgen_"));
            assert_eq!(check(t), Ok(()), "{t}");
            assert_eq!(display_prefix(t), &t[7..11]);
        }
        assert_ne!(hash(&a), hash(&b));
    }

    #[test]
    fn the_checksum_catches_any_changed_character() {
        let t = token();
        for i in PREFIX.len()..TOKEN_LEN {
            let mut bytes = t.clone().into_bytes();
            bytes[i] = if bytes[i] == b'a' { b'b' } else { b'a' };
            let changed = String::from_utf8(bytes).expect("ascii");
            assert_eq!(check(&changed), Err(Malformed::Checksum), "position {i}");
        }
    }

    #[test]
    fn malformed_tokens_say_why_without_quoting_the_token() {
        let t = token();
        for (bad, why) in [
            (format!("ghp_{}", &t[4..]), Malformed::Prefix),
            ("Bearer".to_owned(), Malformed::Prefix),
            (
                t[..TOKEN_LEN - 1].to_owned(),
                Malformed::Length(TOKEN_LEN - 1),
            ),
            (format!("{t}x"), Malformed::Length(TOKEN_LEN + 1)),
            (format!("{}-{}", &t[..20], &t[21..]), Malformed::Character),
            (format!("{}é{}", &t[..20], &t[22..]), Malformed::Character),
        ] {
            assert_eq!(check(&bad), Err(why), "{bad}");
            let text = why.describe();
            assert!(!text.contains(&t[7..20]), "{text}");
        }
        assert!(Malformed::Length(55).describe().contains("55 characters"));
    }

    #[test]
    fn the_stdio_variable_is_named_after_the_server() {
        assert_eq!(env_var("weather"), "WEATHER_TOKEN");
        assert_eq!(env_var("issue-tracker"), "ISSUE_TRACKER_TOKEN");
    }

    #[test]
    fn ids_are_printable() {
        let id = random_base62(8).expect("randomness");
        assert_eq!(id.len(), 8);
        assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()), "{id}");
    }
}
