//! The line a run prints when it slowed down for a limit it shared.

use crate::remote::limiter::Pacing;

/// `None` when the run kept its configured rate.
#[must_use]
pub fn slowdown(pacing: &Pacing) -> Option<String> {
    if pacing.slowdowns == 0 {
        return None;
    }
    let first = pacing
        .first_after
        .map(|d| format!(", first {:.0} s in", d.as_secs_f64()))
        .unwrap_or_default();
    Some(format!(
        "slowed down {} time(s){first}, to {:.0}% of the configured rate at the lowest: the account answered 429 while pxmctl was under its own limit, so other clients are spending part of the account's limit",
        pacing.slowdowns,
        pacing.lowest * 100.0
    ))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_run_that_kept_its_rate_says_nothing() {
        assert_eq!(slowdown(&Pacing::default()), None);
        let slowed = Pacing {
            slowdowns: 3,
            lowest: 0.475,
            first_after: Some(Duration::from_millis(3_200)),
        };
        let line = slowdown(&slowed).expect("a line");
        assert!(
            line.starts_with("slowed down 3 time(s), first 3 s in, to 48%"),
            "{line}"
        );
    }
}
