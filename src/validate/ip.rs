//! IP addresses, CIDRs and `a-b` ranges as the in-cluster IPAM provider reads them
//! (Go's `net/netip` and `netipx`): no zones, no leading zeros, both ends of a range
//! of one family. Addresses become `u128` so that spans of either family compare the
//! same way.

use std::fmt;
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Family {
    V4,
    V6,
}

impl Family {
    pub(super) fn of(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }

    pub(super) fn bits(self) -> u32 {
        match self {
            Family::V4 => 32,
            Family::V6 => 128,
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        })
    }
}

/// An inclusive span of addresses of one family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span {
    pub(super) family: Family,
    pub(super) first: u128,
    pub(super) last: u128,
}

impl Span {
    pub(super) fn contains(&self, family: Family, addr: u128) -> bool {
        self.family == family && self.first <= addr && addr <= self.last
    }

    pub(super) fn within(&self, outer: &Span) -> bool {
        self.family == outer.family && outer.first <= self.first && self.last <= outer.last
    }

    /// The subnet of `addr` with `prefix` bits (`prefix` at most the family's bits).
    pub(super) fn subnet(family: Family, addr: u128, prefix: u32) -> Span {
        let host_bits = family.bits() - prefix;
        let host_mask = if host_bits == 0 {
            0
        } else {
            u128::MAX >> (128 - host_bits)
        };
        Span {
            family,
            first: addr & !host_mask,
            last: addr | host_mask,
        }
    }
}

pub(super) fn to_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

pub(super) fn format_addr(family: Family, addr: u128) -> String {
    match family {
        // A V4 span never holds more than 32 bits.
        Family::V4 => std::net::Ipv4Addr::from(u32::try_from(addr).unwrap_or(u32::MAX)).to_string(),
        Family::V6 => std::net::Ipv6Addr::from(addr).to_string(),
    }
}

/// One address, as Go's `netip.ParseAddr` (without zones) reads it.
pub(super) fn parse_ip(text: &str) -> Option<IpAddr> {
    text.parse().ok()
}

/// `addr/bits` with bits in the family's range and written without a sign or leading
/// zero (Go's `netip.ParsePrefix`).
pub(super) fn parse_cidr(text: &str) -> Option<(IpAddr, u32)> {
    let (addr, bits) = text.split_once('/')?;
    let ip = parse_ip(addr)?;
    let well_formed = !bits.is_empty()
        && bits.bytes().all(|b| b.is_ascii_digit())
        && (bits == "0" || !bits.starts_with('0'));
    let bits: u32 = bits.parse().ok().filter(|_| well_formed)?;
    (bits <= Family::of(ip).bits()).then_some((ip, bits))
}

/// An IP, a CIDR or an `a-b` range: one entry of `InClusterIPPool.spec.addresses`.
/// A CIDR stands for its whole subnet, whatever its host bits.
pub(super) fn parse_pool_address(text: &str) -> Option<Span> {
    if let Some((from, to)) = text.split_once('-') {
        let (from, to) = (parse_ip(from)?, parse_ip(to)?);
        let family = Family::of(from);
        let (first, last) = (to_u128(from), to_u128(to));
        return (family == Family::of(to) && first <= last).then_some(Span {
            family,
            first,
            last,
        });
    }
    if text.contains('/') {
        let (ip, bits) = parse_cidr(text)?;
        return Some(Span::subnet(Family::of(ip), to_u128(ip), bits));
    }
    let ip = parse_ip(text)?;
    let addr = to_u128(ip);
    Some(Span {
        family: Family::of(ip),
        first: addr,
        last: addr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_addresses_in_the_three_spellings() {
        let cidr = parse_pool_address("192.168.0.7/24").expect("cidr");
        assert_eq!(format_addr(cidr.family, cidr.first), "192.168.0.0");
        assert_eq!(format_addr(cidr.family, cidr.last), "192.168.0.255");
        let range = parse_pool_address("10.0.0.10-10.0.0.20").expect("range");
        assert_eq!(range.last - range.first, 10);
        let one = parse_pool_address("2001:db8::1").expect("ip");
        assert_eq!((one.family, one.first), (Family::V6, one.last));
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for bad in [
            "10.0.0.20-10.0.0.10",
            "10.0.0.1-2001:db8::1",
            "10.0.0.0/33",
            "10.0.0.0/024",
            "10.0.0.0/",
            "010.0.0.1",
            "10.0.0.1 ",
            "host.example.com",
            "",
        ] {
            assert_eq!(parse_pool_address(bad), None, "{bad}");
        }
    }

    #[test]
    fn subnets() {
        let net = Span::subnet(Family::V4, to_u128("10.1.2.3".parse().expect("ip")), 16);
        assert_eq!(format_addr(Family::V4, net.first), "10.1.0.0");
        assert_eq!(format_addr(Family::V4, net.last), "10.1.255.255");
        let all = Span::subnet(Family::V6, 5, 0);
        assert_eq!((all.first, all.last), (0, u128::MAX));
        let host = Span::subnet(Family::V6, 5, 128);
        assert_eq!((host.first, host.last), (5, 5));
    }
}
