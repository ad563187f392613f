//! `pxmctl.yaml` as written, checked into [`ConfigFile`]: the YAML is
//! parsed into the catalog's spanned tree (`catalog::tree`), validated
//! against the schema derived from [`super::format`] and decoded, so every
//! problem is a diagnostic at the offending key or value, and all of them
//! are reported together. Secrets written in the file are refused without
//! being quoted, and masked in the text kept for snippets (see
//! [`super::redact`]). Does no I/O and reads no variables.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value as Json;

use super::base_url;
use super::error::ConfigError;
use super::format::{EnvironmentFile, SCHEMA, SettingsFile, VARIABLE_NAME};
use super::redact::{Masks, secret_field};
use crate::catalog::json_schema::{ErrorKind, SchemaError};
use crate::catalog::parse::{duplicate_keys, yaml_error};
use crate::catalog::source::location;
use crate::catalog::suggest::did_you_mean;
use crate::catalog::tree::{Node, Pos, Value, parse_options};
use crate::diag::{Code, Diagnostic, Diagnostics, SourceFile, Sources};
use crate::remote::limiter::RateLimit;

/// The settings file, checked. Absent fields are `None`; defaults and
/// environment variables are applied when resolving.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConfigFile {
    /// Where the file was read from (as given to [`ConfigFile::parse`]).
    pub path: PathBuf,
    /// Always one of `environments`.
    pub default_environment: Option<String>,
    pub hash_attribute: Option<String>,
    /// Deletions a plan may hold before apply needs `--allow-deletes`.
    pub max_deletes: Option<usize>,
    pub environments: BTreeMap<String, Environment>,
}

/// One named environment of the file: a PXM account and how to reach it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Environment {
    /// Checked and normalised (see `base_url`).
    pub base_url: Option<String>,
    pub client_id: Option<String>,
    /// The name of the variable holding the client secret.
    pub client_secret_env: Option<String>,
    /// The name of the variable holding a ready bearer token.
    pub token_env: Option<String>,
    pub rate_limit: Option<RateLimit>,
    pub concurrency: Option<usize>,
    pub page_size: Option<u32>,
    pub timeout: Option<Duration>,
    /// This environment's `max_deletes`, over the file's.
    pub max_deletes: Option<usize>,
}

impl ConfigFile {
    /// Checks the text of a settings file. `path` is only used for
    /// locations and kept in the result.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Invalid`] with every problem found.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        let mut checker = Checker {
            file: Arc::from(path),
            diagnostics: Vec::new(),
            masks: Masks::default(),
        };
        let config = match serde_saphyr::from_str_with_options::<Node>(text, parse_options()) {
            Ok(root) => {
                checker.find_secrets(&root, false);
                checker.check(&root)
            }
            Err(err) => {
                checker.masks.secret_lines(text);
                checker
                    .diagnostics
                    .push(yaml_error(&checker.file, text, &err));
                None
            }
        };
        if let Some(config) = config
            && checker.diagnostics.is_empty()
        {
            return Ok(ConfigFile {
                path: path.to_path_buf(),
                ..config
            });
        }
        let mut diagnostics = Diagnostics::default();
        diagnostics.extend(checker.diagnostics);
        diagnostics.sort();
        let mut sources = Sources::default();
        sources.add(SourceFile::new(
            path.to_path_buf(),
            Arc::from(checker.masks.apply(text)),
        ));
        Err(ConfigError::Invalid {
            diagnostics,
            sources,
        })
    }

    /// The names of the environments, sorted.
    #[must_use]
    pub fn environment_names(&self) -> Vec<String> {
        self.environments.keys().cloned().collect()
    }
}

/// Walks the tree, gathering diagnostics and the spans to mask.
struct Checker {
    file: Arc<Path>,
    diagnostics: Vec<Diagnostic>,
    masks: Masks,
}

impl Checker {
    fn error(&mut self, code: Code, pos: Pos, message: String, hint: String) {
        self.diagnostics
            .push(Diagnostic::error(code, location(&self.file, pos), message).with_hint(hint));
    }

    /// Reports every key anywhere in the file that holds a secret, and
    /// masks its value. Environment names are not fields, so the keys of
    /// `environments:` themselves are skipped.
    fn find_secrets(&mut self, node: &Node, is_environment_map: bool) {
        match &node.value {
            Value::Map(pairs) => {
                for (key, value) in pairs {
                    let name = key.key_text();
                    if !is_environment_map && let Some(kind) = secret_field(&name) {
                        self.masks.value(value);
                        self.error(
                            Code::SecretInConfig,
                            key.pos,
                            format!(
                                "`{name}` holds a secret, and `{}` must not",
                                super::FILE_NAME
                            ),
                            format!(
                                "secrets do not belong in Git; put the {} in an environment variable and name it with `{}:`",
                                kind.noun(),
                                kind.field()
                            ),
                        );
                        continue;
                    }
                    let child_is_environment_map = !is_environment_map && name == "environments";
                    self.find_secrets(value, child_is_environment_map);
                }
            }
            Value::Seq(items) => {
                for item in items {
                    self.find_secrets(item, false);
                }
            }
            _ => {}
        }
    }

    /// Schema, then what no schema can say, then decoding; `None` when
    /// the file could not be decoded (its problems are reported).
    fn check(&mut self, root: &Node) -> Option<ConfigFile> {
        // An empty file, or one with only comments.
        if matches!(root.value, Value::Null) {
            return Some(ConfigFile::default());
        }
        duplicate_keys(&self.file, root, &mut self.diagnostics);
        let json = root.to_json();
        match SCHEMA.validator() {
            Ok(validator) => {
                for SchemaError { path, kind } in validator.errors(&json) {
                    self.schema_error(root, &path, &kind);
                }
            }
            Err(reason) => self.error(
                Code::InvalidValue,
                root.pos,
                format!("internal error: the settings schema does not compile: {reason}"),
                "report this as a pxmctl bug".to_owned(),
            ),
        }
        let base_urls = self.base_urls(root, &json);
        self.default_environment(root, &json);
        if !self.diagnostics.is_empty() {
            return None;
        }
        match serde_json::from_value::<SettingsFile>(json) {
            Ok(file) => Some(settle(file, &base_urls)),
            Err(err) => {
                // The schema accepted what serde refuses: report rather
                // than lose a setting silently.
                self.error(
                    Code::InvalidValue,
                    root.pos,
                    format!("`{}` cannot be read: {err}", super::FILE_NAME),
                    "report this as a pxmctl bug".to_owned(),
                );
                None
            }
        }
    }

    /// Each environment's `base_url`, normalised; a URL that cannot be is
    /// reported (and masked where it may hold a password).
    fn base_urls(&mut self, root: &Node, json: &Json) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let Some(environments) = json.get("environments").and_then(Json::as_object) else {
            return out;
        };
        for (name, environment) in environments {
            let Some(raw) = environment.get("base_url").and_then(Json::as_str) else {
                continue;
            };
            match base_url::normalize(raw) {
                Ok(url) => {
                    out.insert(name.clone(), url);
                }
                Err(err) => {
                    let node = root.locate(["environments", name.as_str(), "base_url"]);
                    if !err.may_echo() {
                        self.masks.value(node);
                    }
                    self.error(
                        Code::InvalidValue,
                        node.pos,
                        format!("`base_url` in environment `{name}` {}", err.reason()),
                        err.hint().to_owned(),
                    );
                }
            }
        }
        out
    }

    fn default_environment(&mut self, root: &Node, json: &Json) {
        let Some(name) = json.get("default_environment").and_then(Json::as_str) else {
            return;
        };
        let names: Vec<&str> = json
            .get("environments")
            .and_then(Json::as_object)
            .map(|e| e.keys().map(String::as_str).collect())
            .unwrap_or_default();
        if names.contains(&name) || name.trim().is_empty() {
            return;
        }
        let hint = did_you_mean(name, names.iter().copied()).unwrap_or_else(|| {
            if names.is_empty() {
                format!("define `{name}` under `environments:`")
            } else {
                format!(
                    "define `{name}` under `environments:`, or use one of {}",
                    quoted(&names)
                )
            }
        });
        self.error(
            Code::UnknownReference,
            root.locate(["default_environment"]).pos,
            format!("`default_environment` names `{name}`, which is not an environment"),
            hint,
        );
    }

    fn schema_error(&mut self, root: &Node, path: &[String], kind: &ErrorKind) {
        let node = root.locate(path);
        let what = describe(path);
        let here = SCHEMA.at(path);
        let field = path.last().map_or("environments", String::as_str);
        let example = here
            .and_then(|s| SCHEMA.annotation(s, "examples"))
            .and_then(|e| e.get(0))
            .map_or_else(
                || format!("{field}: ..."),
                |e| format!("{field}: {}", flow(e)),
            );
        let variable = here
            .and_then(|s| SCHEMA.annotation(s, "pattern"))
            .is_some_and(|p| p == VARIABLE_NAME.regex);
        match kind {
            ErrorKind::AdditionalProperties { unexpected } => {
                let known = here.map(|s| SCHEMA.known_fields(s)).unwrap_or_default();
                let place = if path.is_empty() {
                    format!("in `{}`", super::FILE_NAME)
                } else {
                    format!("in {what}")
                };
                for name in unexpected {
                    self.unknown(node, name, &known, &place);
                }
            }
            // What fails the check may be the secret itself: never quoted.
            _ if variable => {
                self.masks.value(node);
                self.error(
                    Code::InvalidValue,
                    node.pos,
                    format!("{what} must be the name of an environment variable"),
                    format!(
                        "write the variable's name, not its value: upper-case letters, digits and `_`, e.g. `{example}`"
                    ),
                );
            }
            ErrorKind::Type { expected } => {
                let (message, hint) = type_error(path, &what, node, expected, &example, here);
                self.error(Code::InvalidValue, node.pos, message, hint);
            }
            ErrorKind::Minimum { .. } | ErrorKind::Maximum { .. } => {
                let (low, high) = range(here);
                self.error(
                    Code::InvalidValue,
                    node.pos,
                    format!(
                        "{what} must be from {low} to {high}, found {}",
                        node.to_json()
                    ),
                    format!("use a value in that range, e.g. `{example}`"),
                );
            }
            ErrorKind::Pattern { .. } | ErrorKind::MinLength { .. } => self.error(
                Code::InvalidValue,
                node.pos,
                format!("{what} must not be empty"),
                format!("give it a value, e.g. `{example}`, or remove it"),
            ),
            ErrorKind::Required { property } => self.error(
                Code::MissingField,
                node.pos,
                format!("{what} is missing `{property}`"),
                format!("give both, e.g. `{example}`"),
            ),
            ErrorKind::PropertyNames { name } => {
                let key_at = node.get_key(name).map_or(node.pos, |k| k.pos);
                self.error(
                    Code::InvalidKey,
                    key_at,
                    format!("`{name}` is not a valid environment name"),
                    "names start with a letter or digit and use only letters, digits, `-`, `_` and `.`, e.g. `production`".to_owned(),
                );
            }
            ErrorKind::AnyOf { context } | ErrorKind::OneOfNone { context } => {
                fn type_at(e: &SchemaError, depth: usize) -> Option<&[&'static str]> {
                    match &e.kind {
                        ErrorKind::Type { expected } if e.path.len() == depth => Some(expected),
                        _ => None,
                    }
                }
                let depth = path.len();
                // The branch of the value's type explains it (an
                // environment is a mapping or nothing): all its errors.
                if let Some(branch) = context
                    .iter()
                    .find(|b| !b.iter().any(|e| type_at(e, depth).is_some()))
                {
                    for e in branch {
                        self.schema_error(root, &e.path, &e.kind);
                    }
                } else {
                    // Every branch wanted another type: one error naming them all.
                    let expected = context
                        .iter()
                        .flatten()
                        .filter_map(|e| type_at(e, depth))
                        .flatten()
                        .copied()
                        .collect();
                    self.schema_error(root, path, &ErrorKind::Type { expected });
                }
            }
            other => self.error(
                Code::InvalidValue,
                node.pos,
                format!("{what} is invalid ({other:?})"),
                "see docs/configuration.md".to_owned(),
            ),
        }
    }

    /// An unknown field; its value is masked in the snippet, since a
    /// field pxmctl does not know may hold anything (`private_key:`).
    fn unknown(&mut self, node: &Node, name: &str, known: &[&str], place: &str) {
        let Some((key, value)) = node
            .entries()
            .iter()
            .rev()
            .find(|(k, _)| k.key_text() == name)
        else {
            return;
        };
        self.masks.value(value);
        if secret_field(name).is_some() {
            return; // reported by `find_secrets`
        }
        let hint = did_you_mean(name, known.iter().copied())
            .unwrap_or_else(|| format!("it may hold: {}", quoted(known)));
        self.error(
            Code::UnknownField,
            key.pos,
            format!("unknown field `{name}` {place}"),
            hint,
        );
    }
}

/// The checked file from its decoded form and the normalised URLs.
fn settle(file: SettingsFile, base_urls: &BTreeMap<String, String>) -> ConfigFile {
    let whole = |n: Option<u64>| n.and_then(|n| usize::try_from(n).ok());
    let environments = file
        .environments
        .into_iter()
        .map(|(name, environment)| {
            let e: EnvironmentFile = environment.unwrap_or_default();
            let settled = Environment {
                base_url: base_urls.get(&name).cloned(),
                client_id: e.client_id,
                client_secret_env: e.client_secret_env,
                token_env: e.token_env,
                rate_limit: e.rate_limit.and_then(|r| {
                    let requests = u32::try_from(r.requests).ok()?;
                    Some(RateLimit::new(
                        requests,
                        Duration::from_secs(r.window_seconds),
                    ))
                }),
                concurrency: whole(e.concurrency),
                page_size: e.page_size.and_then(|n| u32::try_from(n).ok()),
                timeout: e.timeout_seconds.map(Duration::from_secs),
                max_deletes: whole(e.max_deletes),
            };
            (name, settled)
        })
        .collect();
    ConfigFile {
        path: PathBuf::new(),
        default_environment: file.default_environment,
        hash_attribute: file.hash_attribute,
        max_deletes: whole(file.max_deletes),
        environments,
    }
}

/// What a path into the file names, for messages.
fn describe(path: &[String]) -> String {
    match path {
        [] => format!("`{}`", super::FILE_NAME),
        [field] => format!("`{field}`"),
        [_, name] => format!("environment `{name}`"),
        [_, name, field] => format!("`{field}` in environment `{name}`"),
        [_, name, outer, field, ..] => format!("`{field}` of `{outer}` in environment `{name}`"),
    }
}

/// The message and hint for a value of the wrong type.
fn type_error(
    path: &[String],
    what: &str,
    node: &Node,
    expected: &[&str],
    example: &str,
    here: Option<&Json>,
) -> (String, String) {
    let found = node.type_name();
    match path {
        [] => (
            format!("{what} must be a mapping, found {found}"),
            "start with `environments:`; see docs/configuration.md".to_owned(),
        ),
        [environments] if environments == "environments" => (
            format!("{what} must be a mapping, found {found}"),
            "name each environment under it: `environments: { sandbox: { base_url: ... } }`"
                .to_owned(),
        ),
        [_, name] => (
            format!("{what} must be a mapping, found {found}"),
            format!("write its fields under it: `{name}: {{ base_url: ... }}`"),
        ),
        _ if expected.contains(&"integer") => match &node.value {
            Value::Str(s) if s.trim().parse::<i128>().is_ok() => (
                format!("{what} must be a number, found a string"),
                format!("remove the quotes: `{example}`"),
            ),
            _ => {
                let (low, high) = range(here);
                (
                    format!("{what} must be a whole number, found {found}"),
                    format!("write a whole number from {low} to {high}, e.g. `{example}`"),
                )
            }
        },
        _ if expected.contains(&"string") && matches!(node.value, Value::Null) => (
            format!("{what} must not be empty"),
            format!("give it a value, e.g. `{example}`, or remove it"),
        ),
        _ if expected.contains(&"object") => (
            format!("{what} must be a mapping, found {found}"),
            format!("write e.g. `{example}`"),
        ),
        _ => (
            format!("{what} must be a string, found {found}"),
            format!("write e.g. `{example}`"),
        ),
    }
}

/// The bounds of a number field, as its schema gives them.
fn range(schema: Option<&Json>) -> (String, String) {
    let bound = |key| {
        schema
            .and_then(|s| SCHEMA.annotation(s, key))
            .map_or_else(|| "?".to_owned(), ToString::to_string)
    };
    (bound("minimum"), bound("maximum"))
}

/// A JSON example as YAML flow text: `{ requests: 950, window_seconds: 60 }`.
fn flow(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        Json::Object(map) => format!(
            "{{ {} }}",
            map.iter()
                .map(|(k, v)| format!("{k}: {}", flow(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
