//! Qin's websocket gateway: shopper and agent sockets, the REST API, and the widget and
//! console pages. Stateless: any number run behind a load balancer, sharing the store and bus.

mod access;
mod admission;
mod agent;
mod api;
mod auth;
mod burst;
mod catch_up;
mod client;
mod complaint;
mod config_reload;
mod conn;
mod conversation;
mod customer;
mod deadline;
mod error;
mod flood;
mod groups;
mod headers;
mod hub;
mod login;
mod origin;
mod phrases;
mod presence;
mod profile;
mod rate;
mod routing;
mod send;
mod serve;
#[cfg(test)]
mod session_tests;
mod shopper;
mod sign_out;
mod socket;
mod staff;
mod state;
mod supervisor;
mod sync;
#[cfg(test)]
mod testing;
mod web;

pub use auth::{Claims, TokenKind, Tokens, password_matches};
pub use sign_out::follow_reloads;
pub use socket::{
    CLOSE_GOING_AWAY, CLOSE_HELLO_TIMEOUT, CLOSE_ORIGIN_REFUSED, CLOSE_SIGNED_OUT, CLOSE_TOO_SLOW,
    CLOSE_UNAUTHORIZED,
};
pub use state::{GatewayState, Reload, Shops};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use tokio::net::TcpListener;

/// The gateway's routes, each answer with the security headers (`headers.rs`) and each
/// request with the body deadline (`deadline.rs`).
pub fn app(state: GatewayState) -> Router {
    Router::new()
        .route("/", get(web::index))
        .route("/widget.js", get(web::widget_js))
        .route("/widget.css", get(web::widget_css))
        .route("/store.css", get(web::store_css))
        .route("/console", get(web::console))
        .route("/console.js", get(web::console_js))
        .route("/console.css", get(web::console_css))
        .route("/client.js", get(web::client_js))
        .route("/phrases.js", get(web::phrases_js))
        .route("/favicon.svg", get(web::favicon))
        // Browsers and tools that ask for the classic name get the same icon.
        .route("/favicon.ico", get(web::favicon))
        .route("/supervisor", get(web::supervisor))
        .route("/supervisor.js", get(web::supervisor_js))
        .route("/supervisor.css", get(web::supervisor_css))
        .route("/ws/shopper", get(socket::shopper))
        .route("/ws/agent", get(socket::agent))
        .route("/api/login", post(login::login))
        .route("/api/logout", post(sign_out::logout))
        .route("/api/conversations/{id}/messages", get(api::messages))
        .route("/api/conversations/{id}/routing", get(supervisor::routing))
        .route(
            "/api/conversations/{id}/complaint",
            get(complaint::get).put(complaint::put),
        )
        .route("/api/conversations/{id}/customer", get(customer::customer))
        .route(
            "/api/conversations/{id}/customer/notes",
            post(customer::add_note),
        )
        .route(
            "/api/conversations/{id}/customer/chats/{past}",
            get(customer::past_transcript),
        )
        .route("/api/conversations/{id}/assign", post(supervisor::assign))
        .route(
            "/api/shops/{shop}/profile",
            get(profile::profile).put(profile::set_profile),
        )
        .route("/api/shops/{shop}/groups", get(supervisor::groups))
        .route("/api/shops/{shop}/staff", get(staff::staff))
        .route(
            "/api/shops/{shop}/agents/{agent}/sign-out",
            post(sign_out::sign_out_agent),
        )
        .route("/api/shops/{shop}/phrases", get(phrases::list))
        .route(
            "/api/shops/{shop}/phrases/{shortcut}",
            axum::routing::put(phrases::set).delete(phrases::delete),
        )
        .route(
            "/api/shops/{shop}/config/reload",
            post(config_reload::reload),
        )
        .route("/healthz", get(api::healthz))
        .route("/readyz", get(api::readyz))
        .layer(DefaultBodyLimit::max(64 * 1024))
        .layer(from_fn_with_state(
            state.clone(),
            deadline::request_deadline,
        ))
        .layer(from_fn_with_state(state.clone(), headers::secure))
        .with_state(state)
}

/// Serves the gateway on `listener` until `state.shutdown` is cancelled. Then it stops
/// accepting, tells every open socket to reconnect elsewhere (close code 1001), and waits
/// (at most 10 s) until each has flushed its goodbye. Connections are admitted under
/// `[connections]`: the process ceiling, per-address caps and timeouts (`serve.rs`).
pub async fn serve(listener: TcpListener, state: GatewayState) -> std::io::Result<()> {
    let router = app(state.clone());
    serve::run(listener, state, router).await
}
