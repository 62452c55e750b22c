//! The client address behind trusted proxies, and the key a rate limit counts it under.
//!
//! The address is the TCP peer unless the peer is a configured trusted proxy; then it is the
//! right-most hop that is not itself trusted, read from `Forwarded` (RFC 7239, `for=`) when the
//! request carries one, else from `X-Forwarded-For`. A malformed chain (an obfuscated or `unknown`
//! node included) is not believed: the peer is used. IPv6 clients are limited per /64 (one
//! subscriber's prefix), IPv4 per address; an IPv4-mapped IPv6 address is its IPv4 address.

use std::net::{IpAddr, Ipv6Addr};
use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::http::header::HeaderMap;
use ipnet::IpNet;

/// The hops a request says it was forwarded through, oldest first: `Some(empty)` when it says
/// nothing, `None` when what it says is malformed.
pub fn forwarded_hops(headers: &HeaderMap) -> Option<Vec<IpAddr>> {
    let mut hops = Vec::new();
    let forwarded: Vec<_> = headers.get_all("forwarded").collect();
    if !forwarded.is_empty() {
        for value in forwarded {
            for element in value.to_str().ok()?.split(',') {
                let node = element
                    .split(';')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(name, _)| name.trim().eq_ignore_ascii_case("for"))
                    .map(|(_, node)| node.trim())?;
                hops.push(forwarded_node(node)?);
            }
        }
        return Some(hops);
    }
    for value in headers.get_all("x-forwarded-for") {
        for hop in value.to_str().ok()?.split(',') {
            hops.push(hop.trim().parse().ok()?);
        }
    }
    Some(hops)
}

/// An RFC 7239 node: `192.0.2.1`, `"192.0.2.1:80"`, `"[2001:db8::1]:443"` or `"[2001:db8::1]"`.
fn forwarded_node(node: &str) -> Option<IpAddr> {
    let node = node.trim_matches('"');
    if let Some(rest) = node.strip_prefix('[') {
        let (ip, _port) = rest.split_once(']')?;
        return ip.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    let host = node.split_once(':').map_or(node, |(host, _port)| host);
    host.parse().ok()
}

/// The client address of a request from `peer` with `headers`, given the trusted proxies.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted_proxies: &[IpNet]) -> IpAddr {
    let trusted = |ip: &IpAddr| trusted_proxies.iter().any(|net| net.contains(ip));
    if !trusted(&peer) {
        if is_private(peer)
            && (headers.contains_key("x-forwarded-for") || headers.contains_key("forwarded"))
        {
            warn_untrusted_proxy_once(peer);
        }
        return peer;
    }
    let Some(hops) = forwarded_hops(headers) else {
        return peer;
    };
    hops.iter()
        .rev()
        .find(|ip| !trusted(ip))
        .or(hops.first())
        .copied()
        .unwrap_or(peer)
}

/// Whether `ip` is loopback, private or link-local: where a proxy of one's own would be.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_private() || v4.is_loopback() || v4.is_link_local(),
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_private(IpAddr::V4(v4)))
        }
    }
}

static WARNED: AtomicBool = AtomicBool::new(false);

/// Warns once per process that a private peer sends forwarding headers without being trusted.
fn warn_untrusted_proxy_once(peer: IpAddr) {
    if !WARNED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            %peer,
            "a private peer sends X-Forwarded-For or Forwarded but is not in http.trusted_proxies: \
             every client behind it shares its address for rate limits and the login throttle; \
             list your load balancers in http.trusted_proxies (warned once)"
        );
    }
}

/// The key an address is rate limited under: IPv4 as is, IPv6 by its /64.
pub fn limit_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let prefix = Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{prefix}/64")
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(list: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in list {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    /// (peer, headers, the client address expected, what the case shows).
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str, &'a str);

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let ip = |peer: &str, list: &[(&str, &str)]| {
            client_ip(peer.parse().unwrap(), &headers(list), &trusted).to_string()
        };
        let xff = |v| [("x-forwarded-for", v)];
        let fwd = |v| [("forwarded", v)];
        let cases: Vec<Case<'_>> = vec![
            (
                "203.0.113.9",
                xff("1.2.3.4").to_vec(),
                "203.0.113.9",
                "untrusted peer",
            ),
            ("10.0.0.2", xff("1.2.3.4").to_vec(), "1.2.3.4", "xff"),
            (
                "10.0.0.2",
                xff("6.6.6.6, 1.2.3.4, 10.0.0.7").to_vec(),
                "1.2.3.4",
                "right-most untrusted",
            ),
            (
                "10.0.0.2",
                xff("bogus, 1.2.3.4").to_vec(),
                "10.0.0.2",
                "malformed chain",
            ),
            ("10.0.0.2", vec![], "10.0.0.2", "no header"),
            (
                "10.0.0.2",
                fwd("for=192.0.2.60;proto=http;by=203.0.113.43").to_vec(),
                "192.0.2.60",
                "forwarded",
            ),
            (
                "10.0.0.2",
                fwd("for=6.6.6.6, for=\"[2001:db8:cafe::17]:4711\"").to_vec(),
                "2001:db8:cafe::17",
                "forwarded ipv6 with port",
            ),
            (
                "10.0.0.2",
                fwd("For=\"192.0.2.43:47011\", for=10.0.0.9").to_vec(),
                "192.0.2.43",
                "forwarded port, trusted last hop",
            ),
            (
                "10.0.0.2",
                fwd("for=unknown").to_vec(),
                "10.0.0.2",
                "obfuscated node",
            ),
            (
                "10.0.0.2",
                fwd("proto=https").to_vec(),
                "10.0.0.2",
                "no for=",
            ),
            (
                "10.0.0.2",
                vec![
                    ("forwarded", "for=192.0.2.1"),
                    ("x-forwarded-for", "6.6.6.6"),
                ],
                "192.0.2.1",
                "forwarded wins",
            ),
        ];
        for (peer, list, expected, label) in cases {
            assert_eq!(ip(peer, &list), expected, "{label}");
        }
    }

    #[test]
    fn ipv6_is_limited_per_64_and_mapped_ipv4_as_ipv4() {
        let key = |s: &str| limit_key(s.parse().unwrap());
        assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2:bbbb::9"));
        assert_eq!(key("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:192.0.2.1"), "192.0.2.1");
        assert_eq!(key("192.0.2.1"), "192.0.2.1");
    }

    #[test]
    fn private_peers_are_recognised() {
        for ip in [
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.5",
            "127.0.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "2001:db8::1", "203.0.113.1"] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }
}
