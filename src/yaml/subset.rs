//! A fast reader for the regular YAML that capkv's templates produce and that most
//! values files are written in.
//!
//! serde-saphyr is a complete YAML reader, and pays for it on every node. This module
//! reads a small subset of YAML quickly and gives up (`None`) on anything else; the
//! caller then parses the whole text with serde-saphyr, which also produces every
//! error. For every text it accepts it must return the value serde-saphyr returns
//! (with the options of [`super::options`]), so it accepts only what it can resolve
//! without doubt (unit tests compare both readers on generated documents):
//!
//! - one document whose root is a block mapping (a stream: documents separated by
//!   lines that are exactly `---`, no other document markers); printable ASCII and
//!   line feeds only (no tabs, no other control or non-ASCII characters, whose
//!   line-break and escape rules differ between YAML and JSON), except in whole-line
//!   comments;
//! - block mappings and sequences indented with spaces (a sequence may sit at its
//!   key's column); keys are a letter followed by letters, digits, `.`, `_`, `/`,
//!   `-`, never a YAML 1.1 boolean or null spelling, or double-quoted strings right
//!   before their colon (what `tojson` writes); no duplicate keys, no `<<` key;
//! - plain scalars on one line: `true`, `false`, `null`, `~`, canonical decimal
//!   integers, and text that holds no `: `, ` #` or trailing `:` and is a string for
//!   serde-saphyr's resolver without doubt: it starts with a letter or `/` and is no
//!   YAML 1.1 boolean, null, `inf` or `nan` spelling, or it holds a character no
//!   number has (`10.0.0.0/16`, `8192Mi`) or two dots (`10.0.0.1`). Other number-like
//!   scalars (`0644`, `1_000`, `1.5`) are resolved by serde-saphyr, one at a time;
//! - flow collections and double-quoted strings on one line, in JSON's syntax (what
//!   `tojson` writes) plus plain words like those above (`[InternalIP, Hostname]`):
//!   JSON escapes except `\/` and surrogates, no duplicate keys;
//! - literal block scalars (`|`, `|-`) as mapping values, without leading empty
//!   lines;
//! - no anchors, aliases, tags, single quotes, other block scalars, multi-line plain
//!   or quoted scalars, trailing comments, directives or document markers; at most
//!   32 levels, 64 keys per mapping and 250,000 nodes (far inside the parser budget,
//!   so no budget error can be missed).

use super::{Node, is_keyword};
use serde_json::{Number, Value};
use std::borrow::Cow;

const MAX_DEPTH: usize = 32;
const MAX_NODES: usize = 250_000;
/// Well below the 1024-character limit of YAML implicit keys.
const MAX_KEY_BYTES: usize = 512;
/// Maps are lists checked for duplicate keys one by one; longer ones (rare in values
/// files, absent from templates) go to serde-saphyr.
const MAX_MAP_ENTRIES: usize = 64;

type Entries<'a> = Vec<(Cow<'a, str>, Node<'a>)>;

/// The value of a single-document text, or `None` when the text is not in the subset
/// described in the module documentation.
pub(super) fn parse(text: &str) -> Option<Node<'_>> {
    let mut parser = Parser::new(text, false);
    parser.advance()?;
    let document = parser.document()?;
    parser.next.is_none().then_some(document)
}

/// The documents of a stream whose documents are separated by lines that are exactly
/// `---` (no other document markers), each in the subset, or `None`. Like
/// serde-saphyr, documents with no content (blank or comments only) are left out.
pub(super) fn parse_stream(text: &str) -> Option<Vec<Node<'_>>> {
    let mut parser = Parser::new(text, true);
    let mut documents = Vec::new();
    loop {
        parser.advance()?;
        if parser.next.is_some() {
            documents.push(parser.document()?);
        }
        if !std::mem::take(&mut parser.at_separator) {
            return Some(documents);
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    indent: usize,
    /// The line without its indentation and trailing spaces; never empty.
    body: &'a str,
}

#[derive(Debug)]
struct Parser<'a> {
    /// The whole text is printable ASCII and line feeds.
    ascii: bool,
    /// A line `---` ends a document rather than the reading.
    stream: bool,
    /// [`Parser::advance`] stopped at a `---` line (in a stream).
    at_separator: bool,
    lines: Lines<'a>,
    /// The raw lines right after the last consumed line (for block scalars).
    after_consumed: Lines<'a>,
    /// The next line with content, not yet consumed.
    next: Option<Line<'a>>,
    scratch: Scratch<'a>,
}

/// Collections under construction, on two stacks shared by every level: a map's
/// entries (a list's items) are pushed as they are read and moved into a vector of
/// their exact size once complete, instead of each growing its own vector step by step.
#[derive(Debug, Default)]
struct Scratch<'a> {
    nodes: usize,
    entries: Entries<'a>,
    items: Vec<Node<'a>>,
}

impl<'a> Scratch<'a> {
    /// Counts a node, or gives up past [`MAX_NODES`] (in the whole text).
    fn count(&mut self) -> Option<()> {
        self.nodes += 1;
        (self.nodes <= MAX_NODES).then_some(())
    }

    /// Adds an entry to the map whose entries start at `start`.
    fn insert(&mut self, start: usize, key: Cow<'a, str>, value: Node<'a>) -> Option<()> {
        let map = &self.entries[start..];
        // serde-saphyr reports duplicate keys; `"<<"` is a merge key for values files.
        if map.len() >= MAX_MAP_ENTRIES || key == "<<" || map.iter().any(|(k, _)| *k == key) {
            return None;
        }
        self.entries.push((key, value));
        Some(())
    }

    fn map_from(&mut self, start: usize) -> Node<'a> {
        Node::Map(self.entries.drain(start..).collect())
    }

    fn seq_from(&mut self, start: usize) -> Node<'a> {
        Node::Seq(self.items.drain(start..).collect())
    }
}

/// The lines of a text, split at line feeds like `str::split('\n')`: a text that ends
/// with a line feed ends with an empty line.
#[derive(Debug, Clone)]
struct Lines<'a>(Option<&'a str>);

impl<'a> Iterator for Lines<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.0?;
        // Lines are short: a plain loop beats a general substring search here.
        if let Some(at) = rest.bytes().position(|b| b == b'\n') {
            self.0 = Some(&rest[at + 1..]);
            Some(&rest[..at])
        } else {
            self.0 = None;
            Some(rest)
        }
    }
}

/// Every byte is printable ASCII (a fold without early exit: the compiler vectorizes it).
fn is_printable_ascii(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .fold(true, |ok, b| ok & (b' '..=b'~').contains(b))
}

fn is_item(body: &str) -> bool {
    body == "-" || body.starts_with("- ")
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, stream: bool) -> Self {
        // Most texts are printable ASCII throughout: one pass over all of it then
        // spares a check of every line.
        let ascii = text.bytes().fold(true, |ok, b| {
            ok & (b == b'\n' || (b' '..=b'~').contains(&b))
        });
        Parser {
            ascii,
            stream,
            at_separator: false,
            lines: Lines(Some(text)),
            after_consumed: Lines(Some(text)),
            next: None,
            scratch: Scratch::default(),
        }
    }

    /// A document starting at the next line, which has content: a block mapping at
    /// column 0, up to the end of the text or a separator.
    fn document(&mut self) -> Option<Node<'a>> {
        let first = self.next?;
        if first.indent != 0 || is_item(first.body) {
            return None;
        }
        self.map(0, None, 0)
    }

    /// Moves to the next line with content, skipping blank and comment lines; `None`
    /// (give up) on a document marker, except that in a stream a `---` line ends the
    /// document (also a block scalar before it, as in YAML; multi-line flow and quoted
    /// scalars, which it could not end, are not in the subset).
    fn advance(&mut self) -> Option<()> {
        self.next = None;
        self.after_consumed = self.lines.clone();
        for raw in self.lines.by_ref() {
            let bytes = raw.as_bytes();
            let indent = bytes.iter().take_while(|b| **b == b' ').count();
            let Some(&first) = bytes.get(indent) else {
                continue;
            };
            if first == b'#' {
                if self.ascii {
                    continue;
                }
                // Comments may hold any text but characters that YAML 1.1 treats as
                // line breaks or that are not printable.
                if !is_printable_ascii(&bytes[indent..])
                    && !raw[indent..].chars().all(|c| {
                        c >= ' '
                            && !('\u{7f}'..='\u{9f}').contains(&c)
                            && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
                    })
                {
                    return None;
                }
                continue;
            }
            if !self.ascii && !is_printable_ascii(bytes) {
                return None;
            }
            let body = raw[indent..].trim_end_matches(' ');
            if indent == 0 && (body.starts_with("---") || body.starts_with("...")) {
                if self.stream && raw == "---" {
                    self.at_separator = true;
                    break;
                }
                return None;
            }
            self.next = Some(Line { indent, body });
            break;
        }
        Some(())
    }

    /// A block mapping whose keys sit at column `indent`; `first` is an entry already
    /// taken from the current line (`- key: value`).
    fn map(&mut self, indent: usize, first: Option<&'a str>, depth: usize) -> Option<Node<'a>> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.scratch.count()?;
        let start = self.scratch.entries.len();
        if let Some(entry) = first {
            self.entry(indent, entry, start, depth)?;
        }
        while let Some(line) = self.next {
            if line.indent < indent {
                break;
            }
            if line.indent > indent || is_item(line.body) {
                return None;
            }
            self.advance()?;
            self.entry(indent, line.body, start, depth)?;
        }
        Some(self.scratch.map_from(start))
    }

    fn entry(
        &mut self,
        indent: usize,
        body: &'a str,
        map_start: usize,
        depth: usize,
    ) -> Option<()> {
        let (key, rest) = split_key(body)?;
        let value = if rest.is_empty() {
            self.nested(indent, true, depth)?
        } else if rest.starts_with('|') {
            self.literal(indent, rest)?
        } else {
            self.inline(rest, depth)?
        };
        self.scratch.insert(map_start, key, value)
    }

    /// The node below a `key:` or `-` that has nothing after it on its line: a deeper
    /// block, a sequence at the key's own column (only after a key), or null.
    fn nested(&mut self, indent: usize, after_key: bool, depth: usize) -> Option<Node<'a>> {
        let Some(next) = self.next else {
            return self.scalar(Node::Null);
        };
        if next.indent > indent {
            if is_item(next.body) {
                self.seq(next.indent, depth + 1)
            } else {
                self.map(next.indent, None, depth + 1)
            }
        } else if after_key && next.indent == indent && is_item(next.body) {
            self.seq(indent, depth + 1)
        } else {
            self.scalar(Node::Null)
        }
    }

    /// A block sequence whose dashes sit at column `indent`.
    fn seq(&mut self, indent: usize, depth: usize) -> Option<Node<'a>> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.scratch.count()?;
        let start = self.scratch.items.len();
        while let Some(line) = self.next {
            if line.indent < indent || (line.indent == indent && !is_item(line.body)) {
                break;
            }
            if line.indent > indent {
                return None;
            }
            self.advance()?;
            let rest = line.body.get(2..).unwrap_or_default();
            let item = if rest.is_empty() {
                self.nested(indent, false, depth)?
            } else if rest.starts_with(' ') || is_item(rest) {
                return None;
            } else if split_key(rest).is_some() {
                self.map(indent + 2, Some(rest), depth + 1)?
            } else {
                self.inline(rest, depth)?
            };
            self.scratch.items.push(item);
        }
        Some(self.scratch.seq_from(start))
    }

    /// A literal block scalar (`|` or `|-`) after a key at column `indent`: its lines
    /// are the raw lines after the key's line, more indented than the key.
    fn literal(&mut self, indent: usize, header: &str) -> Option<Node<'a>> {
        let strip = match header {
            "|" => false,
            "|-" => true,
            // Keep chomping, indentation indicators, comments: serde-saphyr.
            _ => return None,
        };
        let mut lines = self.after_consumed.clone();
        let mut text = String::new();
        let mut content_indent = None;
        let mut empty_lines = 0;
        loop {
            let before = lines.clone();
            let Some(raw) = lines.next() else {
                self.lines = lines;
                break;
            };
            if !is_printable_ascii(raw.as_bytes()) {
                return None;
            }
            let body = raw.trim_start_matches(' ');
            let line_indent = raw.len() - body.len();
            if body.is_empty() {
                // Leading empty lines, or spaces beyond the content's indentation on
                // an empty line, are rare enough to leave to serde-saphyr.
                if content_indent.is_none_or(|ci| line_indent > ci) {
                    return None;
                }
                empty_lines += 1;
                continue;
            }
            if line_indent <= indent {
                // An empty scalar is left to serde-saphyr.
                content_indent?;
                self.lines = before;
                break;
            }
            let ci = *content_indent.get_or_insert(line_indent);
            if line_indent < ci || lines.0.is_none() {
                // Less indented than the first line, or the last line of a text with
                // no final line break.
                return None;
            }
            text.extend(std::iter::repeat_n('\n', empty_lines));
            empty_lines = 0;
            text.push_str(&raw[ci..]);
            text.push('\n');
        }
        content_indent?;
        if strip {
            text.pop();
        }
        // Position on the line that ended the scalar (or the end of the text).
        self.advance()?;
        self.scalar(Node::String(Cow::Owned(text)))
    }

    fn scalar(&mut self, value: Node<'a>) -> Option<Node<'a>> {
        self.scratch.count()?;
        Some(value)
    }

    /// A node written on the rest of a line.
    fn inline(&mut self, text: &'a str, depth: usize) -> Option<Node<'a>> {
        match text.as_bytes()[0] {
            b'{' | b'[' | b'"' => {
                let mut flow = Flow {
                    text,
                    bytes: text.as_bytes(),
                    pos: 0,
                    scratch: &mut self.scratch,
                };
                let value = flow.value(depth)?;
                flow.skip_spaces();
                (flow.pos == text.len()).then_some(value)
            }
            _ => {
                // `: ` would make a key, ` #` a comment, a final `:` a key too.
                let bytes = text.as_bytes();
                if bytes.last() == Some(&b':')
                    || bytes
                        .windows(2)
                        .any(|pair| matches!(pair, [b':', b' '] | [b' ', b'#']))
                {
                    return None;
                }
                let value = plain(text)?;
                self.scalar(value)
            }
        }
    }
}

/// Letters, digits, `.`, `_`, `/`, `-`.
const KEY_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b: u8 = 0;
    loop {
        table[b as usize] = b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'/' | b'-');
        if b == u8::MAX {
            break;
        }
        b += 1;
    }
    table
};

fn is_key_byte(b: u8) -> bool {
    KEY_BYTES[usize::from(b)]
}

/// Key bytes starting with a letter (checked by the caller) make a plain key unless
/// too long or a YAML 1.1 boolean or null.
fn is_plain_key_word(key: &str) -> bool {
    key.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
        && key.len() <= MAX_KEY_BYTES
        && !is_keyword(key)
}

/// A plain key: a letter, then key bytes, and not a YAML 1.1 boolean or null.
fn is_plain_key(key: &str) -> bool {
    key.bytes().all(is_key_byte) && is_plain_key_word(key)
}

/// `key: rest` or `key:` → (key, rest without leading spaces). The key is plain or,
/// as `tojson` writes it, double-quoted with nothing between its quote and the colon.
fn split_key(body: &str) -> Option<(Cow<'_, str>, &str)> {
    if body.starts_with('"') {
        let mut scratch = Scratch::default();
        let mut flow = Flow {
            text: body,
            bytes: body.as_bytes(),
            pos: 0,
            scratch: &mut scratch,
        };
        let key = flow.string()?;
        let rest = body.get(flow.pos..)?.strip_prefix(':')?;
        if key.len() > MAX_KEY_BYTES || !(rest.is_empty() || rest.starts_with(' ')) {
            return None;
        }
        return Some((key, rest.trim_start_matches(' ')));
    }
    let end = body.bytes().position(|b| !is_key_byte(b))?;
    let (key, after) = body.split_at(end);
    let rest = after.strip_prefix(':')?;
    if !(rest.is_empty() || rest.starts_with(' ')) || !is_plain_key_word(key) {
        return None;
    }
    Some((Cow::Borrowed(key), rest.trim_start_matches(' ')))
}

/// A plain scalar on one line, already checked for `: `, ` #` and a trailing `:`.
fn plain(text: &str) -> Option<Node<'_>> {
    match text {
        "true" => return Some(Node::Bool(true)),
        "false" => return Some(Node::Bool(false)),
        "null" | "~" => return Some(Node::Null),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if first.is_ascii_alphabetic() || first == b'/' {
        return (!is_keyword(text)).then_some(Node::String(Cow::Borrowed(text)));
    }
    if let Some(n) = integer(text) {
        return Some(n);
    }
    // Indicators that change what the line means are not plain scalars here.
    if b"?:,[]{}#&*!|>'\"%@`".contains(&first) || text.starts_with("---") || text.starts_with("...")
    {
        return None;
    }
    if text == "-" || text.starts_with("- ") {
        return None;
    }
    // serde-saphyr resolves a plain scalar as a boolean, an integer, a float, else a
    // string; numbers are spelled with digits, `a-f`, `x`, `o`, `_`, signs, `.` and
    // `:` only, with at most one `.` (`.inf`/`.nan` aside). So text with any other
    // character (`10.0.0.0/16`, `8192Mi`, `--v=2`) or two dots (`10.0.0.1`) is a
    // string.
    let numeric = |b: u8| b.is_ascii_hexdigit() || b"xXoO_+-.:".contains(&b);
    let dots = text.bytes().filter(|b| *b == b'.').count();
    if !text.starts_with(['.', '+'])
        && !text.starts_with("-.")
        && (dots >= 2 || !text.bytes().all(numeric))
    {
        return Some(Node::String(Cow::Borrowed(text)));
    }
    // Anything else (`0644`, `1_000`, `0x1F`, `1.5`) is resolved by serde-saphyr,
    // alone: a plain scalar means the same on its own as in a document.
    // Null here means a non-finite float (`.inf`, `.nan`), which JSON cannot hold:
    // values files must report it, so the whole text goes to serde-saphyr.
    match <[_; 1]>::try_from(super::parse_with_saphyr(text).ok()?) {
        Ok([value @ (Value::Bool(_) | Value::Number(_) | Value::String(_))]) => {
            Some(Node::from_owned_value(value))
        }
        _ => None,
    }
}

/// `0`, `[1-9][0-9]*` or `-[1-9][0-9]*` within 64 bits: read the same way by YAML 1.1
/// (also with legacy octal) and JSON.
fn integer(text: &str) -> Option<Node<'static>> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let canonical = (digits == "0" && digits.len() == text.len())
        || (!digits.is_empty()
            && !digits.starts_with('0')
            && digits.bytes().all(|b| b.is_ascii_digit()));
    if !canonical {
        return None;
    }
    if text.starts_with('-') {
        text.parse::<i64>()
            .ok()
            .map(|n| Node::Number(Number::from(n)))
    } else {
        text.parse::<u64>()
            .ok()
            .map(|n| Node::Number(Number::from(n)))
    }
}

/// A flow node on one line: JSON plus plain words.
#[derive(Debug)]
struct Flow<'a, 's> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    scratch: &'s mut Scratch<'a>,
}

impl<'a> Flow<'a, '_> {
    fn skip_spaces(&mut self) {
        while self.bytes.get(self.pos) == Some(&b' ') {
            self.pos += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        self.skip_spaces();
        let found = self.bytes.get(self.pos) == Some(&byte);
        if found {
            self.pos += 1;
        }
        found
    }

    fn value(&mut self, depth: usize) -> Option<Node<'a>> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.scratch.count()?;
        self.skip_spaces();
        match *self.bytes.get(self.pos)? {
            b'{' => {
                self.pos += 1;
                let start = self.scratch.entries.len();
                if self.eat(b'}') {
                    return Some(self.scratch.map_from(start));
                }
                loop {
                    self.skip_spaces();
                    let key = if self.bytes.get(self.pos) == Some(&b'"') {
                        let key = self.string()?;
                        if key.len() > MAX_KEY_BYTES || !self.eat(b':') {
                            return None;
                        }
                        key
                    } else {
                        let key = self.word();
                        // A plain key needs a space after its colon.
                        if !is_plain_key(key) || !self.eat(b':') {
                            return None;
                        }
                        if self.bytes.get(self.pos) != Some(&b' ') {
                            return None;
                        }
                        Cow::Borrowed(key)
                    };
                    let value = self.value(depth + 1)?;
                    self.scratch.insert(start, key, value)?;
                    if self.eat(b'}') {
                        return Some(self.scratch.map_from(start));
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            b'[' => {
                self.pos += 1;
                let start = self.scratch.items.len();
                if self.eat(b']') {
                    return Some(self.scratch.seq_from(start));
                }
                loop {
                    let item = self.value(depth + 1)?;
                    self.scratch.items.push(item);
                    if self.eat(b']') {
                        return Some(self.scratch.seq_from(start));
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            b'"' => self.string().map(Node::String),
            _ => {
                let word = self.word();
                // After a word: spaces, then `,`, `]`, `}` or the end, never a `:`
                // (a single-pair mapping) or anything else.
                let mut after = self.pos;
                while self.bytes.get(after) == Some(&b' ') {
                    after += 1;
                }
                if word.is_empty()
                    || !matches!(self.bytes.get(after), None | Some(b',' | b']' | b'}'))
                {
                    return None;
                }
                plain(word)
            }
        }
    }

    /// A run of key bytes (letters, digits, `.`, `_`, `/`, `-`).
    fn word(&mut self) -> &'a str {
        let start = self.pos;
        while self.bytes.get(self.pos).is_some_and(|b| is_key_byte(*b)) {
            self.pos += 1;
        }
        // The line is ASCII, so every position is a char boundary.
        self.text.get(start..self.pos).unwrap_or_default()
    }

    /// A double-quoted string with JSON escapes; borrowed when it has none.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        if self.bytes.get(self.pos) != Some(&b'"') {
            return None;
        }
        self.pos += 1;
        let mut out: Option<String> = None;
        loop {
            let start = self.pos;
            while self
                .bytes
                .get(self.pos)
                .is_some_and(|b| *b != b'"' && *b != b'\\')
            {
                self.pos += 1;
            }
            // The line is ASCII, so every position is a char boundary.
            let run = self.text.get(start..self.pos)?;
            if *self.bytes.get(self.pos)? == b'"' {
                self.pos += 1;
                return Some(match out {
                    None => Cow::Borrowed(run),
                    Some(mut owned) => {
                        owned.push_str(run);
                        Cow::Owned(owned)
                    }
                });
            }
            // A backslash.
            let owned = out.get_or_insert_with(String::new);
            owned.push_str(run);
            let escape = *self.bytes.get(self.pos + 1)?;
            self.pos += 2;
            owned.push(match escape {
                b'"' => '"',
                b'\\' => '\\',
                b'n' => '\n',
                b't' => '\t',
                b'r' => '\r',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'u' => {
                    let hex = self.text.get(self.pos..self.pos + 4)?;
                    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return None;
                    }
                    self.pos += 4;
                    // Surrogates (pairs or not) go to serde-saphyr.
                    char::from_u32(u32::from_str_radix(hex, 16).ok()?)?
                }
                _ => return None,
            });
        }
    }
}
