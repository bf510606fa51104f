//! The dashboard (`src-web`) served at `/admin/` with SPA fallback. The built assets are
//! embedded in release builds (and read from `src-web/dist` in debug builds); when they have
//! not been built, `/admin/` answers with a plain page that says how to build them.

use axum::body::Body;
use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../src-web/dist"]
#[allow_missing = true]
struct Assets;

const NOT_BUILT: &str =
    "<!doctype html><html><head><meta charset=\"utf-8\"><title>Switchyard</title>\
</head><body style=\"font-family:sans-serif;max-width:40rem;margin:3rem auto\">\
<h1>Switchyard is running</h1><p>The dashboard has not been built into this binary.</p>\
<p>Build it with <code>npm ci &amp;&amp; npm run build</code> at the repository root, then \
rebuild <code>switchyard-server</code>. The API is available meanwhile: \
<a href=\"/health\">/health</a>.</p></body></html>";

/// `GET /` and `HEAD /`: Claude Code probes `HEAD /` at start; people land on the dashboard.
pub async fn root_redirect() -> Redirect {
    Redirect::temporary("/admin/")
}

pub async fn index() -> Response {
    asset_or_index("index.html")
}

pub async fn asset(Path(path): Path<String>) -> Response {
    asset_or_index(&path)
}

/// Serves an embedded file; unknown paths without an extension fall back to `index.html` so
/// client-side routes survive a reload, while a missing `.js` or `.css` stays a 404.
fn asset_or_index(path: &str) -> Response {
    if let Some(file) = Assets::get(path) {
        let mime = HeaderValue::from_str(file.metadata.mimetype())
            .unwrap_or(HeaderValue::from_static("application/octet-stream"));
        let cache = if path == "index.html" {
            "no-cache"
        } else {
            "public, max-age=31536000, immutable"
        };
        return (
            [
                (header::CONTENT_TYPE, mime),
                (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            ],
            Body::from(file.data.into_owned()),
        )
            .into_response();
    }
    let looks_like_file = path
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.'));
    if looks_like_file && path != "index.html" {
        return StatusCode::NOT_FOUND.into_response();
    }
    match Assets::get("index.html") {
        Some(file) => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            Body::from(file.data.into_owned()),
        )
            .into_response(),
        None => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            NOT_BUILT,
        )
            .into_response(),
    }
}
