//! `pxmctl.yaml` and the environment, resolved into settings: precedence
//! of every source, environment selection, and the file's diagnostics
//! with their locations. Variables come from a map, never the process.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use pxmctl::config::{
    ConfigError, ConfigFile, DEFAULT_BASE_URL, DEFAULT_HASH_ATTRIBUTE, EnvironmentOrigin, Settings,
};
use pxmctl::diag::SourceFile;
use pxmctl::remote::limiter::RateLimit;
use pxmctl::remote::secret::Secret;
use pxmctl::remote::{Credentials, TokenCacheSetting};

const FILE: &str = "catalog/pxmctl.yaml";

/// A variable lookup over fixed pairs.
fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name: &str| map.get(name).cloned()
}

fn parse(text: &str) -> ConfigFile {
    match ConfigFile::parse(Path::new(FILE), text) {
        Ok(file) => file,
        Err(err) => panic!("expected a valid file, got: {err}"),
    }
}

fn resolve(text: &str, env: Option<&str>, pairs: &[(&str, &str)]) -> Settings {
    let file = parse(text);
    match Settings::from_file(Some(&file), env, &vars(pairs)) {
        Ok(settings) => settings,
        Err(err) => panic!("expected settings, got: {err}"),
    }
}

fn resolve_err(text: &str, env: Option<&str>, pairs: &[(&str, &str)]) -> ConfigError {
    let file = parse(text);
    match Settings::from_file(Some(&file), env, &vars(pairs)) {
        Ok(settings) => panic!("expected an error, got: {settings:?}"),
        Err(err) => err,
    }
}

/// Each diagnostic of an invalid file as `line:col code message`.
fn problems(text: &str) -> Vec<String> {
    match ConfigFile::parse(Path::new(FILE), text) {
        Ok(file) => panic!("expected problems, got: {file:?}"),
        Err(ConfigError::Invalid { diagnostics, .. }) => diagnostics
            .iter()
            .map(|d| {
                let at = d.primary().expect("a location");
                assert_eq!(&*at.file, Path::new(FILE));
                format!("{}:{} {} {}", at.line, at.column, d.code, d.message)
            })
            .collect(),
        Err(other) => panic!("expected Invalid, got: {other}"),
    }
}

fn hints(text: &str) -> Vec<String> {
    match ConfigFile::parse(Path::new(FILE), text) {
        Err(ConfigError::Invalid { diagnostics, .. }) => diagnostics
            .iter()
            .map(|d| d.hint.clone().unwrap_or_default())
            .collect(),
        other => panic!("expected Invalid, got: {other:?}"),
    }
}

const TWO: &str = "\
default_environment: sandbox
environments:
  sandbox:
    base_url: http://127.0.0.1:8765/
    client_id: demo
  production:
    base_url: https://entapi.amplifi.io
    client_secret_env: PXM_PROD_CLIENT_SECRET
";

const TOKEN: &[(&str, &str)] = &[("PXM_TOKEN", "tok")];

// ---- defaults -------------------------------------------------------------

#[test]
fn without_a_file_everything_is_a_default() {
    let dir = tempfile::tempdir().expect("tempdir");
    let settings = Settings::resolve(dir.path(), None, &vars(TOKEN)).expect("settings");
    assert_eq!(settings.environment, None);
    assert_eq!(settings.config_file, None);
    assert_eq!(settings.hash_attribute, DEFAULT_HASH_ATTRIBUTE);
    assert_eq!(settings.hash_attribute, "pxmctl_sha256");
    let c = settings.connection;
    assert_eq!(c.base_url, DEFAULT_BASE_URL);
    assert_eq!(c.base_url, "https://entapi.amplifi.io");
    assert_eq!(c.credentials, Credentials::Token(Secret::new("tok")));
    assert_eq!(c.rate_limit, RateLimit::DEFAULT);
    assert_eq!(c.concurrency, 8);
    assert_eq!(c.page_size, 100);
    assert_eq!(c.timeout, Duration::from_secs(30));
    assert_eq!(c.token_cache, TokenCacheSetting::Default);
}

#[test]
fn an_environment_without_fields_takes_every_default() {
    let s = resolve("environments:\n  prod:\n", None, TOKEN);
    assert_eq!(s.environment.as_deref(), Some("prod"));
    assert_eq!(s.connection.base_url, DEFAULT_BASE_URL);
    assert_eq!(s.connection.concurrency, 8);
}

#[test]
fn an_empty_file_is_no_environments() {
    let s = resolve("# yaml-language-server: $schema=x.json\n", None, TOKEN);
    assert_eq!(s.environment, None);
    assert_eq!(s.config_file, Some(PathBuf::from(FILE)));
}

#[test]
fn file_values_apply() {
    let text = "\
hash_attribute: checksum
environments:
  sandbox:
    base_url: http://localhost:8765/api/
    client_id: demo
    rate_limit: { requests: 100, window_seconds: 10 }
    concurrency: 3
    page_size: 250
    timeout_seconds: 5
";
    let s = resolve(text, None, &[("PXM_CLIENT_SECRET", "s")]);
    assert_eq!(s.environment.as_deref(), Some("sandbox"));
    assert_eq!(s.hash_attribute, "checksum");
    let c = s.connection;
    assert_eq!(c.base_url, "http://localhost:8765/api");
    assert_eq!(
        c.credentials,
        Credentials::Client {
            id: "demo".to_owned(),
            secret: Secret::new("s")
        }
    );
    assert_eq!(c.rate_limit, RateLimit::new(100, Duration::from_secs(10)));
    assert_eq!(c.concurrency, 3);
    assert_eq!(c.page_size, 250);
    assert_eq!(c.timeout, Duration::from_secs(5));
}

// ---- environment selection -----------------------------------------------

#[test]
fn environment_selection_order() {
    // default_environment
    assert_eq!(
        resolve(TWO, None, TOKEN).environment.as_deref(),
        Some("sandbox")
    );
    // PXM_ENV beats default_environment
    let env_var = &[("PXM_TOKEN", "t"), ("PXM_ENV", "production")];
    assert_eq!(
        resolve(TWO, None, env_var).environment.as_deref(),
        Some("production")
    );
    // --env beats PXM_ENV
    let other = &[("PXM_TOKEN", "t"), ("PXM_ENV", "production")];
    let s = resolve(TWO, Some("sandbox"), other);
    assert_eq!(s.environment.as_deref(), Some("sandbox"));
    assert_eq!(s.connection.base_url, "http://127.0.0.1:8765");
    // an empty --env or PXM_ENV counts as unset
    let blank = &[("PXM_TOKEN", "t"), ("PXM_ENV", "")];
    assert_eq!(
        resolve(TWO, Some(""), blank).environment.as_deref(),
        Some("sandbox")
    );
}

#[test]
fn the_only_environment_is_chosen_and_several_without_default_are_refused() {
    let one = "environments:\n  solo:\n    base_url: https://solo.example\n";
    let s = resolve(one, None, TOKEN);
    assert_eq!(s.environment.as_deref(), Some("solo"));
    assert_eq!(s.connection.base_url, "https://solo.example");

    // Several and none chosen: refused, not a silent fall-back to the
    // default (production) URL.
    let two = "environments:\n  a:\n    base_url: https://a.example\n  b: {}\n";
    let err = resolve_err(two, None, TOKEN);
    assert!(matches!(err, ConfigError::NoEnvironment { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("`a`, `b`") && message.contains("--env"),
        "{message}"
    );
    // An explicit PXM_BASE_URL says where to go: no environment needed.
    let s = resolve(
        two,
        None,
        &[("PXM_TOKEN", "t"), ("PXM_BASE_URL", "https://x.example")],
    );
    assert_eq!(s.environment, None);
    assert_eq!(s.connection.base_url, "https://x.example");
}

#[test]
fn unknown_environment_suggests_the_closest_and_lists_all() {
    let err = resolve_err(TWO, Some("prodution"), TOKEN);
    let ConfigError::UnknownEnvironment {
        name,
        origin,
        available,
        ..
    } = &err
    else {
        panic!("expected UnknownEnvironment, got {err}");
    };
    assert_eq!(name, "prodution");
    assert_eq!(*origin, EnvironmentOrigin::Argument);
    assert_eq!(available, &["production", "sandbox"]);
    let message = err.to_string();
    assert!(message.contains("did you mean `production`?"), "{message}");
    assert!(message.contains("`production`, `sandbox`"), "{message}");
    assert!(message.contains("`--env`"), "{message}");
}

#[test]
fn unknown_environment_from_pxm_env_says_so() {
    let err = resolve_err(TWO, None, &[("PXM_TOKEN", "t"), ("PXM_ENV", "staging")]);
    assert!(
        matches!(
            &err,
            ConfigError::UnknownEnvironment {
                origin: EnvironmentOrigin::Variable,
                ..
            }
        ),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("`PXM_ENV`"), "{message}");
    assert!(message.contains("choose one of them"), "{message}");
}

#[test]
fn an_environment_named_without_a_file_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = Settings::resolve(dir.path(), Some("sandbox"), &vars(TOKEN)).expect_err("no file");
    let message = err.to_string();
    assert!(message.contains("no `pxmctl.yaml`"), "{message}");
    assert!(message.contains("`environments:`"), "{message}");
}

// ---- variables over the file ---------------------------------------------

#[test]
fn pxm_base_url_overrides_the_file_and_loses_its_trailing_slash() {
    let s = resolve(
        TWO,
        None,
        &[
            ("PXM_TOKEN", "t"),
            ("PXM_BASE_URL", "https://other.example/"),
        ],
    );
    assert_eq!(s.connection.base_url, "https://other.example");
}

#[test]
fn pxm_client_id_overrides_the_file() {
    let s = resolve(
        TWO,
        None,
        &[("PXM_CLIENT_ID", "from-env"), ("PXM_CLIENT_SECRET", "s")],
    );
    assert_eq!(
        s.connection.credentials,
        Credentials::Client {
            id: "from-env".to_owned(),
            secret: Secret::new("s")
        }
    );
}

#[test]
fn the_secret_comes_from_the_variable_client_secret_env_names() {
    let pairs = &[
        ("PXM_CLIENT_ID", "prod-client"),
        ("PXM_CLIENT_SECRET", "wrong"),
        ("PXM_PROD_CLIENT_SECRET", "right"),
    ];
    let s = resolve(TWO, Some("production"), pairs);
    assert_eq!(
        s.connection.credentials,
        Credentials::Client {
            id: "prod-client".to_owned(),
            secret: Secret::new("right")
        }
    );
}

#[test]
fn a_token_wins_over_client_credentials_and_token_env_is_honoured() {
    let text = "environments:\n  a:\n    client_id: demo\n    token_env: A_TOKEN\n";
    let pairs = &[
        ("PXM_TOKEN", "ignored"),
        ("A_TOKEN", "tok-a\n"),
        ("PXM_CLIENT_SECRET", "s"),
    ];
    let s = resolve(text, None, pairs);
    assert_eq!(
        s.connection.credentials,
        Credentials::Token(Secret::new("tok-a"))
    );
}

#[test]
fn empty_variables_count_as_unset() {
    let pairs = &[
        ("PXM_TOKEN", ""),
        ("PXM_BASE_URL", ""),
        ("PXM_CLIENT_ID", "  "),
        ("PXM_CLIENT_SECRET", "s"),
        ("PXM_CONCURRENCY", ""),
        ("PXM_TOKEN_CACHE", ""),
    ];
    let s = resolve(TWO, None, pairs);
    assert_eq!(s.connection.base_url, "http://127.0.0.1:8765");
    assert_eq!(
        s.connection.credentials,
        Credentials::Client {
            id: "demo".to_owned(),
            secret: Secret::new("s")
        }
    );
    assert_eq!(s.connection.concurrency, 8);
    assert_eq!(s.connection.token_cache, TokenCacheSetting::Default);
}

#[test]
fn concurrency_and_page_size_variables_override_and_are_checked() {
    let text = "environments:\n  a:\n    concurrency: 4\n    page_size: 50\n";
    let s = resolve(
        text,
        None,
        &[
            ("PXM_TOKEN", "t"),
            ("PXM_CONCURRENCY", "16"),
            ("PXM_PAGE_SIZE", "1000"),
        ],
    );
    assert_eq!(s.connection.concurrency, 16);
    assert_eq!(s.connection.page_size, 1000);

    for (name, value) in [
        ("PXM_CONCURRENCY", "0"),
        ("PXM_CONCURRENCY", "65"),
        ("PXM_CONCURRENCY", "eight"),
        ("PXM_PAGE_SIZE", "1001"),
        ("PXM_PAGE_SIZE", "-1"),
    ] {
        let err = resolve_err(text, None, &[("PXM_TOKEN", "t"), (name, value)]);
        let ConfigError::InvalidVariable { name: var, .. } = &err else {
            panic!("expected InvalidVariable for {name}={value}, got {err}");
        };
        assert_eq!(var, name);
        let message = err.to_string();
        assert!(message.contains(&format!("`{name}`")), "{message}");
        assert!(message.contains(&format!("`{value}`")), "{message}");
        assert!(message.contains("or unset it"), "{message}");
    }
}

#[test]
fn token_cache_variable() {
    let cache = |v: &str| resolve(TWO, None, &[("PXM_TOKEN", "t"), ("PXM_TOKEN_CACHE", v)]);
    assert_eq!(cache("off").connection.token_cache, TokenCacheSetting::Off);
    assert_eq!(cache("OFF").connection.token_cache, TokenCacheSetting::Off);
    assert_eq!(
        cache("/tmp/pxm-tokens").connection.token_cache,
        TokenCacheSetting::Dir(PathBuf::from("/tmp/pxm-tokens"))
    );
    let err = resolve_err(
        TWO,
        None,
        &[("PXM_TOKEN", "t"), ("PXM_TOKEN_CACHE", "false")],
    );
    assert!(err.to_string().contains("write `off`"), "{err}");
}

// ---- credentials ----------------------------------------------------------

#[test]
fn missing_credentials_name_the_environment_and_the_variables() {
    let err = resolve_err(TWO, Some("production"), &[]);
    assert!(
        matches!(err, ConfigError::MissingCredentials { .. }),
        "{err:?}"
    );
    let message = err.to_string();
    for needle in [
        "environment `production`",
        "`PXM_TOKEN`",
        "`PXM_CLIENT_ID`",
        "`PXM_PROD_CLIENT_SECRET`",
    ] {
        assert!(message.contains(needle), "{needle} in {message}");
    }
    assert!(!message.contains("`PXM_CLIENT_SECRET`"), "{message}");
}

#[test]
fn missing_secret_when_the_file_gives_the_client_id() {
    let err = resolve_err(TWO, Some("sandbox"), &[]);
    let message = err.to_string();
    assert!(message.contains("environment `sandbox`"), "{message}");
    assert!(message.contains("`PXM_CLIENT_SECRET`"), "{message}");
    assert!(message.contains("the client id is set"), "{message}");
}

#[test]
fn missing_client_id_when_only_the_secret_is_set() {
    let err = resolve_err(TWO, Some("production"), &[("PXM_PROD_CLIENT_SECRET", "s")]);
    let message = err.to_string();
    assert!(message.contains("no client id"), "{message}");
    assert!(message.contains("set `PXM_CLIENT_ID`"), "{message}");
    assert!(!message.contains("\"s\""), "{message}");
}

#[test]
fn missing_credentials_without_a_selected_environment_lists_the_choices() {
    let two = "environments:\n  a: {}\n  b: {}\n";
    let err = resolve_err(two, None, &[("PXM_BASE_URL", "https://x.example")]);
    let message = err.to_string();
    assert!(
        message.contains("no credentials for the PXM API"),
        "{message}"
    );
    assert!(message.contains("`a`, `b`"), "{message}");
    assert!(message.contains("`--env`"), "{message}");
}

// ---- base URL ---------------------------------------------------------------

#[test]
fn http_is_refused_for_hosts_other_than_loopback() {
    let text = "environments:\n  a:\n    base_url: http://pxm.example.com\n";
    let found = problems(text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("3:15 invalid-value `base_url` in environment `a`"));
    assert!(found[0].contains("clear text"), "{found:?}");
    assert!(hints(text)[0].contains("https://"));

    let err = resolve_err(
        TWO,
        None,
        &[("PXM_TOKEN", "t"), ("PXM_BASE_URL", "http://10.0.0.5:8765")],
    );
    let ConfigError::InvalidVariable { name, .. } = &err else {
        panic!("expected InvalidVariable, got {err}");
    };
    assert_eq!(name, "PXM_BASE_URL");
    assert!(err.to_string().contains("clear text"), "{err}");

    for loopback in ["http://127.0.0.1:1", "http://localhost:2", "http://[::1]:3"] {
        let s = resolve(TWO, None, &[("PXM_TOKEN", "t"), ("PXM_BASE_URL", loopback)]);
        assert_eq!(s.connection.base_url, loopback);
    }
}

#[test]
fn a_base_url_with_credentials_is_refused_without_echoing_them() {
    let err = resolve_err(
        TWO,
        None,
        &[
            ("PXM_TOKEN", "t"),
            ("PXM_BASE_URL", "https://me:pa55word@x.example"),
        ],
    );
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("pa55word"), "{shown}");

    let text = "environments:\n  a:\n    base_url: https://me:pa55word@x.example\n";
    let err = ConfigFile::parse(Path::new(FILE), text).expect_err("invalid");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("pa55word"), "{shown}");
}

// ---- the file's diagnostics ------------------------------------------------

#[test]
fn unknown_field_points_at_the_key_and_suggests() {
    let text = "environments:\n  sandbox:\n    base_url: http://127.0.0.1:1\n    page_sise: 10\n";
    assert_eq!(
        problems(text),
        ["4:5 unknown-field unknown field `page_sise` in environment `sandbox`"]
    );
    assert_eq!(hints(text), ["did you mean `page_size`?"]);

    let top = "enviroments: {}\n";
    assert_eq!(
        problems(top),
        ["1:1 unknown-field unknown field `enviroments` in `pxmctl.yaml`"]
    );
    assert_eq!(hints(top), ["did you mean `environments`?"]);

    let far = "environments:\n  a:\n    colour: red\n";
    assert!(
        hints(far)[0].starts_with("it may hold: `base_url`"),
        "{:?}",
        hints(far)
    );
}

#[test]
fn a_literal_secret_is_refused_and_never_shown() {
    let text = "\
environments:
  production:
    base_url: https://entapi.amplifi.io
    client_secret: \"hunter2-very-secret\"   # hunter2-very-secret
";
    assert_eq!(
        problems(text),
        ["4:5 secret-in-config `client_secret` holds a secret, and `pxmctl.yaml` must not"]
    );
    assert_eq!(
        hints(text),
        [
            "secrets do not belong in Git; put the secret in an environment variable and name it with `client_secret_env:`"
        ]
    );
    let err = ConfigFile::parse(Path::new(FILE), text).expect_err("refused");
    let display = err.to_string();
    let debug = format!("{err:?}");
    assert!(!display.contains("hunter2"), "{display}");
    assert!(!debug.contains("hunter2"), "{debug}");
    // The text kept for snippets is masked but keeps its shape.
    let ConfigError::Invalid { sources, .. } = &err else {
        panic!("expected Invalid");
    };
    let kept = sources
        .get(Path::new(FILE))
        .and_then(SourceFile::text)
        .expect("source kept");
    assert_eq!(kept.len(), text.len());
    assert!(kept.contains("    client_secret: *"), "{kept}");
}

#[test]
fn every_kind_of_literal_secret_is_refused() {
    for (field, hint_field) in [
        ("client_secret", "client_secret_env"),
        ("password", "client_secret_env"),
        ("token", "token_env"),
        ("access_token", "token_env"),
    ] {
        let text = format!("environments:\n  a:\n    {field}: s3cr3t-value\n");
        let found = problems(&text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("3:5 secret-in-config"), "{found:?}");
        assert!(hints(&text)[0].contains(hint_field), "{:?}", hints(&text));
        let err = ConfigFile::parse(Path::new(FILE), &text).expect_err("refused");
        assert!(!format!("{err} {err:?}").contains("s3cr3t"), "{field}");
    }
    // At the top of the file too, and even when the YAML does not parse.
    let top = "token: s3cr3t-value\n";
    assert!(problems(top)[0].starts_with("1:1 secret-in-config"));
    let broken = "environments: [\npassword: s3cr3t-value\n";
    let err = ConfigFile::parse(Path::new(FILE), broken).expect_err("broken");
    assert!(!format!("{err} {err:?}").contains("s3cr3t"), "{err:?}");
}

#[test]
fn a_secret_pasted_into_client_secret_env_is_refused_without_echo() {
    let text = "environments:\n  a:\n    client_secret_env: xK9-aa.bb/cc\n";
    let found = problems(text);
    assert_eq!(
        found,
        [
            "3:24 invalid-value `client_secret_env` in environment `a` must be the name of an environment variable"
        ]
    );
    let err = ConfigFile::parse(Path::new(FILE), text).expect_err("refused");
    assert!(!format!("{err} {err:?}").contains("xK9-aa"));
}

#[test]
fn page_size_and_concurrency_bounds_point_at_the_value() {
    let text = "\
environments:
  a:
    page_size: 5000
    concurrency: 0
    timeout_seconds: \"30\"
";
    assert_eq!(
        problems(text),
        [
            "3:16 invalid-value `page_size` in environment `a` must be from 1 to 1000, found 5000",
            "4:18 invalid-value `concurrency` in environment `a` must be from 1 to 64, found 0",
            "5:22 invalid-value `timeout_seconds` in environment `a` must be a number, found a string",
        ]
    );
    let ok = "environments:\n  a:\n    page_size: 1000\n    concurrency: 64\n";
    let s = resolve(ok, None, TOKEN);
    assert_eq!(
        (s.connection.page_size, s.connection.concurrency),
        (1000, 64)
    );
}

#[test]
fn rate_limit_needs_both_fields() {
    let text = "environments:\n  a:\n    rate_limit: { requests: 500 }\n";
    assert_eq!(
        problems(text),
        ["3:17 missing-field `rate_limit` in environment `a` is missing `window_seconds`"]
    );
}

#[test]
fn a_duplicate_key_names_both_places() {
    let text = "environments:\n  a:\n    page_size: 10\n    page_size: 20\n";
    let err = ConfigFile::parse(Path::new(FILE), text).expect_err("duplicate");
    let ConfigError::Invalid { diagnostics, .. } = err else {
        panic!("expected Invalid");
    };
    let d = diagnostics.iter().next().expect("one");
    assert_eq!(d.code.as_str(), "duplicate-key");
    assert_eq!(
        (d.labels[0].location.line, d.labels[0].location.column),
        (4, 5)
    );
    assert_eq!(
        (d.labels[1].location.line, d.labels[1].location.column),
        (3, 5)
    );
}

#[test]
fn default_environment_must_exist() {
    let text = "default_environment: sandbx\nenvironments:\n  sandbox: {}\n";
    assert_eq!(
        problems(text),
        [
            "1:22 unknown-reference `default_environment` names `sandbx`, which is not an environment"
        ]
    );
    assert_eq!(hints(text), ["did you mean `sandbox`?"]);
}

#[test]
fn invalid_environment_names_and_shapes() {
    let text = "environments:\n  \"bad name\": {}\n  ok: [1]\n";
    assert_eq!(
        problems(text),
        [
            "2:3 invalid-key `bad name` is not a valid environment name",
            "3:7 invalid-value environment `ok` must be a mapping, found a list",
        ]
    );
}

#[test]
fn yaml_syntax_errors_have_a_location() {
    let found = problems("environments:\n  a: [1,\n");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains(" yaml-syntax invalid YAML"), "{found:?}");
    assert!(!found[0].starts_with("0:"), "{found:?}");
}

#[test]
fn all_problems_are_reported_together_in_order() {
    let text = "\
environments:
  a:
    concurrency: 100
    colour: red
  b:
    base_url: ftp://x.example
";
    let codes: Vec<String> = problems(text)
        .iter()
        .map(|p| p.split(' ').take(2).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        codes,
        [
            "3:18 invalid-value",
            "4:5 unknown-field",
            "6:15 invalid-value"
        ]
    );
}

// ---- reading the file -------------------------------------------------------

#[test]
fn resolve_reads_the_file_in_the_catalog_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("pxmctl.yaml"), TWO).expect("write");
    let s = Settings::resolve(dir.path(), None, &vars(TOKEN)).expect("settings");
    assert_eq!(s.environment.as_deref(), Some("sandbox"));
    assert_eq!(s.config_file, Some(dir.path().join("pxmctl.yaml")));
    assert_eq!(s.connection.base_url, "http://127.0.0.1:8765");
}

#[test]
fn pxmctl_yml_is_read_but_not_beside_pxmctl_yaml() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("pxmctl.yml"), TWO).expect("write");
    let s = Settings::resolve(dir.path(), None, &vars(TOKEN)).expect("settings");
    assert_eq!(s.config_file, Some(dir.path().join("pxmctl.yml")));

    std::fs::write(dir.path().join("pxmctl.yaml"), TWO).expect("write");
    let err = Settings::resolve(dir.path(), None, &vars(TOKEN)).expect_err("both");
    let ConfigError::Invalid { diagnostics, .. } = &err else {
        panic!("expected Invalid, got {err}");
    };
    assert_eq!(
        diagnostics.iter().next().map(|d| d.code.as_str()),
        Some("conflict")
    );
}

#[test]
fn invalid_file_errors_carry_the_location_in_their_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("pxmctl.yaml"),
        "environments:\n  a:\n    pagesize: 1\n",
    )
    .expect("write");
    let err = Settings::resolve(dir.path(), None, &vars(TOKEN)).expect_err("invalid");
    let message = err.to_string();
    assert!(
        message.contains("pxmctl.yaml:3:5: unknown field `pagesize`"),
        "{message}"
    );
    assert!(message.contains("did you mean `page_size`?"), "{message}");
}

#[test]
fn max_deletes_is_the_environments_then_the_files_then_25() {
    let text = "max_deletes: 10\nenvironments:\n  production:\n    max_deletes: 2\n  staging: {}\n";
    let pairs = [("PXM_CLIENT_ID", "c"), ("PXM_CLIENT_SECRET", "s")];
    assert_eq!(resolve(text, Some("production"), &pairs).max_deletes, 2);
    assert_eq!(resolve(text, Some("staging"), &pairs).max_deletes, 10);
    let text = "environments:\n  staging: {}\n";
    assert_eq!(resolve(text, Some("staging"), &pairs).max_deletes, 25);
    assert_eq!(
        problems("max_deletes: -3\nenvironments:\n  a:\n    max_deletes: many\n"),
        [
            "1:14 invalid-value `max_deletes` must be from 0 to 1000000, found -3",
            "4:18 invalid-value `max_deletes` in environment `a` must be a whole number, found a string"
        ]
    );
}
