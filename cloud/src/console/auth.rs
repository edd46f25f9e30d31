//! Who may use the console: one account with an argon2 password hash,
//! sessions held in a cookie, a CSRF token per session, and a lockout after
//! repeated wrong passwords.
//!
//! This is the console, not the appliance: it may read the wall clock and the
//! operating system's randomness (session tokens must be unguessable), and
//! none of it touches the twin's determinism.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Argon2, PasswordHash};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Wrong passwords in a row that lock an account.
pub const MAX_FAILURES: u32 = 5;
/// How long a locked account stays locked.
pub const LOCKOUT: Duration = Duration::from_secs(15 * 60);
/// A session unused for this long is gone.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60 * 60);
/// Accounts tracked for failures at most (unknown names count too, so that
/// the answer never tells which accounts exist; the map must stay bounded).
const MAX_TRACKED: usize = 10_000;

/// 32 random bytes from the operating system, as hex.
pub fn random_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Compares two strings in time independent of where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// One logged-in browser.
#[derive(Clone, Debug)]
pub struct SessionInfo {
    pub account: String,
    pub csrf: String,
    pub lang: crate::labels::Lang,
    last_seen: Instant,
}

#[derive(Debug, Default)]
struct Failures {
    count: u32,
    locked_until: Option<Instant>,
}

/// Why a login did not succeed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginError {
    Wrong,
    Locked,
    Internal,
}

/// Whether `password` matches the argon2 `hash` (deliberately slow: call it
/// without holding a lock others wait on).
pub fn verify(hash: &str, password: &str) -> Result<bool, LoginError> {
    let parsed = PasswordHash::new(hash).map_err(|_| LoginError::Internal)?;
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

/// Accounts, sessions and failures.
pub struct Auth {
    account: String,
    hash: String,
    sessions: HashMap<String, SessionInfo>,
    failures: HashMap<String, Failures>,
    default_lang: crate::labels::Lang,
}

impl Auth {
    /// The console's account with its password (hashed at once; the clear
    /// text is not kept).
    pub fn new(
        account: &str,
        password: &str,
        default_lang: crate::labels::Lang,
    ) -> anyhow::Result<Auth> {
        let hash = Argon2::default()
            .hash_password(password.as_bytes())
            .map_err(|e| anyhow::anyhow!("hashing the console password: {e}"))?
            .to_string();
        Ok(Auth {
            account: account.to_string(),
            hash,
            sessions: HashMap::new(),
            failures: HashMap::new(),
            default_lang,
        })
    }

    /// Checks a login and opens a session; returns its token. The console
    /// uses the three steps instead, hashing outside its lock.
    pub fn login(&mut self, account: &str, password: &str) -> Result<String, LoginError> {
        let hash = self.begin_login(account)?;
        let password_ok = verify(&hash, password)?;
        self.finish_login(account, password_ok)
    }

    /// A login's first step: refused at once if the account is locked,
    /// else the hash to check the password against (with [`verify`], which
    /// needs no `&mut self`: the slow part runs without the caller's lock).
    pub fn begin_login(&mut self, account: &str) -> Result<String, LoginError> {
        let now = Instant::now();
        let key: String = account.chars().take(128).collect();
        if let Some(f) = self.failures.get_mut(&key) {
            match f.locked_until {
                Some(until) if until > now => return Err(LoginError::Locked),
                Some(_) => *f = Failures::default(),
                None => {}
            }
        }
        // Verify even for an unknown account so both cost the same.
        Ok(self.hash.clone())
    }

    /// A login's last step: opens a session if the password matched the
    /// account, else counts the failure (and locks after too many).
    pub fn finish_login(&mut self, account: &str, password_ok: bool) -> Result<String, LoginError> {
        let now = Instant::now();
        let key: String = account.chars().take(128).collect();
        if password_ok && same(&key, &self.account) {
            self.failures.remove(&key);
            let token = random_token().map_err(|_| LoginError::Internal)?;
            let csrf = random_token().map_err(|_| LoginError::Internal)?;
            self.expire(now);
            self.sessions.insert(
                token.clone(),
                SessionInfo {
                    account: self.account.clone(),
                    csrf,
                    lang: self.default_lang,
                    last_seen: now,
                },
            );
            return Ok(token);
        }
        if self.failures.len() >= MAX_TRACKED && !self.failures.contains_key(&key) {
            self.failures
                .retain(|_, f| f.locked_until.is_some_and(|u| u > now));
        }
        let f = self.failures.entry(key).or_default();
        f.count += 1;
        if f.count >= MAX_FAILURES {
            f.locked_until = Some(now + LOCKOUT);
            return Err(LoginError::Locked);
        }
        Err(LoginError::Wrong)
    }

    /// The session of `token`, refreshed; `None` if unknown or idle too long.
    pub fn session(&mut self, token: &str) -> Option<SessionInfo> {
        let now = Instant::now();
        let info = self.sessions.get_mut(token)?;
        if now.duration_since(info.last_seen) > IDLE_TIMEOUT {
            self.sessions.remove(token);
            return None;
        }
        info.last_seen = now;
        Some(info.clone())
    }

    pub fn set_lang(&mut self, token: &str, lang: crate::labels::Lang) {
        if let Some(info) = self.sessions.get_mut(token) {
            info.lang = lang;
        }
    }

    pub fn logout(&mut self, token: &str) {
        self.sessions.remove(token);
    }

    pub fn is_locked(&self, account: &str) -> bool {
        self.failures
            .get(account)
            .and_then(|f| f.locked_until)
            .is_some_and(|u| u > Instant::now())
    }

    fn expire(&mut self, now: Instant) {
        self.sessions
            .retain(|_, s| now.duration_since(s.last_seen) <= IDLE_TIMEOUT);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::Lang;

    #[test]
    fn right_password_opens_a_session_wrong_ones_lock() {
        let mut auth = Auth::new("TMF0001", "correct horse", Lang::Ja).unwrap();
        let token = auth.login("TMF0001", "correct horse").unwrap();
        assert_eq!(token.len(), 64);
        assert!(auth.session(&token).is_some());
        for _ in 0..MAX_FAILURES - 1 {
            assert_eq!(auth.login("TMF0001", "nope"), Err(LoginError::Wrong));
        }
        assert_eq!(auth.login("TMF0001", "nope"), Err(LoginError::Locked));
        assert_eq!(
            auth.login("TMF0001", "correct horse"),
            Err(LoginError::Locked)
        );
        assert!(auth.is_locked("TMF0001"));
        assert!(
            auth.session(&token).is_some(),
            "lockout ends no open session"
        );
        assert_eq!(
            auth.login("nobody", "correct horse"),
            Err(LoginError::Wrong)
        );
    }

    #[test]
    fn tokens_differ() {
        assert_ne!(random_token().unwrap(), random_token().unwrap());
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
    }
}
