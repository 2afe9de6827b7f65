//! What capkv prints on stderr quotes user input (values, flags, file names). A value may
//! hold line breaks, escape sequences or bidirectional overrides: printed as they are,
//! they would forge lines (`::error` for CI runners, fake lint findings) or drive the
//! terminal. Every stderr line goes through [`printable`].

use std::borrow::Cow;

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}')
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// `line` with every control character, line or paragraph separator and bidirectional
/// control written as a Rust escape (`\n`, `\t`, `\u{1b}`).
pub fn printable(line: &str) -> Cow<'_, str> {
    if !line.contains(needs_escape) {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len() + 8);
    for c in line.chars() {
        if needs_escape(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_cannot_start_a_line_or_drive_the_terminal() {
        assert_eq!(printable("plain: ok"), "plain: ok");
        assert_eq!(
            printable("a\n::error::forged\r\u{1b}[31m\u{202e}\u{85}"),
            "a\\n::error::forged\\r\\u{1b}[31m\\u{202e}\\u{85}"
        );
    }
}
