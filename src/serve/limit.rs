//! Per-agency rate limit: a token bucket per claimed agency (the report's `signature.key_id`),
//! checked before the costly verification. A burst of `burst` submissions, then `per_minute`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

pub struct RateLimit {
    burst: f64,
    per_second: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

/// Buckets kept at most; beyond it the full ones are forgotten (a flood of invented agency ids
/// must not grow memory without bound).
const MAX_BUCKETS: usize = 100_000;

impl RateLimit {
    pub fn new(burst: u32, per_minute: u32) -> RateLimit {
        RateLimit { burst: f64::from(burst), per_second: f64::from(per_minute) / 60.0, buckets: Mutex::default() }
    }

    /// Takes one token for `agency`; `false`: over the limit.
    pub fn allow(&self, agency: &str, now: Instant) -> bool {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_BUCKETS && !buckets.contains_key(agency) {
            let (burst, rate) = (self.burst, self.per_second);
            buckets.retain(|_, (t, at)| *t + now.duration_since(*at).as_secs_f64() * rate < burst);
        }
        let (tokens, at) = buckets.entry(agency.to_string()).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.per_second).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_refused_then_refilled() {
        let r = RateLimit::new(2, 60);
        let t0 = Instant::now();
        assert!(r.allow("a", t0));
        assert!(r.allow("a", t0));
        assert!(!r.allow("a", t0));
        assert!(r.allow("b", t0), "another agency has its own bucket");
        assert!(r.allow("a", t0 + std::time::Duration::from_secs(1)), "one per second refills");
    }
}
