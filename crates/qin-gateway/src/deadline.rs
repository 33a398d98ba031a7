//! How long a request may take, body included: a client that trickles its body (or never
//! finishes it) gets 408 after `connections.body_timeout_s`, and its connection is closed.

use crate::error::ApiError;
use crate::state::GatewayState;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use qin_proto::ErrorCode;
use std::time::Duration;

/// Middleware answering 408 to a request not answered within the body timeout. Websocket
/// upgrades answer at once; the socket that follows has its own `hello` deadline.
pub(crate) async fn request_deadline(
    State(state): State<GatewayState>,
    request: Request,
    next: Next,
) -> Response {
    let limit = Duration::from_secs(state.config.connections.body_timeout_s);
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            let mut response =
                ApiError::new(ErrorCode::BadFrame, "the request took too long to arrive")
                    .into_response();
            *response.status_mut() = StatusCode::REQUEST_TIMEOUT;
            response
        }
    }
}
