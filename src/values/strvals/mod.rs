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

use serde_json::{Map, Value};
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
    /// `--set-file` gives a path, not the secret: its errors name the file.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lower = self.input.to_ascii_lowercase();
        let sets_a_secret = lower.contains("password") || lower.contains("passwd");
        if sets_a_secret && self.flag != "--set-file" {
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
/// unescaping (so `-` for stdin and URLs are its business). On error `user` may hold
/// part of the flag; callers discard it.
pub fn apply(
    kind: SetKind,
    input: &str,
    user: &mut Map<String, Value>,
    defaults: Option<&Value>,
    read_file: &dyn Fn(&str) -> io::Result<String>,
) -> Result<(), SetError> {
    // In place: copying the tree for every flag made thousands of flags quadratic. Helm
    // aborts on the first error, and so do the callers: on an error the tree, which may
    // hold part of the flag, is discarded.
    let work = user;
    let trimmed = input.trim();
    let outcome = if kind == SetKind::Json && trimmed.starts_with('{') {
        merge_json_object(trimmed, work)
    } else {
        let mut parser = Parser {
            src: input.chars().collect(),
            pos: 0,
            kind,
            read_file,
            path: Vec::new(),
        };
        parser.parse(work, defaults.and_then(Value::as_object))
    };
    match outcome {
        Ok(()) => Ok(()),
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
        let found = super::kind_name(found);
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
        super::merge::merge_over(data, object);
    }
    Ok(())
}

mod json;

use json::{JsonError, is_json_space, parse_json_prefix};

#[cfg(test)]
mod tests;
