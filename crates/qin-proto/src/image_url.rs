//! Which image links a message may carry: an `https://` (or `http://`) URL on one of the
//! shop's image hosts, and never an address inside a network (loopback, private, link-local),
//! which a colleague's browser would otherwise fetch for whoever sent the link.

use crate::ProtoError;
use std::net::IpAddr;
use url::{Host, Url};

/// Checks an image message's `body` against the shop's `hosts`: exact names (`img.alicdn.com`)
/// or wildcards for every subdomain (`*.alicdn.com`), case-insensitive. `bad_frame` naming
/// the reason otherwise; an empty list takes no image links at all.
pub fn check_image_url(body: &str, hosts: &[String]) -> Result<(), ProtoError> {
    let url = Url::parse(body)
        .map_err(|_| ProtoError::bad_frame("an image message's body must be a URL"))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(ProtoError::bad_frame(
            "an image message's body must be an http(s) URL",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ProtoError::bad_frame(
            "an image URL must not carry credentials",
        ));
    }
    let name = match url.host() {
        Some(Host::Domain(name)) => name.to_ascii_lowercase(),
        Some(Host::Ipv4(ip)) => return Err(internal_or_unlisted(IpAddr::V4(ip))),
        Some(Host::Ipv6(ip)) => return Err(internal_or_unlisted(IpAddr::V6(ip))),
        None => return Err(ProtoError::bad_frame("an image URL needs a host")),
    };
    if name == "localhost" || name.ends_with(".localhost") {
        return Err(ProtoError::bad_frame(
            "image links to this machine are refused",
        ));
    }
    if hosts.iter().any(|h| host_matches(h, &name)) {
        Ok(())
    } else {
        Err(ProtoError::bad_frame(format!(
            "images from {name} are not taken by this shop; use one of its image hosts"
        )))
    }
}

/// Checks one entry of a shop's image hosts: a host name (`img.alicdn.com`) or a wildcard for
/// its subdomains (`*.alicdn.com`); no scheme, port, path or address.
pub fn check_image_host(pattern: &str) -> Result<(), ProtoError> {
    let name = pattern.strip_prefix("*.").unwrap_or(pattern);
    let parsed = Url::parse(&format!("https://{name}/")).ok();
    let host = parsed.as_ref().and_then(|u| match u.host() {
        Some(Host::Domain(d)) if u.port().is_none() && u.path() == "/" => Some(d.to_owned()),
        _ => None,
    });
    match host {
        Some(d) if d.eq_ignore_ascii_case(name) && d.contains('.') && !d.ends_with('.') => Ok(()),
        _ => Err(ProtoError::bad_frame(format!(
            "{pattern:?} is not a host name like \"img.example.com\" or \"*.example.com\""
        ))),
    }
}

/// Whether `pattern` (`name` or `*.suffix`) covers `name` (already lowercase).
fn host_matches(pattern: &str, name: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(suffix) => name
            .strip_suffix(suffix)
            .is_some_and(|rest| rest.ends_with('.') && rest.len() > 1),
        None => pattern == name,
    }
}

/// Image hosts are names: an address literal is refused, and one inside a network says so.
fn internal_or_unlisted(ip: IpAddr) -> ProtoError {
    if is_internal(ip) {
        ProtoError::bad_frame(
            "image links to loopback, private or link-local addresses are refused",
        )
    } else {
        ProtoError::bad_frame(
            "an image URL must name one of the shop's image hosts, not an address",
        )
    }
}

/// Loopback, private, link-local, unspecified, shared (CGNAT) and unique-local addresses.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link-local
                || v6.to_ipv4_mapped().is_some_and(|v4| is_internal(IpAddr::V4(v4)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts() -> Vec<String> {
        vec!["img.alicdn.com".into(), "*.afu.example".into()]
    }

    #[test]
    fn links_to_the_shops_image_hosts_pass() {
        for ok in [
            "https://img.alicdn.com/bao/uploaded/i1/leak.jpg",
            "https://IMG.alicdn.com/a.png?x=1",
            "http://img.alicdn.com/a.png",
            "https://cdn.afu.example/p/1.webp",
            "https://a.b.afu.example/p/1.webp",
        ] {
            assert!(check_image_url(ok, &hosts()).is_ok(), "{ok}");
        }
    }

    #[test]
    fn internal_unlisted_and_odd_links_are_refused() {
        for bad in [
            "http://169.254.169.254/latest/meta-data/",
            "http://127.0.0.1:8080/console",
            "http://[::1]/x.png",
            "http://[::ffff:10.0.0.1]/x.png",
            "http://10.1.2.3/x.png",
            "http://192.168.1.1/x.png",
            "http://100.64.0.1/x.png",
            "http://0.0.0.0/x.png",
            "http://2130706433/x.png", // 127.0.0.1 as one number
            "http://localhost/x.png",
            "http://evil.example/x.png",
            "https://afu.example/x.png", // the wildcard covers subdomains only
            "https://notafu.example/x.png",
            "https://img.alicdn.com.evil.example/x.png",
            "https://user:pw@img.alicdn.com/x.png",
            "javascript:alert(1)",
            "data:image/png;base64,AAAA",
            "ftp://img.alicdn.com/x.png",
            "img.alicdn.com/x.png",
            "",
        ] {
            let e = check_image_url(bad, &hosts()).expect_err(bad);
            assert_eq!(e.code, crate::ErrorCode::BadFrame, "{bad}");
        }
    }

    #[test]
    fn image_hosts_in_the_config_are_names_or_wildcards() {
        for ok in ["img.alicdn.com", "*.alicdn.com", "CDN.Afu.Example"] {
            assert!(check_image_host(ok).is_ok(), "{ok}");
        }
        for bad in [
            "https://img.alicdn.com",
            "img.alicdn.com:443",
            "img.alicdn.com/x",
            "10.0.0.1",
            "*",
            "*.com.",
            "localhost",
            "",
            "a b.com",
        ] {
            assert!(check_image_host(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_shop_without_image_hosts_takes_no_links() {
        assert!(check_image_url("https://img.alicdn.com/a.png", &[]).is_err());
    }
}
