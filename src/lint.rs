//! `capkv lint`: the tally of findings, the pass/fail decision and the summary line.
//!
//! Convention (shared with `render`): stdout is written only when the exit code is 0.
//! Findings always go to stderr, one per line; the summary goes to stdout when lint
//! passes and to stderr, after the findings, when it fails.

use crate::validate::{Finding, Severity};

#[derive(Debug)]
pub(crate) struct Report {
    strict: bool,
    lines: Vec<String>,
    errors: usize,
    warnings: usize,
}

impl Report {
    pub(crate) fn new(strict: bool) -> Self {
        Report {
            strict,
            lines: Vec::new(),
            errors: 0,
            warnings: 0,
        }
    }

    pub(crate) fn finding(&mut self, finding: &Finding) {
        match finding.severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
        }
        self.lines.push(finding.to_string());
    }

    /// An error that is not a values finding (a file that cannot be read, an internal
    /// error), already formatted as `error: …`.
    pub(crate) fn error_line(&mut self, line: String) {
        self.errors += 1;
        self.lines.push(line);
    }

    pub(crate) fn lines(&self) -> &[String] {
        &self.lines
    }

    /// Fails on any error, and with `--strict` on any warning too.
    pub(crate) fn passed(&self) -> bool {
        self.errors == 0 && !(self.strict && self.warnings > 0)
    }

    pub(crate) fn summary(&self) -> String {
        let count = |n: usize, noun: &str| format!("{n} {noun}{}", if n == 1 { "" } else { "s" });
        let strict = if self.errors == 0 && !self.passed() {
            " (--strict: warnings fail)"
        } else {
            ""
        };
        format!(
            "lint: {}, {}{strict}",
            count(self.errors, "error"),
            count(self.warnings, "warning")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warning() -> Finding {
        Finding {
            severity: Severity::Warning,
            path: "a".into(),
            message: "m".into(),
            origin: Some("f.yaml".into()),
        }
    }

    #[test]
    fn warnings_pass_unless_strict() {
        let mut report = Report::new(false);
        report.finding(&warning());
        report.finding(&warning());
        assert!(report.passed());
        assert_eq!(report.summary(), "lint: 0 errors, 2 warnings");
        assert_eq!(report.lines()[0], "warning: a: m (from f.yaml)");

        let mut strict = Report::new(true);
        strict.finding(&warning());
        assert!(!strict.passed());
        assert_eq!(
            strict.summary(),
            "lint: 0 errors, 1 warning (--strict: warnings fail)"
        );
    }

    #[test]
    fn any_error_fails() {
        let mut report = Report::new(false);
        report.error_line("error: x".into());
        assert!(!report.passed());
        assert_eq!(report.summary(), "lint: 1 error, 0 warnings");
    }
}
