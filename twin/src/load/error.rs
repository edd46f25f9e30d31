//! Load errors: every one names `file:line:column` and carries the source, so
//! miette can draw the offending line with a label under the exact value.

use super::index::{Index, LineStarts, Span};
use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode};
use std::fmt;
use std::sync::OnceLock;

/// Why a scenario or office could not be loaded.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum LoadError {
    /// The input is wrong at a known place (syntax, types, references).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Invalid(Box<SourceError>),
    /// A file could not be read at all.
    #[error("{path}: {source}")]
    #[diagnostic(code(officetwin::load::io))]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// `scenario(id)` named a scenario the catalog lacks.
    #[error("unknown scenario `{id}`; known scenarios: {}", known.join(", "))]
    #[diagnostic(code(officetwin::load::unknown_scenario))]
    UnknownScenario { id: String, known: Vec<String> },
    /// `office(id)` named an office the catalog lacks.
    #[error("unknown office `{id}`; known offices: {}", known.join(", "))]
    #[diagnostic(code(officetwin::load::unknown_office))]
    UnknownOffice { id: String, known: Vec<String> },
    /// An IPS rule file did not parse (`FILE:LINE:COL: reason`).
    #[error(transparent)]
    #[diagnostic(code(officetwin::load::rules))]
    Rules(#[from] appliance::inspect::ips::RuleError),
    /// `policy(id)` named a policy the catalog lacks.
    #[error("unknown policy `{id}`; known policies: {}", known.join(", "))]
    #[diagnostic(code(officetwin::load::unknown_policy))]
    UnknownPolicy { id: String, known: Vec<String> },
}

impl LoadError {
    /// The error's place in its file, for those that have one.
    pub fn source_error(&self) -> Option<&SourceError> {
        match self {
            LoadError::Invalid(e) => Some(e),
            _ => None,
        }
    }
}

/// Bad input at `file:line:column`.
///
/// `Display` is one line, `FILE:LINE:COL: message`, the shape compilers use so
/// editors and CI logs link straight to it; printed through miette it also
/// shows the line with the offending value underlined.
#[derive(Debug)]
pub struct SourceError {
    file: String,
    line: usize,
    column: usize,
    message: String,
    label: String,
    help: Option<String>,
    span: Span,
    /// `None` when the offending line is too long to draw
    /// ([`MAX_DRAWN_LINE`]): the one-line location says where it is.
    src: Option<NamedSource<String>>,
}

/// The longest line drawn under a diagnostic. A refused YAML file can be one
/// line of 200 KB (a nesting bomb); drawing it would flood the terminal.
pub const MAX_DRAWN_LINE: usize = 400;

impl SourceError {
    pub fn file(&self) -> &str {
        &self.file
    }
    /// 1-based.
    pub fn line(&self) -> usize {
        self.line
    }
    /// 1-based, in characters.
    pub fn column(&self) -> usize {
        self.column
    }
    /// The message without the location.
    pub fn message(&self) -> &str {
        &self.message
    }
    pub fn help_text(&self) -> Option<&str> {
        self.help.as_deref()
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for SourceError {}

impl Diagnostic for SourceError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("officetwin::load::invalid"))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'a>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.src.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.src.as_ref()?;
        let label = LabeledSpan::new(Some(self.label.clone()), self.span.offset, self.span.len);
        Some(Box::new(std::iter::once(label)))
    }
}

/// One YAML text being loaded: its displayed path, its text, and (built only
/// when a semantic error needs it) its position index.
pub(crate) struct Doc<'a> {
    pub path: &'a str,
    pub text: &'a str,
    lines: LineStarts,
    index: OnceLock<Index>,
}

impl<'a> Doc<'a> {
    pub fn new(path: &'a str, text: &'a str) -> Self {
        Doc {
            path,
            text,
            lines: LineStarts::new(text),
            index: OnceLock::new(),
        }
    }

    fn index(&self) -> &Index {
        self.index.get_or_init(|| Index::build(self.text))
    }

    /// Whether the document writes the node at `yaml_path` out (rather than
    /// leaving it to a default).
    pub fn has(&self, yaml_path: &str) -> bool {
        self.index().has(yaml_path)
    }

    /// The 1-based line of the node at `yaml_path`, for "first defined at".
    pub fn line_of(&self, yaml_path: &str) -> usize {
        let offset = self.index().lookup(yaml_path).map_or(0, |s| s.offset);
        self.lines.line_col(self.text, offset).0
    }

    /// An error about the node at `yaml_path` (e.g. `actors[3].host`).
    pub fn error_at(&self, yaml_path: &str, message: impl Into<String>) -> Problem<'_> {
        let span = self
            .index()
            .lookup(yaml_path)
            .unwrap_or(Span { offset: 0, len: 0 });
        Problem {
            doc: self,
            span,
            message: message.into(),
            label: None,
            help: None,
        }
    }

    /// Reads the text into `T` with serde_yaml, after the size and nesting
    /// limits of [`appliance::yaml_guard`] (refused text is never parsed).
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, LoadError> {
        self.guard()?;
        serde_yaml::from_str(self.text).map_err(|e| self.serde_error(&e))
    }

    /// The size and nesting limits, as a located error.
    pub fn guard(&self) -> Result<(), LoadError> {
        use appliance::yaml_guard::{YamlLimits, check};
        check(self.text, YamlLimits::DEFAULT).map_err(|e| {
            let offset = self.lines.offset(self.text, e.line, e.column);
            Problem {
                doc: self,
                span: Span { offset, len: 1 },
                message: e.message,
                label: Some("limit crossed here".to_string()),
                help: Some(format!(
                    "YAML files may be at most {} bytes and nest at most {} levels",
                    YamlLimits::DEFAULT.max_bytes,
                    YamlLimits::DEFAULT.max_depth
                )),
            }
            .into()
        })
    }

    /// Turns a serde_yaml error into a located one.
    pub fn serde_error(&self, error: &serde_yaml::Error) -> LoadError {
        let mut message = error.to_string();
        let span = match error.location() {
            Some(loc) => {
                // serde_yaml appends (or, for syntax errors, embeds) the
                // location in words; ours leads the line instead.
                let words = format!(" at line {} column {}", loc.line(), loc.column());
                message = message.replacen(&words, "", 1);
                let offset = self.lines.offset(self.text, loc.line(), loc.column());
                let rest = &self.text[offset..];
                let len = rest
                    .find(['\n', '\r', ':', ',', '}', ']'])
                    .unwrap_or(rest.len());
                Span {
                    offset,
                    len: rest[..len].trim_end().len().max(1),
                }
            }
            None => Span { offset: 0, len: 0 },
        };
        Problem {
            doc: self,
            span,
            message,
            label: Some("here".to_string()),
            help: None,
        }
        .into()
    }
}

/// A located error under construction; converts into a [`LoadError`].
pub(crate) struct Problem<'d> {
    doc: &'d Doc<'d>,
    span: Span,
    message: String,
    label: Option<String>,
    help: Option<String>,
}

impl Problem<'_> {
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl From<Problem<'_>> for LoadError {
    fn from(problem: Problem<'_>) -> LoadError {
        let Problem {
            doc,
            span,
            message,
            label,
            help,
        } = problem;
        let (line, column) = doc.lines.line_col(doc.text, span.offset);
        // Bytes, not str slices: an offset need not be a char boundary.
        let bytes = doc.text.as_bytes();
        let at = span.offset.min(bytes.len());
        let line_start = bytes[..at]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        let line_len = bytes[line_start..]
            .iter()
            .position(|b| *b == b'\n')
            .unwrap_or(bytes.len() - line_start);
        let src = (line_len <= MAX_DRAWN_LINE)
            .then(|| NamedSource::new(doc.path, doc.text.to_string()).with_language("yaml"));
        LoadError::Invalid(Box::new(SourceError {
            file: doc.path.to_string(),
            line,
            column,
            label: label.unwrap_or_else(|| message.clone()),
            message,
            help,
            span,
            src,
        }))
    }
}
