//! The service's operations, independent of HTTP: handlers (and later the dashboard) are thin
//! wrappers over [`Service`].

use super::figures::{StoredFigures, loaded};
use super::limit::{Admitted, InFlight, RateLimit};
use super::records::{self, Receipt, Role};
use super::registry::Registry;
use super::store::{Store, StoreError};
use crate::aggregate::national::{self, National};
use crate::policy::Policy;
use crate::report::verify::{self, Rejection, Verifier};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use time::OffsetDateTime;

/// Limits of the submission endpoint (the order they apply in: [`super::limit`]).
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest accepted body, in bytes (`413` beyond).
    pub max_body: usize,
    /// Submissions per verified agency: a burst, then so many per minute (`429` beyond).
    pub burst: u32,
    pub per_minute: u32,
    /// Submissions per client address, verified or not: a burst, then so many per minute (`429`).
    pub client_burst: u32,
    pub client_per_minute: u32,
    /// Memory budget of the bodies in flight, in bytes (`503 busy` when a body does not fit);
    /// at least `max_body`.
    pub in_flight: usize,
    /// Verifications running at once (each holds a report in memory and a CPU).
    pub verifying: usize,
    /// The client address is the last one in `X-Forwarded-For` (set only behind a reverse proxy
    /// that appends it: otherwise a client could choose its own address).
    pub trust_forwarded_for: bool,
}

impl Default for Limits {
    fn default() -> Limits {
        let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
        Limits {
            max_body: 64 << 20,
            burst: 20,
            per_minute: 60,
            client_burst: 100,
            client_per_minute: 600,
            in_flight: 512 << 20,
            verifying: cpus * 2,
            trust_forwarded_for: false,
        }
    }
}

/// Why a submission was refused.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// Not JSON, or JSON that is not a report at all (`400`).
    #[error("{message}")]
    NotAReport { code: &'static str, message: String },
    /// A report that fails verification (`422`, the rejection's own code).
    #[error(transparent)]
    Rejected(#[from] Rejection),
    /// Over a rate (`429`): `who` says whose (an address or an agency), `retry` when to retry.
    #[error("too many submissions {who}; retry in {} s", retry.as_secs().max(1))]
    RateLimited { who: String, retry: std::time::Duration },
    /// The bodies in flight fill the memory budget (`503`).
    #[error("the service is receiving as many reports as it can hold; retry in a few seconds")]
    Busy,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a read failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct Service {
    pub store: Store,
    policy: Arc<Policy>,
    limits: Limits,
    /// Per verified agency, per client address (see [`super::limit`]).
    rate: RateLimit,
    clients: RateLimit,
    in_flight: InFlight,
    verifying: Arc<tokio::sync::Semaphore>,
    /// Longest missing-control rankings of the national view (`aggregate`'s default).
    pub top: usize,
}

/// The members of a body read before verification: is it a report at all, and whose.
#[derive(Deserialize)]
struct Probe {
    schema: Option<String>,
    signature: Option<ProbeSignature>,
}

#[derive(Deserialize)]
struct ProbeSignature {
    key_id: Option<String>,
}

impl Service {
    pub fn new(store: Store, policy: Policy, limits: Limits) -> Service {
        Service {
            store,
            policy: Arc::new(policy),
            rate: RateLimit::new(limits.burst, limits.per_minute),
            clients: RateLimit::new(limits.client_burst, limits.client_per_minute),
            in_flight: InFlight::new(limits.in_flight.max(limits.max_body)),
            verifying: Arc::new(tokio::sync::Semaphore::new(limits.verifying.max(1))),
            limits,
            top: 20,
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The catalogues reports are verified against (and views take control titles from).
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Admits a submission from `client` whose body is `declared` bytes long (`None`: not
    /// declared, so up to the largest body): charges the client's bucket and reserves the bytes
    /// of the in-flight budget, held until the returned guard is dropped.
    pub fn admit(&self, client: &str, declared: Option<u64>) -> Result<Admitted, SubmitError> {
        let client = crate::sanitize::one_line(client);
        self.clients
            .allow(&client, std::time::Instant::now())
            .map_err(|retry| SubmitError::RateLimited { who: format!("from address {client}"), retry })?;
        let bytes = declared.unwrap_or(self.limits.max_body as u64);
        self.in_flight.try_admit(bytes).ok_or(SubmitError::Busy)
    }

    /// Bytes of the in-flight budget reserved now (tests and monitoring).
    pub fn in_flight(&self) -> u64 {
        self.in_flight.in_use()
    }

    /// Receives one report: verified by the one verification against the agency's registered
    /// keys, its figures computed, and stored in one transaction.
    pub async fn submit(&self, body: Vec<u8>) -> Result<Receipt, SubmitError> {
        let received = OffsetDateTime::now_utc();
        // serde reads a struct from an array too; a report is an object.
        if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(SubmitError::NotAReport { code: "malformed", message: "not a JSON object".into() });
        }
        let probe: Probe = serde_json::from_slice(&body).map_err(|e| SubmitError::NotAReport {
            code: "malformed",
            message: format!("not a JSON object: line {}, column {}: {e}", e.line(), e.column()),
        })?;
        if probe.schema.as_deref() != Some(crate::report::SCHEMA) {
            return Err(SubmitError::NotAReport {
                code: "not_a_report",
                message: format!("not a {} document (no or another `schema`)", crate::report::SCHEMA),
            });
        }
        let key_id = probe.signature.and_then(|s| s.key_id);
        let claimed = key_id.as_deref().map_or("-".to_string(), crate::sanitize::one_line);
        let result = match key_id {
            Some(k) => self.verify_and_store(body, k, received).await,
            None => Err(Rejection::Unsigned.into()),
        };
        // Refusals are audited too (not stored: the bytes are not a record of anything).
        if let Err(SubmitError::Rejected(r)) = &result {
            let detail = format!("claimed_agency={claimed} code={}", r.code());
            self.store.tx(move |c| records::audit(c, "agency", "submission.refused", &detail)).await?;
        }
        result
    }

    async fn verify_and_store(
        &self,
        body: Vec<u8>,
        key_id: String,
        received: OffsetDateTime,
    ) -> Result<Receipt, SubmitError> {
        let keys = {
            let agency = key_id.clone();
            self.store.tx(move |c| records::keys(c, Some(&agency))).await?
        };
        let registry = Registry::new(key_id, keys, received.date());
        let slot = self.verifying.clone().acquire_owned().await.map_err(|e| StoreError::Worker(e.to_string()))?;
        let policy = self.policy.clone();
        let new = tokio::task::spawn_blocking(move || prepare(body, &registry, &policy, received))
            .await
            .map_err(|e| StoreError::Worker(e.to_string()))??;
        drop(slot);
        // Only now is the agency known to be the sender: its bucket is charged (see limit.rs).
        self.rate.allow(&new.agency, std::time::Instant::now()).map_err(|retry| SubmitError::RateLimited {
            who: format!("for agency `{}`", crate::sanitize::one_line(&new.agency)),
            retry,
        })?;
        Ok(self.store.tx(move |c| records::submit(c, &new)).await?)
    }

    /// The role of a bearer token, `None` when it is unknown or revoked.
    pub async fn authenticate(&self, token: &str) -> Result<Option<Role>, StoreError> {
        let hash = super::registry::token_hash(token);
        self.store.tx(move |c| records::token(c, &hash)).await
    }

    /// The period a view shows: the one asked for (checked to be a year), or `aggregate`'s default
    /// (the period most agencies reported for, the newest among equals).
    pub async fn period(&self, asked: Option<&str>) -> Result<String, ReadError> {
        if let Some(p) = asked {
            if !crate::aggregate::input::is_year(p) {
                return Err(ReadError::BadRequest(format!(
                    "period `{}` is not a year (YYYY)",
                    crate::sanitize::one_line(p)
                )));
            }
            return Ok(p.to_string());
        }
        let pairs = self.store.tx(records::period_agencies).await?;
        Ok(crate::aggregate::usual_period_of(pairs.iter().map(|(p, a)| (p.as_str(), a.as_str()))).unwrap_or_default())
    }

    /// Every period with a stored submission, oldest first (the dashboard's period selector and
    /// trend lines).
    pub async fn periods(&self) -> Result<Vec<String>, StoreError> {
        let pairs = self.store.tx(records::period_agencies).await?;
        let periods: std::collections::BTreeSet<String> = pairs.into_iter().map(|(p, _)| p).collect();
        Ok(periods.into_iter().collect())
    }

    /// The national view of a period, built by `aggregate`'s own code from the stored figures.
    pub async fn national(&self, period: Option<&str>) -> Result<National, ReadError> {
        let period = self.period(period).await?;
        let p = period.clone();
        let stored = self.store.tx(move |c| records::tallies_of_period(c, &p)).await?;
        let all =
            stored.iter().map(|(s, tally)| loaded(s, tallies(s, tally.as_deref())?)).collect::<Result<Vec<_>, _>>()?;
        let (counted, superseded) = national::select(all);
        Ok(national::build(&counted, Vec::new(), superseded, None, &period, crate::dates::now(), self.top))
    }

    /// An agency in a period: its figures (as the national view states them), systems, and its
    /// figures in every period it has a counted report for.
    pub async fn agency(&self, id: &str, period: Option<&str>) -> Result<Value, ReadError> {
        let period = self.period(period).await?;
        let agency = id.to_string();
        let reports = self.store.tx(move |c| records::counted_of_agency(c, &agency)).await?;
        let mut history = Vec::new();
        let mut current = None;
        for s in &reports {
            let f = StoredFigures::read(s)?;
            let systems = f.systems.clone();
            let view =
                national::build(&[loaded(s, f)?], Vec::new(), Vec::new(), None, &s.period, String::new(), self.top);
            let figures = view.agencies.into_iter().next();
            history
                .push(json!({"period": s.period, "report": s.id, "generated_at": s.generated_at, "figures": figures}));
            if s.period == period {
                current = Some((figures, systems, s));
            }
        }
        let Some((figures, systems, s)) = current else {
            return Err(ReadError::NotFound(format!(
                "agency `{}` has no counted report for period {period}",
                crate::sanitize::one_line(id)
            )));
        };
        Ok(
            json!({"period": period, "agency": figures, "report": s.id, "key": s.key, "systems": systems, "history": history}),
        )
    }

    /// One system of an agency in a period, with its record in every period.
    pub async fn system(&self, agency: &str, system: &str, period: Option<&str>) -> Result<Value, ReadError> {
        let period = self.period(period).await?;
        let a = agency.to_string();
        let reports = self.store.tx(move |c| records::counted_of_agency(c, &a)).await?;
        let mut history = Vec::new();
        let mut current = None;
        for s in &reports {
            let Some(sys) = StoredFigures::read(s)?.systems.into_iter().find(|x| x.id == system) else { continue };
            history.push(json!({"period": s.period, "report": s.id, "compliant": sys.compliant,
                "fully_implemented": sys.fully_implemented, "deployment": sys.deployment,
                "missing_controls": sys.missing_controls.len()}));
            if s.period == period {
                current = Some((sys, s.id.clone()));
            }
        }
        let Some((sys, report)) = current else {
            return Err(ReadError::NotFound(format!(
                "agency `{}` has no system `{}` in a counted report of period {period}",
                crate::sanitize::one_line(agency),
                crate::sanitize::one_line(system)
            )));
        };
        Ok(json!({"period": period, "agency": agency, "report": report, "system": sys, "history": history}))
    }

    /// Registered agencies (a key or token names them) with no counted report for the period.
    pub async fn missing(&self, period: Option<&str>) -> Result<Value, ReadError> {
        let period = self.period(period).await?;
        let p = period.clone();
        let (registered, stored) =
            self.store.tx(move |c| Ok((records::registered(c)?, records::tallies_of_period(c, &p)?))).await?;
        let reported: std::collections::HashSet<&str> =
            stored.iter().filter(|(s, _)| s.status == "counted").map(|(s, _)| s.agency.as_str()).collect();
        let missing: Vec<Value> = registered
            .iter()
            .filter(|(id, _)| !reported.contains(id.as_str()))
            .map(|(id, name)| json!({"id": id, "name": name}))
            .collect();
        Ok(json!({"period": period, "agencies": missing}))
    }

    /// A submission's stored bytes and its agency.
    pub async fn report(&self, id: &str) -> Result<(String, Vec<u8>), ReadError> {
        let i = id.to_string();
        self.store
            .tx(move |c| records::raw(c, &i))
            .await?
            .ok_or_else(|| ReadError::NotFound(format!("no submission `{}`", crate::sanitize::one_line(id))))
    }
}

/// A stored submission's figures for the national view: its tallies alone (no systems), read from
/// their own table, or from its full figures when it was stored before the tallies were kept.
fn tallies(s: &records::Stored, tally: Option<&str>) -> Result<StoredFigures, StoreError> {
    let tally = match tally {
        Some(t) => {
            serde_json::from_str(t).map_err(|e| StoreError::Corrupt(format!("tallies of submission {}: {e}", s.id)))?
        }
        None => StoredFigures::read(s)?.tally,
    };
    Ok(StoredFigures { tally, systems: Vec::new() })
}

/// Verifies the body (blocking: CPU-bound) and prepares its stored record.
fn prepare(
    body: Vec<u8>,
    registry: &Registry,
    policy: &Policy,
    received: OffsetDateTime,
) -> Result<records::NewSubmission, SubmitError> {
    let verifier = Verifier { keys: Some(registry), allow_unsigned: false, policy, now: received };
    let v = verify::verify(&body, &verifier)?;
    let stored = StoredFigures::of(&v, &body);
    let unserialisable = |e: serde_json::Error| StoreError::Corrupt(format!("figures do not serialise: {e}"));
    let figures = serde_json::to_string(&stored).map_err(unserialisable)?;
    let tally = serde_json::to_string(&stored.tally).map_err(unserialisable)?;
    let agency = v.agency();
    let new = records::NewSubmission {
        id: submission_id(&v.digest),
        agency: agency.id.to_string(),
        agency_name: agency.name.clone(),
        period: v.report.period.clone(),
        generated_at: v.report.generated_at.clone(),
        written: v.written,
        received_at: super::time_text(received),
        // invariant: a signed verification always names the key that verified it.
        key: v.key.clone().unwrap_or_default(),
        digest: v.digest.clone(),
        figures,
        tally,
        raw: Vec::new(),
    };
    drop(v);
    Ok(records::NewSubmission { raw: body, ..new })
}

/// A submission's id: from its signature (ed25519 is deterministic and signs every byte but
/// itself), so the same report sent again — even with or without its trailing newline — has the
/// same id, and ids do not depend on arrival order.
pub fn submission_id(digest: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(digest).iter().take(16).map(|b| format!("{b:02x}")).collect()
}
