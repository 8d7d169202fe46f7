//! Where a notification may go. Receivers are named by admins (webhooks) or by whoever holds an admin
//! key (Greenhouse's callback), and the service calls them from inside its own network, so unless the
//! operator allows it, a receiver must be a public address: checked when the URL is registered and
//! again, after resolving the name, on every delivery (a name may resolve elsewhere later). The
//! delivery then connects to exactly the address that was checked.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::Url;

/// Longest receiver URL accepted.
const MAX_URL_CHARS: usize = 2000;

/// Checks a receiver URL's shape: http or https, a host, no user info, not too long.
pub fn parse(raw: &str) -> Result<Url, String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.chars().count() > MAX_URL_CHARS {
        return Err(format!("url: give an http(s) URL of at most {MAX_URL_CHARS} characters"));
    }
    let url = Url::parse(raw).map_err(|e| format!("url: not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("url: the scheme must be http or https, not '{}'", url.scheme()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("url: the URL has no host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("url: put no user name or password in the URL; the signature authenticates the service".into());
    }
    Ok(url)
}

/// Resolves the URL's host and checks every address; the first address is where to connect.
pub async fn resolve(url: &Url, allow_private: bool) -> Result<SocketAddr, String> {
    let host = url.host_str().ok_or("the URL has no host")?;
    let port = url.port_or_known_default().ok_or("the URL has no port")?;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = match bare.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((bare, port))
            .await
            .map_err(|e| format!("the host '{host}' does not resolve ({e})"))?
            .collect(),
    };
    let first = *addrs.first().ok_or_else(|| format!("the host '{host}' has no address"))?;
    if !allow_private {
        if let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
            return Err(format!(
                "the host '{host}' resolves to {}, which is not a public address (set MLGRADE_WEBHOOK_ALLOW_PRIVATE for receivers on a private network)",
                bad.ip()
            ));
        }
    }
    Ok(first)
}

/// Parses and, unless private targets are allowed, checks that the URL leads to a public address.
pub async fn check(raw: &str, allow_private: bool) -> Result<Url, String> {
    let url = parse(raw)?;
    resolve(&url, allow_private).await.map_err(|e| format!("url: {e}"))?;
    Ok(url)
}

/// Whether an address is on the public internet: not loopback, private, link-local (cloud metadata),
/// shared, documentation, multicast or otherwise reserved.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier NAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || first == 0x2001 && ip.segments()[1] == 0x0db8 // documentation
        || ip.segments()[..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible (deprecated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_public_addresses_are_refused() {
        for bad in ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "240.0.0.1"] {
            assert!(!is_public(bad.parse().unwrap()), "{bad}");
        }
        for good in ["93.184.216.34", "8.8.8.8", "2606:4700::1111"] {
            assert!(is_public(good.parse().unwrap()), "{good}");
        }
    }

    #[tokio::test]
    async fn urls_are_checked_for_shape_and_address() {
        assert!(parse("ftp://example.com/x").is_err());
        assert!(parse("https://user:pw@example.com/x").is_err());
        assert!(parse("not a url").is_err());
        assert!(check("http://127.0.0.1:9/hook", false).await.unwrap_err().contains("not a public address"));
        assert!(check("http://[::1]:9/hook", false).await.is_err());
        assert!(check("http://127.0.0.1:9/hook", true).await.is_ok());
        assert!(check("http://169.254.169.254/latest/meta-data", false).await.is_err());
    }
}
