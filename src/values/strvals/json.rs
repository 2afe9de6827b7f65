//! The JSON reader of `--set-json`: exact integers, bounded depth, and the position of
//! the first error (which Helm reports and the flag grammar needs).

use super::MAX_JSON_DEPTH;
use serde_json::{Map, Number, Value};

/// Where the JSON stopped making sense, and why.
pub(super) struct JsonError {
    pub(super) at: usize,
    pub(super) what: String,
}

impl JsonError {
    pub(super) fn describe(&self, src: &[char]) -> String {
        let near: String = src.iter().skip(self.at).take(20).collect();
        if near.is_empty() {
            format!("{} at the end", self.what)
        } else {
            format!("{} at {near:?}", self.what)
        }
    }
}

pub(super) fn is_json_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// Decodes the first JSON value of `src` the way Go's `json.Decoder` does (the value
/// ends where its grammar ends, whatever follows), returning it and the number of
/// characters it used.
pub(super) fn parse_json_prefix(src: &[char]) -> Result<(Value, usize), JsonError> {
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
