//! Build script whose only job is change tracking: `sqlx::migrate!` embeds the SQL files at
//! compile time, but cargo does not know about them, so without this an edited or added
//! migration would not rebuild the crate and the binary would ship a stale schema.

fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
