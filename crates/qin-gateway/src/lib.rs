//! Qin's websocket gateway: shopper and agent sockets, the REST API, and the widget and
//! console pages. Stateless: any number run behind a load balancer, sharing the store and bus.

mod agent;
mod api;
mod auth;
mod catch_up;
mod conn;
mod conversation;
mod error;
mod hub;
mod rate;
mod shopper;
mod socket;
mod state;
mod web;

pub use auth::{Claims, TokenKind, Tokens, password_matches};
pub use socket::{CLOSE_GOING_AWAY, CLOSE_TOO_SLOW, CLOSE_UNAUTHORIZED};
pub use state::GatewayState;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tokio::net::TcpListener;

/// The gateway's routes.
pub fn app(state: GatewayState) -> Router {
    Router::new()
        .route("/", get(web::index))
        .route("/widget.js", get(web::widget_js))
        .route("/widget.css", get(web::widget_css))
        .route("/console", get(web::console))
        .route("/console.js", get(web::console_js))
        .route("/console.css", get(web::console_css))
        .route("/client.js", get(web::client_js))
        .route("/ws/shopper", get(socket::shopper))
        .route("/ws/agent", get(socket::agent))
        .route("/api/login", post(api::login))
        .route("/api/conversations/{id}/messages", get(api::messages))
        .route("/healthz", get(api::healthz))
        .route("/readyz", get(api::readyz))
        .layer(DefaultBodyLimit::max(64 * 1024))
        .with_state(state)
}

/// Serves the gateway on `listener` until `state.shutdown` is cancelled; open sockets are
/// told to reconnect (close code 1001) and the server waits for them to finish.
pub async fn serve(listener: TcpListener, state: GatewayState) -> std::io::Result<()> {
    let shutdown = state.shutdown.clone();
    axum::serve(listener, app(state))
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
}
