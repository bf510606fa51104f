//! Integration tests: each module starts its own mock on port 0 and drives it over HTTP.
//! The modules are `cfg(test)` so the test-only lint allowances (clippy.toml) cover helpers too.

#[cfg(test)]
mod cli;
#[cfg(test)]
mod common;
#[cfg(test)]
mod endpoints;
#[cfg(test)]
mod faults;
#[cfg(test)]
mod oauth;
#[cfg(test)]
mod stream;
#[cfg(test)]
mod validation;
