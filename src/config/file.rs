//! `pxmctl.yaml` as written, checked into [`ConfigFile`]: the YAML is
//! parsed into the catalog's spanned tree (`catalog::tree`), so every
//! problem is a diagnostic at the offending key or value, and all of them
//! are reported together. Secrets written in the file are refused without
//! being quoted, and masked in the text kept for snippets (see
//! [`super::redact`]). Does no I/O and reads no variables.

use std::collections::{BTreeMap, HashMap};
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::base_url;
use super::error::ConfigError;
use super::redact::{Masks, secret_field};
use super::settings::{
    CONCURRENCY, MAX_DELETES, PAGE_SIZE, RATE_LIMIT_REQUESTS, RATE_LIMIT_WINDOW_SECONDS,
    TIMEOUT_SECONDS,
};
use super::vars;
use crate::catalog::format::is_valid_key;
use crate::catalog::source::location;
use crate::catalog::suggest::did_you_mean;
use crate::catalog::tree::{Node, Pos, Value, parse_options};
use crate::diag::{Code, Diagnostic, Diagnostics, SourceFile, Sources};
use crate::remote::limiter::RateLimit;

const TOP_FIELDS: &[&str] = &[
    "default_environment",
    "hash_attribute",
    "max_deletes",
    "environments",
];
const ENVIRONMENT_FIELDS: &[&str] = &[
    "base_url",
    "client_id",
    "client_secret_env",
    "token_env",
    "rate_limit",
    "concurrency",
    "page_size",
    "timeout_seconds",
    "max_deletes",
];
const RATE_LIMIT_FIELDS: &[&str] = &["requests", "window_seconds"];

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
                checker.top(&root)
            }
            Err(err) => {
                checker.masks.secret_lines(text);
                checker.diagnostics.push(yaml_error(&checker.file, &err));
                ConfigFile::default()
            }
        };
        if checker.diagnostics.is_empty() {
            return Ok(ConfigFile {
                path: path.to_path_buf(),
                ..config
            });
        }
        let mut diagnostics = Diagnostics::default();
        diagnostics.extend(checker.diagnostics);
        diagnostics.sort();
        let mut sources = Sources::default();
        sources.add(SourceFile {
            path: path.to_path_buf(),
            text: Arc::from(checker.masks.apply(text)),
        });
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

    /// The pairs of a mapping, the last of each repeated key only (as YAML
    /// readers keep), reporting each repeat with both places.
    fn pairs<'n>(&mut self, node: &'n Node) -> Vec<(&'n Node, &'n Node)> {
        let entries = node.entries();
        let mut first: HashMap<String, Pos> = HashMap::with_capacity(entries.len());
        for (key, _) in entries {
            let text = key.key_text();
            if let Some(earlier) = first.get(&text) {
                self.diagnostics.push(
                    Diagnostic::error(
                        Code::DuplicateKey,
                        location(&self.file, key.pos),
                        format!("key `{text}` appears twice in this mapping"),
                    )
                    .with_label(location(&self.file, *earlier), "first defined here")
                    .with_hint("remove one of them; YAML keeps only the last"),
                );
            } else {
                first.insert(text, key.pos);
            }
        }
        entries
            .iter()
            .enumerate()
            .filter(|(i, (key, _))| {
                let text = key.key_text();
                !entries[i + 1..].iter().any(|(k, _)| k.key_text() == text)
            })
            .map(|(_, (k, v))| (k, v))
            .collect()
    }

    /// An unknown field; its value is masked in the snippet, since a
    /// field pxmctl does not know may hold anything (`private_key:`).
    fn unknown(&mut self, (key, value): (&Node, &Node), known: &[&str], place: &str) {
        let name = key.key_text();
        self.masks.value(value);
        if secret_field(&name).is_some() {
            return; // reported by `find_secrets`
        }
        let hint = did_you_mean(&name, known.iter().copied()).unwrap_or_else(|| {
            format!(
                "it may hold: {}",
                known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });
        self.error(
            Code::UnknownField,
            key.pos,
            format!("unknown field `{name}` {place}"),
            hint,
        );
    }

    fn top(&mut self, root: &Node) -> ConfigFile {
        let mut out = ConfigFile::default();
        match &root.value {
            // An empty file, or one with only comments.
            Value::Null => return out,
            Value::Map(_) => {}
            _ => {
                self.error(
                    Code::InvalidValue,
                    root.pos,
                    format!(
                        "`{}` must be a mapping, found {}",
                        super::FILE_NAME,
                        root.type_name()
                    ),
                    "start with `environments:`; see docs/configuration.md".to_owned(),
                );
                return out;
            }
        }
        let mut default_environment = None;
        for (key, value) in self.pairs(root) {
            match key.key_text().as_str() {
                "default_environment" => {
                    default_environment = self
                        .text(
                            "`default_environment`",
                            value,
                            "default_environment: sandbox",
                        )
                        .map(|name| (name, value.pos));
                }
                "hash_attribute" => {
                    out.hash_attribute =
                        self.text("`hash_attribute`", value, "hash_attribute: pxmctl_sha256");
                }
                "max_deletes" => out.max_deletes = self.max_deletes("`max_deletes`", value),
                "environments" => out.environments = self.environments(value),
                _ => self.unknown(
                    (key, value),
                    TOP_FIELDS,
                    &format!("in `{}`", super::FILE_NAME),
                ),
            }
        }
        if let Some((name, pos)) = default_environment {
            if out.environments.contains_key(&name) {
                out.default_environment = Some(name);
            } else {
                let names = out.environment_names();
                let hint =
                    did_you_mean(&name, names.iter().map(String::as_str)).unwrap_or_else(|| {
                        if names.is_empty() {
                            format!("define `{name}` under `environments:`")
                        } else {
                            format!(
                                "define `{name}` under `environments:`, or use one of {}",
                                names
                                    .iter()
                                    .map(|n| format!("`{n}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        }
                    });
                self.error(
                    Code::UnknownReference,
                    pos,
                    format!("`default_environment` names `{name}`, which is not an environment"),
                    hint,
                );
            }
        }
        out
    }

    fn environments(&mut self, node: &Node) -> BTreeMap<String, Environment> {
        let mut out = BTreeMap::new();
        if !matches!(node.value, Value::Map(_)) {
            self.error(
                Code::InvalidValue,
                node.pos,
                format!(
                    "`environments` must be a mapping, found {}",
                    node.type_name()
                ),
                "name each environment under it: `environments: { sandbox: { base_url: ... } }`"
                    .to_owned(),
            );
            return out;
        }
        for (key, value) in self.pairs(node) {
            let name = key.key_text();
            if !matches!(key.value, Value::Str(_)) || !is_valid_key(&name) {
                self.error(
                    Code::InvalidKey,
                    key.pos,
                    format!("`{name}` is not a valid environment name"),
                    "names start with a letter or digit and use only letters, digits, `-`, `_` and `.`, e.g. `production`".to_owned(),
                );
                continue;
            }
            let environment = self.environment(&name, value);
            out.insert(name, environment);
        }
        out
    }

    fn environment(&mut self, name: &str, node: &Node) -> Environment {
        let mut env = Environment::default();
        match &node.value {
            // `sandbox:` alone: an environment with every default.
            Value::Null => return env,
            Value::Map(_) => {}
            _ => {
                self.error(
                    Code::InvalidValue,
                    node.pos,
                    format!(
                        "environment `{name}` must be a mapping, found {}",
                        node.type_name()
                    ),
                    format!("write its fields under it: `{name}: {{ base_url: ... }}`"),
                );
                return env;
            }
        }
        for (key, value) in self.pairs(node) {
            let field = key.key_text();
            let what = format!("`{field}` in environment `{name}`");
            match field.as_str() {
                "base_url" => env.base_url = self.base_url(&what, value),
                "client_id" => env.client_id = self.text(&what, value, "client_id: my-client"),
                "client_secret_env" => {
                    env.client_secret_env =
                        self.var_name(&what, value, "client_secret_env: PXM_CLIENT_SECRET");
                }
                "token_env" => env.token_env = self.var_name(&what, value, "token_env: PXM_TOKEN"),
                "rate_limit" => env.rate_limit = self.rate_limit(&what, value),
                "concurrency" => {
                    env.concurrency = self
                        .number(&what, value, CONCURRENCY, "concurrency: 8")
                        .and_then(|n| usize::try_from(n).ok());
                }
                "page_size" => {
                    env.page_size = self
                        .number(&what, value, PAGE_SIZE, "page_size: 100")
                        .and_then(|n| u32::try_from(n).ok());
                }
                "timeout_seconds" => {
                    env.timeout = self
                        .number(&what, value, TIMEOUT_SECONDS, "timeout_seconds: 30")
                        .map(Duration::from_secs);
                }
                "max_deletes" => env.max_deletes = self.max_deletes(&what, value),
                _ => self.unknown(
                    (key, value),
                    ENVIRONMENT_FIELDS,
                    &format!("in environment `{name}`"),
                ),
            }
        }
        env
    }

    fn max_deletes(&mut self, what: &str, node: &Node) -> Option<usize> {
        self.number(what, node, MAX_DELETES, "max_deletes: 25")
            .and_then(|n| usize::try_from(n).ok())
    }

    /// A non-empty string.
    fn text(&mut self, what: &str, node: &Node, example: &str) -> Option<String> {
        match &node.value {
            Value::Str(s) if !s.trim().is_empty() => Some(s.clone()),
            Value::Str(_) | Value::Null => {
                self.error(
                    Code::InvalidValue,
                    node.pos,
                    format!("{what} must not be empty"),
                    format!("give it a value, e.g. `{example}`, or remove it"),
                );
                None
            }
            _ => {
                self.error(
                    Code::InvalidValue,
                    node.pos,
                    format!("{what} must be a string, found {}", node.type_name()),
                    format!("write e.g. `{example}`"),
                );
                None
            }
        }
    }

    /// A whole number within `range`.
    fn number(
        &mut self,
        what: &str,
        node: &Node,
        range: RangeInclusive<u64>,
        example: &str,
    ) -> Option<u64> {
        let (low, high) = (*range.start(), *range.end());
        let found = match &node.value {
            Value::UInt(n) => i128::from(*n),
            Value::Int(n) => i128::from(*n),
            Value::Str(s) if s.trim().parse::<i128>().is_ok() => {
                self.error(
                    Code::InvalidValue,
                    node.pos,
                    format!("{what} must be a number, found a string"),
                    format!("remove the quotes: `{example}`"),
                );
                return None;
            }
            _ => {
                self.error(
                    Code::InvalidValue,
                    node.pos,
                    format!("{what} must be a whole number, found {}", node.type_name()),
                    format!("write a whole number from {low} to {high}, e.g. `{example}`"),
                );
                return None;
            }
        };
        match u64::try_from(found) {
            Ok(n) if range.contains(&n) => Some(n),
            _ => {
                self.error(
                    Code::InvalidValue,
                    node.pos,
                    format!("{what} must be from {low} to {high}, found {found}"),
                    format!("use a value in that range, e.g. `{example}`"),
                );
                None
            }
        }
    }

    /// The name of an environment variable. The value is never quoted:
    /// what fails the check may be the secret itself.
    fn var_name(&mut self, what: &str, node: &Node, example: &str) -> Option<String> {
        if let Value::Str(s) = &node.value
            && vars::is_valid_name(s)
        {
            return Some(s.clone());
        }
        self.masks.value(node);
        self.error(
            Code::InvalidValue,
            node.pos,
            format!("{what} must be the name of an environment variable"),
            format!(
                "write the variable's name, not its value: upper-case letters, digits and `_`, e.g. `{example}`"
            ),
        );
        None
    }

    fn base_url(&mut self, what: &str, node: &Node) -> Option<String> {
        let Value::Str(raw) = &node.value else {
            self.error(
                Code::InvalidValue,
                node.pos,
                format!("{what} must be a string, found {}", node.type_name()),
                "write e.g. `base_url: https://entapi.amplifi.io`".to_owned(),
            );
            return None;
        };
        match base_url::normalize(raw) {
            Ok(url) => Some(url),
            Err(err) => {
                if !err.may_echo() {
                    self.masks.value(node);
                }
                self.error(
                    Code::InvalidValue,
                    node.pos,
                    format!("{what} {}", err.reason()),
                    err.hint().to_owned(),
                );
                None
            }
        }
    }

    fn rate_limit(&mut self, what: &str, node: &Node) -> Option<RateLimit> {
        const EXAMPLE: &str = "rate_limit: { requests: 950, window_seconds: 60 }";
        if !matches!(node.value, Value::Map(_)) {
            self.error(
                Code::InvalidValue,
                node.pos,
                format!("{what} must be a mapping, found {}", node.type_name()),
                format!("write e.g. `{EXAMPLE}`"),
            );
            return None;
        }
        let (mut requests, mut window) = (None, None);
        let (mut requests_seen, mut window_seen) = (false, false);
        for (key, value) in self.pairs(node) {
            let field = key.key_text();
            let inner = format!("`{field}` of {what}");
            match field.as_str() {
                "requests" => {
                    requests_seen = true;
                    requests = self.number(&inner, value, RATE_LIMIT_REQUESTS, "requests: 950");
                }
                "window_seconds" => {
                    window_seen = true;
                    window = self.number(
                        &inner,
                        value,
                        RATE_LIMIT_WINDOW_SECONDS,
                        "window_seconds: 60",
                    );
                }
                _ => self.unknown((key, value), RATE_LIMIT_FIELDS, &format!("in {what}")),
            }
        }
        for (field, seen) in [("requests", requests_seen), ("window_seconds", window_seen)] {
            if !seen {
                self.error(
                    Code::MissingField,
                    node.pos,
                    format!("{what} is missing `{field}`"),
                    format!("give both, e.g. `{EXAMPLE}`"),
                );
            }
        }
        let requests = u32::try_from(requests?).ok()?;
        Some(RateLimit::new(requests, Duration::from_secs(window?)))
    }
}

fn yaml_error(file: &Arc<Path>, err: &serde_saphyr::Error) -> Diagnostic {
    let pos = err.location().map(Pos::from).unwrap_or_default();
    let pos = Pos {
        line: pos.line.max(1),
        column: pos.column.max(1),
        ..pos
    };
    // Only the first line: the library may add its own snippet, and the
    // renderer draws one from the (masked) source.
    let rendered = err.to_string();
    let first = rendered.lines().next().unwrap_or("invalid YAML").trim();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let first = match first.find(": ") {
        Some(i) if first.starts_with("line ") => &first[i + 2..],
        _ => first,
    };
    Diagnostic::error(
        Code::YamlSyntax,
        location(file, pos),
        format!("invalid YAML: {first}"),
    )
    .with_hint("fix the YAML syntax at this position; other problems in this file are reported once it parses")
}
