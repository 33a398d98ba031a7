//! The pages served by the gateway: the demo storefront with the chat widget at `/`, the
//! agent console at `/console` and the supervisors' page at `/supervisor`. Plain files
//! compiled into the binary; no build step. No inline script or style anywhere: the pages'
//! CSP (`headers.rs`) allows only files from the gateway itself.

use axum::http::header;
use axum::response::IntoResponse;

macro_rules! asset {
    ($name:ident, $file:literal, $mime:literal) => {
        /// Serves `web/
        #[doc = $file]
        /// `.
        pub async fn $name() -> impl IntoResponse {
            (
                [
                    (header::CONTENT_TYPE, $mime),
                    (header::CACHE_CONTROL, "no-cache"),
                ],
                include_str!(concat!("../web/", $file)),
            )
        }
    };
}

asset!(index, "index.html", "text/html; charset=utf-8");
asset!(widget_js, "widget.js", "text/javascript; charset=utf-8");
asset!(widget_css, "widget.css", "text/css; charset=utf-8");
asset!(store_css, "store.css", "text/css; charset=utf-8");
asset!(console, "console.html", "text/html; charset=utf-8");
asset!(console_js, "console.js", "text/javascript; charset=utf-8");
asset!(console_css, "console.css", "text/css; charset=utf-8");
asset!(supervisor, "supervisor.html", "text/html; charset=utf-8");
asset!(supervisor_css, "supervisor.css", "text/css; charset=utf-8");
asset!(
    supervisor_js,
    "supervisor.js",
    "text/javascript; charset=utf-8"
);
asset!(client_js, "client.js", "text/javascript; charset=utf-8");
asset!(phrases_js, "phrases.js", "text/javascript; charset=utf-8");
asset!(favicon, "favicon.svg", "image/svg+xml");
