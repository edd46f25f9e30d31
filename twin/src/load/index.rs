//! Where each YAML node sits in its file: a `path -> span` index.
//!
//! serde_yaml locates the errors it finds itself, but a reference that only
//! fails once the whole file is known (an actor on a host the office lacks, a
//! duplicate IP) is found on the validated values, long after serde let go of
//! the positions. So the loader parses the text a second time with
//! yaml-rust2's marked events and records where every value node starts,
//! keyed by the same dotted path the validators use: `actors[3].host`,
//! `internet.sites[0].ip`, `hosts[12].mac`.

use std::collections::HashMap;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A byte range of the source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub offset: usize,
    pub len: usize,
}

/// Spans of the value nodes of one YAML document, by path.
#[derive(Debug, Default)]
pub(crate) struct Index {
    spans: HashMap<String, Span>,
}

impl Index {
    /// Indexes `text`. A text yaml-rust2 cannot parse gives a partial index;
    /// that only costs precision, since serde_yaml has accepted the text
    /// before anyone asks for a position.
    pub fn build(text: &str) -> Index {
        let mut builder = Builder {
            text,
            lines: LineStarts::new(text),
            stack: Vec::new(),
            index: Index::default(),
        };
        let mut parser = Parser::new_from_str(text);
        // Errors are deliberately dropped: see the doc above.
        let _ = parser.load(&mut builder, false);
        builder.index
    }

    /// Whether the document spells out the node at `path` itself.
    pub fn has(&self, path: &str) -> bool {
        self.spans.contains_key(path)
    }

    /// The span of the node at `path`, or of its nearest indexed ancestor
    /// (a missing optional key is best shown at the mapping that lacks it).
    pub fn lookup(&self, path: &str) -> Option<Span> {
        let mut path = path;
        loop {
            if let Some(span) = self.spans.get(path) {
                return Some(*span);
            }
            if path.is_empty() {
                return None;
            }
            path = parent(path);
        }
    }
}

/// `a.b[3].c` -> `a.b[3]` -> `a.b` -> `a` -> ``.
fn parent(path: &str) -> &str {
    match path.rfind(['.', '[']) {
        Some(cut) => &path[..cut],
        None => "",
    }
}

enum Frame {
    Map {
        path: String,
        /// The key whose value comes next; `None` while a key is awaited.
        key: Option<String>,
        /// Whether the first key is still to come: block mappings are
        /// marked at their first `:`, but a person looks for the first key.
        first_key: bool,
    },
    Seq {
        path: String,
        next: usize,
    },
}

struct Builder<'a> {
    text: &'a str,
    lines: LineStarts,
    stack: Vec<Frame>,
    index: Index,
}

impl Builder<'_> {
    /// The path of the node that starts now, or `None` if it is a mapping key.
    fn child_path(&self) -> Option<String> {
        match self.stack.last() {
            None => Some(String::new()),
            Some(Frame::Map { key: None, .. }) => None,
            Some(Frame::Map {
                path,
                key: Some(key),
                ..
            }) => Some(if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            }),
            Some(Frame::Seq { path, next }) => Some(format!("{path}[{next}]")),
        }
    }

    /// Moves the enclosing container past a finished node.
    fn node_done(&mut self, scalar_key: Option<&str>) {
        match self.stack.last_mut() {
            Some(Frame::Map { key, .. }) => {
                *key = match key {
                    // A complex (non-scalar) key gets a name nobody looks up.
                    None => Some(scalar_key.unwrap_or("?").to_string()),
                    Some(_) => None,
                }
            }
            Some(Frame::Seq { next, .. }) => *next += 1,
            None => {}
        }
    }

    /// Moves the span of a mapping whose first key starts at `offset` there.
    fn mark_mapping_at_first_key(&mut self, offset: usize) {
        let len = self.rest_of_line(offset).max(1);
        if let Some(Frame::Map {
            path,
            key: None,
            first_key,
        }) = self.stack.last_mut()
            && *first_key
        {
            *first_key = false;
            self.index.spans.insert(path.clone(), Span { offset, len });
        }
    }

    fn record(&mut self, path: &Option<String>, span: Span) {
        if let Some(path) = path {
            self.index.spans.entry(path.clone()).or_insert(span);
        }
    }

    fn offset(&self, mark: Marker) -> usize {
        // yaml-rust2 counts `index` in characters and `col` from 0; the line
        // and column pin the byte offset down without either doubt.
        self.lines.offset(self.text, mark.line(), mark.col() + 1)
    }

    /// The rest of the line from `offset`, without trailing blanks or a comment.
    fn rest_of_line(&self, offset: usize) -> usize {
        let rest = &self.text[offset..];
        let line = rest.split(['\n', '\r']).next().unwrap_or("");
        let line = match line.find(" #") {
            Some(cut) => &line[..cut],
            None => line,
        };
        line.trim_end().len()
    }

    fn scalar_len(&self, offset: usize, value: &str, style: TScalarStyle) -> usize {
        let line = self.rest_of_line(offset);
        let guess = match style {
            TScalarStyle::Plain => value.len(),
            TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted => value.len() + 2,
            TScalarStyle::Literal | TScalarStyle::Folded => line,
        };
        guess.min(line).max(1)
    }
}

impl MarkedEventReceiver for Builder<'_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let offset = self.offset(mark);
        match ev {
            Event::Scalar(value, style, _, _) => {
                self.mark_mapping_at_first_key(offset);
                let path = self.child_path();
                let len = self.scalar_len(offset, &value, style);
                self.record(&path, Span { offset, len });
                self.node_done(Some(&value));
            }
            Event::Alias(_) => {
                self.mark_mapping_at_first_key(offset);
                let path = self.child_path();
                let len = self.rest_of_line(offset).max(1);
                self.record(&path, Span { offset, len });
                self.node_done(None);
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                self.mark_mapping_at_first_key(offset);
                let path = self.child_path();
                let len = self.rest_of_line(offset).max(1);
                self.record(&path, Span { offset, len });
                let path = path.unwrap_or_else(|| "?".to_string());
                self.stack.push(match ev {
                    Event::MappingStart(..) => Frame::Map {
                        path,
                        key: None,
                        first_key: true,
                    },
                    _ => Frame::Seq { path, next: 0 },
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
                self.node_done(None);
            }
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart
            | Event::DocumentEnd => {}
        }
    }
}

/// Byte offsets of line starts, to turn line:column into an offset and back.
#[derive(Debug)]
pub(crate) struct LineStarts(Vec<usize>);

impl LineStarts {
    pub fn new(text: &str) -> LineStarts {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineStarts(starts)
    }

    /// The byte offset of 1-based `line` and 1-based character `column`,
    /// clamped to the text.
    pub fn offset(&self, text: &str, line: usize, column: usize) -> usize {
        let Some(&start) = self.0.get(line.saturating_sub(1)) else {
            return text.len();
        };
        let line_text = &text[start..];
        let line_text = &line_text[..line_text.find('\n').unwrap_or(line_text.len())];
        let within = line_text
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(line_text.len(), |(i, _)| i);
        start + within
    }

    /// 1-based line and character column of a byte offset.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self.0.partition_point(|&start| start <= offset);
        let start = self.0[line.saturating_sub(1)];
        let column = text
            .get(start..offset)
            .map_or(1, |prefix| prefix.chars().count() + 1);
        (line, column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "\
title: テスト office
hosts:
  - name: PC-XP   # the infected one
    ip: 192.168.1.11
  - {name: 'PC-01', ip: 192.168.1.12}
nested:
  list: [a, b]
  map:
    deep: 1
";

    fn at(path: &str) -> (usize, usize, &'static str) {
        let index = Index::build(DOC);
        let span = index.lookup(path).expect("indexed");
        let (line, col) = LineStarts::new(DOC).line_col(DOC, span.offset);
        (line, col, &DOC[span.offset..span.offset + span.len])
    }

    #[test]
    fn finds_values_by_path() {
        assert_eq!(at("title"), (1, 8, "テスト office"));
        assert_eq!(at("hosts[0].name"), (3, 11, "PC-XP"));
        assert_eq!(at("hosts[0].ip"), (4, 9, "192.168.1.11"));
        assert_eq!(at("hosts[1].name"), (5, 12, "'PC-01'"));
        assert_eq!(at("hosts[1].ip"), (5, 25, "192.168.1.12"));
        assert_eq!(at("nested.list[1]"), (7, 13, "b"));
        assert_eq!(at("nested.map.deep"), (9, 11, "1"));
    }

    #[test]
    fn falls_back_to_the_nearest_ancestor() {
        assert_eq!(at("hosts[0].user"), (3, 5, "name: PC-XP"));
        assert_eq!(at("hosts[1].user").0, 5);
        assert_eq!(at("nested.map.missing"), (9, 5, "deep: 1"));
    }

    #[test]
    fn line_col_round_trips() {
        let lines = LineStarts::new(DOC);
        for (line, col) in [(1, 1), (1, 8), (3, 11), (9, 5)] {
            let offset = lines.offset(DOC, line, col);
            assert_eq!(lines.line_col(DOC, offset), (line, col));
        }
    }
}
