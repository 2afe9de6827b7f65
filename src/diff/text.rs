//! The terminal report: pools first (what happens to machines), then problems, then
//! objects and their diffs.

use super::Report;
use super::control_plane::{ControlPlane, Status as CpStatus};
use super::fields::FieldChange;
use super::immutable::Outcome;
use super::objects::ObjectChange;
use super::rollout::{AFTER_PASSED_NOTE, ON_DELETE_NOTE, PRUNE_NOTE, Pool, Roll, Status};
use std::ffi::OsStr;
use std::fmt::Write as _;

/// Color only for a person at a terminal, and never when NO_COLOR is set to anything
/// but the empty string (https://no-color.org).
pub fn use_color(stdout_is_terminal: bool, no_color: Option<&OsStr>) -> bool {
    stdout_is_terminal && no_color.is_none_or(OsStr::is_empty)
}

#[derive(Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn wrap(self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

const BOLD: &str = "1";
const RED: &str = "31";
const GREEN: &str = "32";
const YELLOW: &str = "1;33";
const CYAN: &str = "36";
const DIM: &str = "2";

pub(super) fn render(report: &Report, color: bool) -> String {
    let paint = Paint(color);
    if !report.differs() {
        return "No changes: both streams hold the same objects.\n".to_owned();
    }
    let mut out = String::new();
    if !report.pools.is_empty() {
        pools(&mut out, &report.pools, paint);
    }
    control_planes(&mut out, &report.control_planes, paint);
    if !report.warnings.is_empty() {
        out.push_str(&paint.wrap(&format!("{BOLD};{YELLOW}"), "Warnings"));
        out.push('\n');
        for warning in &report.warnings {
            let _ = writeln!(out, "  {} {warning}", paint.wrap(YELLOW, "!"));
        }
        out.push('\n');
    }
    for (outcome, title, mark, code) in [
        (Outcome::Rejected, REJECTED_TITLE, "!", RED),
        (Outcome::Accepted, ACCEPTED_TITLE, "~", YELLOW),
    ] {
        let problems = report.problems_of(outcome);
        if problems.is_empty() {
            continue;
        }
        out.push_str(&paint.wrap(&format!("{BOLD};{code}"), title));
        out.push('\n');
        for problem in problems {
            let _ = writeln!(
                out,
                "  {} {}: {}",
                paint.wrap(code, mark),
                problem.id,
                problem.message
            );
            fields(&mut out, &problem.fields, 6);
        }
        out.push('\n');
    }
    objects(&mut out, &report.objects, paint);
    for change in report.objects.iter().filter(|c| !c.diff.is_empty()) {
        out.push('\n');
        for line in change.diff.lines() {
            let code = if line.starts_with("---") || line.starts_with("+++") {
                BOLD
            } else if line.starts_with("@@") {
                CYAN
            } else if line.starts_with('+') {
                GREEN
            } else if line.starts_with('-') {
                RED
            } else {
                ""
            };
            if code.is_empty() {
                out.push_str(line);
            } else {
                out.push_str(&paint.wrap(code, line));
            }
            out.push('\n');
        }
    }
    out
}

fn pools(out: &mut String, pools: &[Pool], paint: Paint) {
    out.push_str(&paint.wrap(BOLD, "Node pools"));
    out.push('\n');
    let width = pools
        .iter()
        .map(|p| p.status.label().len())
        .max()
        .unwrap_or_default();
    let indent = width + 4;
    for pool in pools {
        let label = format!("{:<width$}", pool.status.label());
        let code = match pool.status {
            Status::Rolls | Status::RollsLater | Status::RollsAndScales | Status::RollsOnDelete => {
                YELLOW
            }
            Status::Scales | Status::AutoscalerBounds | Status::InPlace => CYAN,
            Status::Added => GREEN,
            Status::Removed | Status::Recreated => RED,
            Status::Unchanged => DIM,
        };
        let _ = writeln!(
            out,
            "  {}  {}",
            paint.wrap(code, &label),
            pool.id.qualified_name()
        );
        for roll in &pool.rolls {
            match roll {
                Roll::Template {
                    kind,
                    old,
                    new,
                    fields: changed,
                } => {
                    let _ = writeln!(out, "{:indent$}{kind} {old} → {new}", "");
                    match changed {
                        Some(changed) if changed.is_empty() => {
                            let _ = writeln!(out, "{:indent$}  (same spec, new name)", "");
                        }
                        Some(changed) => fields(out, changed, indent + 2),
                        None => {
                            let _ = writeln!(
                                out,
                                "{:indent$}  (a template is missing from its stream: fields unknown)",
                                ""
                            );
                        }
                    }
                }
                Roll::Field(change) => fields(out, std::slice::from_ref(change), indent),
                Roll::After {
                    change,
                    at: Some(at),
                } => {
                    let _ = writeln!(out, "{:indent$}rolls at {at}: {}", "", change.describe());
                }
                Roll::After { change, at: None } => {
                    let _ = writeln!(
                        out,
                        "{:indent$}{} {AFTER_PASSED_NOTE}",
                        "",
                        change.describe()
                    );
                }
            }
        }
        if pool.status == Status::RollsOnDelete {
            let _ = writeln!(out, "{:indent$}{ON_DELETE_NOTE}", "");
        }
        if pool.replaces_templates() {
            let _ = writeln!(out, "{:indent$}{}", "", paint.wrap(DIM, PRUNE_NOTE));
        }
        fields(out, &pool.scaling.replicas, indent);
        fields(out, &pool.scaling.bounds, indent);
        for note in &pool.scaling.notes {
            let _ = writeln!(out, "{:indent$}{note}", "");
        }
        for note in &pool.notes {
            let _ = writeln!(out, "{:indent$}{note}", "");
        }
        for change in &pool.in_place {
            let _ = writeln!(
                out,
                "{:indent$}{} {}",
                "",
                change.describe(),
                paint.wrap(DIM, IN_PLACE_NOTE)
            );
        }
    }
    out.push('\n');
}

/// The control plane section, when a control plane changed.
fn control_planes(out: &mut String, planes: &[ControlPlane], paint: Paint) {
    if planes.iter().all(|p| p.status == CpStatus::Unchanged) {
        return;
    }
    out.push_str(&paint.wrap(BOLD, "Control plane"));
    out.push('\n');
    let width = planes
        .iter()
        .map(|p| p.status.label().len())
        .max()
        .unwrap_or_default();
    let indent = width + 4;
    for plane in planes {
        let code = match plane.status {
            CpStatus::Refused => RED,
            CpStatus::Upgrades => YELLOW,
            CpStatus::Scales | CpStatus::Updated => CYAN,
            CpStatus::Unchanged => DIM,
        };
        let _ = writeln!(
            out,
            "  {}  {}",
            paint.wrap(code, &format!("{:<width$}", plane.status.label())),
            plane.id
        );
        for line in &plane.lines {
            let _ = writeln!(
                out,
                "{:indent$}{}: {}",
                "",
                line.change.describe(),
                line.effect
            );
        }
    }
    out.push('\n');
}

/// Changes the cluster refuses, or stores and never acts on.
pub(super) const REJECTED_TITLE: &str = "Rejected or ignored by CAPI/CAPV";
/// Changes the cluster stores and uses from now on, replacing nothing that exists.
pub(super) const ACCEPTED_TITLE: &str =
    "Accepted in place: nothing rolls, only what is created later changes";

/// After each rollout setting that changed: CAPI replaces no machine for it.
pub(super) const IN_PLACE_NOTE: &str = "(in place, no roll)";

fn fields(out: &mut String, changes: &[FieldChange], indent: usize) {
    for change in changes {
        let _ = writeln!(out, "{:indent$}{}", "", change.describe());
    }
}

fn objects(out: &mut String, changes: &[ObjectChange], paint: Paint) {
    out.push_str(&paint.wrap(BOLD, &format!("Objects: {}", super::count_summary(changes))));
    out.push('\n');
    for change in changes {
        let sign = change.change.sign().to_string();
        let code = match change.change.sign() {
            '+' => GREEN,
            '-' => RED,
            _ => YELLOW,
        };
        let _ = writeln!(
            out,
            "  {} {}{}",
            paint.wrap(code, &sign),
            change.id,
            super::counterpart_note(change)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colors_only_a_terminal_without_no_color() {
        assert!(use_color(true, None));
        assert!(use_color(true, Some(OsStr::new(""))));
        assert!(!use_color(true, Some(OsStr::new("1"))));
        assert!(!use_color(false, None));
    }

    #[test]
    fn paint_adds_escape_codes_only_when_asked() {
        assert_eq!(Paint(false).wrap(RED, "x"), "x");
        assert_eq!(Paint(true).wrap(RED, "x"), "\x1b[31mx\x1b[0m");
    }
}
