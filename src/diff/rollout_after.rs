//! `spec.rollout.after` (v1beta1 `spec.rolloutAfter`): "replace every machine once this
//! time has passed".
//!
//! CAPI rolls when the time is in the past and no MachineSet of the pool was created
//! at or after it (core/reconcilers/machinedeployment/mdutil/util.go:480, :495-535): setting
//! a future time rolls then, a past one rolls now unless a rollout happened since, and
//! removing the time, or moving it before a time that has already passed, rolls
//! nothing (every MachineSet is newer than the time). Times are compared as instants,
//! so `2030-01-01T01:00:00+01:00` and `2030-01-01T00:00:00Z` are one value.

use super::fields::FieldChange;
use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};

/// What a change of the rollout time does.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Verdict {
    /// The same instant, or no change at all.
    Same,
    /// Every machine is replaced once `at` has passed.
    RollsAt(String),
    /// The time has passed: every machine is replaced now, unless a MachineSet was
    /// created since.
    RollsNow,
    /// Nothing rolls (removed, or moved before a time that already passed).
    NoRoll,
}

pub(super) fn verdict(change: &FieldChange, now: Instant) -> Verdict {
    let old = change.old.as_ref().map(instant_of);
    let new = change.new.as_ref().map(instant_of);
    match (old, new) {
        (None, None) => Verdict::Same,
        (Some(a), Some(b)) if a == b => Verdict::Same,
        (_, None) => Verdict::NoRoll,
        // A value that is not a time: CAPI's API server refuses it, say it rolls.
        (Some(None), _) | (_, Some(None)) => Verdict::RollsNow,
        (Some(Some(old)), Some(Some(new))) if new < old && old <= now => Verdict::NoRoll,
        (_, Some(Some(new))) => {
            if new > now {
                let text = change.new.as_ref().and_then(Value::as_str).unwrap_or("");
                Verdict::RollsAt(text.to_owned())
            } else {
                Verdict::RollsNow
            }
        }
    }
}

fn instant_of(value: &Value) -> Option<Instant> {
    value.as_str().and_then(parse)
}

/// Seconds and nanoseconds since the Unix epoch.
pub(super) type Instant = (i64, u32);

pub(super) fn now() -> Instant {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (
        i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
        since.subsec_nanos(),
    )
}

/// An RFC 3339 time as Kubernetes writes `metav1.Time`: `2030-01-02T03:04:05Z`, with
/// optional fractional seconds and a `±hh:mm` offset instead of `Z`.
fn parse(text: &str) -> Option<Instant> {
    let bytes = text.as_bytes();
    if bytes.len() < 20 || !matches!(bytes[10], b'T' | b't') {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let separators = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if separators.iter().any(|&(at, sep)| bytes[at] != sep) {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 60 {
        return None;
    }
    let mut rest = &text[19..];
    let mut nanos = 0_u32;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let padded = format!("{:0<9}", &fraction[..digits.min(9)]);
        nanos = padded.parse().ok()?;
        rest = &fraction[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && rest.as_bytes()[3] == b':' => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            sign * (number_of(&rest[1..3])? * 3600 + number_of(&rest[4..6])? * 60)
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    Some((
        days * 86_400 + hour * 3600 + minute * 60 + second - offset,
        nanos,
    ))
}

fn number_of(text: &str) -> Option<i64> {
    text.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| text.parse().ok())?
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let shifted_month = (month + 9) % 12;
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_rfc3339_with_offsets_and_fractions() {
        assert_eq!(parse("1970-01-01T00:00:00Z"), Some((0, 0)));
        assert_eq!(parse("2000-03-01T00:00:00Z"), Some((951_868_800, 0)));
        assert_eq!(
            parse("2030-01-01T01:00:00+01:00"),
            parse("2030-01-01T00:00:00Z")
        );
        assert_eq!(parse("1970-01-01T00:00:01.5Z"), Some((1, 500_000_000)));
        for bad in [
            "2030-01-01",
            "2030-13-01T00:00:00Z",
            "2030-01-01T00:00:00",
            "soon",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    fn change(old: Option<&str>, new: Option<&str>) -> FieldChange {
        FieldChange {
            path: "spec.rollout.after".into(),
            old: old.map(|t| json!(t)),
            new: new.map(|t| json!(t)),
        }
    }

    #[test]
    fn verdicts_follow_capi() {
        let now = parse("2026-06-01T00:00:00Z").unwrap();
        let future = "2027-01-01T00:00:00Z";
        let past = "2026-01-01T00:00:00Z";
        let earlier = "2025-01-01T00:00:00Z";
        assert_eq!(
            verdict(&change(None, Some(future)), now),
            Verdict::RollsAt(future.into())
        );
        assert_eq!(verdict(&change(None, Some(past)), now), Verdict::RollsNow);
        assert_eq!(verdict(&change(Some(past), None), now), Verdict::NoRoll);
        assert_eq!(
            verdict(&change(Some(past), Some(earlier)), now),
            Verdict::NoRoll
        );
        assert_eq!(
            verdict(&change(Some(future), Some("2026-12-01T00:00:00Z")), now),
            Verdict::RollsAt("2026-12-01T00:00:00Z".into())
        );
        assert_eq!(
            verdict(
                &change(Some(future), Some("2027-01-01T01:00:00+01:00")),
                now
            ),
            Verdict::Same
        );
    }
}
