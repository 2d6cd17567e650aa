//! The client's address: the socket peer, unless the peer is a configured trusted proxy,
//! in which case the nearest untrusted address in `X-Forwarded-For`.

use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::{IpAddr, Ipv6Addr};

/// `a.b.c.d` for an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`), so one client has one
/// address whichever socket family it arrived on.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The rate-limit identity of a client: its IPv4 address, or its IPv6 /64 (one subscriber
/// usually holds a whole /64, so counting single IPv6 addresses would let one client
/// multiply its budget by 2^64).
pub fn limit_key(ip: IpAddr) -> String {
    match canonical(ip) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{}/64", Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
    }
}

/// Proxies whose `X-Forwarded-For` is believed (addresses or CIDR ranges).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

/// The resolved client address, stored in request extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl TrustedProxies {
    /// Parses `10.0.0.1` or `10.0.0.0/8` entries; invalid ones are logged and skipped.
    pub fn parse(entries: &[String]) -> Self {
        Self(
            entries
                .iter()
                .filter_map(|e| {
                    let e = e.trim();
                    let parsed = e
                        .parse::<IpNet>()
                        .or_else(|_| e.parse::<IpAddr>().map(IpNet::from));
                    match parsed {
                        Ok(n) => Some(n),
                        Err(_) => {
                            tracing::warn!(entry = %e, "ignoring an invalid trusted proxy");
                            None
                        }
                    }
                })
                .collect(),
        )
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// The client behind `peer`: walks `X-Forwarded-For` from the right while the hops are
    /// trusted proxies. Unparseable entries stop the walk (they cannot be trusted).
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop.parse::<IpAddr>() {
                Ok(ip) => {
                    client = canonical(ip);
                    if !self.trusts(ip) {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        client
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xff(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", v.parse().expect("header"));
        h
    }

    #[test]
    fn only_trusted_peers_are_believed() {
        let t = TrustedProxies::parse(&["10.0.0.0/8".into(), "192.168.1.5".into(), "bad".into()]);
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        // Untrusted peer: header ignored.
        assert_eq!(
            t.client(ip("203.0.113.9"), &xff("1.2.3.4")),
            ip("203.0.113.9")
        );
        // Trusted peer: rightmost untrusted hop, spoofed left entries ignored.
        assert_eq!(
            t.client(ip("10.1.1.1"), &xff("6.6.6.6, 198.51.100.7, 10.2.2.2")),
            ip("198.51.100.7")
        );
        assert_eq!(
            t.client(ip("192.168.1.5"), &xff("198.51.100.7")),
            ip("198.51.100.7")
        );
        // No header: the proxy itself.
        assert_eq!(t.client(ip("10.1.1.1"), &HeaderMap::new()), ip("10.1.1.1"));
    }

    #[test]
    fn mapped_addresses_are_canonical() {
        let t = TrustedProxies::parse(&["10.0.0.0/8".into()]);
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        // A trusted proxy seen through an IPv6 socket is still trusted.
        assert_eq!(
            t.client(ip("::ffff:10.1.1.1"), &xff("::ffff:198.51.100.7")),
            ip("198.51.100.7")
        );
        assert_eq!(
            t.client(ip("::ffff:203.0.113.9"), &xff("1.2.3.4")),
            ip("203.0.113.9")
        );
        assert_eq!(limit_key(ip("::ffff:203.0.113.9")), "203.0.113.9");
        assert_eq!(limit_key(ip("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
        assert_eq!(
            limit_key(ip("2001:db8:1:2:ffff::9")),
            limit_key(ip("2001:db8:1:2::1"))
        );
    }
}
