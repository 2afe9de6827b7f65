//! The INI dialect of `csi-vsphere.conf` (Go's gcfg): what a value may hold and how it
//! is quoted. Validation refuses what rendering could not carry.

/// Why a string cannot go into an INI value, if it cannot. Never includes the value.
pub(crate) fn ini_unsafe(value: &str) -> Option<&'static str> {
    if value.contains(['\n', '\r']) {
        Some("contains a line break, which csi-vsphere.conf (INI) cannot carry")
    } else if value.chars().any(char::is_control) {
        Some("contains a control character, which csi-vsphere.conf (INI) cannot carry")
    } else {
        None
    }
}

/// gcfg's quoted-string syntax: `"` … `"` with `\"` and `\\` escapes.
pub(crate) fn ini_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_values_are_quoted_and_escaped() {
        assert_eq!(ini_quote(r#"a"b\c;#]"#), r#""a\"b\\c;#]""#);
    }

    #[test]
    fn line_breaks_are_refused_without_echoing_the_value() {
        let reason = ini_unsafe("secret\nvalue").unwrap();
        assert!(!reason.contains("secret"));
        assert!(ini_unsafe("fine; # ] \" \\ : x").is_none());
    }
}
