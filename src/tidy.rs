//! The tidy test (rust-analyzer's habit): the house rules, checked over every crate's sources.
//!
//! Offences, each listed with `file:line`:
//! - a module import cycle: per crate, every `crate::` / `super::` / `self::`
//!   path outside `#[cfg(test)]` code is an edge from the file's module to the
//!   longest module prefix of the path, lifted to the two children of their
//!   lowest common ancestor (edges between a module and its ancestors do not
//!   count); a cycle among siblings is an offence (`/work/wt/tools/cycles.py`
//!   was the prototype);
//! - a non-test file over [`MAX_LINES`] lines (test files: under `tests/`,
//!   named `tests.rs`, or a module declared under `#[cfg(test)]`);
//! - a `.rs` file whose first line is not a `//!` line;
//! - Japanese UI text or an engine label (`appliance::Engine::label`) in a
//!   string literal of non-test code outside the label tables.
//!
//! The workspace members are read from `Cargo.toml`, so a new crate is
//! checked without touching this file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Non-test files at most this long (ARCHITECTURE.md).
const MAX_LINES: usize = 800;

/// The label tables: the only files that spell engine labels and Japanese UI
/// words. Each entry is a path prefix (relative to the workspace root).
const LABEL_TABLES: &[&str] = &[
    // The cloud crate's one label table (ja and en): console, reports, mails.
    "cloud/src/labels",
    // The box's own words: what the gateway writes into the traffic it
    // rewrites (it cannot read the cloud's table: the box is below the cloud).
    "appliance/src/labels.rs",
];

/// Files besides the label tables that may hold Japanese text.
const JAPANESE_ALLOWED: &[&str] = &[
    // The box's own block page texts: what the gateway serves, its own table.
    "appliance/src/inspect/block_page.rs",
    // The box's own notification texts (the mails it sends), its own table.
    "appliance/src/inspect/notify.rs",
    // The twin's scenario loaders: Japanese office content (names, pages,
    // mail) comes from scenario data, not from a UI.
    "twin/src/load/",
    // Detection data, not UI words: the anti-spam content rule's phrases and
    // the application table's names are what the engines match in traffic.
    "appliance/src/inspect/anti_spam.rs",
    "appliance/src/policy/apps.rs",
];

/// One offence: where, and what.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Offence {
    pub file: String,
    pub line: usize,
    pub what: String,
}

impl std::fmt::Display for Offence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.what)
    }
}

/// Sources in memory: file paths relative to the workspace root (with `/`)
/// and their text, and the directories that are crate roots (`src`,
/// `appliance/src`, `features`).
#[derive(Debug, Default)]
pub(crate) struct Tree {
    pub files: BTreeMap<String, String>,
    pub crates: Vec<String>,
}

impl Tree {
    /// The workspace this package is the root of: every member's `src`,
    /// `tests`, `benches` and `examples`, and the root's `features`.
    pub fn workspace(root: &Path) -> std::io::Result<Tree> {
        let manifest = std::fs::read_to_string(root.join("Cargo.toml"))?;
        let mut tree = Tree::default();
        let mut packages = vec![String::new()];
        packages.extend(members(&manifest));
        for package in &packages {
            let at = |dir: &str| {
                if package.is_empty() {
                    dir.to_string()
                } else {
                    format!("{package}/{dir}")
                }
            };
            for dir in ["src", "tests", "benches", "examples", "features"] {
                if dir == "features" && !package.is_empty() {
                    continue;
                }
                walk(root, &at(dir), &mut tree.files)?;
            }
            tree.crates.push(at("src"));
        }
        tree.crates.push("features".into());
        Ok(tree)
    }
}

/// The `members` of `[workspace]` in a Cargo.toml (a one- or multi-line array).
fn members(manifest: &str) -> Vec<String> {
    let Some(start) = manifest.find("members") else {
        return Vec::new();
    };
    let rest = &manifest[start..];
    let (Some(open), Some(close)) = (rest.find('['), rest.find(']')) else {
        return Vec::new();
    };
    rest[open + 1..close]
        .split(',')
        .map(|m| m.trim().trim_matches('"').to_string())
        .filter(|m| !m.is_empty())
        .collect()
}

fn walk(root: &Path, dir: &str, files: &mut BTreeMap<String, String>) -> std::io::Result<()> {
    let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
        return Ok(());
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = format!("{dir}/{name}");
        if entry.file_type()?.is_dir() {
            walk(root, &rel, files)?;
        } else if name.ends_with(".rs") {
            files.insert(rel, std::fs::read_to_string(entry.path())?);
        }
    }
    Ok(())
}

/// Every offence in `tree`; `labels` are the engine labels.
pub(crate) fn check(tree: &Tree, labels: &[&str]) -> Vec<Offence> {
    let lexed: BTreeMap<&str, Lexed> = tree
        .files
        .iter()
        .map(|(path, text)| (path.as_str(), Lexed::new(text)))
        .collect();
    let mut test_files: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    for dir in &tree.crates {
        let krate = Crate::new(dir, &lexed);
        test_files.extend(krate.test_files());
        out.extend(krate.cycles());
    }
    for (path, text) in &tree.files {
        let is_test = test_files.contains(path.as_str()) || is_test_path(path);
        if !text.starts_with("//!") {
            out.push(Offence {
                file: path.clone(),
                line: 1,
                what: "the first line is not a `//!` line saying what the file is for".into(),
            });
        }
        let lines = text.lines().count();
        if !is_test && lines > MAX_LINES {
            out.push(Offence {
                file: path.clone(),
                line: lines,
                what: format!(
                    "{lines} lines, over {MAX_LINES} (split it, or move its tests to a sibling tests.rs)"
                ),
            });
        }
        // The cucumber steps are test code: their phrasings (labels and
        // Japanese page texts included) are the features' vocabulary. Benches
        // and examples build test data (Japanese mails and documents), no UI.
        let steps = path.starts_with("features/")
            || path.starts_with("benches/")
            || path.contains("/benches/")
            || path.contains("/examples/");
        if !is_test
            && !steps
            && let Some(lexed) = lexed.get(path.as_str())
        {
            out.extend(stray_words(path, lexed, labels));
        }
    }
    out.sort();
    out
}

fn is_test_path(path: &str) -> bool {
    path.starts_with("tests/") || path.contains("/tests/") || path.ends_with("/tests.rs")
}

fn allowed(path: &str, list: &[&str]) -> bool {
    list.iter().any(|prefix| path.starts_with(prefix))
}

fn is_japanese(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{309F}' // hiragana
        | '\u{30A0}'..='\u{30FF}' // katakana
        | '\u{3400}'..='\u{4DBF}' // CJK extension A
        | '\u{4E00}'..='\u{9FFF}' // CJK unified ideographs
        | '\u{FF66}'..='\u{FF9F}' // half-width katakana
    )
}

/// Japanese text and engine labels in the string literals of non-test code
/// outside the label tables (and outside the `Engine` label function).
fn stray_words(path: &str, lexed: &Lexed, labels: &[&str]) -> Vec<Offence> {
    let mut out = Vec::new();
    if allowed(path, LABEL_TABLES) {
        return out;
    }
    let label_fns = lexed.engine_label_fns();
    for lit in &lexed.literals {
        if lexed.in_test(lit.offset) {
            continue;
        }
        if !allowed(path, JAPANESE_ALLOWED) && lit.text.chars().any(is_japanese) {
            out.push(Offence {
                file: path.into(),
                line: lit.line,
                what: format!("Japanese UI text outside the label table: {:?}", lit.text),
            });
        }
        if label_fns.iter().any(|r| r.contains(&lit.offset)) {
            continue;
        }
        if let Some(label) = labels.iter().find(|l| contains_words(&lit.text, l)) {
            out.push(Offence {
                file: path.into(),
                line: lit.line,
                what: format!(
                    "engine label {label:?} written outside the label table (use Engine::label): {:?}",
                    lit.text
                ),
            });
        }
    }
    out
}

/// `text` holds `words` with no letter (or `.`, `_`, `-`, `/`) right before
/// or after it.
fn contains_words(text: &str, words: &str) -> bool {
    text.match_indices(words).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + words.len()..].chars().next();
        // `gateway.firewall.published` is a key, not the label.
        let word = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '/');
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

// ---------------------------------------------------------------- lexing

/// A string literal: where it starts, its line, its text as written.
#[derive(Debug)]
struct Literal {
    offset: usize,
    line: usize,
    text: String,
}

/// A file with comments and literal contents blanked (byte offsets kept),
/// its string literals, and the byte ranges of its `#[cfg(test)]` items.
#[derive(Debug)]
struct Lexed {
    code: String,
    literals: Vec<Literal>,
    tests: Vec<std::ops::Range<usize>>,
    /// Modules declared `#[cfg(test)] mod name;`.
    test_mods: Vec<String>,
}

fn ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl Lexed {
    fn new(text: &str) -> Lexed {
        let bytes = text.as_bytes();
        let mut code = Vec::with_capacity(bytes.len());
        let mut literals = Vec::new();
        let mut i = 0;
        let blank = |code: &mut Vec<u8>, span: &[u8]| {
            code.extend(span.iter().map(|&b| if b == b'\n' { b'\n' } else { b' ' }));
        };
        while i < bytes.len() {
            let rest = &bytes[i..];
            let prev_ident = i > 0 && ident_byte(bytes[i - 1]);
            if rest.starts_with(b"//") {
                let end = rest
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(bytes.len(), |n| i + n);
                blank(&mut code, &bytes[i..end]);
                i = end;
            } else if rest.starts_with(b"/*") {
                let mut depth = 0;
                let mut j = i;
                while j < bytes.len() {
                    if bytes[j..].starts_with(b"/*") {
                        depth += 1;
                        j += 2;
                    } else if bytes[j..].starts_with(b"*/") {
                        depth -= 1;
                        j += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        j += 1;
                    }
                }
                blank(&mut code, &bytes[i..j]);
                i = j;
            } else if let Some((open, hashes)) = (!prev_ident).then(|| string_start(rest)).flatten()
            {
                // `open` bytes of prefix and quote; a raw string ends at `"` and `hashes` #.
                let body = i + open;
                let mut j = body;
                let end = loop {
                    if j >= bytes.len() {
                        break bytes.len();
                    }
                    if hashes.is_none() && bytes[j] == b'\\' {
                        j += 2;
                        continue;
                    }
                    if bytes[j] == b'"' {
                        let n = hashes.unwrap_or(0);
                        if bytes[j + 1..]
                            .iter()
                            .take(n)
                            .filter(|&&b| b == b'#')
                            .count()
                            == n
                        {
                            break j;
                        }
                    }
                    j += 1;
                };
                let close = (end + 1 + hashes.unwrap_or(0)).min(bytes.len());
                literals.push(Literal {
                    offset: i,
                    line: 1 + bytes[..i].iter().filter(|&&b| b == b'\n').count(),
                    text: String::from_utf8_lossy(&bytes[body..end.min(bytes.len())]).into_owned(),
                });
                code.extend_from_slice(&bytes[i..body]);
                blank(&mut code, &bytes[body..end.min(bytes.len())]);
                code.extend_from_slice(&bytes[end.min(bytes.len())..close]);
                i = close;
            } else if bytes[i] == b'\'' {
                // A char literal, or a lifetime / label.
                let len = char_literal_len(&text[i..]);
                code.push(b'\'');
                blank(&mut code, &bytes[i + 1..i + len]);
                i += len.max(1);
            } else {
                code.push(bytes[i]);
                i += 1;
            }
        }
        let code = String::from_utf8_lossy(&code).into_owned();
        let (tests, test_mods) = test_items(&code);
        Lexed {
            code,
            literals,
            tests,
            test_mods,
        }
    }

    fn in_test(&self, offset: usize) -> bool {
        self.tests.iter().any(|r| r.contains(&offset))
    }

    fn line_of(&self, offset: usize) -> usize {
        1 + self.code.as_bytes()[..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
    }

    /// The bodies of `fn label` functions that match on `Engine::` variants.
    fn engine_label_fns(&self) -> Vec<std::ops::Range<usize>> {
        self.code
            .match_indices("fn label(")
            .filter_map(|(at, _)| {
                let open = at + self.code[at..].find('{')?;
                let close = matching(&self.code, open)?;
                self.code[open..close]
                    .contains("Engine::")
                    .then_some(open..close)
            })
            .collect()
    }
}

/// The prefix-and-quote length of a string literal starting `rest`, and for
/// a raw string its number of `#`.
fn string_start(rest: &[u8]) -> Option<(usize, Option<usize>)> {
    let prefix = [&b"br"[..], b"cr", b"r", b"b", b"c", b""]
        .into_iter()
        .find(|p| rest.starts_with(p))?;
    let after = &rest[prefix.len()..];
    if prefix.ends_with(b"r") {
        let hashes = after.iter().take_while(|&&b| b == b'#').count();
        (after.get(hashes) == Some(&b'"')).then_some((prefix.len() + hashes + 1, Some(hashes)))
    } else {
        (after.first() == Some(&b'"')).then_some((prefix.len() + 1, None))
    }
}

/// The length of the char literal at the start of `text` (which starts with
/// `'`), or 1 for a lifetime's quote.
fn char_literal_len(text: &str) -> usize {
    let mut chars = text.char_indices().skip(1);
    match chars.next() {
        Some((_, '\\')) => text
            .get(3..)
            .and_then(|t| t.find('\''))
            .map_or(1, |n| n + 4),
        Some((_, c)) => match chars.next() {
            Some((at, '\'')) if c != '\'' => at + 1,
            _ => 1,
        },
        None => 1,
    }
}

/// The offset of the bracket closing the one at `open` in blanked code.
fn matching(code: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, b) in code.bytes().enumerate().skip(open) {
        match b {
            b'{' | b'(' | b'[' => depth += 1,
            b'}' | b')' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The `#[cfg(test)]` items of blanked code (attribute to item end), and the
/// names of the modules declared `#[cfg(test)] mod name;`.
fn test_items(code: &str) -> (Vec<std::ops::Range<usize>>, Vec<String>) {
    let bytes = code.as_bytes();
    let mut ranges = Vec::new();
    let mut mods = Vec::new();
    for (at, attr) in code.match_indices("#[cfg(test)]") {
        let mut i = at + attr.len();
        // Further attributes, then the item up to its `;` or its closing `}`.
        loop {
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if bytes[i..].starts_with(b"#[") {
                match matching(code, i + 1) {
                    Some(close) => i = close + 1,
                    None => break,
                }
            } else {
                break;
            }
        }
        let item_start = i;
        let mut end = bytes.len();
        while i < bytes.len() {
            match bytes[i] {
                b';' => {
                    end = i + 1;
                    break;
                }
                b'{' => {
                    end = matching(code, i).map_or(bytes.len(), |c| c + 1);
                    break;
                }
                b'(' | b'[' => i = matching(code, i).unwrap_or(bytes.len()),
                _ => {}
            }
            i += 1;
        }
        let item = code[item_start..end].trim();
        let item = item
            .strip_prefix("pub(crate) ")
            .or_else(|| item.strip_prefix("pub "))
            .unwrap_or(item);
        if let Some(name) = item.strip_prefix("mod ").and_then(|m| m.strip_suffix(';')) {
            mods.push(name.trim().to_string());
        }
        ranges.push(at..end);
    }
    (ranges, mods)
}

// ---------------------------------------------------------------- cycles

type ModPath = Vec<String>;

/// One crate's module tree: module path -> file.
struct Crate<'a> {
    dir: &'a str,
    modules: BTreeMap<ModPath, (&'a str, &'a Lexed)>,
}

impl<'a> Crate<'a> {
    fn new(dir: &'a str, files: &'a BTreeMap<&'a str, Lexed>) -> Crate<'a> {
        let has_lib = files.contains_key(format!("{dir}/lib.rs").as_str());
        let mut modules = BTreeMap::new();
        for (path, lexed) in files {
            let Some(rel) = path.strip_prefix(dir).and_then(|r| r.strip_prefix('/')) else {
                continue;
            };
            let Some(rel) = rel.strip_suffix(".rs") else {
                continue;
            };
            let mut parts: ModPath = rel.split('/').map(str::to_string).collect();
            // Binaries are crates of their own.
            if parts[0] == "bin" || (has_lib && rel == "main") {
                continue;
            }
            if parts
                .last()
                .is_some_and(|l| ["mod", "lib", "main"].contains(&l.as_str()))
            {
                parts.pop();
            }
            modules.insert(parts, (*path, lexed));
        }
        Crate { dir, modules }
    }

    /// Files whose module is declared under `#[cfg(test)]` (and below).
    fn test_files(&self) -> Vec<&'a str> {
        let mut roots = Vec::new();
        for (me, (_, lexed)) in &self.modules {
            for name in &lexed.test_mods {
                let mut child = me.clone();
                child.push(name.clone());
                roots.push(child);
            }
        }
        self.modules
            .iter()
            .filter(|(m, _)| roots.iter().any(|r| m.starts_with(r)))
            .map(|(_, (path, _))| *path)
            .collect()
    }

    /// The longest module that is a prefix of `path`.
    fn module_of(&self, path: &[String]) -> Option<ModPath> {
        (0..=path.len())
            .rev()
            .map(|k| path[..k].to_vec())
            .find(|p| self.modules.contains_key(p))
    }

    fn cycles(&self) -> Vec<Offence> {
        let tests: BTreeSet<&str> = self.test_files().into_iter().collect();
        // parent -> child -> children it uses, with one example per edge.
        let mut graph: BTreeMap<ModPath, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
        let mut why: BTreeMap<(ModPath, String, String), Offence> = BTreeMap::new();
        for (me, (path, lexed)) in &self.modules {
            if tests.contains(path) {
                continue;
            }
            for (offset, written, target) in uses(me, lexed) {
                if lexed.in_test(offset) {
                    continue;
                }
                let Some(target) = self.module_of(&target) else {
                    continue;
                };
                let i = me.iter().zip(&target).take_while(|(a, b)| a == b).count();
                if i == me.len() || i == target.len() {
                    continue; // a module and its ancestor
                }
                let parent = me[..i].to_vec();
                let (a, b) = (me[i].clone(), target[i].clone());
                graph
                    .entry(parent.clone())
                    .or_default()
                    .entry(a.clone())
                    .or_default()
                    .insert(b.clone());
                why.entry((parent, a, b)).or_insert_with(|| Offence {
                    file: path.to_string(),
                    line: lexed.line_of(offset),
                    what: written,
                });
            }
        }
        let mut out = Vec::new();
        for (parent, edges) in &graph {
            for scc in strongly_connected(edges) {
                let at = if parent.is_empty() {
                    format!("{} (crate root)", self.dir)
                } else {
                    format!("{} `{}`", self.dir, parent.join("::"))
                };
                let mut what =
                    format!("import cycle among the modules of {at}: {}", scc.join(", "));
                let mut first: Option<(String, usize)> = None;
                for a in &scc {
                    for b in edges.get(a).into_iter().flatten() {
                        if let Some(e) = scc
                            .contains(b)
                            .then(|| why.get(&(parent.clone(), a.clone(), b.clone())))
                            .flatten()
                        {
                            what.push_str(&format!(
                                "\n    {a} -> {b}: {}:{}: {}",
                                e.file, e.line, e.what
                            ));
                            first.get_or_insert((e.file.clone(), e.line));
                        }
                    }
                }
                let (file, line) = first.unwrap_or_default();
                out.push(Offence { file, line, what });
            }
        }
        out
    }
}

/// Every `crate::`, `super::`, `self::` path in a file of module `me`: its
/// offset, the path as written, and the full path it names.
fn uses(me: &[String], lexed: &Lexed) -> Vec<(usize, String, Vec<String>)> {
    let code = lexed.code.as_bytes();
    let mut out = Vec::new();
    for head in ["crate", "super", "self"] {
        for (at, _) in lexed.code.match_indices(head) {
            let before = lexed.code[..at].trim_end();
            if at > 0 && (ident_byte(code[at - 1]) || code[at - 1] == b'$')
                || before.ends_with("::")
            {
                continue;
            }
            let mut cursor = Cursor {
                code: &lexed.code,
                at,
            };
            let Some(paths) = cursor.tree() else {
                continue;
            };
            for segs in paths {
                if segs.len() < 2 {
                    continue;
                }
                let mut base: Vec<String> = match head {
                    "crate" => Vec::new(),
                    "self" => me.to_vec(),
                    _ => match me.split_last() {
                        Some((_, parent)) => parent.to_vec(),
                        None => continue,
                    },
                };
                let mut rest = &segs[1..];
                while let Some(("super", tail)) = rest.split_first().map(|(s, t)| (s.as_str(), t)) {
                    if base.pop().is_none() {
                        break;
                    }
                    rest = tail;
                }
                base.extend(rest.iter().filter(|s| *s != "self").cloned());
                let written: Vec<&str> = segs
                    .iter()
                    .enumerate()
                    .filter(|(i, s)| *i == 0 || *s != "self")
                    .map(|(_, s)| s.as_str())
                    .collect();
                out.push((at, written.join("::"), base));
            }
        }
    }
    out
}

/// A reader of `use` trees over blanked code.
struct Cursor<'c> {
    code: &'c str,
    at: usize,
}

impl Cursor<'_> {
    fn skip_ws(&mut self) {
        while self
            .code
            .as_bytes()
            .get(self.at)
            .is_some_and(u8::is_ascii_whitespace)
        {
            self.at += 1;
        }
    }

    fn ident(&mut self) -> Option<String> {
        self.skip_ws();
        let start = self.at;
        while self
            .code
            .as_bytes()
            .get(self.at)
            .copied()
            .is_some_and(ident_byte)
        {
            self.at += 1;
        }
        (self.at > start).then(|| self.code[start..self.at].to_string())
    }

    fn eat(&mut self, s: &str) -> bool {
        self.skip_ws();
        if self.code[self.at..].starts_with(s) {
            self.at += s.len();
            true
        } else {
            false
        }
    }

    /// `a::b::{c, d::{e, self}}` as the full paths it names.
    fn tree(&mut self) -> Option<Vec<Vec<String>>> {
        let mut prefix = vec![self.ident()?];
        while self.eat("::") {
            if self.eat("{") {
                let mut out = Vec::new();
                loop {
                    if self.eat("}") {
                        return Some(out);
                    }
                    let inner = self.tree().unwrap_or_default();
                    out.extend(
                        inner
                            .into_iter()
                            .map(|tail| [prefix.clone(), tail].concat()),
                    );
                    if !self.eat(",") {
                        self.eat("}");
                        return Some(out);
                    }
                }
            }
            if self.eat("*") {
                break;
            }
            match self.ident() {
                Some(seg) => prefix.push(seg),
                None => break,
            }
        }
        if self.eat("as") {
            self.ident();
        }
        Some(vec![prefix])
    }
}

/// The strongly connected components of more than one node (Tarjan).
fn strongly_connected(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'g> {
        edges: &'g BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on: BTreeSet<&'g str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on.insert(v);
        for w in s.edges.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(lw));
            } else if s.on.contains(w) {
                let iw = s.index[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(iw));
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on.remove(w);
                comp.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                s.out.push(comp);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out
}

// ---------------------------------------------------------------- tests

fn engine_labels() -> Vec<&'static str> {
    appliance::Engine::ALL.iter().map(|e| e.label()).collect()
}

#[test]
fn the_workspace_is_tidy() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tree = Tree::workspace(root).expect("the workspace's sources read");
    let offences = check(&tree, &engine_labels());
    for offence in &offences {
        eprintln!("{offence}");
    }
    assert!(
        offences.is_empty(),
        "{} tidy offences (listed above)",
        offences.len()
    );
}

mod tests {
    //! The checker itself can fail: small trees in memory, one rule each.

    use super::{Tree, check};

    const LABELS: &[&str] = &["C&C callback", "URL filtering"];

    fn tree(files: &[(&str, &str)]) -> Tree {
        Tree {
            files: files
                .iter()
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .collect(),
            crates: vec!["c/src".into()],
        }
    }

    fn offences(files: &[(&str, &str)]) -> Vec<String> {
        check(&tree(files), LABELS)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn a_clean_tree_has_no_offence() {
        let found = offences(&[
            ("c/src/lib.rs", "//! Root.\nmod a;\nmod b;\n"),
            ("c/src/a.rs", "//! A.\nuse crate::b::X;\n"),
            ("c/src/b.rs", "//! B.\npub struct X;\n"),
        ]);
        assert_eq!(found, Vec::<String>::new());
    }

    #[test]
    fn a_cycle_between_siblings_is_found_with_one_use_per_edge() {
        let found = offences(&[
            ("c/src/lib.rs", "//! Root.\nmod a;\nmod b;\n"),
            ("c/src/a.rs", "//! A.\nuse crate::b::X;\npub struct Y;\n"),
            ("c/src/b.rs", "//! B.\n\nuse super::a::Y;\npub struct X;\n"),
        ]);
        assert_eq!(found.len(), 1, "{found:#?}");
        let cycle = &found[0];
        assert!(
            cycle.contains("import cycle among the modules of c/src (crate root): a, b"),
            "{cycle}"
        );
        assert!(
            cycle.contains("a -> b: c/src/a.rs:2: crate::b::X"),
            "{cycle}"
        );
        assert!(
            cycle.contains("b -> a: c/src/b.rs:3: super::a::Y"),
            "{cycle}"
        );
    }

    #[test]
    fn a_cycle_is_lifted_to_the_children_of_the_common_ancestor() {
        // inspect::web::x uses inspect::url (via a use group), and
        // inspect::url uses inspect::web::y: a cycle in `inspect`.
        let found = offences(&[
            ("c/src/lib.rs", "//! Root.\nmod inspect;\n"),
            ("c/src/inspect/mod.rs", "//! Inspect.\nmod url;\nmod web;\n"),
            ("c/src/inspect/web/mod.rs", "//! Web.\nmod x;\nmod y;\n"),
            (
                "c/src/inspect/web/x.rs",
                "//! X.\nuse crate::inspect::{url::Url, web::y};\n",
            ),
            ("c/src/inspect/web/y.rs", "//! Y.\npub struct Y;\n"),
            ("c/src/inspect/url.rs", "//! Url.\nuse super::web::y::Y;\n"),
        ]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].contains("c/src `inspect`: url, web"),
            "{}",
            found[0]
        );
    }

    #[test]
    fn uses_of_ancestors_and_in_test_code_are_no_cycle() {
        let found = offences(&[
            ("c/src/lib.rs", "//! Root.\nmod a;\nmod b;\npub struct R;\n"),
            (
                "c/src/a/mod.rs",
                "//! A.\nmod inner;\nuse crate::R;\nuse crate::b::X;\n",
            ),
            ("c/src/a/inner.rs", "//! Inner.\nuse super::super::a::Z;\n"),
            (
                "c/src/b.rs",
                "//! B.\nfn f<'a>(s: &'a str) -> char { let _ = \"}{\"; '}' }\n\
                 #[cfg(test)]\n#[allow(unused)]\nmod tests {\n    use crate::a::Z;\n    fn g() { let _ = \"{\"; }\n}\n\
                 #[cfg(test)]\nmod more;\n",
            ),
            ("c/src/b/more.rs", "//! Test helpers.\nuse crate::a::Z;\n"),
        ]);
        assert_eq!(found, Vec::<String>::new());
    }

    #[test]
    fn a_long_file_is_found_unless_it_is_a_test_file() {
        let long = format!("//! Long.\n{}", "fn f() {}\n".repeat(800));
        let found = offences(&[
            (
                "c/src/lib.rs",
                "//! Root.\nmod big;\nmod t;\n#[cfg(test)]\nmod helpers;\n",
            ),
            ("c/src/big.rs", &long),
            ("c/src/t/tests.rs", &long),
            ("c/src/helpers.rs", &long),
            ("c/tests/it.rs", &long),
        ]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].starts_with("c/src/big.rs:801: 801 lines, over 800"),
            "{}",
            found[0]
        );
    }

    #[test]
    fn a_file_without_its_doc_line_is_found() {
        let found = offences(&[
            ("c/src/lib.rs", "//! Root.\nmod a;\n"),
            ("c/src/a.rs", "/// Not a module doc.\npub struct A;\n"),
        ]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].starts_with("c/src/a.rs:1: the first line is not a `//!` line"));
    }

    #[test]
    fn a_stray_engine_label_is_found_outside_the_label_function() {
        let found = offences(&[
            ("c/src/lib.rs", "//! Root.\nmod a;\nmod event;\n"),
            (
                "c/src/a.rs",
                "//! A.\n// \"C&C callback\" in a comment is fine\nfn f() -> &'static str {\n    \"C&C callback\"\n}\n\
                 fn g() -> String { format!(\"{} URL filtering hits\", 3) }\nfn h() -> &'static str { \"URL filterings\" }\n\
                 const KEY: &str = \"gateway.URL filtering.x\";\n\
                 #[cfg(test)]\nmod tests {\n    const L: &str = \"C&C callback\";\n}\n",
            ),
            (
                "c/src/event.rs",
                "//! Events.\nimpl Engine {\n    pub fn label(self) -> &'static str {\n        match self {\n            Engine::Cnc => \"C&C callback\",\n        }\n    }\n}\n",
            ),
            (
                "cloud/src/labels.rs",
                "//! The label table.\nconst CNC: &str = \"C&C callback\";\n",
            ),
        ]);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[0].starts_with("c/src/a.rs:4: engine label \"C&C callback\""),
            "{}",
            found[0]
        );
        assert!(
            found[1].starts_with("c/src/a.rs:6: engine label \"URL filtering\""),
            "{}",
            found[1]
        );
    }

    #[test]
    fn japanese_text_is_found_outside_the_label_tables() {
        let found = offences(&[
            ("c/src/lib.rs", "//! Root.\nmod a;\n"),
            (
                "c/src/a.rs",
                "//! A. ブロック in a doc line is fine.\nconst S: &str = r#\"ブロック中\"#;\nconst C: char = 'ア';\nconst E: &str = \"block\";\n",
            ),
            (
                "cloud/src/labels/table.rs",
                "//! The report's labels.\nconst S: &str = \"ブロック中\";\n",
            ),
        ]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].starts_with(
                "c/src/a.rs:2: Japanese UI text outside the label table: \"ブロック中\""
            ),
            "{}",
            found[0]
        );
    }

    #[test]
    fn the_engine_labels_come_from_the_engine() {
        let labels = super::engine_labels();
        assert!(labels.contains(&"C&C callback"), "{labels:?}");
        assert!(labels.contains(&"URL filtering"), "{labels:?}");
    }

    #[test]
    fn the_members_are_read_from_the_manifest() {
        let manifest = "[workspace]\nmembers = [\n  \"appliance\",\n  \"cloud\", \"firmware\",\n]\nresolver = \"3\"\n";
        assert_eq!(super::members(manifest), ["appliance", "cloud", "firmware"]);
    }
}
