//! Building blocks that talk to, or read what comes from, the Codex backend and OpenAI's
//! OAuth server: endpoint URLs, JWT claims, token refresh and the PKCE login. Pure where
//! possible; the refresher and the admin API wire them together.

pub mod classify;
pub mod client;
pub mod endpoints;
pub mod headers;
pub mod jwt;
pub mod login;
pub mod oauth;
pub mod refresh_error;
pub mod timestamp;
