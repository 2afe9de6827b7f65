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
    let new = match set(change.new.as_ref()).map(instant_of) {
        // Not an RFC 3339 time: the API server cannot decode the MachineDeployment and
        // refuses it (reported as rejected, see immutable.rs); nothing rolls.
        Some(None) => return Verdict::Same,
        new => new.flatten(),
    };
    // An old value that is not a time was never stored: as if absent.
    let old = set(change.old.as_ref()).and_then(instant_of);
    match (old, new) {
        (None, None) => Verdict::Same,
        (Some(a), Some(b)) if a == b => Verdict::Same,
        (_, None) => Verdict::NoRoll,
        (Some(old), Some(new)) if new < old && old <= now => Verdict::NoRoll,
        (_, Some(new)) => {
            if new > now {
                let text = change.new.as_ref().and_then(Value::as_str).unwrap_or("");
                Verdict::RollsAt(text.to_owned())
            } else {
                Verdict::RollsNow
            }
        }
    }
}

/// Whether a rollout time is one the API server can store: `null` (no time) or an
/// RFC 3339 time (kubernetes/apimachinery pkg/apis/meta/v1/time.go:100-119).
pub(super) fn is_time(value: &Value) -> bool {
    value.is_null() || instant_of(value).is_some()
}

/// A value other than `null`: `null` is no time, like an absent field.
fn set(value: Option<&Value>) -> Option<&Value> {
    value.filter(|v| !v.is_null())
}

fn instant_of(value: &Value) -> Option<Instant> {
    value.as_str().and_then(parse)
}

/// A point in time; a `metav1.Time` names one however its offset is written.
pub(super) type Instant = jiff::Timestamp;

pub(super) fn now() -> Instant {
    jiff::Timestamp::now()
}

/// An RFC 3339 time as Kubernetes writes `metav1.Time`: `2030-01-02T03:04:05Z`, with
/// optional fractional seconds and a `±hh:mm` offset instead of `Z`. A time without
/// an offset names no instant and is refused.
fn parse(text: &str) -> Option<Instant> {
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_rfc3339_with_offsets_and_fractions() {
        let seconds = |text| parse(text).map(|t| (t.as_second(), t.subsec_nanosecond()));
        assert_eq!(seconds("1970-01-01T00:00:00Z"), Some((0, 0)));
        assert_eq!(seconds("2000-03-01T00:00:00Z"), Some((951_868_800, 0)));
        assert_eq!(
            parse("2030-01-01T01:00:00+01:00"),
            parse("2030-01-01T00:00:00Z")
        );
        assert_eq!(seconds("1970-01-01T00:00:01.5Z"), Some((1, 500_000_000)));
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
