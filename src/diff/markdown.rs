//! The pull-request comment: a table of node pools, problems, then one collapsed
//! entry per added, removed or changed object.
//!
//! Everything that comes from the streams is escaped: names and values land in code
//! spans (pipes escaped for tables), summaries are HTML-escaped, and each diff gets a
//! fence longer than any backtick run inside it, so no value can break the layout.

use super::Report;
use super::fields::{FieldChange, short};
use super::immutable::Outcome;
use super::objects::ObjectChange;
use super::rollout::Roll;
use std::fmt::Write as _;

/// More reasons than this per pool make the table unreadable; the diffs below have all.
const MAX_REASONS: usize = 5;
/// Room kept for the line that says how many diffs were left out.
const LEFT_OUT_NOTE_CHARS: usize = 160;
/// The body of a removed object's entry: `capkv diff` shows no diff of removed objects
/// (their content is the old stream's).
const REMOVED_BODY: &str = "_Not in the new stream._";

pub(super) fn render(report: &Report, max_chars: usize) -> String {
    let mut out = String::from("### capkv diff\n\n");
    if !report.differs() {
        out.push_str("No changes: both streams hold the same objects.\n");
        return out;
    }
    if !report.pools.is_empty() {
        out.push_str("| node pool | machines | why |\n|---|---|---|\n");
        for pool in &report.pools {
            let label = pool.status.label();
            let status = if pool.status.rolls() {
                format!("**{label}**")
            } else {
                label.to_owned()
            };
            let mut reasons: Vec<String> = pool.rolls.iter().flat_map(roll_reasons).collect();
            reasons.extend(pool.scaling.replicas.iter().map(field));
            reasons.extend(pool.scaling.bounds.iter().map(field));
            reasons.extend(pool.scaling.notes.iter().cloned());
            reasons.extend(pool.notes.iter().map(|note| html(note)));
            reasons.extend(
                pool.in_place
                    .iter()
                    .map(|c| format!("{} {}", field(c), super::text::IN_PLACE_NOTE)),
            );
            if reasons.len() > MAX_REASONS {
                let more = reasons.len() - MAX_REASONS + 1;
                reasons.truncate(MAX_REASONS - 1);
                reasons.push(format!("…and {more} more (see the diffs)"));
            }
            let _ = writeln!(
                out,
                "| {} | {status} | {} |",
                code(&pool.id.qualified_name()),
                reasons.join("<br>")
            );
        }
        out.push('\n');
        if report
            .pools
            .iter()
            .any(super::rollout::Pool::replaces_templates)
        {
            // One line for all pools: the table's cells are for what happens to machines.
            out.push_str(
                "Rolling pools leave their old templates in the cluster: `capkv prune` lists \
                 them once the rollout has finished.\n\n",
            );
        }
    }
    if report
        .control_planes
        .iter()
        .any(|p| p.status != super::control_plane::Status::Unchanged)
    {
        out.push_str("**Control plane**\n\n");
        for plane in &report.control_planes {
            let _ = writeln!(
                out,
                "- {}: **{}**",
                code(&plane.id.to_string()),
                plane.status.label()
            );
            for line in &plane.lines {
                let _ = writeln!(out, "  - {}: {}", field(&line.change), html(&line.effect));
            }
        }
        out.push('\n');
    }
    if !report.warnings.is_empty() {
        out.push_str("**Warnings**\n\n");
        for warning in &report.warnings {
            let _ = writeln!(out, "- :warning: {}", html(warning));
        }
        out.push('\n');
    }
    for (outcome, title, mark) in [
        (Outcome::Rejected, super::text::REJECTED_TITLE, ":x:"),
        (Outcome::Accepted, super::text::ACCEPTED_TITLE, ":warning:"),
    ] {
        let problems = report.problems_of(outcome);
        if problems.is_empty() {
            continue;
        }
        let _ = writeln!(out, "**{title}**\n");
        for problem in problems {
            let _ = writeln!(
                out,
                "- {mark} {}: {}",
                code(&problem.id.to_string()),
                problem.message
            );
            for change in &problem.fields {
                let _ = writeln!(out, "  - {}", field(change));
            }
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "**Objects:** {}\n",
        super::count_summary(&report.objects)
    );
    let summaries: Vec<String> = report
        .objects
        .iter()
        .map(|change| {
            html(&format!(
                "{} {}{}",
                change.change.label(),
                change.id,
                super::counterpart_note(change)
            ))
        })
        .collect();
    // The table, the problems and an entry per object always stay; object diffs are
    // added in order while the comment stays under the limit (a Kubernetes upgrade of
    // dozens of pools would exceed GitHub's 65,536 characters). Every object is one
    // collapsed entry in the same list, removed ones and those whose diff is left out
    // too, so that no object is listed apart from the others.
    let left_out_body =
        format!("_Diff left out to stay under {max_chars} characters: run `capkv diff` for it._");
    let short_entry = |change: &ObjectChange, summary: &str| {
        if change.diff.is_empty() {
            entry(summary, REMOVED_BODY)
        } else {
            entry(summary, &left_out_body)
        }
    };
    let reserved: usize = report
        .objects
        .iter()
        .zip(&summaries)
        .map(|(change, summary)| short_entry(change, summary).chars().count())
        .sum();
    let mut budget = max_chars.saturating_sub(out.chars().count() + reserved + LEFT_OUT_NOTE_CHARS);
    let mut left_out = 0;
    for (change, summary) in report.objects.iter().zip(&summaries) {
        let short = short_entry(change, summary);
        if change.diff.is_empty() {
            out.push_str(&short);
            continue;
        }
        let fence = fence(&change.diff);
        let full = entry(summary, &format!("{fence}diff\n{}{fence}", change.diff));
        let extra = full.chars().count().saturating_sub(short.chars().count());
        if extra <= budget {
            budget -= extra;
            out.push_str(&full);
        } else {
            left_out += 1;
            out.push_str(&short);
        }
    }
    if left_out > 0 {
        let _ = writeln!(
            out,
            "_{left_out} object diffs left out to stay under {max_chars} characters: run `capkv diff` for them._"
        );
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// One object's collapsed entry, followed by a blank line.
fn entry(summary: &str, body: &str) -> String {
    format!("<details><summary>{summary}</summary>\n\n{body}\n\n</details>\n\n")
}

fn roll_reasons(roll: &Roll) -> Vec<String> {
    match roll {
        Roll::Template {
            kind,
            fields: Some(changed),
            ..
        } if !changed.is_empty() => changed
            .iter()
            .map(|c| format!("new {kind}: {}", field(c)))
            .collect(),
        Roll::Template { kind, new, .. } => vec![format!("new {kind} {}", code(new))],
        Roll::Field(change) => vec![field(change)],
        Roll::After {
            change,
            at: Some(at),
        } => vec![format!("rolls at {}: {}", code(at), field(change))],
        Roll::After { change, at: None } => vec![format!(
            "{} {}",
            field(change),
            super::rollout::AFTER_PASSED_NOTE
        )],
    }
}

fn field(change: &FieldChange) -> String {
    format!(
        "{} {} → {}",
        code(&change.path),
        code(&short(change.old.as_ref())),
        code(&short(change.new.as_ref()))
    )
}

/// A code span that survives any content, inside a table cell too.
fn code(text: &str) -> String {
    let text = text.replace('|', "\\|");
    let longest = longest_backtick_run(&text);
    let ticks = "`".repeat(longest + 1);
    if longest > 0 {
        format!("{ticks} {text} {ticks}")
    } else {
        format!("{ticks}{text}{ticks}")
    }
}

fn fence(text: &str) -> String {
    "`".repeat((longest_backtick_run(text) + 1).max(3))
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`')
        .map(str::len)
        .max()
        .unwrap_or_default()
}

fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_survive_backticks_and_pipes() {
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code("a`b"), "`` a`b ``");
    }

    #[test]
    fn fences_are_longer_than_any_backtick_run() {
        assert_eq!(fence("x"), "```");
        assert_eq!(fence("````"), "`````");
    }

    #[test]
    fn summaries_are_html_escaped() {
        assert_eq!(html("<b>&"), "&lt;b&gt;&amp;");
    }
}
