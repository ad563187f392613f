//! `pxmctl validate`: check a catalog without touching any account.

use std::path::PathBuf;

use serde::Serialize;

use super::exit::{Exit, Outcome, Reported};
use super::output::{Output, Tone, plural};
use crate::catalog;
use crate::diag::Severity;
use crate::render::diagnostics as render;

/// Output formats of `validate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(super) enum Format {
    /// Snippets with labels and hints, for people.
    #[default]
    Text,
    /// One line per problem: `file:line:col: error[code]: message`.
    Short,
    /// A versioned JSON document, for machines.
    Json,
}

/// Check a catalog directory: YAML syntax, the schema, references, cycles,
/// identities, attribute values and asset files. Reports every problem at
/// once; exits 0 when valid (warnings allowed), 1 when not.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  pxmctl validate catalog\n  pxmctl validate --format json examples/apparel | jq .diagnostics"
)]
pub(super) struct ValidateArgs {
    /// The catalog directory.
    #[arg(default_value = "catalog")]
    pub dir: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Serialize)]
struct Summary {
    directory: String,
    files: usize,
    entries: std::collections::BTreeMap<&'static str, usize>,
}

pub(super) fn run(args: &ValidateArgs, out: Output) -> Outcome {
    let mut loaded = catalog::load(&args.dir);
    // Only assets that share a size can be copies, so only those are
    // hashed (through the cache); a read that fails was reported above.
    if let Some(c) = &loaded.catalog {
        let candidates = catalog::duplicates::candidates(c);
        if !candidates.is_empty()
            && let Ok(hashes) = catalog::hashes::hash_assets(&c.root, candidates, true)
        {
            let found = catalog::duplicates::same_bytes(c, &hashes.by_path);
            loaded.diagnostics.extend(found);
            loaded.diagnostics.sort();
        }
    }
    let summary = loaded.catalog.as_ref().map(|c| Summary {
        directory: args.dir.display().to_string(),
        files: loaded.files.len(),
        entries: c.counts().into_iter().collect(),
    });
    let errors = loaded.diagnostics.count(Severity::Error);
    let warnings = loaded.diagnostics.count(Severity::Warning);
    match args.format {
        Format::Json => out.stdout(&render::json(&loaded.diagnostics, summary)),
        Format::Short => out.stdout(&render::short(&loaded.diagnostics)),
        Format::Text => {
            let style = out.text_style();
            out.stdout(&render::text(&loaded.diagnostics, &loaded.sources, style));
            let dir = args.dir.display();
            let line = match &summary {
                Some(s) => {
                    let counts = s
                        .entries
                        .iter()
                        .filter(|(_, n)| **n > 0)
                        .map(|(k, n)| super::output::section_count(k, *n))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let files = plural(s.files, "file");
                    let warn = if warnings > 0 {
                        format!(" with {}", plural(warnings, "warning"))
                    } else {
                        String::new()
                    };
                    format!(
                        "{} catalog `{dir}` is valid{warn}: {files}; {}\n",
                        out.paint("ok:", Tone::Good),
                        if counts.is_empty() {
                            "no entries".to_owned()
                        } else {
                            counts
                        }
                    )
                }
                None => format!(
                    "{} catalog `{dir}` has {}{}\n",
                    out.paint("invalid:", Tone::Bad),
                    plural(errors, "error"),
                    if warnings > 0 {
                        format!(" and {}", plural(warnings, "warning"))
                    } else {
                        String::new()
                    }
                ),
            };
            out.stdout(&line);
            if !args.dir.exists() {
                out.stderr(&format!(
                    "note: pxmctl looks for a catalog here and above (a directory with `pxmctl.yaml`, or a `catalog/` directory); to start one, run `pxmctl init {dir}`; to start from a PXM account, `pxmctl export --out {dir}`\n"
                ));
            }
        }
    }
    if loaded.catalog.is_some() {
        Ok(Exit::Success)
    } else {
        Err(Reported)
    }
}
