//! A fast emitter that writes the same bytes as serde-saphyr's serializer (with the
//! options of [`super::emit`]) for the values rendering produces.
//!
//! It covers non-empty top-level maps of maps, lists, booleans, null, integers and
//! strings, and gives up (`false`) on anything else (floats, multi-line strings in
//! lists, lists directly inside lists, keys too long for an implicit key): the caller
//! then uses serde-saphyr.
//!
//! Layout (serde-saphyr's defaults): two-space indentation, lists at the column of
//! their key, `{}` and `[]` for empty collections. The quoting rules below are a port
//! of serde-saphyr 2.1's `ser/quoting.rs` (MIT OR Apache-2.0): a string is plain only
//! when no YAML 1.1 reader could read it as anything else, and double-quoted otherwise.
//! A unit test compares both emitters on generated values.

use super::{Node, is_keyword};
use std::borrow::Cow;
use std::fmt::Write as _;

/// serde-saphyr writes longer keys as explicit `? key` entries.
const SIMPLE_KEY_MAX_LEN: usize = 1024;

/// Appends `value` as one YAML document to `out`. Returns `false`, with `out`
/// unchanged, when the value is outside what this emitter covers.
pub(super) fn emit_into(value: &Node<'_>, out: &mut String) -> bool {
    let start = out.len();
    let done = match value {
        Node::Map(map) if !map.is_empty() => map_body(map, 0, false, out).is_some(),
        _ => false,
    };
    if !done {
        out.truncate(start);
    }
    done
}

fn indent(out: &mut String, mut n: usize) {
    const SPACES: &str = "                                ";
    while n > 0 {
        let step = n.min(SPACES.len());
        out.push_str(&SPACES[..step]);
        n -= step;
    }
}

/// Entries of a non-empty map at column `col`; with `inline_first` the first key
/// continues the current line (after `- `).
fn map_body(
    map: &[(Cow<'_, str>, Node<'_>)],
    col: usize,
    inline_first: bool,
    out: &mut String,
) -> Option<()> {
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 || !inline_first {
            indent(out, col);
        }
        write_key(key, out)?;
        out.push(':');
        match value {
            Node::Map(inner) if inner.is_empty() => out.push_str(" {}\n"),
            Node::Map(inner) => {
                out.push('\n');
                map_body(inner, col + 2, false, out)?;
            }
            Node::Seq(items) if items.is_empty() => out.push_str(" []\n"),
            Node::Seq(items) => {
                out.push('\n');
                seq_body(items, col, out)?;
            }
            Node::String(s) if s.contains('\n') && is_block_scalar_content_safe(s) => {
                out.push(' ');
                write_literal(s, col + 2, out);
            }
            scalar => {
                out.push(' ');
                write_scalar(scalar, out)?;
                out.push('\n');
            }
        }
    }
    Some(())
}

/// A multi-line string as a literal block scalar whose lines start at `body_col`,
/// with the header serde-saphyr chooses: an indentation indicator when the first
/// line starts with spaces, and the chomping indicator that keeps the final newlines.
fn write_literal(s: &str, body_col: usize, out: &mut String) {
    let content = s.trim_end_matches('\n');
    let trailing = s.len() - content.len();
    out.push('|');
    let first_line = content.split('\n').find(|line| !line.is_empty());
    if first_line.is_some_and(|line| line.starts_with(' ')) {
        out.push('2');
    }
    match trailing {
        0 => out.push('-'),
        1 if !content.is_empty() => {}
        _ => out.push('+'),
    }
    out.push('\n');
    if content.is_empty() {
        out.extend(std::iter::repeat_n('\n', trailing));
        return;
    }
    for line in content.split('\n') {
        if !line.is_empty() {
            indent(out, body_col);
            out.push_str(line);
        }
        out.push('\n');
    }
    if trailing >= 2 {
        out.extend(std::iter::repeat_n('\n', trailing - 1));
    }
}

/// Items of a non-empty list, dashes at column `col`.
fn seq_body(items: &[Node<'_>], col: usize, out: &mut String) -> Option<()> {
    for item in items {
        indent(out, col);
        out.push_str("- ");
        match item {
            Node::Map(inner) if inner.is_empty() => out.push_str("{}\n"),
            Node::Map(inner) => map_body(inner, col + 2, true, out)?,
            Node::Seq(inner) if inner.is_empty() => out.push_str("[]\n"),
            Node::Seq(_) => return None,
            scalar => {
                write_scalar(scalar, out)?;
                out.push('\n');
            }
        }
    }
    Some(())
}

fn write_key(key: &str, out: &mut String) -> Option<()> {
    if key.len() > SIMPLE_KEY_MAX_LEN && key.chars().count() > SIMPLE_KEY_MAX_LEN {
        return None;
    }
    if is_simple_word(key, &KEY_WORD)
        || (is_plain_safe(key) && is_plain_value_safe(key, false, true))
    {
        out.push_str(key);
    } else {
        write_quoted(key, out);
    }
    Some(())
}

fn write_scalar(value: &Node<'_>, out: &mut String) -> Option<()> {
    match value {
        Node::Null => out.push_str("null"),
        Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Node::Number(n) => {
            if let Some(u) = n.as_u64() {
                let _ = write!(out, "{u}");
            } else {
                let _ = write!(out, "{}", n.as_i64()?);
            }
        }
        Node::String(s) => {
            // Multi-line strings that fit a block scalar: see `write_literal`; in a
            // list their layout is left to serde-saphyr.
            if s.contains('\n') && is_block_scalar_content_safe(s) {
                return None;
            }
            // serde-saphyr single-quotes these three one-character strings.
            if matches!(s.as_ref(), "." | "#" | "-") {
                out.push('\'');
                out.push_str(s);
                out.push('\'');
                return Some(());
            }
            if is_simple_word(s, &VALUE_WORD)
                || is_simple_text(s)
                || is_plain_value_safe(s, false, false)
            {
                out.push_str(s);
            } else {
                write_quoted(s, out);
            }
        }
        Node::Seq(_) | Node::Map(_) => return None,
    }
    Some(())
}

/// A quick sufficient test for plain style, true for most names and paths: a letter,
/// then letters, digits and `-._/` (keys) or also `=+,@~$()` (values), and not a
/// word YAML 1.1 reads as a boolean, null or special float. None of these characters
/// is `:`, `#`, whitespace or a quote, so such a string passes every check of
/// `is_plain_safe` and `is_plain_value_safe`.
fn is_simple_word(s: &str, table: &[bool; 256]) -> bool {
    let bytes = s.as_bytes();
    bytes.first().is_some_and(u8::is_ascii_alphabetic)
        && bytes.iter().all(|b| table[usize::from(*b)])
        && !is_keyword(s)
}

/// A quick sufficient test for plain style in value position, true for most text:
/// printable ASCII starting with a letter or `/`, with no trailing space, no `: `,
/// ` #` or trailing `:`, and not a YAML 1.1 keyword. Such a string passes every check
/// of `is_plain_value_safe` for block context.
fn is_simple_text(s: &str) -> bool {
    let bytes = s.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if !(first.is_ascii_alphabetic() || first == b'/') || last == b' ' || last == b':' {
        return false;
    }
    let mut prev = 0u8;
    for &b in bytes {
        if !(b' '..=b'~').contains(&b) || (prev == b':' && b == b' ') || (prev == b' ' && b == b'#')
        {
            return false;
        }
        prev = b;
    }
    !is_keyword(s)
}

const fn word_table(extra: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut b: u8 = 0;
    loop {
        table[b as usize] = b.is_ascii_alphanumeric();
        if b == u8::MAX {
            break;
        }
        b += 1;
    }
    let mut i = 0;
    while i < extra.len() {
        table[extra[i] as usize] = true;
        i += 1;
    }
    table
}

const KEY_WORD: [bool; 256] = word_table(b"-._/");
const VALUE_WORD: [bool; 256] = word_table(b"-._/=+,@~$()");

fn write_quoted(s: &str, out: &mut String) {
    out.push('"');
    escape_double_quoted(s, out);
    out.push('"');
}

// ---------------------------------------------------------------------------------
// Port of serde-saphyr 2.1 `ser/quoting.rs` and `parse_yaml11_bool` (MIT OR Apache-2.0).

fn yaml_trim(s: &str) -> &str {
    s.trim_matches([' ', '\t', '\r', '\n'])
}

fn parse_yaml11_bool(s: &str) -> Option<bool> {
    let t = yaml_trim(s);
    if ["true", "yes", "y", "on"]
        .iter()
        .any(|k| t.eq_ignore_ascii_case(k))
    {
        Some(true)
    } else if ["false", "no", "n", "off"]
        .iter()
        .any(|k| t.eq_ignore_ascii_case(k))
    {
        Some(false)
    } else {
        None
    }
}

fn is_numeric(s: &str, yaml_12: bool) -> bool {
    if !matches!(
        s.as_bytes().first(),
        Some(b'0'..=b'9' | b'+' | b'-' | b'.' | b'_')
    ) {
        return false;
    }
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    if unsigned.eq_ignore_ascii_case(".inf") || unsigned.eq_ignore_ascii_case(".nan") {
        return true;
    }
    if !yaml_12 {
        if is_yaml11_sexagesimal(s) {
            return true;
        }
        if let Some((radix, digits)) = radix_digits(unsigned)
            && is_digit_run(digits, radix, false)
        {
            return true;
        }
    }
    let normalized;
    let s = if !yaml_12 && s.contains('_') {
        normalized = s.replace('_', "");
        normalized.as_str()
    } else {
        s
    };
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    if let Some((radix, digits)) = radix_digits(unsigned) {
        let digits = if !yaml_12 && (s.starts_with("0b") || s.starts_with("0o")) {
            digits.strip_prefix(['+', '-']).unwrap_or(digits)
        } else {
            digits
        };
        return is_digit_run(digits, radix, true);
    }
    let mantissa = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => {
            let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
            if !is_digit_run(exponent, 10, true) {
                return false;
            }
            mantissa
        }
        None => unsigned,
    };
    match mantissa.split_once('.') {
        Some((whole, fraction)) => {
            if !whole.is_empty() && !is_digit_run(whole, 10, true) {
                return false;
            }
            if !yaml_12 {
                fraction.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            } else if fraction.is_empty() {
                !whole.is_empty()
            } else {
                is_digit_run(fraction, 10, true)
            }
        }
        None => is_digit_run(mantissa, 10, true),
    }
}

fn radix_digits(s: &str) -> Option<(u32, &str)> {
    match s.as_bytes() {
        [b'0', b'b' | b'B', ..] => Some((2, &s[2..])),
        [b'0', b'o' | b'O', ..] => Some((8, &s[2..])),
        [b'0', b'x' | b'X', ..] => Some((16, &s[2..])),
        _ => None,
    }
}

fn is_digit_run(s: &str, radix: u32, strict_underscores: bool) -> bool {
    let is_digit = |b: u8| b.is_ascii() && char::from(b).is_digit(radix);
    let bytes = s.as_bytes();
    !bytes.is_empty()
        && bytes.iter().enumerate().all(|(i, &b)| {
            is_digit(b)
                || (b == b'_'
                    && (!strict_underscores
                        || (i > 0
                            && is_digit(bytes[i - 1])
                            && bytes.get(i + 1).is_some_and(|&next| is_digit(next)))))
        })
}

fn is_yaml11_sexagesimal(s: &str) -> bool {
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (integer, fraction) = match unsigned.split_once('.') {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (unsigned, None),
    };
    let Some((first, rest)) = integer.split_once(':') else {
        return false;
    };
    let Some(first_digit) = first.as_bytes().first() else {
        return false;
    };
    if !first_digit.is_ascii_digit()
        || (fraction.is_none() && *first_digit == b'0')
        || !first.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    {
        return false;
    }
    if !rest.split(':').all(|part| match part.as_bytes() {
        [digit] => digit.is_ascii_digit(),
        [tens, units] => matches!(tens, b'0'..=b'5') && units.is_ascii_digit(),
        _ => false,
    }) {
        return false;
    }
    fraction.is_none_or(|part| part.bytes().all(|b| b.is_ascii_digit() || b == b'_'))
}

fn is_yaml11_timestamp(mut s: &str) -> bool {
    fn digits(s: &mut &str, min: usize, max: usize) -> bool {
        let len = s.bytes().take_while(u8::is_ascii_digit).count();
        if !(min..=max).contains(&len) {
            return false;
        }
        *s = &s[len..];
        true
    }
    fn prefix(s: &mut &str, ch: char) -> bool {
        if let Some(rest) = s.strip_prefix(ch) {
            *s = rest;
            true
        } else {
            false
        }
    }
    if !digits(&mut s, 4, 4)
        || !prefix(&mut s, '-')
        || !digits(&mut s, 1, 2)
        || !prefix(&mut s, '-')
        || !digits(&mut s, 1, 2)
    {
        return false;
    }
    if s.is_empty() {
        return true;
    }
    if let Some(rest) = s.strip_prefix(['T', 't']) {
        s = rest;
    } else {
        let rest = s.trim_start_matches([' ', '\t']);
        if rest.len() == s.len() {
            return false;
        }
        s = rest;
    }
    if !digits(&mut s, 1, 2)
        || !prefix(&mut s, ':')
        || !digits(&mut s, 1, 2)
        || !prefix(&mut s, ':')
        || !digits(&mut s, 1, 2)
    {
        return false;
    }
    if prefix(&mut s, '.') || prefix(&mut s, ',') {
        digits(&mut s, 0, usize::MAX);
    }
    s = s.trim_start_matches([' ', '\t']);
    if s.is_empty() || s == "Z" {
        return true;
    }
    if !(prefix(&mut s, '+') || prefix(&mut s, '-')) || !digits(&mut s, 1, 2) {
        return false;
    }
    if prefix(&mut s, ':') && !digits(&mut s, 2, 2) {
        return false;
    }
    s.is_empty()
}

fn is_ambiguous(s: &str, yaml_12: bool) -> bool {
    s.is_empty()
        || s == "~"
        || s.eq_ignore_ascii_case("null")
        || s.eq_ignore_ascii_case("true")
        || s.eq_ignore_ascii_case("false")
        || is_numeric(s, yaml_12)
        || s.eq_ignore_ascii_case("nan")
        || s.eq_ignore_ascii_case("inf")
        || s.eq_ignore_ascii_case("+inf")
        || s.eq_ignore_ascii_case("-inf")
        || (!yaml_12
            && (parse_yaml11_bool(s).is_some()
                || is_yaml11_timestamp(s)
                || matches!(s, "<<" | "=")))
}

fn starts_with_document_marker(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("---").or_else(|| s.strip_prefix("...")) else {
        return false;
    };
    rest.is_empty() || rest.as_bytes().first().is_some_and(u8::is_ascii_whitespace)
}

fn is_plain_safe(s: &str) -> bool {
    if is_ambiguous(s, true) || s == "<<" || starts_with_document_marker(s) {
        return false;
    }
    let bytes = s.as_bytes();
    if bytes.first().is_some_and(u8::is_ascii_whitespace)
        || bytes.last().is_some_and(u8::is_ascii_whitespace)
    {
        return false;
    }
    match bytes[0] {
        b'-' | b'?' if bytes.len() == 1 || bytes[1].is_ascii_whitespace() => return false,
        b',' | b':' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>'
        | b'\'' | b'"' | b'%' | b'@' | b'`' => return false,
        _ => {}
    }
    !contains_any_or_is_control(s, &[':']) && !has_comment_start(s)
}

fn is_plain_value_safe(s: &str, yaml_12: bool, in_flow: bool) -> bool {
    if is_ambiguous(s, yaml_12) || starts_with_document_marker(s) {
        return false;
    }
    let bytes = s.as_bytes();
    if bytes.first().is_some_and(u8::is_ascii_whitespace)
        || bytes.last().is_some_and(u8::is_ascii_whitespace)
    {
        return false;
    }
    match bytes {
        [b'-' | b'?', b1, ..] if b1.is_ascii_whitespace() => return false,
        [b'-' | b'?']
        | [
            b',' | b':' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>'
            | b'\'' | b'"' | b'%' | b'@' | b'`',
            ..,
        ] => return false,
        _ => {}
    }
    if s.contains(": ") || s.trim().ends_with(':') {
        return false;
    }
    if in_flow {
        !contains_any_or_is_control(s, &[',', '[', ']', '{', '}']) && !has_comment_start(s)
    } else {
        !contains_any_or_is_control(s, &[]) && !has_comment_start(s)
    }
}

fn is_block_scalar_content_safe(s: &str) -> bool {
    s.chars().all(|ch| match ch {
        '\n' | '\t' => true,
        '\r' | '\u{0085}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}' => false,
        c => matches!(
            c as u32,
            0x20..=0x7E | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x0010_FFFF
        ),
    })
}

fn needs_escaping(ch: char) -> bool {
    ch.is_control()
        || matches!(
            ch,
            '\u{FEFF}' | '\u{2028}' | '\u{2029}' | '\u{FFFE}' | '\u{FFFF}'
        )
}

fn escape_double_quoted(s: &str, out: &mut String) {
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\0' => out.push_str("\\0"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            '\u{FEFF}' => out.push_str("\\uFEFF"),
            '\u{0085}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if (c as u32) <= 0xFF && (c.is_control() || (0x7F..=0x9F).contains(&(c as u32))) => {
                let _ = write!(out, "\\x{:02X}", c as u32);
            }
            c if (c as u32) <= 0xFFFF && needs_escaping(c) => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
}

fn contains_any_or_is_control(string: &str, values: &[char]) -> bool {
    string
        .chars()
        .any(|x| needs_escaping(x) || values.contains(&x))
}

fn has_comment_start(string: &str) -> bool {
    string.match_indices('#').any(|(index, _)| {
        string[..index]
            .chars()
            .next_back()
            .is_some_and(char::is_whitespace)
    })
}
