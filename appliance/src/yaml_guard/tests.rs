//! Tests of the YAML guard: the shipped files pass, deep or large text is
//! refused where the limit is crossed, and the counted depth bounds the
//! depth serde_yaml reads.

use super::*;
use proptest::prelude::*;

fn err(text: &str) -> YamlLimitError {
    match check(text, YamlLimits::DEFAULT) {
        Err(e) => e,
        Ok(()) => panic!("accepted {} bytes", text.len()),
    }
}

#[test]
fn every_shipped_yaml_file_passes() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut seen = 0;
    let mut dirs = vec![
        root.join("scenarios"),
        root.join("features"),
        root.join("appliance"),
    ];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                let text = std::fs::read_to_string(&path).expect("readable");
                if let Err(e) = check(&text, YamlLimits::DEFAULT) {
                    panic!("{}:{e}", path.display());
                }
                seen += 1;
            }
        }
    }
    assert!(seen >= 10, "only {seen} YAML files found");
}

/// Class: nesting deep enough to make libyaml's parse time quadratic (100k
/// levels, 200 KB took over 40 s before any error). Refused at once, at the
/// line and column where the limit is crossed.
#[test]
fn yaml_nested_100k_deep_is_refused_before_parsing() {
    let n = 100_000;
    let flow = format!("office: x\nkey: {}{}\n", "[".repeat(n), "]".repeat(n));
    let e = err(&flow);
    // `key: ` then one `[` per level past the mapping's own level.
    assert_eq!((e.line, e.column), (2, 5 + YamlLimits::DEFAULT.max_depth));
    assert!(e.message.contains("deeper than 64"), "{e}");
    let map = format!("a: {}{}\n", "{b: ".repeat(n), "}".repeat(n));
    assert_eq!(err(&map).line, 1);
    let compact = format!("{}x\n", "- ".repeat(n));
    assert_eq!(err(&compact).line, 1);
    let indented: String = (0..100)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .collect();
    assert_eq!(err(&indented).line, YamlLimits::DEFAULT.max_depth + 1);
}

#[test]
fn yaml_larger_than_the_limit_is_refused() {
    let big = format!("a: '{}'\n", "x".repeat(YamlLimits::DEFAULT.max_bytes));
    assert!(err(&big).message.contains("bytes"));
}

#[test]
fn brackets_in_quotes_comments_block_scalars_and_plain_text_do_not_count() {
    let deep = "[".repeat(100);
    let text = format!(
        "a: '{deep}'\nb: \"{deep}\"\nc: x{deep}\n# {deep}\nd: |\n  {deep}\n  {deep}\ne: it's {deep}\nf: [1, 2] # {deep}\n"
    );
    assert_eq!(check(&text, YamlLimits::DEFAULT), Ok(()));
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    FlowSeq,
    FlowMap,
    BlockSeq,
    BlockMap,
}

/// A node nested `kinds` deep, written where a value starts (after `k: `
/// or `- `) in a block at `indent`; block kinds inside flow become flow.
fn node(kinds: &[Kind], indent: usize, in_flow: bool) -> String {
    let Some((kind, rest)) = kinds.split_first() else {
        return "'it''s [[{'".to_string();
    };
    let pad = " ".repeat(indent + 2);
    match (kind, in_flow) {
        (Kind::FlowMap, _) => format!("{{k: {}}}", node(rest, indent, true)),
        (Kind::FlowSeq, _) | (_, true) => format!("[{}, 1]", node(rest, indent, true)),
        (Kind::BlockSeq, false) => format!("\n{pad}- {}", node(rest, indent + 2, false)),
        (Kind::BlockMap, false) => format!("\n{pad}k: {}", node(rest, indent + 2, false)),
    }
}

fn value_depth(v: &serde_yaml::Value) -> usize {
    match v {
        serde_yaml::Value::Sequence(s) => 1 + s.iter().map(value_depth).max().unwrap_or(0),
        serde_yaml::Value::Mapping(m) => 1 + m.values().map(value_depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        Just(Kind::FlowSeq),
        Just(Kind::FlowMap),
        Just(Kind::BlockSeq),
        Just(Kind::BlockMap)
    ]
}

proptest! {
    /// The guard's depth bounds the real one (serde_yaml's reading, the
    /// oracle) and overcounts by at most one level: anything it accepts
    /// nests at most `max_depth` deep, anything shallower than that passes.
    #[test]
    fn counted_depth_bounds_the_parsed_depth(kinds in proptest::collection::vec(kind(), 0..100)) {
        let text = format!("root: {}\n", node(&kinds, 0, false));
        let limits = YamlLimits::DEFAULT;
        match check(&text, limits) {
            Ok(()) => {
                let v: serde_yaml::Value = serde_yaml::from_str(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
                prop_assert!(value_depth(&v) <= limits.max_depth, "{text}");
            }
            Err(e) => prop_assert!(kinds.len() + 1 >= limits.max_depth, "{e}\n{text}"),
        }
    }

    /// Any depth up to 100,000 in the layouts that stay small: a verdict
    /// in one pass, an error exactly when the depth passes the limit.
    #[test]
    fn any_depth_is_ok_or_a_clean_error(n in prop_oneof![0usize..200, 0usize..100_000], style in 0u8..3) {
        let text = match style {
            0 => format!("k: {}1{}\n", "[".repeat(n), "]".repeat(n)),
            1 => format!("k: {}1{}\n", "{a: ".repeat(n), "}".repeat(n)),
            _ => format!("k:\n  {}1\n", "- ".repeat(n)),
        };
        let max = YamlLimits::DEFAULT.max_depth;
        match check(&text, YamlLimits::DEFAULT) {
            Ok(()) => prop_assert!(n < max),
            Err(e) => {
                prop_assert!(n + 2 > max, "{e}");
                prop_assert!(e.message.contains("deeper than"));
            }
        }
    }
}
