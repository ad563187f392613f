//! Diagnostics as text for people (source snippets through miette), as a
//! one-line-per-problem `short` form for grep and tests, and as JSON.

use std::fmt::Write as _;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use serde::Serialize;

use crate::diag::{Diagnostic, Diagnostics, Severity, Sources};

/// The version of the JSON output; bumped on any incompatible change.
pub const JSON_VERSION: u32 = 1;

/// Options for human output.
#[derive(Debug, Clone, Copy)]
pub struct TextStyle {
    pub color: bool,
    pub unicode: bool,
    pub width: usize,
}

/// Human output: each diagnostic with its snippet, label and hint.
#[must_use]
pub fn text(diagnostics: &Diagnostics, sources: &Sources, style: TextStyle) -> String {
    let theme = match (style.unicode, style.color) {
        (true, true) => GraphicalTheme::unicode(),
        (true, false) => GraphicalTheme::unicode_nocolor(),
        (false, true) => GraphicalTheme::ascii(),
        (false, false) => GraphicalTheme::none(),
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false)
        .with_context_lines(1);
    let mut out = String::new();
    for d in diagnostics {
        let report = Report::new(d, sources);
        if handler.render_report(&mut out, &report).is_err() {
            let _ = writeln!(out, "{}", short_one(d));
        }
        out.push('\n');
    }
    out
}

/// One line per diagnostic (`file:line:col: error[code]: message`), with
/// the hint and further labels indented below.
#[must_use]
pub fn short(diagnostics: &Diagnostics) -> String {
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&short_one(d));
        out.push('\n');
    }
    out
}

fn short_one(d: &Diagnostic) -> String {
    let mut s = String::new();
    let severity = severity_word(d.severity);
    match d.primary() {
        Some(at) => {
            let _ = write!(s, "{at}: {severity}[{}]: {}", d.code, d.message);
        }
        None => {
            let _ = write!(s, "{severity}[{}]: {}", d.code, d.message);
        }
    }
    for label in d.labels.iter().skip(1) {
        let _ = write!(
            s,
            "\n  {}: {}",
            label.location,
            label.message.as_deref().unwrap_or("related")
        );
    }
    if let Some(hint) = &d.hint {
        let _ = write!(s, "\n  hint: {hint}");
    }
    s
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

#[derive(Serialize)]
struct JsonReport<'a, S: Serialize> {
    version: u32,
    valid: bool,
    errors: usize,
    warnings: usize,
    diagnostics: &'a Diagnostics,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<S>,
}

/// Machine output: a versioned document with every diagnostic and, when
/// given, a summary of what was checked.
#[must_use]
pub fn json<S: Serialize>(diagnostics: &Diagnostics, summary: Option<S>) -> String {
    let report = JsonReport {
        version: JSON_VERSION,
        valid: !diagnostics.has_errors(),
        errors: diagnostics.count(Severity::Error),
        warnings: diagnostics.count(Severity::Warning),
        diagnostics,
        summary,
    };
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}

/// A diagnostic as miette sees it: labels in the primary file become
/// snippet labels; locations in other files are listed in the help text.
struct Report {
    message: String,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
}

impl Report {
    fn new(d: &Diagnostic, sources: &Sources) -> Self {
        let primary = d.primary();
        let source = primary.and_then(|at| sources.get(&at.file)).and_then(|f| {
            f.text()
                .map(|text| NamedSource::new(f.path.display().to_string(), text.to_string()))
        });
        let mut labels = Vec::new();
        let mut elsewhere = Vec::new();
        for (i, label) in d.labels.iter().enumerate() {
            let same_file = primary.is_some_and(|p| p.file == label.location.file);
            if source.is_some() && same_file {
                let len = label.location.len.max(1);
                let span = SourceSpan::new(label.location.offset.into(), len);
                let text = label
                    .message
                    .clone()
                    .or_else(|| (i == 0).then(|| "here".to_owned()));
                labels.push(if i == 0 {
                    LabeledSpan::new_primary_with_span(text, span)
                } else {
                    LabeledSpan::new_with_span(text, span)
                });
            } else {
                elsewhere.push(format!(
                    "{}: {}",
                    label.location,
                    label.message.as_deref().unwrap_or("here")
                ));
            }
        }
        let mut help = d.hint.clone();
        if !elsewhere.is_empty() {
            let note = elsewhere.join("\n");
            help = Some(match help {
                Some(h) => format!("{h}\n{note}"),
                None => note,
            });
        }
        Self {
            message: format!("{}[{}]: {}", severity_word(d.severity), d.code, d.message),
            severity: match d.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
            },
            help,
            source,
            labels,
        }
    }
}

impl std::fmt::Debug for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
}
