//! Rate limits with a sliding window (the previous window's count, weighted by how much of
//! it still overlaps, plus the current one's): auth routes per client, other routes per
//! client, API-key traffic per key. Counted in memory (one instance) or in Redis (several
//! instances sharing the limits, `PINTAR_REDIS_URL`); `RateLimit-*` headers on every limited
//! response and `Retry-After` on 429.

use crate::config::Settings;
use crate::error::{problem, respond};
use crate::http::client_ip::TrustedProxies;
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use moka::sync::Cache;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A limit: `max` requests per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Requests allowed per window.
    pub max: u32,
    /// Window length.
    pub window: Duration,
}

/// Which limit applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tier {
    /// `/api/v1/auth/*`, per client address.
    Auth,
    /// Everything else, per client address.
    General,
    /// Requests made with an API key, per key.
    ApiKey,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    previous: u32,
    current: u32,
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    /// Whether the request may go on.
    pub allowed: bool,
    /// The limit.
    pub limit: u32,
    /// Requests left now.
    pub remaining: u32,
    /// Seconds until the current window ends.
    pub reset: u64,
    /// Seconds to wait before a request would be allowed (when refused).
    pub retry_after: Option<u64>,
}

/// Entries kept per tier in memory: bounded whatever clients send. Eviction favours the
/// clients seen often (TinyLFU), so a flood of new addresses cannot push out a busy one.
const MEMORY_CAPACITY: u64 = 200_000;

/// How long Redis may take to answer before the request is counted locally instead.
const REDIS_TIMEOUT: Duration = Duration::from_millis(250);

/// After a Redis failure, how long requests are counted locally before Redis is tried again.
const REDIS_RETRY: Duration = Duration::from_secs(5);

/// The limiter's state.
pub struct RateLimiter {
    enabled: bool,
    proxies: TrustedProxies,
    limits: HashMap<Tier, Limit>,
    windows: HashMap<Tier, Cache<String, Arc<Mutex<Window>>>>,
    redis: Option<Shared>,
}

/// Counts kept in Redis, in windows aligned to the Unix clock, so every instance agrees.
struct Shared {
    conn: redis::aio::ConnectionManager,
    script: redis::Script,
    prefix: String,
    /// While set and in the future, Redis is skipped (it failed recently).
    down_until: Mutex<Option<Instant>>,
}

/// Atomically: refuse if the weighted count would pass the limit, else count the request.
/// Returns `{allowed, current count before this request, previous window's count}`.
const SLIDING_WINDOW_LUA: &str = r"
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
if previous * tonumber(ARGV[2]) + current + 1 > tonumber(ARGV[1]) then
  return {0, current, previous}
end
redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return {1, current, previous}
";

impl Tier {
    fn as_str(self) -> &'static str {
        match self {
            Tier::Auth => "auth",
            Tier::General => "general",
            Tier::ApiKey => "key",
        }
    }
}

impl RateLimiter {
    /// A limiter with the limits and trusted proxies of `settings`, counting in memory.
    pub fn new(settings: &Settings) -> Self {
        let minute = Duration::from_secs(60);
        let limits = HashMap::from([
            (
                Tier::Auth,
                Limit {
                    max: settings.rate_limit_auth_per_minute,
                    window: minute,
                },
            ),
            (
                Tier::General,
                Limit {
                    max: settings.rate_limit_per_minute,
                    window: minute,
                },
            ),
            (
                Tier::ApiKey,
                Limit {
                    max: settings.rate_limit_api_key_per_hour,
                    window: Duration::from_secs(3600),
                },
            ),
        ]);
        let windows = limits
            .iter()
            .map(|(tier, limit)| {
                let cache = Cache::builder()
                    .max_capacity(MEMORY_CAPACITY)
                    // A client idle for two windows has nothing left to count.
                    .time_to_idle(limit.window * 2)
                    .build();
                (*tier, cache)
            })
            .collect();
        Self {
            enabled: settings.rate_limit_enabled,
            proxies: TrustedProxies::parse(&settings.trusted_proxies),
            limits,
            windows,
            redis: None,
        }
    }

    /// Like [`RateLimiter::new`], counting in Redis when `redis_url` is set. Redis is asked
    /// with a short timeout; when it does not answer (at start or later), requests are
    /// counted in memory for a few seconds (logged once) and Redis is tried again. Fails
    /// only on a malformed URL.
    pub async fn connect(settings: &Settings) -> Result<Self, redis::RedisError> {
        let mut limiter = Self::new(settings);
        if let Some(url) = &settings.redis_url {
            let client = redis::Client::open(url.as_str())?;
            let config = redis::aio::ConnectionManagerConfig::new()
                .set_connection_timeout(Some(REDIS_TIMEOUT))
                .set_response_timeout(Some(REDIS_TIMEOUT))
                .set_number_of_retries(1);
            limiter.redis = Some(Shared {
                // Lazy: a Redis that is down at start is handled like one that goes down later.
                conn: redis::aio::ConnectionManager::new_lazy_with_config(client, config)?,
                script: redis::Script::new(SLIDING_WINDOW_LUA),
                prefix: settings.redis_prefix.clone(),
                down_until: Mutex::new(None),
            });
        }
        Ok(limiter)
    }

    /// Whether limits apply at all.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    fn limit(&self, tier: Tier) -> Limit {
        self.limits.get(&tier).copied().unwrap_or(Limit {
            max: u32::MAX,
            window: Duration::from_secs(60),
        })
    }

    /// Counts a request of `key` in `tier` now, in Redis (shared by every instance) or in
    /// memory.
    pub async fn check(&self, tier: Tier, key: &str) -> Decision {
        if let Some(shared) = &self.redis
            && shared.available()
        {
            match self.check_shared(shared, tier, key).await {
                Ok(d) => {
                    shared.recovered();
                    return d;
                }
                Err(e) => shared.failed(&e),
            }
        }
        self.check_at(tier, key, Instant::now())
    }

    async fn check_shared(
        &self,
        shared: &Shared,
        tier: Tier,
        key: &str,
    ) -> Result<Decision, redis::RedisError> {
        let limit = self.limit(tier);
        let w = limit.window.as_secs_f64();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or_default();
        let index = (now / w).floor();
        let age = now - index * w;
        let name = |i: f64| format!("{}:rl:{}:{key}:{i}", shared.prefix, tier.as_str());
        let mut conn = shared.conn.clone();
        let mut invocation = shared.script.key(name(index));
        invocation
            .key(name(index - 1.0))
            .arg(limit.max)
            .arg(1.0 - age / w)
            .arg(limit.window.as_secs() * 2);
        let call = invocation.invoke_async::<(u8, u32, u32)>(&mut conn);
        // The connection's own timeout covers a silent server; this one covers the rest.
        let (allowed, current, previous) = tokio::time::timeout(REDIS_TIMEOUT, call)
            .await
            .map_err(|_| {
                redis::RedisError::from((redis::ErrorKind::Io, "rate limit store timed out"))
            })??;
        Ok(decide(limit, allowed == 1, previous, current, age))
    }

    /// Counts a request of `key` in `tier` at `now` in memory, unless that would exceed the
    /// limit.
    pub fn check_at(&self, tier: Tier, key: &str, now: Instant) -> Decision {
        let limit = self.limit(tier);
        let w = limit.window.as_secs_f64();
        let Some(cache) = self.windows.get(&tier) else {
            return decide(limit, true, 0, 0, 0.0);
        };
        let entry = cache.get_with_by_ref(key, || {
            Arc::new(Mutex::new(Window {
                start: now,
                previous: 0,
                current: 0,
            }))
        });
        let Ok(mut win) = entry.lock() else {
            // A poisoned lock only means another request panicked mid-update: fail open.
            return decide(limit, true, 0, 0, 0.0);
        };
        let mut age = now.saturating_duration_since(win.start).as_secs_f64();
        if age >= 2.0 * w {
            *win = Window {
                start: now,
                previous: 0,
                current: 0,
            };
            age = 0.0;
        } else if age >= w {
            win.start += limit.window;
            win.previous = win.current;
            win.current = 0;
            age -= w;
        }
        let used = f64::from(win.previous) * (1.0 - age / w) + f64::from(win.current);
        let allowed = used + 1.0 <= f64::from(limit.max);
        let d = decide(limit, allowed, win.previous, win.current, age);
        if allowed {
            win.current += 1;
        }
        d
    }

    /// Clients counted in memory in `tier` (for tests of the bound).
    pub fn tracked(&self, tier: Tier) -> u64 {
        self.windows.get(&tier).map_or(0, |c| {
            c.run_pending_tasks();
            c.entry_count()
        })
    }

    /// Whether the request's socket peer is a trusted proxy (whose forwarding headers,
    /// such as `X-Forwarded-Proto`, may be believed).
    pub fn from_trusted_proxy(&self, req: &Request) -> bool {
        req.extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .is_some_and(|c| self.proxies.trusts(c.0.ip()))
    }

    /// The client address of `req`: the socket peer, or the client behind a trusted proxy;
    /// IPv4-mapped IPv6 addresses are written as IPv4.
    pub fn client(&self, req: &Request) -> IpAddr {
        let peer = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |c| c.0.ip());
        self.proxies.client(peer, req.headers())
    }
}

impl Shared {
    fn available(&self) -> bool {
        match self.down_until.lock() {
            Ok(d) => d.is_none_or(|until| Instant::now() >= until),
            Err(_) => false,
        }
    }

    fn failed(&self, e: &redis::RedisError) {
        if let Ok(mut d) = self.down_until.lock() {
            if d.is_none() {
                tracing::warn!(error = %e, "rate limit store (Redis) unavailable; counting in memory on this instance until it answers");
            }
            *d = Some(Instant::now() + REDIS_RETRY);
        }
    }

    fn recovered(&self) {
        if let Ok(mut d) = self.down_until.lock()
            && d.take().is_some()
        {
            tracing::info!("rate limit store (Redis) answers again; limits are shared again");
        }
    }
}

/// The decision and headers for a request that found `previous` and `current` counts at
/// `age` seconds into the current window.
fn decide(limit: Limit, allowed: bool, previous: u32, current: u32, age: f64) -> Decision {
    let w = limit.window.as_secs_f64();
    let used = f64::from(previous) * (1.0 - age / w) + f64::from(current);
    let reset = (w - age).ceil().max(1.0) as u64;
    if allowed {
        Decision {
            allowed,
            limit: limit.max,
            remaining: (f64::from(limit.max) - used - 1.0).floor().max(0.0) as u32,
            reset,
            retry_after: None,
        }
    } else {
        Decision {
            allowed,
            limit: limit.max,
            remaining: 0,
            reset,
            retry_after: Some(retry_after(limit.max, previous, current, age, w)),
        }
    }
}

/// Seconds until one more request fits, given the window's counts at `age` seconds in.
fn retry_after(max: u32, previous: u32, current: u32, age: f64, w: f64) -> u64 {
    let room = f64::from(max) - 1.0;
    let wait = if f64::from(current) <= room && previous > 0 {
        // Within this window, once the previous one's weight has decayed enough.
        (w * (1.0 - (room - f64::from(current)) / f64::from(previous)) - age).max(0.0)
    } else {
        // After this window ends, when this window becomes the decaying previous one.
        let next = if current > 0 {
            w * (1.0 - room / f64::from(current))
        } else {
            0.0
        };
        (w - age) + next.max(0.0)
    };
    wait.ceil().max(1.0) as u64
}

/// Adds the `RateLimit-*` headers (and `Retry-After` when refused).
pub fn set_headers(headers: &mut HeaderMap, d: &Decision) {
    headers.insert("ratelimit-limit", HeaderValue::from(d.limit));
    headers.insert("ratelimit-remaining", HeaderValue::from(d.remaining));
    headers.insert("ratelimit-reset", HeaderValue::from(d.reset));
    if let Some(s) = d.retry_after {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(s));
    }
}

/// A 429 problem for a refused request, with its headers.
pub fn refused(d: &Decision) -> Response {
    let mut res = respond(problem(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!(
            "too many requests; try again in {} s",
            d.retry_after.unwrap_or(1)
        ),
    ));
    set_headers(res.headers_mut(), d);
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(max: u32) -> RateLimiter {
        RateLimiter::new(&Settings {
            rate_limit_per_minute: max,
            ..Settings::default()
        })
    }

    #[test]
    fn allows_up_to_the_limit_then_refuses_with_a_wait() {
        let l = limiter(5);
        let t0 = Instant::now();
        for i in 0..5 {
            let d = l.check_at(Tier::General, "a", t0);
            assert!(d.allowed);
            assert_eq!(d.remaining, 4 - i);
        }
        let d = l.check_at(Tier::General, "a", t0);
        assert!(!d.allowed);
        assert_eq!(
            d.retry_after,
            Some(60 + 12),
            "next window, once 1 of 5 has decayed"
        );
        assert!(
            l.check_at(Tier::General, "b", t0).allowed,
            "keys are separate"
        );
        assert!(
            l.check_at(Tier::Auth, "a", t0).allowed,
            "tiers are separate"
        );
    }

    #[test]
    fn the_previous_window_decays() {
        let l = limiter(10);
        let t0 = Instant::now();
        for _ in 0..10 {
            assert!(l.check_at(Tier::General, "a", t0).allowed);
        }
        // Half-way through the next window, half of the previous 10 still count.
        let half = t0 + Duration::from_secs(90);
        let allowed = (0..10)
            .filter(|_| l.check_at(Tier::General, "a", half).allowed)
            .count();
        assert_eq!(allowed, 5);
        // Two windows later everything is forgotten.
        let later = t0 + Duration::from_secs(200);
        assert_eq!(l.check_at(Tier::General, "a", later).remaining, 9);
    }

    #[test]
    fn memory_stays_bounded_whatever_clients_send() {
        let l = limiter(100);
        let t0 = Instant::now();
        for i in 0..(MEMORY_CAPACITY + 50_000) {
            l.check_at(Tier::General, &format!("client-{i}"), t0);
        }
        assert!(l.tracked(Tier::General) <= MEMORY_CAPACITY);
    }
}
