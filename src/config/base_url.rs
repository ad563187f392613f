//! Checking a base URL, wherever it comes from: an absolute `https://`
//! URL, or `http://` to a loopback host only (a bearer token sent over
//! plain HTTP to anywhere else can be read on the way). Never echoes a URL
//! that carries a user name or password.

use std::net::IpAddr;

use reqwest::Url;

/// Why a base URL was refused. Each reason reads after "base URL ...".
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BaseUrlError {
    NotAUrl,
    Scheme(String),
    ClearText(String),
    UserInfo,
    QueryOrFragment,
}

impl BaseUrlError {
    /// What is wrong, as a phrase.
    pub(crate) fn reason(&self) -> String {
        match self {
            Self::NotAUrl => "is not an absolute URL".to_owned(),
            Self::Scheme(scheme) => format!("uses `{scheme}:`; only `https:` is supported"),
            Self::ClearText(host) => format!(
                "uses plain `http:` to `{host}`: the bearer token would travel in clear text"
            ),
            Self::UserInfo => "carries a user name or password".to_owned(),
            Self::QueryOrFragment => "has a query string or fragment".to_owned(),
        }
    }

    /// How to fix it.
    pub(crate) fn hint(&self) -> &'static str {
        match self {
            Self::NotAUrl | Self::Scheme(_) => {
                "write the API's address with its scheme, e.g. `https://entapi.amplifi.io`"
            }
            Self::ClearText(_) => {
                "use `https://`; plain `http://` is allowed only for `127.0.0.1`, `localhost` and `[::1]`"
            }
            Self::UserInfo => {
                "remove the credentials from the URL; put the secret in an environment variable and name it with `client_secret_env:`"
            }
            Self::QueryOrFragment => "remove everything from the `?` or `#` on",
        }
    }

    /// Whether the value may be shown in a message: not when it carries
    /// credentials, or a query or fragment, where tokens travel
    /// (`?access_token=…`).
    pub(crate) fn may_echo(&self) -> bool {
        !matches!(self, Self::UserInfo | Self::QueryOrFragment)
    }

    /// What to call a value that may not be shown.
    pub(crate) fn masked_description(&self) -> &'static str {
        match self {
            Self::QueryOrFragment => {
                "a URL with a query string or fragment (not shown: it may carry a token)"
            }
            _ => "a URL with a user name or password",
        }
    }
}

/// The URL checked and normalised: scheme and host lower-cased, trailing
/// `/` removed.
pub(crate) fn normalize(raw: &str) -> Result<String, BaseUrlError> {
    let url = Url::parse(raw.trim()).map_err(|_| BaseUrlError::NotAUrl)?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(BaseUrlError::UserInfo);
    }
    let host = url.host_str().ok_or(BaseUrlError::NotAUrl)?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(host) => {}
        "http" => return Err(BaseUrlError::ClearText(host.to_owned())),
        other => return Err(BaseUrlError::Scheme(other.to_owned())),
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(BaseUrlError::QueryOrFragment);
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// `localhost`, `127.0.0.0/8` or `[::1]`. The URL parser has already
/// lower-cased names and put IPv6 addresses in brackets.
fn is_loopback(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    host == "localhost" || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_strips_trailing_slash() {
        assert_eq!(
            normalize("HTTPS://Entapi.Amplifi.io/"),
            Ok("https://entapi.amplifi.io".to_owned())
        );
        assert_eq!(
            normalize("https://example.com/api/v1//"),
            Ok("https://example.com/api/v1".to_owned())
        );
    }

    #[test]
    fn http_only_to_loopback() {
        for ok in [
            "http://127.0.0.1:8765",
            "http://localhost:1",
            "http://[::1]:2",
        ] {
            assert!(normalize(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            normalize("http://example.com"),
            Err(BaseUrlError::ClearText("example.com".to_owned()))
        );
        assert_eq!(
            normalize("http://localhost.example.com"),
            Err(BaseUrlError::ClearText("localhost.example.com".to_owned()))
        );
    }

    #[test]
    fn refuses_other_shapes() {
        assert_eq!(normalize("entapi.amplifi.io"), Err(BaseUrlError::NotAUrl));
        assert_eq!(
            normalize("ftp://x.example"),
            Err(BaseUrlError::Scheme("ftp".to_owned()))
        );
        assert_eq!(
            normalize("https://u:p@x.example"),
            Err(BaseUrlError::UserInfo)
        );
        assert_eq!(
            normalize("https://x.example/?a=1"),
            Err(BaseUrlError::QueryOrFragment)
        );
    }
}
