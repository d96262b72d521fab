//! The kubelet's service-link variables: unless a pod sets
//! `enableServiceLinks: false`, every Service in its namespace `S` (name
//! upper-cased, `-` to `_`) with ports `P` adds
//!
//! | variable | value |
//! |---|---|
//! | `S_SERVICE_HOST` | the cluster IP |
//! | `S_SERVICE_PORT`, `S_SERVICE_PORT_<PORTNAME>` | a port number |
//! | `S_PORT`, `S_PORT_<P>_<PROTO>` | `tcp://<ip>:<port>` |
//! | `S_PORT_<P>_<PROTO>_PROTO` | `tcp`, `udp` or `sctp` |
//! | `S_PORT_<P>_<PROTO>_PORT` | the port number |
//! | `S_PORT_<P>_<PROTO>_ADDR` | the cluster IP |
//!
//! A Service `orders` thus adds `ORDERS_PORT` and friends to an app whose
//! prefix is `ORDERS_`. The loader tells such a variable by its name *and*
//! its value; generation refuses the few config keys whose own values could
//! look like one (see [`ambiguous`]).

use std::net::IpAddr;

/// What the kubelet writes into a service-link variable of a given name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A cluster IP.
    Ip,
    /// A port number, this one when the name says it.
    Port(Option<u16>),
    /// `proto://ip:port`, with the name's port and protocol when it says them.
    Url(Option<(u16, &'static str)>),
    /// A protocol in lower case.
    Proto(&'static str),
}

const PROTOCOLS: [(&str, &str); 3] = [("TCP", "tcp"), ("UDP", "udp"), ("SCTP", "sctp")];

/// Every way `name` reads as a service-link variable (a name can parse more
/// than one way: `A_PORT_80_TCP_PORT` is port 80 of Service `A`, or the
/// first port of Service `A_PORT_80_TCP`).
pub fn shapes(name: &str) -> Vec<Shape> {
    let mut out = Vec::new();
    let service = |s: &str| is_service(s);
    if name.strip_suffix("_SERVICE_HOST").is_some_and(service) {
        out.push(Shape::Ip);
    }
    if name.strip_suffix("_SERVICE_PORT").is_some_and(service) {
        out.push(Shape::Port(None));
    }
    if name.strip_suffix("_PORT").is_some_and(service) {
        out.push(Shape::Url(None));
    }
    for (at, marker) in name.match_indices("_SERVICE_PORT_") {
        if service(&name[..at]) && is_port_name(&name[at + marker.len()..]) {
            out.push(Shape::Port(None));
        }
    }
    for (at, marker) in name.match_indices("_PORT_") {
        let Some((number, rest)) = name[at + marker.len()..].split_once('_') else { continue };
        let Some(port) = port_number(number) else { continue };
        if !service(&name[..at]) {
            continue;
        }
        for (upper, lower) in PROTOCOLS {
            match rest.strip_prefix(upper) {
                Some("") => out.push(Shape::Url(Some((port, lower)))),
                Some("_PROTO") => out.push(Shape::Proto(lower)),
                Some("_PORT") => out.push(Shape::Port(Some(port))),
                Some("_ADDR") => out.push(Shape::Ip),
                _ => {}
            }
        }
    }
    out
}

/// Whether the kubelet could have set `name` to `value` as a service link.
pub fn is_service_link(name: &str, value: &str) -> bool {
    shapes(name).into_iter().any(|shape| shape.matches(value))
}

/// Why a config key whose env var is `name` could not be told apart from a
/// service link, if it could not: a link's value is a port number (valid
/// JSON for a number key), or the key is read as raw text (`text`), which a
/// link's value always is. Other keys read JSON, which no IP, URL or
/// protocol name is, so the value alone tells a link from the key's own.
pub fn ambiguous(name: &str, text: bool) -> Option<&'static str> {
    let shapes = shapes(name);
    if shapes.iter().any(|s| matches!(s, Shape::Port(_))) {
        Some("its links hold a port number")
    } else if text && !shapes.is_empty() {
        Some("the key is text, and so is a link's value")
    } else {
        None
    }
}

impl Shape {
    pub fn matches(self, value: &str) -> bool {
        match self {
            Shape::Ip => value.parse::<IpAddr>().is_ok(),
            Shape::Port(want) => port_number(value).is_some_and(|p| want.is_none_or(|w| w == p)),
            Shape::Proto(want) => value == want,
            Shape::Url(want) => {
                let Some((proto, rest)) = value.split_once("://") else { return false };
                let Some((host, port)) = rest.rsplit_once(':') else { return false };
                let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
                let known = PROTOCOLS.iter().any(|(_, lower)| *lower == proto);
                known
                    && host.parse::<IpAddr>().is_ok()
                    && port_number(port).is_some_and(|p| {
                        want.is_none_or(|(w_port, w_proto)| w_port == p && w_proto == proto)
                    })
            }
        }
    }
}

/// A Service name as the kubelet writes it: a DNS-1035 label upper-cased,
/// `-` turned into `_`.
fn is_service(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_uppercase())
        && !s.ends_with('_')
        && s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// A port name as the kubelet writes it: upper-cased, `-` turned into `_`.
fn is_port_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('_')
        && !s.ends_with('_')
        && s.chars().any(|c| c.is_ascii_uppercase())
        && s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// A port number as the kubelet prints it: 1 to 65535, no sign, no leading zero.
fn port_number(s: &str) -> Option<u16> {
    let canonical = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0');
    canonical.then(|| s.parse::<u16>().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the kubelet sets for Service `orders-db` with port 5432/TCP named `pg`.
    const ORDERS_DB: &[(&str, &str)] = &[
        ("ORDERS_DB_SERVICE_HOST", "10.96.0.12"),
        ("ORDERS_DB_SERVICE_PORT", "5432"),
        ("ORDERS_DB_SERVICE_PORT_PG", "5432"),
        ("ORDERS_DB_PORT", "tcp://10.96.0.12:5432"),
        ("ORDERS_DB_PORT_5432_TCP", "tcp://10.96.0.12:5432"),
        ("ORDERS_DB_PORT_5432_TCP_PROTO", "tcp"),
        ("ORDERS_DB_PORT_5432_TCP_PORT", "5432"),
        ("ORDERS_DB_PORT_5432_TCP_ADDR", "10.96.0.12"),
    ];

    #[test]
    fn every_variable_of_a_service_is_a_link() {
        for (name, value) in ORDERS_DB {
            assert!(is_service_link(name, value), "{name}={value}");
        }
        assert!(is_service_link("ORDERS_PORT", "udp://[fd00::1]:53"));
        assert!(is_service_link("ORDERS_SERVICE_HOST", "fd00::1"));
    }

    #[test]
    fn a_name_alone_or_a_value_alone_is_not() {
        // A typo keeps its own value, which is no link's.
        assert!(!is_service_link("ORDERS_HTTP_PROT", "8080"));
        assert!(!is_service_link("ORDERS_HTTP_PORT", "8080"));
        assert!(!is_service_link("ORDERS_GREETING", "10.96.0.12"));
        // Inconsistent with its own name, or not what the kubelet prints.
        assert!(!is_service_link("ORDERS_PORT_5432_TCP_PORT", "5433"));
        assert!(!is_service_link("ORDERS_PORT_5432_TCP", "udp://10.0.0.1:5432"));
        assert!(!is_service_link("ORDERS_SERVICE_PORT", "080"));
        assert!(!is_service_link("ORDERS_PORT", "http://10.0.0.1:80"));
        assert!(!is_service_link("ORDERS_PORT", "tcp://db.local:80"));
        assert!(!is_service_link("_PORT", "tcp://10.0.0.1:80"));
        assert!(!is_service_link("ORDERS__PORT", "tcp://10.0.0.1:80"));
    }

    #[test]
    fn names_parse_every_way_they_can() {
        assert_eq!(
            shapes("A_PORT_80_TCP_PORT"),
            [Shape::Url(None), Shape::Port(Some(80))],
            "Service A's port, or Service A_PORT_80_TCP's first port"
        );
        assert_eq!(shapes("ORDERS_HTTP_PORT"), [Shape::Url(None)]);
        assert!(shapes("ORDERS_TIMEOUT").is_empty());
    }

    #[test]
    fn ambiguous_keys() {
        // JSON keys: only names whose links hold a bare number.
        assert_eq!(ambiguous("ORDERS_PORT", false), None);
        assert_eq!(ambiguous("ORDERS_HTTP_PORT", false), None);
        assert!(ambiguous("ORDERS_SERVICE_PORT", false).is_some());
        assert!(ambiguous("ORDERS_DB_SERVICE_PORT_PG", false).is_some());
        assert!(ambiguous("ORDERS_PORT_80_TCP_PORT", false).is_some());
        // Text keys: any link name.
        assert!(ambiguous("ORDERS_UPSTREAM_PORT", true).is_some());
        assert!(ambiguous("ORDERS_DB_SERVICE_HOST", true).is_some());
        assert_eq!(ambiguous("ORDERS_GREETING", true), None);
    }
}
