//! Which web pages may open sockets: a browser says in `Origin` which page opens a socket
//! (clients that are not browsers send none and are not checked). A shopper's socket may come
//! from the gateway's own pages or from the shop's storefront `origins`; a staff socket only
//! from the gateway's own pages, so no other site can act with an agent's login.

use axum::http::HeaderMap;
use axum::http::header::{HOST, ORIGIN};
use qin_config::ShopConfig;

/// The page a browser opened a socket from: its `Origin` and the `Host` it asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Page {
    origin: String,
    host: Option<String>,
}

impl Page {
    /// The page of a request, or `None` when it carries no `Origin` (not a browser).
    pub fn of(headers: &HeaderMap) -> Option<Self> {
        let origin = headers.get(ORIGIN)?;
        let text = |v: &axum::http::HeaderValue| v.to_str().unwrap_or("").to_ascii_lowercase();
        Some(Self {
            origin: text(origin),
            host: headers.get(HOST).map(text),
        })
    }

    /// Whether the page is one of the gateway's own: its origin names the host asked for.
    pub fn same_origin(&self) -> bool {
        let Some(host) = self.host.as_deref() else {
            return false;
        };
        let Some((scheme, authority)) = self.origin.split_once("://") else {
            return false;
        };
        without_default_port(scheme, authority) == without_default_port(scheme, host)
    }

    /// Whether the page may open shopper sockets for `shop`.
    pub fn may_chat_with(&self, shop: &ShopConfig) -> bool {
        self.same_origin()
            || shop
                .origins
                .iter()
                .any(|o| o.eq_ignore_ascii_case(&self.origin))
    }
}

fn without_default_port<'a>(scheme: &str, authority: &'a str) -> &'a str {
    let default = match scheme {
        "https" | "wss" => ":443",
        _ => ":80",
    };
    authority.strip_suffix(default).unwrap_or(authority)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(origin: &str, host: Option<&str>) -> Page {
        let mut headers = HeaderMap::new();
        headers.insert(ORIGIN, origin.parse().unwrap());
        if let Some(host) = host {
            headers.insert(HOST, host.parse().unwrap());
        }
        Page::of(&headers).unwrap()
    }

    #[test]
    fn same_origin_compares_the_origins_host_and_port_with_host() {
        assert!(page("http://127.0.0.1:8080", Some("127.0.0.1:8080")).same_origin());
        assert!(page("https://Desk.Example.com", Some("desk.example.com")).same_origin());
        assert!(page("https://desk.example.com", Some("desk.example.com:443")).same_origin());
        assert!(!page("http://127.0.0.1:8081", Some("127.0.0.1:8080")).same_origin());
        assert!(!page("https://evil.example", Some("desk.example.com")).same_origin());
        assert!(!page("null", Some("desk.example.com")).same_origin());
        assert!(!page("https://desk.example.com", None).same_origin());
        assert!(
            Page::of(&HeaderMap::new()).is_none(),
            "no Origin, not a browser"
        );
    }

    #[test]
    fn a_shop_allows_its_storefronts_and_the_gateways_own_pages() {
        let mut shop = crate::testing::demo_shop();
        shop.origins = vec!["https://shop.example.com".into()];
        assert!(page("https://shop.example.com", Some("desk.example.com")).may_chat_with(&shop));
        assert!(page("https://desk.example.com", Some("desk.example.com")).may_chat_with(&shop));
        assert!(!page("https://evil.example", Some("desk.example.com")).may_chat_with(&shop));
        assert!(!page("http://shop.example.com", Some("desk.example.com")).may_chat_with(&shop));
    }
}
