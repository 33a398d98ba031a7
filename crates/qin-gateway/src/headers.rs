//! Security headers on every response: a Content Security Policy (scripts and styles only
//! from the gateway's own files, no inline code), `nosniff`, no referrer, and who may frame
//! what: the staff pages nobody, the widget page only the gateway itself and the shops'
//! storefront `origins`.

use crate::state::GatewayState;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeSet;

/// What a path serves, as far as framing goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The storefront with the widget and its files: shops may frame it.
    Widget,
    /// The console, the supervisors' page and their files: never framed.
    Staff,
    /// The API, health checks and sockets: no page at all.
    Other,
}

impl Kind {
    fn of(path: &str) -> Self {
        match path {
            "/" | "/widget.js" | "/widget.css" | "/store.css" | "/client.js" | "/favicon.svg"
            | "/favicon.ico" => Self::Widget,
            "/console" | "/console.js" | "/console.css" | "/phrases.js" | "/supervisor"
            | "/supervisor.js" | "/supervisor.css" => Self::Staff,
            _ => Self::Other,
        }
    }
}

/// Middleware adding the headers to the answer of every route.
pub(crate) async fn secure(
    State(state): State<GatewayState>,
    request: Request,
    next: Next,
) -> Response {
    let kind = Kind::of(request.uri().path());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    let policy = match kind {
        Kind::Widget => {
            let origins = storefronts(&state);
            if origins.is_empty() {
                headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
            }
            let mut ancestors = String::from("'self'");
            for origin in &origins {
                ancestors.push(' ');
                ancestors.push_str(origin);
            }
            page_policy(&state, &ancestors)
        }
        Kind::Staff => {
            headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
            page_policy(&state, "'none'")
        }
        Kind::Other => {
            headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
            NO_PAGE.to_owned()
        }
    };
    if let Ok(value) = HeaderValue::from_str(&policy) {
        headers.insert(CONTENT_SECURITY_POLICY, value);
    }
    response
}

/// What an API answer or a health check may do if a browser ever renders it: nothing.
const NO_PAGE: &str = "default-src 'none'; frame-ancestors 'none'";

/// Every shop's storefront origins (a reload changes them, so they are read per request).
fn storefronts(state: &GatewayState) -> BTreeSet<String> {
    state
        .shops()
        .all()
        .iter()
        .flat_map(|shop| shop.origins.iter().cloned())
        .collect()
}

/// The policy of a page that `ancestors` (CSP sources, e.g. `'self' https://shop.example.com`)
/// may frame. Images may come from the shops' `image_hosts` (image messages).
fn page_policy(state: &GatewayState, ancestors: &str) -> String {
    let image_hosts: BTreeSet<String> = state
        .shops()
        .all()
        .iter()
        .flat_map(|shop| shop.image_hosts.iter().cloned())
        .collect();
    let mut policy = String::from(
        "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; img-src 'self' data:",
    );
    for host in &image_hosts {
        policy.push(' ');
        policy.push_str(host);
    }
    policy.push_str("; frame-ancestors ");
    policy.push_str(ancestors);
    policy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_sorted_by_who_may_frame_them() {
        assert_eq!(Kind::of("/"), Kind::Widget);
        assert_eq!(Kind::of("/widget.js"), Kind::Widget);
        assert_eq!(Kind::of("/console"), Kind::Staff);
        assert_eq!(Kind::of("/supervisor"), Kind::Staff);
        assert_eq!(Kind::of("/api/login"), Kind::Other);
        assert_eq!(Kind::of("/ws/agent"), Kind::Other);
    }

    #[test]
    fn the_page_policy_allows_no_inline_code_and_names_image_hosts_and_ancestors() {
        let gateway = crate::testing::Gateway::new();
        let policy = page_policy(&gateway.state, "'self' https://shop.example.com");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        assert!(policy.contains("script-src 'self';"), "{policy}");
        assert!(policy.contains("img.alicdn.com"), "{policy}");
        assert!(
            policy.ends_with("frame-ancestors 'self' https://shop.example.com"),
            "{policy}"
        );
    }
}
