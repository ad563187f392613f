//! The one place pxmctl writes to the terminal: stdout for a command's
//! product, stderr for notes and errors, colour only where it can be seen.

use std::io::{IsTerminal, Write};

use crate::render::diagnostics::TextStyle;

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(super) enum ColorChoice {
    /// Colour when writing to a terminal and `NO_COLOR` is unset.
    #[default]
    Auto,
    Always,
    Never,
}

/// Output settings decided once per run.
#[derive(Debug, Clone, Copy)]
pub(super) struct Output {
    pub color: bool,
    pub unicode: bool,
    pub width: usize,
    /// `-q`: progress notes ([`Output::note`]) are not written.
    pub quiet: bool,
}

impl Output {
    #[must_use]
    pub(super) fn new(choice: ColorChoice) -> Self {
        let terminal = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && !no_color,
        };
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(100);
        Self {
            color,
            unicode: terminal,
            width,
            quiet: false,
        }
    }

    /// The same output without progress notes (`-q`).
    #[must_use]
    pub(super) fn quieted(self, quiet: bool) -> Self {
        Self { quiet, ..self }
    }

    /// A progress note on stderr (`hashed …`, `read …`), left out with `-q`.
    pub(super) fn note(&self, text: &str) {
        if !self.quiet {
            self.stderr(text);
        }
    }

    /// Writes a command's product to stdout. A closed pipe (`| head`) is
    /// not an error worth reporting.
    pub(super) fn stdout(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    }

    /// How renderers should draw for this output.
    #[must_use]
    pub(super) fn text_style(&self) -> TextStyle {
        TextStyle {
            color: self.color,
            unicode: self.unicode,
            width: self.width,
        }
    }

    /// Writes notes, progress and errors to stderr.
    pub(super) fn stderr(&self, text: &str) {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
    }

    /// `error: message` on stderr. Callers pass text that is already
    /// free of secrets (library errors are redacted where they are made).
    pub(super) fn error(&self, message: &str) {
        self.stderr(&format!("{} {message}\n", self.paint("error:", Tone::Bad)));
    }

    /// `warning: message` on stderr.
    pub(super) fn warning(&self, message: &str) {
        self.stderr(&format!(
            "{} {message}\n",
            self.paint("warning:", Tone::Warn)
        ));
    }

    /// `text` in bold green/red/yellow when colour is on.
    #[must_use]
    pub(super) fn paint(&self, text: &str, tone: Tone) -> String {
        crate::render::tone::paint(text, tone, self.color)
    }
}

pub(super) use crate::render::tone::Tone;

/// `1 category`, `2 collections`: a count of a catalog section's entries
/// (`categories`, `attribute_groups`).
pub(super) fn section_count(section: &str, n: usize) -> String {
    crate::api::Kind::from_map(section).map_or_else(
        || format!("{n} {}", section.replace('_', " ")),
        |kind| kind.counted(n),
    )
}

/// `1 file`, `3 files`: a count of a regular noun.
pub(super) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
