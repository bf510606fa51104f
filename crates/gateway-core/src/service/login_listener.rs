//! The local redirect catcher for in-app login: while a login is pending, a tiny server on the
//! redirect URI's loopback port answers `GET /auth/callback` and finishes the login. If the
//! port is taken (the Codex CLI's own login uses it too), the caller falls back to pasting.

use std::time::Duration;

use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use tokio_util::sync::CancellationToken;

use crate::state::AppState;

#[derive(Clone)]
struct Ctx {
    state: AppState,
    session_id: String,
    done: CancellationToken,
}

/// Starts listening when the redirect URI points at a loopback port; false when it cannot.
pub async fn spawn(state: &AppState, session_id: &str, redirect_uri: &str) -> bool {
    let Ok(url) = url::Url::parse(redirect_uri) else {
        return false;
    };
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1"));
    let (Some(port), true) = (url.port(), loopback) else {
        return false;
    };
    let Ok(listener) = tokio::net::TcpListener::bind(("127.0.0.1", port)).await else {
        tracing::info!(
            port,
            "login callback port is busy; the user will paste the callback URL"
        );
        return false;
    };
    let done = CancellationToken::new();
    let ctx = Ctx {
        state: state.clone(),
        session_id: session_id.to_owned(),
        done: done.clone(),
    };
    let router = Router::new()
        .route(url.path(), get(callback))
        .with_state(ctx);
    let shutdown = state.tasks().cancellation();
    state.tasks().spawn("login-callback", async move {
        let stop = async move {
            tokio::select! {
                () = done.cancelled() => {}
                () = shutdown.cancelled() => {}
                () = tokio::time::sleep(Duration::from_secs(30 * 60)) => {}
            }
        };
        if let Err(e) = axum::serve(listener, router)
            .with_graceful_shutdown(stop)
            .await
        {
            tracing::warn!(error = %e, "login callback listener failed");
        }
    });
    true
}

async fn callback(
    State(ctx): State<Ctx>,
    Query(query): Query<Vec<(String, String)>>,
) -> Html<String> {
    let pasted = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query)
        .finish();
    let result = super::login::exchange(&ctx.state, &ctx.session_id, &pasted).await;
    let page = match result {
        Ok(account) => {
            ctx.done.cancel();
            format!(
                "<h1>Signed in</h1><p>{} was added to Switchyard. You can close this tab.</p>",
                html_escape(&account.name)
            )
        }
        Err(e) => format!(
            "<h1>Sign-in failed</h1><p>{}</p>",
            html_escape(&e.to_string())
        ),
    };
    Html(format!(
        "<!doctype html><html><body style=\"font-family:sans-serif\">{page}</body></html>"
    ))
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
