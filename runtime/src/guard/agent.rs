//! Who the agent is, for budgets: the principal when there is one, else the client
//! address (from trusted proxy hops on HTTP), else the one local stdio client.

use std::borrow::Cow;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use http::HeaderMap;

use crate::declare::tool::Identity;

/// The client address of an HTTP request after trusted proxy hops, put into request
/// extensions by the HTTP layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClientAddr(pub(crate) IpAddr);

/// The agent a call counts against, keyed ([`agent_key`]) on first use: most calls
/// meet no per-agent budget, idempotency key or task, and then need no key.
#[derive(Debug)]
pub(crate) struct Agent {
    identity: Identity,
    key: std::sync::OnceLock<Cow<'static, str>>,
}

impl Agent {
    pub(crate) fn new(identity: Identity) -> Self {
        Self {
            identity,
            key: std::sync::OnceLock::new(),
        }
    }

    /// An agent whose key is `key` (tests of the limiters).
    #[cfg(test)]
    pub(crate) fn named(key: &str) -> Self {
        Self {
            identity: Identity::Anonymous,
            key: std::sync::OnceLock::from(Cow::Owned(key.to_owned())),
        }
    }

    pub(crate) fn identity(&self) -> &Identity {
        &self.identity
    }

    pub(crate) fn key(&self) -> &str {
        self.key.get_or_init(|| agent_key(&self.identity))
    }

    /// [`Self::key`] to keep (in a request's record).
    pub(crate) fn key_owned(&self) -> Cow<'static, str> {
        self.key.get_or_init(|| agent_key(&self.identity)).clone()
    }
}

/// The budget key of an identity. IPv6 addresses count by their /64 network, which a
/// single client usually holds whole.
pub(crate) fn agent_key(identity: &Identity) -> Cow<'static, str> {
    match identity {
        Identity::Principal(subject) => Cow::Owned(format!("principal:{subject}")),
        Identity::Address(ip) => Cow::Owned(format!("address:{}", network(*ip))),
        Identity::Stdio => Cow::Borrowed("stdio"),
        _ => Cow::Borrowed("anonymous"),
    }
}

/// The address budgets count by: IPv4 as is, IPv6 by its /64 (IPv4-mapped as IPv4).
pub(crate) fn network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// The client's address: the peer's, or, behind `hops` trusted proxies, the address
/// that the outermost trusted proxy saw, read from the right of `X-Forwarded-For`
/// (each proxy appends the address it received the request from). Entries left of
/// that are written by the client and never trusted. With fewer entries than hops,
/// the leftmost entry is used; an entry that is not an address stops the walk.
pub(crate) fn client_addr(peer: IpAddr, headers: &HeaderMap, hops: u32) -> IpAddr {
    if hops == 0 {
        return peer;
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut addr = peer;
    for entry in entries.iter().rev().take(hops as usize) {
        match parse_entry(entry) {
            Some(ip) => addr = ip,
            None => break,
        }
    }
    addr
}

fn parse_entry(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in xff {
            map.append("x-forwarded-for", value.parse().expect("header value"));
        }
        map
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("an address")
    }

    #[test]
    fn reads_trusted_hops_from_the_right() {
        let peer = ip("10.0.0.2");
        let h = headers(&["6.6.6.6, 203.0.113.7", "10.0.0.1"]);
        assert_eq!(client_addr(peer, &h, 0), peer);
        assert_eq!(client_addr(peer, &h, 1), ip("10.0.0.1"));
        assert_eq!(client_addr(peer, &h, 2), ip("203.0.113.7"));
        // The client wrote 6.6.6.6 itself; it is used only when told to trust 3 hops.
        assert_eq!(client_addr(peer, &h, 3), ip("6.6.6.6"));
        assert_eq!(client_addr(peer, &h, 9), ip("6.6.6.6"));
    }

    #[test]
    fn a_forged_or_malformed_entry_stops_the_walk() {
        let peer = ip("10.0.0.2");
        let h = headers(&["203.0.113.7, garbage, 198.51.100.1:4711"]);
        assert_eq!(client_addr(peer, &h, 1), ip("198.51.100.1"));
        assert_eq!(client_addr(peer, &h, 3), ip("198.51.100.1"));
        assert_eq!(client_addr(peer, &HeaderMap::new(), 2), peer);
    }

    #[test]
    fn an_agent_is_keyed_as_its_identity() {
        let agent = Agent::new(Identity::Address(ip("192.0.2.1")));
        assert_eq!(agent.key(), "address:192.0.2.1");
        assert_eq!(agent.identity(), &Identity::Address(ip("192.0.2.1")));
    }

    #[test]
    fn keys_identities() {
        assert_eq!(agent_key(&Identity::Stdio), "stdio");
        assert_eq!(
            agent_key(&Identity::Principal("bot".into())),
            "principal:bot"
        );
        assert_eq!(
            agent_key(&Identity::Address(ip("2001:db8:1:2:3:4:5:6"))),
            "address:2001:db8:1:2::"
        );
        assert_eq!(
            agent_key(&Identity::Address(ip("::ffff:192.0.2.1"))),
            "address:192.0.2.1"
        );
    }
}
