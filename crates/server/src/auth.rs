//! Who may talk to the server: device tokens, enrolment codes, and the enrolment rate limit.
//!
//! Secrets are random and long, so the server stores only their SHA-256: a leaked database
//! holds no usable token or code. Tokens and codes are wrapped in types whose `Debug` hides
//! them, so neither reaches a log by accident.
//!
//! Timing: a request's token (or code) is hashed and the device looked up by that hash with
//! an index (`WHERE token_hash = ?`). The secret itself is never compared with anything, so
//! how long a lookup takes tells an attacker nothing about which bytes of a guess were right:
//! to steer it they would need guesses whose SHA-256 share a prefix with the stored hash,
//! which is as hard as finding preimages, and the stored hash is of a 256-bit random token
//! (a 59-bit code, limited to a few attempts a minute). Where Rust code compares secrets
//! itself (`==` on [`Token`] and [`EnrolmentCode`]), it uses [`secrets_equal`], which takes the
//! same time wherever the inputs differ.

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// How many random bytes a device token carries: 256 bits, beyond any guessing.
pub const TOKEN_BYTES: usize = 32;

/// The symbols of an enrolment code: capitals and digits without the look-alikes
/// `0 O 1 I L`, so a code read aloud or copied from paper is typed right.
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// How many symbols an enrolment code has: 31¹² is about 2⁵⁹, out of reach of guessing at
/// the enrolment rate limit during the code's one day of life.
pub const CODE_LENGTH: usize = 12;

/// A device's bearer token: [`TOKEN_BYTES`] random bytes in lowercase hex.
///
/// Shown once, in the enrolment response; the server keeps only [`Token::hash`]. Equality is
/// constant-time.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    /// A fresh token from `rng`, which must be a cryptographically secure generator.
    pub fn generate(rng: &mut impl Rng) -> Self {
        let mut bytes = [0u8; TOKEN_BYTES];
        rng.fill(&mut bytes);
        Self(hex::encode(bytes))
    }

    /// A token as a client sent it; `None` unless it has the exact shape of one we issue,
    /// so junk never reaches the database.
    pub fn parse(text: &str) -> Option<Self> {
        let valid = text.len() == TOKEN_BYTES * 2
            && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        valid.then(|| Self(text.to_owned()))
    }

    /// The token from an `Authorization` header value: `Bearer <token>`, the scheme in any
    /// case (RFC 9110 makes it case-insensitive).
    pub fn from_bearer(header: &str) -> Option<Self> {
        let (scheme, rest) = header.split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return None;
        }
        Self::parse(rest.trim_matches(' '))
    }

    /// The token itself, to send to the device once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What the server stores and looks tokens up by.
    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(self.0.as_bytes()).into()
    }
}

impl PartialEq for Token {
    fn eq(&self, other: &Self) -> bool {
        secrets_equal(self.0.as_bytes(), other.0.as_bytes())
    }
}

impl Eq for Token {}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

/// A single-use enrolment code, in normal form: [`CODE_LENGTH`] symbols of
/// [`CODE_ALPHABET`]. Equality is constant-time.
#[derive(Clone)]
pub struct EnrolmentCode(String);

impl EnrolmentCode {
    /// A fresh code from `rng`, which must be a cryptographically secure generator.
    pub fn generate(rng: &mut impl Rng) -> Self {
        let code = (0..CODE_LENGTH)
            .map(|_| {
                let index = rng.random_range(0..CODE_ALPHABET.len());
                char::from(CODE_ALPHABET.get(index).copied().unwrap_or(b'A'))
            })
            .collect();
        Self(code)
    }

    /// A code as a person typed or a camera scanned it: case, spaces and dashes do not
    /// matter. `None` when it cannot be a code we issued.
    pub fn parse(typed: &str) -> Option<Self> {
        let code: String = typed
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let valid = code.len() == CODE_LENGTH && code.bytes().all(|b| CODE_ALPHABET.contains(&b));
        valid.then_some(Self(code))
    }

    /// The code in groups of four, `ABCD-EFGH-JKMN`, as an administrator hands it out.
    pub fn grouped(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        chars
            .chunks(4)
            .map(|group| group.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join("-")
    }

    /// What the server stores and looks codes up by.
    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(self.0.as_bytes()).into()
    }
}

impl PartialEq for EnrolmentCode {
    fn eq(&self, other: &Self) -> bool {
        secrets_equal(self.0.as_bytes(), other.0.as_bytes())
    }
}

impl Eq for EnrolmentCode {}

impl fmt::Debug for EnrolmentCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EnrolmentCode(***)")
    }
}

/// Compares two secrets (or their hashes) in time that does not depend on where they differ,
/// so response timing tells an attacker nothing about how close a guess came. (Only a
/// difference in length shows, and every token and code has the same length.)
///
/// Tokens and codes are looked up by hash in the database, where an index decides (see the
/// module's documentation for why that is safe); use this wherever Rust code compares a secret
/// itself.
pub fn secrets_equal(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// Limits enrolment attempts per client and overall, so enrolment codes cannot be guessed.
///
/// A token bucket per client address and one for the whole server: each holds a minute's
/// worth of attempts and refills evenly over the minute. Time is passed in.
#[derive(Debug)]
pub struct EnrolLimiter {
    per_client: f64,
    global: f64,
    state: Mutex<LimiterState>,
}

/// An attempt refused by the [`EnrolLimiter`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct RateLimited {
    /// How long until the next attempt is allowed, in whole seconds, at least one.
    pub retry_after: Duration,
}

#[derive(Debug)]
struct LimiterState {
    global: Bucket,
    /// Only clients that used an attempt recently are here: a client not found has a full
    /// bucket. That bounds the map by the global rate, whatever addresses an attacker uses.
    clients: HashMap<IpAddr, Bucket>,
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    at: DateTime<Utc>,
}

/// Above this many remembered clients, those whose buckets have refilled are forgotten.
const PRUNE_ABOVE: usize = 1_024;

impl EnrolLimiter {
    /// A limiter allowing `per_client` attempts a minute from one client and `global` from
    /// all clients together.
    pub fn new(per_client: u32, global: u32) -> Self {
        Self {
            per_client: f64::from(per_client),
            global: f64::from(global),
            state: Mutex::new(LimiterState {
                global: Bucket {
                    tokens: f64::from(global),
                    at: DateTime::UNIX_EPOCH,
                },
                clients: HashMap::new(),
            }),
        }
    }

    /// Takes one attempt for `client` at `now`, or says how long to wait.
    pub fn check(&self, client: IpAddr, now: DateTime<Utc>) -> Result<(), RateLimited> {
        let client = client_key(client);
        // A poisoned lock only means another request panicked mid-check; the counts are
        // still numbers, so carry on with them.
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let global = refill(state.global, self.global, now);
        let own = state.clients.get(&client).map_or(
            Bucket {
                tokens: self.per_client,
                at: now,
            },
            |b| refill(*b, self.per_client, now),
        );
        if own.tokens < 1.0 {
            return Err(wait(own, self.per_client));
        }
        if global.tokens < 1.0 {
            return Err(wait(global, self.global));
        }
        state.global = Bucket {
            tokens: global.tokens - 1.0,
            ..global
        };
        state.clients.insert(
            client,
            Bucket {
                tokens: own.tokens - 1.0,
                ..own
            },
        );
        if state.clients.len() > PRUNE_ABOVE {
            let capacity = self.per_client;
            state
                .clients
                .retain(|_, b| refill(*b, capacity, now).tokens < capacity);
        }
        Ok(())
    }
}

/// The bucket a client address falls in: an IPv6 client usually holds a whole /64, so the
/// prefix counts as one client; an IPv4 address mapped into IPv6 counts as itself.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(Ipv6Addr::from(segments))
            }
        },
    }
}

/// The bucket at `now`, refilled at `capacity` a minute; a clock that went back refills
/// nothing.
fn refill(bucket: Bucket, capacity: f64, now: DateTime<Utc>) -> Bucket {
    let elapsed = (now - bucket.at).num_milliseconds().max(0);
    #[allow(
        clippy::cast_precision_loss,
        reason = "milliseconds in a minute fit an f64 exactly"
    )]
    let gained = elapsed.min(60_000) as f64 / 60_000.0 * capacity;
    Bucket {
        tokens: (bucket.tokens + gained).min(capacity),
        at: now.max(bucket.at),
    }
}

/// How long until `bucket` holds one whole attempt again.
fn wait(bucket: Bucket, capacity: f64) -> RateLimited {
    let seconds = (1.0 - bucket.tokens) * 60.0 / capacity;
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a wait of at most a minute, rounded up and at least one second"
    )]
    let seconds = seconds.ceil().max(1.0) as u64;
    RateLimited {
        retry_after: Duration::from_secs(seconds),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_760_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn tokens_are_long_random_hex_and_hash_stably() {
        let mut rng = StdRng::seed_from_u64(7);
        let token = Token::generate(&mut rng);
        assert_eq!(token.expose().len(), 64);
        assert_eq!(Token::parse(token.expose()), Some(token.clone()));
        assert_ne!(Token::generate(&mut rng), token);
        assert_eq!(
            token.hash(),
            <[u8; 32]>::from(Sha256::digest(token.expose()))
        );
        assert_eq!(format!("{token:?}"), "Token(***)");
    }

    #[test]
    fn bearer_headers() {
        let token = "ab".repeat(32);
        let check = |header: &str, ok: bool| {
            assert_eq!(Token::from_bearer(header).is_some(), ok, "{header:?}");
        };
        check(&format!("Bearer {token}"), true);
        check(&format!("bearer {token}"), true);
        check(&format!("BEARER  {token} "), true);
        check(&format!("Basic {token}"), false);
        check(&format!("Bearer{token}"), false);
        check(&token, false);
        check("Bearer ", false);
        check(&format!("Bearer {}", token.to_uppercase()), false);
        check(&format!("Bearer {token}00"), false);
        check(&format!("Bearer {}é", &token[..62]), false);
    }

    #[test]
    fn codes_are_typable_and_forgiving() {
        let mut rng = StdRng::seed_from_u64(1);
        let code = EnrolmentCode::generate(&mut rng);
        let grouped = code.grouped();
        assert_eq!(grouped.len(), 14);
        assert_eq!(grouped.matches('-').count(), 2);
        assert!(
            grouped
                .bytes()
                .all(|b| b == b'-' || CODE_ALPHABET.contains(&b)),
            "{grouped}"
        );
        let sloppy = format!(" {} ", grouped.to_lowercase().replace('-', " - "));
        assert_eq!(EnrolmentCode::parse(&sloppy), Some(code.clone()));
        assert_eq!(EnrolmentCode::parse(&sloppy).unwrap().hash(), code.hash());
        assert_ne!(EnrolmentCode::generate(&mut rng), code);
        assert_eq!(format!("{code:?}"), "EnrolmentCode(***)");

        for bad in [
            "",
            "ABCD-EFGH-JKM",
            "ABCD-EFGH-JKMNP",
            "ABCD-EFGH-JKM0",
            "ABCD-EFGH-JKMÉ",
        ] {
            assert_eq!(EnrolmentCode::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn secret_comparison() {
        assert!(secrets_equal(b"same", b"same"));
        assert!(!secrets_equal(b"same", b"sane"));
        assert!(!secrets_equal(b"same", b"same!"));
        assert!(secrets_equal(b"", b""));

        // `==` on tokens and codes goes through `secrets_equal`: equal only when every byte is.
        let token = "ab".repeat(32);
        let parse = |t: &str| Token::parse(t).unwrap();
        assert_eq!(parse(&token), parse(&token));
        for at in [0, 31, 63] {
            let mut near = token.clone().into_bytes();
            near[at] = b'c';
            assert_ne!(parse(&token), parse(std::str::from_utf8(&near).unwrap()));
        }
        let code = EnrolmentCode::parse("ABCD-EFGH-JKMN").unwrap();
        assert_eq!(code, EnrolmentCode::parse("abcd efgh jkmn").unwrap());
        assert_ne!(code, EnrolmentCode::parse("ABCD-EFGH-JKMP").unwrap());
    }

    #[test]
    fn the_limiter_allows_a_minute_of_attempts_then_refills() {
        let limiter = EnrolLimiter::new(10, 1_000);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..10 {
            assert_eq!(limiter.check(ip, at(0)), Ok(()));
        }
        let refused = limiter.check(ip, at(0)).unwrap_err();
        assert_eq!(refused.retry_after, Duration::from_secs(6));
        assert_eq!(
            limiter.check(other, at(0)),
            Ok(()),
            "other clients are not affected"
        );
        assert!(limiter.check(ip, at(5)).is_err());
        assert_eq!(limiter.check(ip, at(6)), Ok(()));
        assert!(limiter.check(ip, at(6)).is_err());
        // A clock that jumps back refills nothing and breaks nothing.
        assert!(limiter.check(ip, at(-100)).is_err());
    }

    #[test]
    fn the_global_limit_holds_across_clients() {
        let limiter = EnrolLimiter::new(10, 3);
        for i in 0..3 {
            let ip = IpAddr::from([198, 51, 100, i]);
            assert_eq!(limiter.check(ip, at(0)), Ok(()));
        }
        let refused = limiter
            .check(IpAddr::from([198, 51, 100, 9]), at(0))
            .unwrap_err();
        assert_eq!(refused.retry_after, Duration::from_secs(20));
        assert_eq!(
            limiter.check(IpAddr::from([198, 51, 100, 9]), at(20)),
            Ok(())
        );
    }

    #[test]
    fn an_ipv6_64_is_one_client() {
        let limiter = EnrolLimiter::new(2, 1_000);
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(limiter.check(a, at(0)), Ok(()));
        assert_eq!(limiter.check(b, at(0)), Ok(()));
        assert!(limiter.check(a, at(0)).is_err());
        assert_eq!(limiter.check(c, at(0)), Ok(()));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(client_key(mapped), "192.0.2.1".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn idle_clients_are_forgotten() {
        let limiter = EnrolLimiter::new(1, 100_000);
        for i in 0..=PRUNE_ABOVE {
            let ip = IpAddr::from(u32::try_from(i).unwrap().to_be_bytes());
            assert_eq!(limiter.check(ip, at(0)), Ok(()));
        }
        let later = at(0) + TimeDelta::minutes(2);
        assert_eq!(limiter.check(IpAddr::from([10, 0, 0, 1]), later), Ok(()));
        let state = limiter.state.lock().unwrap();
        assert_eq!(state.clients.len(), 1);
    }
}
