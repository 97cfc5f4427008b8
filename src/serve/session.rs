//! Dashboard sessions: the page `/login` checks a read token once and hands the browser an opaque,
//! random session id in an `HttpOnly; SameSite=Strict` cookie. The id maps, in memory, to the
//! token's role — never to the token itself — so the token is not kept, logged or sent again, and
//! a stolen cookie dies with the process or after [`LIFETIME`].
//!
//! The table is bounded ([`MAX_SESSIONS`]): a flood of logins evicts the oldest sessions rather
//! than growing memory without end.

use super::records::Role;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The session cookie's name.
pub const COOKIE: &str = "tuanthu_session";

/// How long a session lasts after login (a working day).
pub const LIFETIME: Duration = Duration::from_secs(8 * 3600);

/// Most sessions held at once.
pub const MAX_SESSIONS: usize = 10_000;

struct Session {
    role: Role,
    started: Instant,
}

/// The live sessions of one server.
#[derive(Default)]
pub struct Sessions {
    map: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    pub fn new() -> Sessions {
        Sessions::default()
    }

    /// Starts a session for `role`; its id (32 random bytes, hex), or `None` when the system's
    /// random source fails.
    pub fn start(&self, role: Role, now: Instant) -> Option<String> {
        let mut bytes = [0u8; 32];
        rustls::crypto::aws_lc_rs::default_provider().secure_random.fill(&mut bytes).ok()?;
        let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let mut map = self.lock();
        map.retain(|_, s| now.saturating_duration_since(s.started) < LIFETIME);
        if map.len() >= MAX_SESSIONS {
            let oldest = map.iter().min_by_key(|(_, s)| s.started).map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                map.remove(&k);
            }
        }
        map.insert(id.clone(), Session { role, started: now });
        Some(id)
    }

    /// The role of a live session.
    pub fn role(&self, id: &str, now: Instant) -> Option<Role> {
        let mut map = self.lock();
        let live = map.get(id).is_some_and(|s| now.saturating_duration_since(s.started) < LIFETIME);
        if !live {
            map.remove(id);
            return None;
        }
        map.get(id).map(|s| s.role.clone())
    }

    /// Ends a session (logout).
    pub fn end(&self, id: &str) {
        self.lock().remove(id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        // A panic while holding the lock cannot leave the map half-updated (each operation is one
        // map call), so a poisoned lock is still usable.
        self.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The session id of a `Cookie` header, if it carries ours.
pub fn from_cookie_header(header: &str) -> Option<&str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|v| !v.is_empty())
}

/// The `Set-Cookie` value that stores session `id` (`Secure` when served over TLS).
pub fn set_cookie(id: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/{secure}")
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{secure}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_maps_to_its_role_until_it_ends_or_expires() {
        let s = Sessions::new();
        let t0 = Instant::now();
        let id = s.start(Role::Agency("so-1".into()), t0).unwrap();
        assert_eq!(id.len(), 64);
        assert_eq!(s.role(&id, t0), Some(Role::Agency("so-1".into())));
        assert_eq!(s.role("other", t0), None);
        assert_eq!(s.role(&id, t0 + LIFETIME), None, "expired");
        let id = s.start(Role::Center, t0).unwrap();
        s.end(&id);
        assert_eq!(s.role(&id, t0), None, "logged out");
    }

    #[test]
    fn the_table_is_bounded() {
        let s = Sessions::new();
        let t0 = Instant::now();
        let first = s.start(Role::Center, t0).unwrap();
        for i in 1..=MAX_SESSIONS {
            s.start(Role::Center, t0 + Duration::from_millis(i as u64)).unwrap();
        }
        assert_eq!(s.lock().len(), MAX_SESSIONS);
        assert_eq!(s.role(&first, t0 + Duration::from_secs(1)), None, "the oldest was evicted");
    }

    #[test]
    fn cookies_are_read_and_written_with_their_flags() {
        assert_eq!(from_cookie_header("a=1; tuanthu_session=abc; b=2"), Some("abc"));
        assert_eq!(from_cookie_header("tuanthu_session="), None);
        assert_eq!(from_cookie_header("x_tuanthu_session=abc"), None);
        assert_eq!(set_cookie("abc", false), "tuanthu_session=abc; HttpOnly; SameSite=Strict; Path=/");
        assert_eq!(set_cookie("abc", true), "tuanthu_session=abc; HttpOnly; SameSite=Strict; Path=/; Secure");
        assert_eq!(clear_cookie(false), "tuanthu_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    }
}
