//! Rate limits with a sliding window (the previous window's count, weighted by how much of
//! it still overlaps, plus the current one's): auth routes per client, other routes per
//! client, API-key traffic per key. Counted in memory (one instance) or in Redis (several
//! instances sharing the limits, `PINTAR_REDIS_URL`); `RateLimit-*` headers on every limited
//! response and `Retry-After` on 429.

use crate::auth::hash_token;
use crate::client_ip::{ClientIp, TrustedProxies};
use crate::config::Settings;
use crate::error::Problem;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
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

/// The limiter's state.
pub struct RateLimiter {
    enabled: bool,
    proxies: TrustedProxies,
    limits: HashMap<Tier, Limit>,
    windows: Mutex<HashMap<(Tier, String), Window>>,
    checks: std::sync::atomic::AtomicU64,
    redis: Option<Shared>,
}

/// Counts kept in Redis, in windows aligned to the Unix clock, so every instance agrees.
struct Shared {
    conn: redis::aio::ConnectionManager,
    script: redis::Script,
    prefix: String,
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
    /// A limiter with the limits and trusted proxies of `settings`.
    pub fn new(settings: &Settings) -> Self {
        let minute = Duration::from_secs(60);
        Self {
            enabled: settings.rate_limit_enabled,
            proxies: TrustedProxies::parse(&settings.trusted_proxies),
            limits: HashMap::from([
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
            ]),
            windows: Mutex::new(HashMap::new()),
            checks: std::sync::atomic::AtomicU64::new(0),
            redis: None,
        }
    }

    /// Like [`RateLimiter::new`], counting in Redis when `redis_url` is set.
    pub async fn connect(settings: &Settings) -> Result<Self, redis::RedisError> {
        let mut limiter = Self::new(settings);
        if let Some(url) = &settings.redis_url {
            let client = redis::Client::open(url.as_str())?;
            limiter.redis = Some(Shared {
                conn: client.get_connection_manager().await?,
                script: redis::Script::new(SLIDING_WINDOW_LUA),
                prefix: settings.redis_prefix.clone(),
            });
        }
        Ok(limiter)
    }

    fn limit(&self, tier: Tier) -> Limit {
        self.limits.get(&tier).copied().unwrap_or(Limit {
            max: u32::MAX,
            window: Duration::from_secs(60),
        })
    }

    /// Counts a request of `key` in `tier` now, in Redis or in memory. `None` when Redis
    /// cannot be reached: the request goes through (an outage of the limiter's store must
    /// not take the API down) and the failure is logged.
    pub async fn check(&self, tier: Tier, key: &str) -> Option<Decision> {
        let Some(shared) = &self.redis else {
            return Some(self.check_at(tier, key, Instant::now()));
        };
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
        let result: Result<(u8, u32, u32), _> = shared
            .script
            .key(name(index))
            .key(name(index - 1.0))
            .arg(limit.max)
            .arg(1.0 - age / w)
            .arg(limit.window.as_secs() * 2)
            .invoke_async(&mut conn)
            .await;
        match result {
            Ok((allowed, current, previous)) => {
                Some(decide(limit, allowed == 1, previous, current, age))
            }
            Err(e) => {
                tracing::warn!(error = %e, "rate limit store unavailable; request let through");
                None
            }
        }
    }

    /// Counts a request of `key` in `tier` at `now` in memory, unless that would exceed the
    /// limit.
    pub fn check_at(&self, tier: Tier, key: &str, now: Instant) -> Decision {
        let limit = self.limit(tier);
        let w = limit.window.as_secs_f64();
        let Ok(mut windows) = self.windows.lock() else {
            // A poisoned lock only means another request panicked mid-update: fail open.
            return decide(limit, true, 0, 0, 0.0);
        };
        let n = self
            .checks
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if n.is_multiple_of(4096) {
            // Forget clients idle for two windows of their own tier.
            let limits = &self.limits;
            windows.retain(|(t, _), v| {
                let w = limits.get(t).map_or(Duration::from_secs(60), |l| l.window);
                now.saturating_duration_since(v.start) < w * 2
            });
        }
        let win = windows.entry((tier, key.to_string())).or_insert(Window {
            start: now,
            previous: 0,
            current: 0,
        });
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

    fn client(&self, req: &Request) -> IpAddr {
        let peer = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |c| c.0.ip());
        self.proxies.client(peer, req.headers())
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

fn api_key_of(headers: &HeaderMap) -> Option<&str> {
    if let Some(k) = headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
        return Some(k.trim());
    }
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("ApiKey "))
        .map(str::trim)
}

fn set_headers(headers: &mut HeaderMap, d: &Decision) {
    headers.insert("ratelimit-limit", HeaderValue::from(d.limit));
    headers.insert("ratelimit-remaining", HeaderValue::from(d.remaining));
    headers.insert("ratelimit-reset", HeaderValue::from(d.reset));
    if let Some(s) = d.retry_after {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(s));
    }
}

/// Resolves the client address (for everything downstream, audit included) and applies the
/// limits. Health, readiness, metrics and docs are not limited.
pub async fn limit(
    State(limiter): State<Arc<RateLimiter>>,
    mut req: Request,
    next: Next,
) -> Response {
    let client = limiter.client(&req);
    req.extensions_mut().insert(ClientIp(client));
    let path = req.uri().path();
    let exempt = !path.starts_with("/api/") || path == "/api/v1/openapi.json";
    if !limiter.enabled || exempt {
        return next.run(req).await;
    }
    let (tier, key) = match api_key_of(req.headers()) {
        Some(k) => (Tier::ApiKey, hash_token(k)),
        None if path.starts_with("/api/v1/auth/") => (Tier::Auth, client.to_string()),
        None => (Tier::General, client.to_string()),
    };
    let Some(d) = limiter.check(tier, &key).await else {
        return next.run(req).await;
    };
    if !d.allowed {
        let mut res = Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "too many requests; try again in {} s",
                d.retry_after.unwrap_or(1)
            ),
        )
        .into_response();
        set_headers(res.headers_mut(), &d);
        return res;
    }
    let mut res = next.run(req).await;
    set_headers(res.headers_mut(), &d);
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
}
