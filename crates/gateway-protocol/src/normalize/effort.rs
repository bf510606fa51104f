//! Reasoning-effort clamp (upstream.md §3.3) and `service_tier` mapping (§3.4).

/// Efforts the backend accepts on every model.
pub const KNOWN_EFFORTS: &[&str] = &["none", "minimal", "low", "medium", "high", "xhigh", "ultra"];

/// Clamps an effort for `model`: known values unchanged; `max` kept on `gpt-M.N` with M > 5
/// or M = 5 and N ≥ 6, else `xhigh`; values listed in `model_levels` (the manifest's
/// `supported_reasoning_levels`) kept; anything else → `high`. Matching is case-insensitive.
pub fn clamp_effort(effort: &str, model: &str, model_levels: &[String]) -> String {
    let lower = effort.trim().to_ascii_lowercase();
    if KNOWN_EFFORTS.contains(&lower.as_str()) {
        return lower;
    }
    if lower == "max" {
        return if supports_max(model) {
            "max".into()
        } else {
            "xhigh".into()
        };
    }
    if model_levels.iter().any(|l| l.eq_ignore_ascii_case(&lower)) {
        return lower;
    }
    "high".into()
}

/// `gpt-M.N…` → (M, N); `gpt-M` → (M, 0).
pub fn gpt_version(model: &str) -> Option<(u32, u32)> {
    let rest = model.trim().to_ascii_lowercase();
    let rest = rest.strip_prefix("gpt-")?;
    let major_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    let major: u32 = rest.get(..major_len)?.parse().ok()?;
    let after = &rest[major_len..];
    let minor = match after.strip_prefix('.') {
        Some(m) => {
            let len = m.bytes().take_while(u8::is_ascii_digit).count();
            m.get(..len).and_then(|d| d.parse().ok()).unwrap_or(0)
        }
        None => 0,
    };
    Some((major, minor))
}

fn supports_max(model: &str) -> bool {
    matches!(gpt_version(model), Some((major, minor)) if major > 5 || (major == 5 && minor >= 6))
}

/// Maps `service_tier`: `fast`/`priority` → `priority`, `flex` → `flex`, anything else
/// (`auto`, `default`, `scale`, unknown) → removed.
pub fn map_service_tier(tier: &str) -> Option<&'static str> {
    match tier.trim().to_ascii_lowercase().as_str() {
        "fast" | "priority" => Some("priority"),
        "flex" => Some("flex"),
        _ => None,
    }
}
