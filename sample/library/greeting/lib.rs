//! A tiny library for the sample tree.

/// The greeting the sample's binary prints.
pub fn greeting(channel: &str) -> String {
    format!("Hello from a Nix-built Rust sample ({channel} channel)!")
}
