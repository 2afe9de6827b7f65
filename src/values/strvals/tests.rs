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
fn an_error_names_the_flag_after_the_parts_before_it_applied() {
    let mut user = Map::new();
    let err = apply(SetKind::Set, "a=1,b.c=2,b=3,b.d=4", &mut user, None, &files);
    assert!(err.is_err_and(|e| e.to_string().starts_with("--set \"a=1,b.c=2,b=3,b.d=4\"")));
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
        apply(SetKind::Set, input, &mut user, Some(&defaults), &files).map(|()| Value::Object(user))
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
