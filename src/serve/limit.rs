//! Admission control of the submission endpoint, in the order a submission meets it:
//!
//! 1. **Per client address** ([`RateLimit`] keyed on the connection's peer address, or the address
//!    a trusted reverse proxy appended to `X-Forwarded-For`): a burst, then so many per minute,
//!    checked before the body is read. This is what throttles junk: the address is the one thing a
//!    sender cannot choose freely over TCP.
//! 2. **Globally** ([`InFlight`]): the bodies being read, verified and stored at once share a
//!    memory budget, counted in bytes (the declared `Content-Length`, or the largest body when the
//!    length is not declared). A submission that does not fit is refused at once (`503 busy` with
//!    `Retry-After`) rather than queued: a queue would hold its connection and socket buffers,
//!    which is the memory the budget protects. Verification itself is limited separately to a
//!    few at once (CPU). The global limits are caps on concurrency, not rates: what must be
//!    bounded is what the machine holds at one time, and an honest rush before a ministry
//!    deadline must not be refused while the machine has room.
//! 3. **Per agency** ([`RateLimit`] keyed on the agency id), charged only *after* the report's
//!    signature verified against one of that agency's keys. The agency a report names before
//!    verification is a claim anyone can make: charging it then let junk claiming a real agency
//!    drain that agency's bucket and lock it out (a denial of service on the victim). After
//!    verification only the key holder can spend it; it bounds what one agency (or a stolen key)
//!    writes to the database.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Token buckets per key: a burst of `burst`, then `per_minute`.
pub struct RateLimit {
    burst: f64,
    per_second: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

/// Buckets kept at most; beyond it the full ones are forgotten (a flood of invented keys must not
/// grow memory without bound).
const MAX_BUCKETS: usize = 100_000;

impl RateLimit {
    pub fn new(burst: u32, per_minute: u32) -> RateLimit {
        RateLimit { burst: f64::from(burst), per_second: f64::from(per_minute) / 60.0, buckets: Mutex::default() }
    }

    /// Takes one token for `key`; `Err(wait)`: over the limit, a token is back after `wait`.
    pub fn allow(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_BUCKETS && !buckets.contains_key(key) {
            let (burst, rate) = (self.burst, self.per_second);
            buckets.retain(|_, (t, at)| *t + now.duration_since(*at).as_secs_f64() * rate < burst);
        }
        let (tokens, at) = buckets.entry(key.to_string()).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.per_second).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else if self.per_second > 0.0 {
            Err(Duration::from_secs_f64(((1.0 - *tokens) / self.per_second).min(86_400.0)))
        } else {
            Err(Duration::from_secs(86_400))
        }
    }
}

/// The memory budget of the bodies in flight (bytes, counted in KiB so that budgets of gigabytes
/// fit the semaphore's permit count).
pub struct InFlight {
    budget_kib: u32,
    permits: Arc<tokio::sync::Semaphore>,
}

/// A submission's share of the budget, given back when dropped (the response is written).
pub struct Admitted(#[allow(dead_code)] tokio::sync::OwnedSemaphorePermit);

impl InFlight {
    /// A budget of `bytes` (at least 1 KiB; capped at the semaphore's largest count).
    pub fn new(bytes: usize) -> InFlight {
        let kib = (bytes.div_ceil(1024)).clamp(1, tokio::sync::Semaphore::MAX_PERMITS.min(u32::MAX as usize));
        let budget_kib = u32::try_from(kib).unwrap_or(u32::MAX);
        InFlight { budget_kib, permits: Arc::new(tokio::sync::Semaphore::new(budget_kib as usize)) }
    }

    /// Reserves `bytes` of the budget now, or `None` when they do not fit.
    pub fn try_admit(&self, bytes: u64) -> Option<Admitted> {
        let kib = u32::try_from(bytes.div_ceil(1024).max(1)).unwrap_or(u32::MAX).min(self.budget_kib);
        self.permits.clone().try_acquire_many_owned(kib).ok().map(Admitted)
    }

    /// Bytes (KiB granularity) reserved by the submissions in flight now.
    pub fn in_use(&self) -> u64 {
        u64::from(self.budget_kib).saturating_sub(self.permits.available_permits() as u64) * 1024
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_refused_then_refilled() {
        let r = RateLimit::new(2, 60);
        let t0 = Instant::now();
        assert_eq!(r.allow("a", t0), Ok(()));
        assert_eq!(r.allow("a", t0), Ok(()));
        assert_eq!(r.allow("a", t0), Err(Duration::from_secs(1)), "one per second: back in a second");
        assert_eq!(r.allow("b", t0), Ok(()), "another key has its own bucket");
        assert_eq!(r.allow("a", t0 + Duration::from_secs(1)), Ok(()), "one per second refills");
    }

    #[test]
    fn the_budget_admits_what_fits_and_gives_it_back() {
        let f = InFlight::new(100 << 10);
        let big = f.try_admit(60 << 10).expect("60 KiB of 100 fit");
        assert_eq!(f.in_use(), 60 << 10);
        assert!(f.try_admit(50 << 10).is_none(), "60 + 50 KiB do not fit in 100");
        let small = f.try_admit(40 << 10).expect("60 + 40 fit exactly");
        drop(big);
        assert_eq!(f.in_use(), 40 << 10);
        drop(small);
        assert!(f.try_admit(1 << 30).is_some(), "a body larger than the budget takes all of it when free");
    }
}
