//! Helm's `--set`, `--set-string`, `--set-file`, `--set-literal` and `--set-json` value
//! parser (Helm v4 `pkg/strvals` plus the `--set-json` whole-object form of
//! `pkg/cli/values`), reproduced on `serde_json` values.
//!
//! Each call to [`apply`] parses one flag value into the user values map, exactly as Helm
//! parses it into its `base` map. The caller applies the flags by kind in Helm's
//! precedence order ([`SetKind::ALL`]), each kind in command-line order, and then coalesces
//! the result with the chart defaults.
//!
//! The parser keeps Helm's quirks on purpose, because charts and users depend on them:
//! `a[0]` without a value sets `a: []`, `a.` and `a[1` are silently ignored, an empty key
//! (`=x`, `.a=x`) sets nothing, `a[0].b=` drops the new element, `{a,b}` is a list but
//! `{a,b}c` is an error, and so on. Behaviour that is Helm's but a crash in Go (a key
//! inside a scalar) is an error here too, never a panic.
//!
//! Deliberate differences from Helm (the caller opts in to the first one):
//! * With `defaults`, an index into a list the user values lack but the chart defaults
//!   have (`--set nodePools[1].replicas=3`) first copies the defaults' list, so the other
//!   elements survive; Helm builds a sparse list (`[null, {replicas: 3}]`) that replaces
//!   the default list.
//! * `--set-json` integers keep their exact value (Helm rounds every JSON number through
//!   float64); numbers with a fraction or exponent are `f64` as in Helm.
//! * Nesting limits that Helm lacks, so no input can exhaust the stack: at most
//!   [`MAX_LIST_NESTING`] list indexes in one key path, and JSON values at most
//!   [`MAX_JSON_DEPTH`] deep (Go's decoder allows 10000).

use serde_json::{Map, Number, Value};
use std::fmt;
use std::io;

/// Largest list index Helm accepts (`strvals.MaxIndex`); bigger ones are an error rather
/// than a huge allocation.
pub const MAX_INDEX: usize = 65536;

/// Most `.` separators Helm accepts in one key path (`strvals.MaxNestedNameLevel`).
pub const MAX_NESTED_NAME_LEVEL: usize = 30;

/// Most list indexes in one key path. Helm has no limit; the recursion here needs one.
pub const MAX_LIST_NESTING: usize = 256;

/// Deepest JSON value `--set-json` accepts. Go allows 10000, which would let one flag
/// build values too deep for the recursive code that walks them later.
pub const MAX_JSON_DEPTH: usize = 128;

/// The value flags, in Helm's precedence order: later kinds override earlier ones no
/// matter where they stand on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SetKind {
    /// `--set-json`: values are JSON; `{...}` alone is a whole object merged in.
    Json,
    /// `--set`: values are typed (int64, true/false/null) or strings.
    Set,
    /// `--set-string`: values are always strings.
    String,
    /// `--set-file`: values are paths whose contents become string values.
    File,
    /// `--set-literal`: one key, and the whole rest of the flag is its string value.
    Literal,
}

impl SetKind {
    /// Every kind, lowest precedence first: the order in which to apply the flags.
    pub const ALL: [SetKind; 5] = [
        SetKind::Json,
        SetKind::Set,
        SetKind::String,
        SetKind::File,
        SetKind::Literal,
    ];

    /// The command-line flag of this kind.
    pub fn flag(&self) -> &'static str {
        match self {
            SetKind::Json => "--set-json",
            SetKind::Set => "--set",
            SetKind::String => "--set-string",
            SetKind::File => "--set-file",
            SetKind::Literal => "--set-literal",
        }
    }

    /// The kind whose flag is `flag` (`"--set"`, `"--set-json"`, ...).
    pub fn from_flag(flag: &str) -> Option<SetKind> {
        SetKind::ALL.into_iter().find(|kind| kind.flag() == flag)
    }
}

/// A flag value Helm would reject. Displays as the flag, the whole value quoted, and
/// the problem: `--set "nodePools[x].replicas=3": list index "x" is not a number (in
/// "nodePools")`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetError {
    /// The flag, e.g. `"--set"`.
    pub flag: &'static str,
    /// The whole flag value as given.
    pub input: String,
    /// What is wrong, naming the offending part.
    pub message: String,
}

impl fmt::Display for SetError {
    /// A flag that sets a password is shown without its value: errors end up in CI logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lower = self.input.to_ascii_lowercase();
        if lower.contains("password") || lower.contains("passwd") {
            let key = self.input.split('=').next().unwrap_or_default();
            write!(
                f,
                "{} \"{key}=<redacted>\": {}",
                self.flag,
                redact_message(&self.message)
            )
        } else {
            write!(f, "{} {:?}: {}", self.flag, self.input, self.message)
        }
    }
}

/// Drops quoted fragments from a message about a secret-bearing flag: they may be
/// pieces of the value.
fn redact_message(message: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in message.chars() {
        if c == '"' {
            quoted = !quoted;
            if quoted {
                out.push_str("\"…");
            } else {
                out.push('"');
            }
        } else if !quoted {
            out.push(c);
        }
    }
    out
}

impl std::error::Error for SetError {}

/// One step of a key path: a map key or a list index.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// Parses one flag value of `kind` into `user`, as Helm parses it into its values map.
///
/// `defaults` (the chart's values) only seeds lists the user values lack; pass `None` for
/// Helm's exact behaviour. `read_file` loads `--set-file` paths, given verbatim after
/// unescaping (so `-` for stdin and URLs are its business). On error `user` is left
/// unchanged.
pub fn apply(
    kind: SetKind,
    input: &str,
    user: &mut Map<String, Value>,
    defaults: Option<&Value>,
    read_file: &dyn Fn(&str) -> io::Result<String>,
) -> Result<(), SetError> {
    // Work on a copy: Helm aborts on the first error, so a half-applied flag must never
    // be visible to the caller.
    let mut work = user.clone();
    let trimmed = input.trim();
    let outcome = if kind == SetKind::Json && trimmed.starts_with('{') {
        merge_json_object(trimmed, &mut work)
    } else {
        let mut parser = Parser {
            src: input.chars().collect(),
            pos: 0,
            kind,
            read_file,
            path: Vec::new(),
        };
        parser.parse(&mut work, defaults.and_then(Value::as_object))
    };
    match outcome {
        Ok(()) => {
            *user = work;
            Ok(())
        }
        Err(message) => Err(SetError {
            flag: kind.flag(),
            input: input.to_owned(),
            message,
        }),
    }
}

/// The `--set-string` flag value that sets `value` at `path`, escaping what the parser
/// would otherwise split on.
///
/// An empty value is written as `path=,`: Helm drops a new list element whose key gets
/// an empty value at the very end of the input (`a[0].b=` sets `a: []`), and the comma
/// avoids that. So join several assignments with `,` only if none of them is empty.
///
/// Paths Helm cannot express do not round-trip: an empty key is ignored by the parser,
/// a path must start with a key, and more than [`MAX_NESTED_NAME_LEVEL`] keys after the
/// first are an error.
pub fn format_assignment(path: &[Segment], value: &str) -> String {
    let mut out = format_path(path);
    out.push('=');
    for (i, c) in value.chars().enumerate() {
        // A leading `{` would start a `{a,b}` list literal.
        if c == '\\' || c == ',' || (i == 0 && c == '{') {
            out.push('\\');
        }
        out.push(c);
    }
    if value.is_empty() {
        out.push(',');
    }
    out
}

fn format_path(path: &[Segment]) -> String {
    let mut out = String::new();
    for (i, segment) in path.iter().enumerate() {
        match segment {
            Segment::Key(key) => {
                if i > 0 {
                    out.push('.');
                }
                for c in key.chars() {
                    if matches!(c, '\\' | '.' | ',' | '=' | '[') {
                        out.push('\\');
                    }
                    out.push(c);
                }
            }
            Segment::Index(index) => {
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
        }
    }
    out
}

/// Why parsing stopped. Helm treats running out of input as success wherever the
/// `io.EOF` error reaches the top (even wrapped), which is where its quirks come from, so
/// the end of input is kept apart from real errors until then.
enum Stop {
    Eof,
    Fail(String),
}

type Step<T> = Result<T, Stop>;

fn fail<T>(message: String) -> Step<T> {
    Err(Stop::Fail(message))
}

/// How deep the current key path is, to enforce the nesting limits.
#[derive(Clone, Copy, Default)]
struct Depth {
    names: usize,
    lists: usize,
}

/// What `valList` found after `=`.
enum ListValue {
    List(Vec<Value>),
    Empty,
    NotList,
}

struct Parser<'a> {
    src: Vec<char>,
    pos: usize,
    kind: SetKind,
    read_file: &'a dyn Fn(&str) -> io::Result<String>,
    /// Key path of the value being parsed, for error messages only.
    path: Vec<Segment>,
}

impl Parser<'_> {
    fn parse(
        &mut self,
        data: &mut Map<String, Value>,
        defaults: Option<&Map<String, Value>>,
    ) -> Result<(), String> {
        loop {
            self.path.clear();
            match self.key(data, defaults, Depth::default()) {
                Ok(()) => {}
                Err(Stop::Eof) => return Ok(()),
                Err(Stop::Fail(message)) => return Err(message),
            }
        }
    }

    fn next_char(&mut self) -> Option<char> {
        let c = self.src.get(self.pos).copied();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    /// Reads up to the first unescaped stop character, consuming it; `None` as the stop
    /// means the input ended (also right after a trailing backslash). `--set-literal`
    /// has no escapes.
    fn runes_until(&mut self, stop: &[char]) -> (String, Option<char>) {
        let mut out = String::new();
        loop {
            match self.next_char() {
                None => return (out, None),
                Some(c) if stop.contains(&c) => return (out, Some(c)),
                Some('\\') if self.kind != SetKind::Literal => match self.next_char() {
                    Some(escaped) => out.push(escaped),
                    None => return (out, None),
                },
                Some(c) => out.push(c),
            }
        }
    }

    fn rest(&mut self) -> String {
        let rest = self.src[self.pos..].iter().collect();
        self.pos = self.src.len();
        rest
    }

    /// The current path plus `last`, as the user would write it.
    fn describe(&self, last: Option<Segment>) -> String {
        let mut path = self.path.clone();
        path.extend(last);
        format_path(&path)
    }

    fn key(
        &mut self,
        data: &mut Map<String, Value>,
        defaults: Option<&Map<String, Value>>,
        depth: Depth,
    ) -> Step<()> {
        let stop: &[char] = if self.kind == SetKind::Literal {
            &['=', '[', '.']
        } else {
            &['=', '[', ',', '.']
        };
        let (key, last) = self.runes_until(stop);
        match last {
            None if key.is_empty() => Err(Stop::Eof),
            None => fail(format!(
                "key {:?} has no value",
                self.describe(Some(Segment::Key(key)))
            )),
            Some('=') => self.assign_key(data, key),
            Some('[') => self.key_list(data, defaults, key, depth),
            Some('.') => self.key_map(data, defaults, key, depth),
            Some(_) => {
                // A comma right after a key. Helm stores "" first, but the error
                // discards the whole flag anyway.
                fail(format!(
                    "key {:?} has no value before \",\" (escape a comma inside a value as \
                     \"\\,\", or write a list as {{a,b}})",
                    self.describe(Some(Segment::Key(key)))
                ))
            }
        }
    }

    fn assign_key(&mut self, data: &mut Map<String, Value>, key: String) -> Step<()> {
        let name = self.describe(Some(Segment::Key(key.clone())));
        match self.kind {
            SetKind::Json => {
                let value = self.json_value(&name)?;
                set(data, &key, value);
                Ok(())
            }
            SetKind::Literal => {
                let value = self.rest();
                set(data, &key, Value::String(value));
                Ok(())
            }
            _ => match self.val_list(&name)? {
                ListValue::List(list) => {
                    set(data, &key, Value::Array(list));
                    Ok(())
                }
                ListValue::Empty => {
                    set(data, &key, Value::String(String::new()));
                    Err(Stop::Eof)
                }
                ListValue::NotList => {
                    let (raw, _) = self.runes_until(&[',']);
                    let value = self.convert(raw, &name)?;
                    set(data, &key, value);
                    Ok(())
                }
            },
        }
    }

    fn key_map(
        &mut self,
        data: &mut Map<String, Value>,
        defaults: Option<&Map<String, Value>>,
        key: String,
        mut depth: Depth,
    ) -> Step<()> {
        depth.names += 1;
        if depth.names > MAX_NESTED_NAME_LEVEL {
            return fail(format!(
                "{:?} is nested more than {MAX_NESTED_NAME_LEVEL} levels deep",
                self.describe(Some(Segment::Key(key)))
            ));
        }
        let inner_defaults = defaults
            .and_then(|d| d.get(&key))
            .and_then(Value::as_object);
        self.path.push(Segment::Key(key.clone()));
        let outcome = match data.get_mut(&key) {
            // Existing maps are filled in place, as Go's aliased map is.
            Some(Value::Object(inner)) => {
                let outcome = self.key(inner, inner_defaults, depth);
                if outcome.is_ok() && inner.is_empty() {
                    fail(self.no_key_after_dot())
                } else {
                    outcome
                }
            }
            Some(other) => fail(self.not_a(other, "map")),
            None => {
                let mut inner = Map::new();
                let outcome = self.key(&mut inner, inner_defaults, depth);
                if outcome.is_ok() && inner.is_empty() {
                    fail(self.no_key_after_dot())
                } else {
                    if !inner.is_empty() {
                        set(data, &key, Value::Object(inner));
                    }
                    outcome
                }
            }
        };
        self.path.pop();
        outcome
    }

    fn no_key_after_dot(&self) -> String {
        format!(
            "nothing is set inside {:?}: the key name after \".\" is empty",
            self.describe(None)
        )
    }

    fn not_a(&self, found: &Value, wanted: &str) -> String {
        let found = match found {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "a list",
            Value::Object(_) => "a map",
        };
        format!(
            "cannot use {:?} as a {wanted}: it is already {found}",
            self.describe(None)
        )
    }

    fn key_list(
        &mut self,
        data: &mut Map<String, Value>,
        defaults: Option<&Map<String, Value>>,
        key: String,
        depth: Depth,
    ) -> Step<()> {
        let index = self.key_index(Segment::Key(key.clone()))?;
        self.path.push(Segment::Key(key.clone()));
        let outcome = match data.get_mut(&key) {
            Some(Value::Array(list)) if !key.is_empty() => self.list_item(list, index, depth),
            Some(Value::Array(list)) => {
                // Helm never stores under an empty key, but it does modify an existing
                // list in place, which is visible unless the list had to grow.
                let mut copy = list.clone();
                let outcome = self.list_item(&mut copy, index, depth);
                if copy.len() == list.len() {
                    *list = copy;
                }
                outcome
            }
            Some(other) => fail(self.not_a(other, "list")),
            None => {
                let mut list = defaults
                    .and_then(|d| d.get(&key))
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let outcome = self.list_item(&mut list, index, depth);
                set(data, &key, Value::Array(list));
                outcome
            }
        };
        self.path.pop();
        outcome
    }

    /// Reads `N]` after a `[`. Running out of input is Helm's silent success.
    fn key_index(&mut self, before: Segment) -> Step<i64> {
        let (raw, last) = self.runes_until(&[']']);
        if last.is_none() {
            return Err(Stop::Eof);
        }
        // Rust's i64 parsing accepts what Go's strconv.Atoi does: optional sign, ASCII
        // digits, leading zeros.
        raw.parse::<i64>().or_else(|_| {
            fail(format!(
                "list index {raw:?} is not a number (in {:?})",
                self.describe(Some(before))
            ))
        })
    }

    fn list_item(&mut self, list: &mut Vec<Value>, index: i64, mut depth: Depth) -> Step<()> {
        if index < 0 {
            return fail(format!(
                "list index {index} is negative (in {:?})",
                self.describe(None)
            ));
        }
        depth.lists += 1;
        if depth.lists > MAX_LIST_NESTING {
            return fail(format!(
                "{:?} nests lists more than {MAX_LIST_NESTING} levels deep",
                self.describe(None)
            ));
        }
        let (junk, stop) = self.runes_until(&['[', '.', '=']);
        if !junk.is_empty() {
            return fail(format!(
                "unexpected {junk:?} after {:?}",
                self.describe(Some(Segment::Index(as_usize(index))))
            ));
        }
        let slot = usize::try_from(index).ok().filter(|&i| i < list.len());
        match stop {
            None => Err(Stop::Eof),
            Some('=') => self.assign_index(list, index),
            Some('[') => {
                let inner_index = self.key_index(Segment::Index(as_usize(index)))?;
                self.path.push(Segment::Index(as_usize(index)));
                let outcome = match slot.map(|i| &mut list[i]) {
                    // Existing lists are filled in place, as Go's aliased slice is.
                    Some(Value::Array(inner)) => self.list_item(inner, inner_index, depth),
                    Some(Value::Null) | None => {
                        let mut inner = Vec::new();
                        match self.list_item(&mut inner, inner_index, depth) {
                            Ok(()) => set_index(list, index, Value::Array(inner)),
                            Err(stop) => Err(stop),
                        }
                    }
                    Some(other) => fail(self.not_a(other, "list")),
                };
                self.path.pop();
                outcome
            }
            Some(_) => {
                self.path.push(Segment::Index(as_usize(index)));
                let outcome = if let Some(i) = slot {
                    // Helm replaces a non-map element with an empty map before
                    // descending, even if nothing ends up set in it.
                    if !list[i].is_object() {
                        list[i] = Value::Object(Map::new());
                    }
                    match &mut list[i] {
                        Value::Object(inner) => self.key(inner, None, depth),
                        _ => Ok(()),
                    }
                } else {
                    // The element is only stored if its key parsed without reaching
                    // the end of input, which drops `a[0].b=`: Helm does the same.
                    let mut inner = Map::new();
                    match self.key(&mut inner, None, depth) {
                        Ok(()) => set_index(list, index, Value::Object(inner)),
                        Err(stop) => Err(stop),
                    }
                };
                self.path.pop();
                outcome
            }
        }
    }

    fn assign_index(&mut self, list: &mut Vec<Value>, index: i64) -> Step<()> {
        let name = self.describe(Some(Segment::Index(as_usize(index))));
        match self.kind {
            SetKind::Json => {
                let value = self.json_value(&name)?;
                set_index(list, index, value)
            }
            SetKind::Literal => {
                let value = self.rest();
                set_index(list, index, Value::String(value))
            }
            _ => match self.val_list(&name)? {
                ListValue::List(values) => set_index(list, index, Value::Array(values)),
                ListValue::Empty => set_index(list, index, Value::String(String::new())),
                ListValue::NotList => {
                    let (raw, _) = self.runes_until(&[',']);
                    let value = self.convert(raw, &name)?;
                    set_index(list, index, value)
                }
            },
        }
    }

    /// After `=`: a `{a,b}` list literal, no value at all, or a plain value. `name` is
    /// the described path being assigned, for messages.
    fn val_list(&mut self, name: &str) -> Step<ListValue> {
        match self.next_char() {
            None => return Ok(ListValue::Empty),
            Some('{') => {}
            Some(_) => {
                self.pos -= 1;
                return Ok(ListValue::NotList);
            }
        }
        let mut list = Vec::new();
        loop {
            let (raw, stop) = self.runes_until(&[',', '}']);
            match stop {
                None => return fail(format!("the list value of {name:?} has no closing \"}}\"")),
                Some('}') => {
                    if self.src.get(self.pos) == Some(&',') {
                        self.pos += 1;
                    }
                    list.push(self.convert(raw, name)?);
                    return Ok(ListValue::List(list));
                }
                Some(_) => list.push(self.convert(raw, name)?),
            }
        }
    }

    fn convert(&mut self, raw: String, name: &str) -> Step<Value> {
        match self.kind {
            SetKind::Set => Ok(typed_value(raw)),
            SetKind::File => match (self.read_file)(&raw) {
                Ok(contents) => Ok(Value::String(contents)),
                Err(err) => fail(format!("cannot read file {raw:?} for {name:?}: {err}")),
            },
            _ => Ok(Value::String(raw)),
        }
    }

    /// A `--set-json` value after `=`: blank up to the next comma or the end is null;
    /// otherwise one JSON value, then blanks and one comma are skipped.
    fn json_value(&mut self, name: &str) -> Step<Value> {
        if self.empty_value() {
            return Ok(Value::Null);
        }
        match parse_json_prefix(&self.src[self.pos..]) {
            Ok((value, used)) => {
                self.pos += used;
                self.empty_value();
                Ok(value)
            }
            Err(err) => fail(format!(
                "the value of {:?} is not valid JSON: {}",
                name,
                err.describe(&self.src[self.pos..])
            )),
        }
    }

    /// Helm's `emptyVal`: skips Unicode spaces; true at a comma (consumed) or the end.
    fn empty_value(&mut self) -> bool {
        loop {
            match self.next_char() {
                None | Some(',') => return true,
                Some(c) if c.is_whitespace() => {}
                Some(_) => {
                    self.pos -= 1;
                    return false;
                }
            }
        }
    }
}

fn as_usize(index: i64) -> usize {
    usize::try_from(index).unwrap_or(usize::MAX)
}

/// Helm's `set`: an empty key is never stored.
fn set(data: &mut Map<String, Value>, key: &str, value: Value) {
    if !key.is_empty() {
        data.insert(key.to_owned(), value);
    }
}

/// Helm's `setIndex`: grows the list with nulls; the index limit is only checked here,
/// when a value is actually stored.
fn set_index(list: &mut Vec<Value>, index: i64, value: Value) -> Step<()> {
    let slot = match usize::try_from(index) {
        Ok(slot) if slot <= MAX_INDEX => slot,
        _ => {
            return fail(format!(
                "list index {index} is greater than the maximum of {MAX_INDEX}"
            ));
        }
    };
    if list.len() <= slot {
        list.resize(slot + 1, Value::Null);
    }
    list[slot] = value;
    Ok(())
}

/// `--set` typing: case-insensitive true/false/null, and int64 without a leading zero
/// (a sign may lead, so `-0` and `+5` are numbers); everything else stays a string.
fn typed_value(raw: String) -> Value {
    if equal_fold(&raw, "true") {
        return Value::Bool(true);
    }
    if equal_fold(&raw, "false") {
        return Value::Bool(false);
    }
    if equal_fold(&raw, "null") {
        return Value::Null;
    }
    if raw == "0" {
        return Value::Number(0.into());
    }
    if !raw.is_empty()
        && !raw.starts_with('0')
        && let Ok(n) = raw.parse::<i64>()
    {
        return Value::Number(n.into());
    }
    Value::String(raw)
}

/// Go's `strings.EqualFold` against a lowercase ASCII word. Unicode simple case folding
/// links only two non-ASCII letters to ASCII ones: the Kelvin sign to `k` and the long s
/// (`ſ`) to `s`, so `falſe` is false in Helm.
fn equal_fold(raw: &str, word: &str) -> bool {
    raw.chars().count() == word.len()
        && raw.chars().zip(word.chars()).all(|(c, w)| {
            c.to_ascii_lowercase() == w
                || (c == '\u{17F}' && w == 's')
                || (c == '\u{212A}' && w == 'k')
        })
}

/// The `--set-json '{...}'` form: the whole flag is one JSON object, merged into the
/// values like a values file.
fn merge_json_object(trimmed: &str, data: &mut Map<String, Value>) -> Result<(), String> {
    let src: Vec<char> = trimmed.chars().collect();
    let (value, used) = parse_json_prefix(&src)
        .map_err(|err| format!("not a valid JSON object: {}", err.describe(&src)))?;
    if let Some(offset) = src[used..].iter().position(|c| !is_json_space(*c)) {
        let err = JsonError {
            at: used + offset,
            what: "unexpected text after the JSON object".to_owned(),
        };
        return Err(format!("not a valid JSON object: {}", err.describe(&src)));
    }
    if let Value::Object(object) = value {
        merge_maps(data, object);
    }
    Ok(())
}

/// Helm's `MergeMaps`: maps merge key by key, anything else replaces.
fn merge_maps(base: &mut Map<String, Value>, overlay: Map<String, Value>) {
    for (key, value) in overlay {
        match (base.get_mut(&key), value) {
            (Some(Value::Object(existing)), Value::Object(incoming)) => {
                merge_maps(existing, incoming);
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

struct JsonError {
    at: usize,
    what: String,
}

impl JsonError {
    fn describe(&self, src: &[char]) -> String {
        let near: String = src.iter().skip(self.at).take(20).collect();
        if near.is_empty() {
            format!("{} at the end", self.what)
        } else {
            format!("{} at {near:?}", self.what)
        }
    }
}

fn is_json_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// Decodes the first JSON value of `src` the way Go's `json.Decoder` does (the value
/// ends where its grammar ends, whatever follows), returning it and the number of
/// characters it used.
fn parse_json_prefix(src: &[char]) -> Result<(Value, usize), JsonError> {
    let mut json = JsonParser { src, pos: 0 };
    let value = json.value(0)?;
    Ok((value, json.pos))
}

struct JsonParser<'s> {
    src: &'s [char],
    pos: usize,
}

impl JsonParser<'_> {
    fn err<T>(&self, what: &str) -> Result<T, JsonError> {
        Err(JsonError {
            at: self.pos,
            what: what.to_owned(),
        })
    }

    fn peek(&self) -> Option<char> {
        self.src.get(self.pos).copied()
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(is_json_space) {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, JsonError> {
        self.skip_space();
        match self.peek() {
            None => self.err("unexpected end of JSON input"),
            Some('{') => self.object(depth + 1),
            Some('[') => self.array(depth + 1),
            Some('"') => self.string().map(Value::String),
            Some('t') => self.literal("true", Value::Bool(true)),
            Some('f') => self.literal("false", Value::Bool(false)),
            Some('n') => self.literal("null", Value::Null),
            Some('-' | '0'..='9') => self.number(),
            Some(_) => self.err("invalid character looking for the beginning of a value"),
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, JsonError> {
        for expected in word.chars() {
            if self.peek() != Some(expected) {
                return self.err(&format!("invalid literal (expected {word:?})"));
            }
            self.pos += 1;
        }
        Ok(value)
    }

    fn object(&mut self, depth: usize) -> Result<Value, JsonError> {
        if depth > MAX_JSON_DEPTH {
            return self.err(&format!("nested more than {MAX_JSON_DEPTH} levels deep"));
        }
        self.pos += 1;
        let mut map = Map::new();
        self.skip_space();
        if self.peek() == Some('}') {
            self.pos += 1;
            return Ok(Value::Object(map));
        }
        loop {
            self.skip_space();
            if self.peek() != Some('"') {
                return self.err("expected a string object key");
            }
            let key = self.string()?;
            self.skip_space();
            if self.peek() != Some(':') {
                return self.err("expected \":\" after an object key");
            }
            self.pos += 1;
            let value = self.value(depth)?;
            // Go keeps the last of duplicate keys.
            map.insert(key, value);
            self.skip_space();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some('}') => {
                    self.pos += 1;
                    return Ok(Value::Object(map));
                }
                _ => return self.err("expected \",\" or \"}\" after an object value"),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, JsonError> {
        if depth > MAX_JSON_DEPTH {
            return self.err(&format!("nested more than {MAX_JSON_DEPTH} levels deep"));
        }
        self.pos += 1;
        let mut list = Vec::new();
        self.skip_space();
        if self.peek() == Some(']') {
            self.pos += 1;
            return Ok(Value::Array(list));
        }
        loop {
            list.push(self.value(depth)?);
            self.skip_space();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(']') => {
                    self.pos += 1;
                    return Ok(Value::Array(list));
                }
                _ => return self.err("expected \",\" or \"]\" after an array element"),
            }
        }
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return self.err("unterminated string");
            };
            match c {
                '"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                '\\' => {
                    self.pos += 1;
                    let escaped = match self.peek() {
                        Some('"') => '"',
                        Some('\\') => '\\',
                        Some('/') => '/',
                        Some('b') => '\u{8}',
                        Some('f') => '\u{c}',
                        Some('n') => '\n',
                        Some('r') => '\r',
                        Some('t') => '\t',
                        Some('u') => {
                            out.push(self.unicode_escape()?);
                            continue;
                        }
                        _ => return self.err("invalid escape in string"),
                    };
                    self.pos += 1;
                    out.push(escaped);
                }
                c if c < ' ' => return self.err("control character in string"),
                c => {
                    self.pos += 1;
                    out.push(c);
                }
            }
        }
    }

    /// At the `u` of `\uXXXX`. Like Go, a surrogate that does not pair up with the
    /// escape right after it becomes U+FFFD, and that next escape is read on its own.
    fn unicode_escape(&mut self) -> Result<char, JsonError> {
        let first = self.hex4(self.pos + 1)?;
        self.pos += 5;
        if !(0xD800..0xE000).contains(&first) {
            return Ok(char::from_u32(first).unwrap_or('\u{FFFD}'));
        }
        if (0xD800..0xDC00).contains(&first)
            && self.src.get(self.pos) == Some(&'\\')
            && self.src.get(self.pos + 1) == Some(&'u')
            && let Ok(second) = self.hex4(self.pos + 2)
            && (0xDC00..0xE000).contains(&second)
        {
            self.pos += 6;
            let combined = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
            return Ok(char::from_u32(combined).unwrap_or('\u{FFFD}'));
        }
        Ok('\u{FFFD}')
    }

    fn hex4(&self, at: usize) -> Result<u32, JsonError> {
        let mut code = 0;
        for offset in 0..4 {
            let digit = self
                .src
                .get(at + offset)
                .and_then(|c| c.to_digit(16))
                .ok_or_else(|| JsonError {
                    at: at + offset,
                    what: "invalid \\u escape in string".to_owned(),
                })?;
            code = code * 16 + digit;
        }
        Ok(code)
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// Go's number grammar; the number ends at the first character that cannot continue
    /// it (so `01` is the number 0 followed by `1`).
    fn number(&mut self) -> Result<Value, JsonError> {
        let start = self.pos;
        if self.peek() == Some('-') {
            self.pos += 1;
        }
        match self.peek() {
            Some('0') => self.pos += 1,
            Some('1'..='9') => {
                self.digits();
            }
            _ => return self.err("invalid number (expected a digit)"),
        }
        let mut integer = true;
        if self.peek() == Some('.') {
            integer = false;
            self.pos += 1;
            if self.digits() == 0 {
                return self.err("invalid number (expected a digit after \".\")");
            }
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            integer = false;
            self.pos += 1;
            if matches!(self.peek(), Some('+' | '-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return self.err("invalid number (expected a digit in the exponent)");
            }
        }
        let text: String = self.src[start..self.pos].iter().collect();
        if integer {
            // Exact where Helm would round through float64 (a deliberate difference);
            // -0 stays a float so its sign survives as in Go.
            if text != "-0" {
                if let Ok(n) = text.parse::<i64>() {
                    return Ok(Value::Number(n.into()));
                }
                if let Ok(n) = text.parse::<u64>() {
                    return Ok(Value::Number(n.into()));
                }
            }
        }
        match text.parse::<f64>().ok().and_then(Number::from_f64) {
            Some(n) => Ok(Value::Number(n)),
            None => Err(JsonError {
                at: start,
                what: "number out of the float64 range".to_owned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn files(path: &str) -> io::Result<String> {
        match path {
            "hello.txt" => Ok("hello\n".to_owned()),
            "with,comma.txt" => Ok("comma".to_owned()),
            _ => Err(io::Error::new(
                io::ErrorKind::NotFound,
                "no such file or directory",
            )),
        }
    }

    fn parse_into(kind: SetKind, input: &str, start: Value) -> Result<Value, SetError> {
        let Value::Object(mut user) = start else {
            panic!("start must be a map");
        };
        apply(kind, input, &mut user, None, &files).map(|()| Value::Object(user))
    }

    fn parse(kind: SetKind, input: &str) -> Result<Value, SetError> {
        parse_into(kind, input, json!({}))
    }

    #[track_caller]
    fn assert_sets(kind: SetKind, input: &str, want: Value) {
        match parse(kind, input) {
            Ok(got) => assert_eq!(got, want, "{} {input:?}", kind.flag()),
            Err(err) => panic!("{err}"),
        }
    }

    #[track_caller]
    fn assert_fails(kind: SetKind, input: &str, message: &str) {
        match parse(kind, input) {
            Ok(got) => panic!("{} {input:?}: expected an error, got {got}", kind.flag()),
            Err(err) => assert_eq!(err.message, message, "{} {input:?}", kind.flag()),
        }
    }

    #[test]
    fn set_typing() {
        use SetKind::Set;
        assert_sets(
            Set,
            "name1=null,f=false,t=true",
            json!({"name1": null, "f": false, "t": true}),
        );
        assert_sets(
            Set,
            "a=TRUE,b=False,c=NuLL",
            json!({"a": true, "b": false, "c": null}),
        );
        assert_sets(Set, "a=falſe", json!({"a": false}));
        assert_sets(
            Set,
            "zero=0,long=1234567890",
            json!({"zero": 0, "long": 1_234_567_890}),
        );
        assert_sets(
            Set,
            "a=-0,b=+5,c=-05,d=+0",
            json!({"a": 0, "b": 5, "c": -5, "d": 0}),
        );
        assert_sets(
            Set,
            "a=00009,b=0644,c=0x10",
            json!({"a": "00009", "b": "0644", "c": "0x10"}),
        );
        assert_sets(
            Set,
            "max=9223372036854775807,min=-9223372036854775808,over=9223372036854775808",
            json!({"max": i64::MAX, "min": i64::MIN, "over": "9223372036854775808"}),
        );
        assert_sets(
            Set,
            "a=1.5,b=1e3,c=yes,d=on,e=inf,f=NaN,g=-,h=1_000",
            json!({"a": "1.5", "b": "1e3", "c": "yes", "d": "on", "e": "inf", "f": "NaN",
                   "g": "-", "h": "1_000"}),
        );
        assert_sets(
            Set,
            "a=\"quoted\",b= x ",
            json!({"a": "\"quoted\"", "b": " x "}),
        );
    }

    #[test]
    fn set_string_never_types() {
        assert_sets(
            SetKind::String,
            "a=1,b=true,c=null,d=0,e={1,true}",
            json!({"a": "1", "b": "true", "c": "null", "d": "0", "e": ["1", "true"]}),
        );
    }

    #[test]
    fn keys_values_and_escapes() {
        use SetKind::Set;
        assert_sets(
            Set,
            "name1=value1,name2=value2,",
            json!({"name1": "value1", "name2": "value2"}),
        );
        assert_sets(
            Set,
            "name1=,name2=value2",
            json!({"name1": "", "name2": "value2"}),
        );
        assert_sets(Set, "a=", json!({"a": ""}));
        assert_sets(Set, "a=b=c", json!({"a": "b=c"}));
        assert_sets(
            Set,
            r"name1=one\,two,name2=three\=four",
            json!({"name1": "one,two", "name2": "three=four"}),
        );
        assert_sets(
            Set,
            r"a\.b=c,a\=b=d,a\[0\]=e,a\,b=f,a\\b=g",
            json!({"a.b": "c", "a=b": "d", "a[0]": "e", "a,b": "f", r"a\b": "g"}),
        );
        assert_sets(Set, r"a=x\", json!({"a": "x"}));
        assert_sets(Set, r"a=\{x\,y\}", json!({"a": "{x,y}"}));
        assert_sets(Set, "a]=1,b}=2", json!({"a]": 1, "b}": 2}));
        assert_sets(
            Set,
            "outer.inner1=value,outer.middle.inner=value",
            json!({"outer": {"inner1": "value", "middle": {"inner": "value"}}}),
        );
        assert_sets(
            Set,
            "annotations.\"a.b\"=c",
            json!({"annotations": {"\"a": {"b\"": "c"}}}),
        );
        assert_sets(Set, "name1.name2=", json!({"name1": {"name2": ""}}));
    }

    #[test]
    fn list_literals() {
        use SetKind::Set;
        assert_sets(
            Set,
            "name1={value1,value2},name2={1021,902}",
            json!({"name1": ["value1", "value2"], "name2": [1021, 902]}),
        );
        assert_sets(Set, "a={1,true,null,x}", json!({"a": [1, true, null, "x"]}));
        assert_sets(Set, "a={},b={,}", json!({"a": [""], "b": ["", ""]}));
        assert_sets(Set, "a[0]={x,y}", json!({"a": [["x", "y"]]}));
        assert_fails(
            Set,
            "name1={1021,902",
            "the list value of \"name1\" has no closing \"}\"",
        );
        assert_fails(Set, "list={a,b}c", "key \"c\" has no value");
    }

    #[test]
    fn lists() {
        use SetKind::Set;
        assert_sets(
            Set,
            "list[0]=foo,list[3]=bar",
            json!({"list": ["foo", null, null, "bar"]}),
        );
        assert_sets(Set, "a[2]=y,a[0]=x", json!({"a": ["x", null, "y"]}));
        assert_sets(
            Set,
            "a[01]=x,b[+1]=y",
            json!({"a": [null, "x"], "b": [null, "y"]}),
        );
        assert_sets(
            Set,
            "list[0].foo=bar,list[0].hello=world",
            json!({"list": [{"foo": "bar", "hello": "world"}]}),
        );
        assert_sets(Set, "nested[1][1]=1", json!({"nested": [null, [null, 1]]}));
        assert_sets(
            Set,
            "a[0].b[1].c=d",
            json!({"a": [{"b": [null, {"c": "d"}]}]}),
        );
        assert_sets(
            Set,
            "n.l[1].foo=bar,n.l[0].foo=baz",
            json!({"n": {"l": [{"foo": "baz"}, {"foo": "bar"}]}}),
        );
        assert_sets(Set, "noval[0]", json!({"noval": []}));
        assert_sets(Set, "noval[0]=", json!({"noval": [""]}));
        // An element that is not a map becomes one as soon as a key path enters it.
        assert_sets(Set, "a[0]=x,a[0].b=1", json!({"a": [{"b": 1}]}));
        assert_sets(Set, "a[0][0]=1,a[0][0].b=2", json!({"a": [[{"b": 2}]]}));
    }

    #[test]
    fn helm_quirks_at_the_end_of_input() {
        use SetKind::Set;
        // Running out of input in these places is success in Helm.
        assert_sets(Set, "a[1", json!({}));
        assert_sets(Set, "a.", json!({}));
        assert_sets(Set, "x=1,a.", json!({"x": 1}));
        assert_sets(Set, "a[0][1]", json!({"a": []}));
        assert_sets(Set, "a[100000]", json!({"a": []}));
        assert_sets(Set, "a[0].b=", json!({"a": []}));
        assert_sets(Set, "a[0].c=1,a[0].b=", json!({"a": [{"c": 1, "b": ""}]}));
        assert_sets(Set, "a[0]=x,a[0].", json!({"a": [{}]}));
        assert_sets(Set, r"\", json!({}));
        // Empty keys are never stored.
        assert_sets(Set, "=1,.a=1,[0]=1", json!({}));
    }

    #[test]
    fn empty_keys_still_reach_existing_values() {
        let start = json!({"": {"x": 1}, "l": 0});
        let got = parse_into(SetKind::Set, ".y=2", start).map_err(|e| e.to_string());
        assert_eq!(got, Ok(json!({"": {"x": 1, "y": 2}, "l": 0})));
        let got = parse_into(SetKind::Set, "[0]=9", json!({"": [1, 2]}));
        assert_eq!(got.ok(), Some(json!({"": [9, 2]})));
        // Growing the list would have made Go write to a copy that is then dropped.
        let got = parse_into(SetKind::Set, "[5]=9", json!({"": [1, 2]}));
        assert_eq!(got.ok(), Some(json!({"": [1, 2]})));
        let got = parse_into(SetKind::Set, "[0]=9", json!({"": "s"}));
        assert!(got.is_err());
    }

    #[test]
    fn parse_into_existing_values() {
        let start = json!({"outer": {"inner1": "overwrite", "inner2": "value2"}});
        let got = parse_into(
            SetKind::Set,
            "outer.inner1=value1,outer.inner3=value3,outer.inner4=4",
            start,
        );
        assert_eq!(
            got.ok(),
            Some(
                json!({"outer": {"inner1": "value1", "inner2": "value2", "inner3": "value3", "inner4": 4}})
            )
        );

        let start = json!({"listOuter": [[[{"exited": "old"}]]]});
        let step = parse_into(SetKind::Set, "listOuter[0][1][0].type=listValue", start);
        let got = step.and_then(|v| parse_into(SetKind::Set, "listOuter[0][0][1].status=alive", v));
        assert_eq!(
            got.ok(),
            Some(
                json!({"listOuter": [[[{"exited": "old"}, {"status": "alive"}], [{"type": "listValue"}]]]})
            )
        );
    }

    #[test]
    fn type_conflicts_are_errors() {
        use SetKind::Set;
        assert_fails(
            Set,
            "image=null,image.tag=x",
            "cannot use \"image\" as a map: it is already null",
        );
        assert_fails(
            Set,
            "a=,a.b=2",
            "cannot use \"a\" as a map: it is already a string",
        );
        assert_fails(
            Set,
            "a[0]=x,a.b=1",
            "cannot use \"a\" as a map: it is already a list",
        );
        assert_fails(
            Set,
            "a=null,a[0]=1",
            "cannot use \"a\" as a list: it is already null",
        );
        assert_fails(
            Set,
            "a.b=1,a[0]=1",
            "cannot use \"a\" as a list: it is already a map",
        );
        assert_fails(
            Set,
            "a[0]=x,a[0][0]=y",
            "cannot use \"a[0]\" as a list: it is already a string",
        );
        let got = parse_into(SetKind::Set, "a.b=1", json!({"a": 2}));
        assert_eq!(
            got.map_err(|e| e.message),
            Err("cannot use \"a\" as a map: it is already a number".to_owned())
        );
    }

    #[test]
    fn syntax_errors() {
        use SetKind::Set;
        assert_fails(Set, "a=1,b", "key \"b\" has no value");
        assert_fails(Set, "a.b", "key \"a.b\" has no value");
        assert_fails(Set, r"a\", "key \"a\" has no value");
        assert_fails(
            Set,
            "list=a,b,c",
            "key \"b\" has no value before \",\" (escape a comma inside a value as \"\\,\", or write a list as {a,b})",
        );
        assert_fails(
            Set,
            ",a=1",
            "key \"\" has no value before \",\" (escape a comma inside a value as \"\\,\", or write a list as {a,b})",
        );
        assert_fails(
            Set,
            "a.=b",
            "nothing is set inside \"a\": the key name after \".\" is empty",
        );
        assert_fails(Set, "a[]=1", "list index \"\" is not a number (in \"a\")");
        assert_fails(
            Set,
            "nodePools[x].replicas=3",
            "list index \"x\" is not a number (in \"nodePools\")",
        );
        assert_fails(
            Set,
            "a[0][x]=1",
            "list index \"x\" is not a number (in \"a[0]\")",
        );
        assert_fails(Set, "a[0]]=1", "unexpected \"]\" after \"a[0]\"");
        assert_fails(
            Set,
            "illegal[0]name.foo=bar",
            "unexpected \"name\" after \"illegal[0]\"",
        );
        assert_fails(
            Set,
            "list[0].foo=bar,list[-30].hello=world",
            "list index -30 is negative (in \"list\")",
        );
        assert_fails(
            Set,
            "a[99999999999999999999]=1",
            "list index \"99999999999999999999\" is not a number (in \"a\")",
        );
        assert_fails(
            Set,
            "]={}].",
            "cannot use \"]\" as a map: it is already a list",
        );
    }

    #[test]
    fn error_display_names_flag_and_input() {
        let err = parse(SetKind::Set, "nodePools[x].replicas=3").err();
        assert_eq!(
            err.map(|e| e.to_string()),
            Some("--set \"nodePools[x].replicas=3\": list index \"x\" is not a number (in \"nodePools\")".to_owned())
        );
        let err = parse(SetKind::Json, "a=hello").err();
        assert_eq!(
            err.map(|e| e.to_string()),
            Some("--set-json \"a=hello\": the value of \"a\" is not valid JSON: invalid character looking for the beginning of a value at \"hello\"".to_owned())
        );
        let err = parse(SetKind::File, "tls.cert=missing.pem").err();
        assert_eq!(
            err.map(|e| e.to_string()),
            Some("--set-file \"tls.cert=missing.pem\": cannot read file \"missing.pem\" for \"tls.cert\": no such file or directory".to_owned())
        );
        let err = parse(SetKind::String, "a=\"x\",b").err();
        assert_eq!(
            err.map(|e| e.to_string()),
            Some(r#"--set-string "a=\"x\",b": key "b" has no value"#.to_owned())
        );
    }

    #[test]
    fn errors_leave_values_untouched() {
        let mut user = Map::new();
        user.insert("keep".to_owned(), json!(1));
        let before = user.clone();
        let err = apply(SetKind::Set, "a=1,b.c=2,b=3,b.d=4", &mut user, None, &files);
        assert!(err.is_err());
        assert_eq!(user, before);
    }

    #[test]
    fn limits() {
        use SetKind::Set;
        assert!(parse(Set, "a[65536]=x").is_ok());
        assert_fails(
            Set,
            "a[65537]=x",
            "list index 65537 is greater than the maximum of 65536",
        );
        assert_fails(
            Set,
            "a[9223372036854775807]=x",
            "list index 9223372036854775807 is greater than the maximum of 65536",
        );
        assert_fails(
            Set,
            "a[65537].b=x",
            "list index 65537 is greater than the maximum of 65536",
        );

        let thirty = vec!["k"; MAX_NESTED_NAME_LEVEL + 1].join(".");
        assert!(parse(Set, &format!("{thirty}=x")).is_ok());
        let deeper = format!("k.{thirty}=x");
        let err = parse(Set, &deeper)
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(err.contains("nested more than 30 levels deep"), "{err}");

        let lists = format!("a{}=x", "[0]".repeat(MAX_LIST_NESTING));
        assert!(parse(Set, &lists).is_ok());
        let lists = format!("a{}=x", "[0]".repeat(MAX_LIST_NESTING + 1));
        let err = parse(Set, &lists)
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(
            err.contains("nests lists more than 256 levels deep"),
            "{err}"
        );
        // Far beyond any limit: an error, not a stack overflow.
        let lists = format!("a{}=x", "[0]".repeat(100_000));
        assert!(parse(Set, &lists).is_err());
        let keys = format!("{}=x", "k.".repeat(100_000));
        assert!(parse(Set, &keys).is_err());

        let json = format!(
            "a={}{}",
            "[".repeat(MAX_JSON_DEPTH),
            "]".repeat(MAX_JSON_DEPTH)
        );
        assert!(parse(SetKind::Json, &json).is_ok());
        let json = format!(
            "a={}{}",
            "[".repeat(MAX_JSON_DEPTH + 1),
            "]".repeat(MAX_JSON_DEPTH + 1)
        );
        assert!(parse(SetKind::Json, &json).is_err());
        let json = format!("a={}", "{\"a\":".repeat(100_000));
        assert!(parse(SetKind::Json, &json).is_err());
        let json = "{\"a\":".repeat(100_000);
        assert!(parse(SetKind::Json, &json).is_err());
    }

    #[test]
    fn set_json() {
        use SetKind::Json;
        assert_sets(
            Json,
            r#"outer.inner1="1",outer.inner3=3,outer.inner4=true,outer.inner5={"a":[1,{"b":null}]}"#,
            json!({"outer": {"inner1": "1", "inner3": 3, "inner4": true, "inner5": {"a": [1, {"b": null}]}}}),
        );
        assert_sets(
            Json,
            r"a=,b=  ,c=null",
            json!({"a": null, "b": null, "c": null}),
        );
        assert_sets(Json, "a=1 ,b=2", json!({"a": 1, "b": 2}));
        assert_sets(Json, "a=1, b=2", json!({"a": 1, " b": 2}));
        assert_sets(
            Json,
            "a=1b=2,c=[1,2] ,d=1",
            json!({"a": 1, "b": 2, "c": [1, 2], "d": 1}),
        );
        assert_sets(Json, "a = 1", json!({"a ": 1}));
        assert_sets(Json, "a=\u{a0}1", json!({"a": 1}));
        assert_sets(Json, r#"a={"x":1,"x":2}"#, json!({"a": {"x": 2}}));
        assert_sets(
            Json,
            r#"a[1]={"x":1},a[3]=4"#,
            json!({"a": [null, {"x": 1}, null, 4]}),
        );
        assert_sets(
            Json,
            r#"a="\u00e9\ud83d\ude00\/",b="\ud800x",c="\udc00\ud800\udc00""#,
            json!({"a": "é😀/", "b": "\u{FFFD}x", "c": "\u{FFFD}\u{10000}"}),
        );
        assert_sets(
            Json,
            r"a=1.0,b=1e2,c=1.5e300,d=1e-400",
            json!({"a": 1.0, "b": 100.0, "c": 1.5e300, "d": 0.0}),
        );
        assert_sets(
            Json,
            "a=12345678901234567890,b=-9223372036854775808",
            json!({"a": 12_345_678_901_234_567_890_u64, "b": i64::MIN}),
        );
        assert_sets(
            Json,
            "a=123456789012345678901234567890",
            json!({"a": 1.234_567_890_123_456_8e29}),
        );
        let minus_zero = parse(Json, "a=-0").ok().and_then(|v| v["a"].as_f64());
        assert!(minus_zero.is_some_and(|z| z == 0.0 && z.is_sign_negative()));
        for bad in [
            "a=01",
            "a=tru",
            "a=1e400",
            "a=hello",
            "a='x'",
            "a=[1,2",
            r#"a={"b":1}x"#,
            "a=1.",
            "a=-",
            "a=1e",
            r#"a="x"#,
            "a=\"\u{1}\"",
            r#"a="\x""#,
            r#"a={"a" 1}"#,
            "a=[1,]",
            r#"a={"a":1,}"#,
            "[1,2]",
            r#"a="\u12""#,
        ] {
            assert!(parse(Json, bad).is_err(), "{bad:?} should fail");
        }
    }

    #[test]
    fn set_json_whole_object() {
        use SetKind::Json;
        let start = json!({"a": {"b": 1, "keep": true}, "s": 1});
        let got = parse_into(Json, r#" {"a":{"c":2},"s":{"t":1}} "#, start).ok();
        assert_eq!(
            got,
            Some(json!({"a": {"b": 1, "keep": true, "c": 2}, "s": {"t": 1}}))
        );
        let got = parse_into(Json, r#"{"a":{"b":null}}"#, json!({"a": {"b": 1}})).ok();
        assert_eq!(got, Some(json!({"a": {"b": null}})));
        assert_sets(Json, "{}\u{a0}", json!({}));
        assert_sets(Json, r#"{"a":1,"a":2}"#, json!({"a": 2}));
        let err = parse(Json, r#"{"a":1}x"#).err().map(|e| e.message);
        assert_eq!(
            err.as_deref(),
            Some("not a valid JSON object: unexpected text after the JSON object at \"x\"")
        );
        assert!(parse(Json, r#"{"a":1} {"b":2}"#).is_err());
        assert!(parse(Json, r#"{"a":}"#).is_err());
    }

    #[test]
    fn set_file() {
        use SetKind::File;
        assert_sets(File, "a=hello.txt,b=", json!({"a": "hello\n", "b": ""}));
        assert_sets(File, r"a=with\,comma.txt", json!({"a": "comma"}));
        assert_sets(
            File,
            "a={hello.txt,with\\,comma.txt},b[1]=hello.txt",
            json!({"a": ["hello\n", "comma"], "b": [null, "hello\n"]}),
        );
        assert_fails(
            File,
            "a=missing",
            "cannot read file \"missing\" for \"a\": no such file or directory",
        );
        assert_fails(
            File,
            "a[0]=missing",
            "cannot read file \"missing\" for \"a[0]\": no such file or directory",
        );
        assert_fails(
            File,
            "a={hello.txt,missing}",
            "cannot read file \"missing\" for \"a\": no such file or directory",
        );
    }

    #[test]
    fn set_literal() {
        use SetKind::Literal;
        assert_sets(Literal, "a.b={1,2},c=d", json!({"a": {"b": "{1,2},c=d"}}));
        assert_sets(Literal, r"a\.b=c\,d", json!({r"a\": {"b": r"c\,d"}}));
        assert_sets(Literal, "a,b=1", json!({"a,b": "1"}));
        assert_sets(Literal, "a[0]=x,y", json!({"a": ["x,y"]}));
        assert_sets(Literal, "a[1][0].b=", json!({"a": [null, [{"b": ""}]]}));
        assert_sets(Literal, "a=", json!({"a": ""}));
        assert_sets(Literal, "=x", json!({}));
        assert_sets(Literal, "a.", json!({}));
        assert_fails(Literal, "a", "key \"a\" has no value");
        assert_fails(Literal, "a.b", "key \"a.b\" has no value");
        assert_fails(
            Literal,
            "a[x]=1",
            "list index \"x\" is not a number (in \"a\")",
        );
        assert!(parse_into(Literal, "a.b=1", json!({"a": []})).is_err());
    }

    #[test]
    fn defaults_seed_missing_lists() {
        let defaults = json!({
            "pools": [{"name": "a", "n": 1}, {"name": "b", "n": 2}],
            "args": ["x", "y"],
            "m": {"inner": [1, 2]},
            "s": "not a list"
        });
        let run = |input: &str, start: Value| {
            let Value::Object(mut user) = start else {
                unreachable!()
            };
            apply(SetKind::Set, input, &mut user, Some(&defaults), &files)
                .map(|()| Value::Object(user))
        };
        assert_eq!(
            run("pools[1].n=3", json!({})).ok(),
            Some(json!({"pools": [{"name": "a", "n": 1}, {"name": "b", "n": 3}]}))
        );
        assert_eq!(
            run("args[1]=z,args[3]=w", json!({})).ok(),
            Some(json!({"args": ["x", "z", null, "w"]}))
        );
        assert_eq!(
            run("m.inner[0]=9", json!({"m": {}})).ok(),
            Some(json!({"m": {"inner": [9, 2]}}))
        );
        // The user's own list replaces the default one, so it is never mixed with it.
        assert_eq!(
            run("pools[1].n=3", json!({"pools": [{"name": "u"}]})).ok(),
            Some(json!({"pools": [{"name": "u"}, {"n": 3}]}))
        );
        // Inside list elements the defaults no longer apply.
        assert_eq!(
            run("pools[0].tags[0]=t", json!({})).ok(),
            Some(json!({"pools": [{"name": "a", "n": 1, "tags": ["t"]}, {"name": "b", "n": 2}]}))
        );
        assert_eq!(run("s[0]=1", json!({})).ok(), Some(json!({"s": [1]})));
        assert!(run("pools[0]=1", json!({"pools": null})).is_err());
    }

    #[test]
    fn format_assignment_escapes() {
        let path = [
            Segment::Key("a.b".to_owned()),
            Segment::Index(2),
            Segment::Index(0),
            Segment::Key(r"c=d,e[f]\".to_owned()),
        ];
        let text = format_assignment(&path, r"{x,y}\z");
        assert_eq!(text, r"a\.b[2][0].c\=d\,e\[f]\\=\{x\,y}\\z");
        let got = parse(SetKind::String, &text).ok();
        assert_eq!(
            got,
            Some(json!({"a.b": [null, null, [{r"c=d,e[f]\": r"{x,y}\z"}]]}))
        );
        let path = [
            Segment::Key("a".to_owned()),
            Segment::Index(0),
            Segment::Key("b".to_owned()),
        ];
        assert_eq!(format_assignment(&path, ""), "a[0].b=,");
        assert_eq!(
            parse(SetKind::String, "a[0].b=,").ok(),
            Some(json!({"a": [{"b": ""}]}))
        );
    }

    #[test]
    fn kinds() {
        assert_eq!(
            SetKind::ALL.map(|k| k.flag()),
            [
                "--set-json",
                "--set",
                "--set-string",
                "--set-file",
                "--set-literal"
            ]
        );
        assert!(SetKind::ALL.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(SetKind::from_flag("--set-file"), Some(SetKind::File));
        assert_eq!(SetKind::from_flag("-f"), None);
    }
}
