//! Size and nesting limits checked on YAML text before any YAML parser sees it.
//!
//! serde_yaml 0.9 (libyaml underneath) has no parse budget: its only bound is
//! a recursion limit applied while deserializing, after the whole event
//! stream has been read, and reading a document nested 100,000 levels deep
//! takes time growing with the square of the depth (over 40 s for 200 KB).
//! So every YAML the project reads from a user (scenario, office, policy,
//! gateway and intel files, the console's profile POST) goes through
//! [`check`] first: one linear pass that refuses text larger than
//! [`YamlLimits::max_bytes`] or nesting deeper than
//! [`YamlLimits::max_depth`], naming the line and column where the limit is
//! crossed.
//!
//! The depth counted is an upper bound of the document's: flow collections
//! (`[`, `{`) open outside quotes and comments, plus the block structure
//! (one level per indentation step still open, one per `- ` or `? ` that
//! starts a compact nested entry on the same line). Block scalars (`|`,
//! `>`) are skipped. Overcounting by a level in odd layouts is harmless: the
//! project's files nest fewer than 10 levels and the limit is 64.

use std::fmt;

/// The limits [`check`] enforces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct YamlLimits {
    /// Largest accepted text, in bytes.
    pub max_bytes: usize,
    /// Deepest accepted nesting of collections.
    pub max_depth: usize,
}

impl YamlLimits {
    /// For files and posted profiles: 1 MiB (the largest shipped scenario is
    /// 6 KB) and 64 levels (serde_yaml itself stops at 128 while
    /// deserializing; the shipped files nest fewer than 10).
    pub const DEFAULT: YamlLimits = YamlLimits {
        max_bytes: 1 << 20,
        max_depth: 64,
    };
}

impl Default for YamlLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Text refused before parsing: where (1-based line and column, in
/// characters) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlLimitError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for YamlLimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for YamlLimitError {}

/// Checks `text` against `limits` in one pass, without parsing it.
pub fn check(text: &str, limits: YamlLimits) -> Result<(), YamlLimitError> {
    if text.len() > limits.max_bytes {
        return Err(YamlLimitError {
            line: 1,
            column: 1,
            message: format!(
                "the YAML text is {} bytes, more than the {} allowed",
                text.len(),
                limits.max_bytes
            ),
        });
    }
    let mut scan = Scan {
        limits,
        indents: Vec::new(),
        flow: 0,
        quote: None,
        block_scalar: None,
    };
    for (i, line) in text.lines().enumerate() {
        scan.line(i + 1, line)?;
    }
    Ok(())
}

struct Scan {
    limits: YamlLimits,
    /// Indentations of the open block levels, increasing.
    indents: Vec<usize>,
    /// Open flow collections.
    flow: usize,
    /// The quote a flow scalar is open in (quoted scalars may span lines).
    quote: Option<char>,
    /// Inside a block scalar whose parent is indented this much: lines
    /// indented more (or blank) belong to it.
    block_scalar: Option<usize>,
}

impl Scan {
    fn line(&mut self, line_no: usize, line: &str) -> Result<(), YamlLimitError> {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let body = &line[indent..];
        if let Some(parent) = self.block_scalar {
            if body.trim().is_empty() || indent > parent {
                return Ok(());
            }
            self.block_scalar = None;
        }
        let content = body.trim();
        if self.quote.is_none() && self.flow == 0 {
            if content.is_empty() || content.starts_with('#') {
                return Ok(());
            }
            if content == "---" || content == "..." || content.starts_with("--- ") {
                self.indents.clear();
                return Ok(());
            }
            while self.indents.last().is_some_and(|&top| top > indent) {
                self.indents.pop();
            }
            if self.indents.last().is_none_or(|&top| top < indent) {
                self.indents.push(indent);
            }
        }
        let base = self.indents.len();
        let mut compact = 0;
        // Where a node may start: quotes, flow collections and block
        // scalar indicators only mean something there (`it's`, `a[1]`
        // and `x | y` are plain text).
        let mut node_start = true;
        let mut in_block_entry = self.quote.is_none() && self.flow == 0;
        let mut prev_blank = true;
        let mut chars = body.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if let Some(q) = self.quote {
                if c == q {
                    // '' inside a single-quoted scalar is an escaped quote.
                    if q == '\'' && chars.peek().is_some_and(|&(_, n)| n == '\'') {
                        chars.next();
                    } else {
                        self.quote = None;
                    }
                } else if c == '\\' && q == '"' {
                    chars.next();
                }
                prev_blank = false;
                node_start = false;
                continue;
            }
            let next_blank = chars.peek().is_none_or(|&(_, n)| n == ' ' || n == '\t');
            let blank = c == ' ' || c == '\t';
            match c {
                _ if blank => {}
                '#' if prev_blank => break,
                '"' | '\'' if node_start => self.quote = Some(c),
                '[' | '{' if node_start || self.flow > 0 => {
                    self.flow += 1;
                    node_start = true;
                }
                ']' | '}' if self.flow > 0 => {
                    self.flow -= 1;
                    node_start = false;
                }
                ',' if self.flow > 0 => node_start = true,
                ':' if next_blank || self.flow > 0 => node_start = true,
                '-' | '?' if in_block_entry && next_blank => {
                    compact += 1;
                    node_start = true;
                }
                '|' | '>' if self.flow == 0 && node_start => {
                    let rest = &body[i + c.len_utf8()..];
                    let rest = rest.split(" #").next().unwrap_or("").trim();
                    if rest
                        .chars()
                        .all(|r| r.is_ascii_digit() || r == '+' || r == '-')
                    {
                        self.block_scalar = Some(indent);
                        break;
                    }
                    node_start = false;
                }
                _ => node_start = false,
            }
            let entry_indicator = matches!(c, '-' | '?') && next_blank;
            if !(blank || entry_indicator) {
                in_block_entry = false;
            }
            prev_blank = blank;
            let depth = base + compact + self.flow;
            if depth > self.limits.max_depth {
                return Err(YamlLimitError {
                    line: line_no,
                    column: line[..indent + i].chars().count() + 1,
                    message: format!(
                        "the YAML nests deeper than {} levels",
                        self.limits.max_depth
                    ),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
