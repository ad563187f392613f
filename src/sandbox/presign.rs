//! Presigned object-store URLs: an expiry and an HMAC-SHA256 signature
//! over the method, the path and every other query parameter, so changing
//! any of them (or waiting past the expiry) makes the URL useless. The
//! same key derives the bearer token and signs POST-form policies.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::assumptions::{EXPIRES_PARAM, SIGNATURE_PARAM};

type HmacSha256 = Hmac<Sha256>;

/// Why a presigned request was refused (S3 answers all of these with 403).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// No signature or expiry: S3's `AccessDenied`.
    Unsigned,
    /// The URL's time is up: `AccessDenied`, "Request has expired".
    Expired,
    /// The signature does not match: `SignatureDoesNotMatch`.
    BadSignature,
}

#[derive(Debug, Clone)]
pub(crate) struct Signer {
    key: Vec<u8>,
}

impl Signer {
    pub(crate) fn new(key: Vec<u8>) -> Self {
        Signer { key }
    }

    fn mac(&self, parts: &[&str]) -> String {
        // An HMAC accepts a key of any length, so this cannot fail.
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                mac.update(b"\n");
            }
            mac.update(p.as_bytes());
        }
        hex::encode(mac.finalize().into_bytes())
    }

    /// The long-lived bearer token for these credentials.
    pub(crate) fn token(&self, client_id: &str, client_secret: &str) -> String {
        self.mac(&["token", client_id, client_secret])
    }

    /// The signature of a POST form's base64 `policy` field.
    pub(crate) fn policy_signature(&self, policy: &str) -> String {
        self.mac(&["POST", "policy", policy])
    }

    /// Whether `signature` is the one [`Signer::policy_signature`] gives.
    pub(crate) fn verify_policy(&self, policy: &str, signature: &str) -> bool {
        constant_time_eq(
            self.policy_signature(policy).as_bytes(),
            signature.as_bytes(),
        )
    }

    fn canonical(params: &[(String, String)]) -> String {
        let mut sorted: Vec<String> = params
            .iter()
            .filter(|(k, _)| k != SIGNATURE_PARAM)
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        sorted.sort();
        sorted.join("&")
    }

    /// `base` + `path` + query with `params`, the expiry and the signature.
    /// Parameter values must be URL-safe already (ids and numbers are).
    pub(crate) fn url(
        &self,
        base: &str,
        method: &str,
        path: &str,
        params: &[(&str, String)],
        expires: i64,
    ) -> String {
        let mut all: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| ((*k).to_string(), v.clone()))
            .collect();
        all.push((EXPIRES_PARAM.to_string(), expires.to_string()));
        let signature = self.mac(&[method, path, &Self::canonical(&all)]);
        let mut query: Vec<String> = all.iter().map(|(k, v)| format!("{k}={v}")).collect();
        query.push(format!("{SIGNATURE_PARAM}={signature}"));
        format!("{base}{path}?{}", query.join("&"))
    }

    /// Checks a presigned request; on success returns its query parameters.
    pub(crate) fn verify(
        &self,
        method: &str,
        path: &str,
        query: Option<&str>,
        now: i64,
    ) -> Result<Vec<(String, String)>, Refusal> {
        let params: Vec<(String, String)> = query
            .unwrap_or_default()
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (p.to_string(), String::new()),
            })
            .collect();
        let find = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let (Some(signature), Some(expires)) = (find(SIGNATURE_PARAM), find(EXPIRES_PARAM)) else {
            return Err(Refusal::Unsigned);
        };
        let expected = self.mac(&[method, path, &Self::canonical(&params)]);
        if !constant_time_eq(expected.as_bytes(), signature.as_bytes()) {
            return Err(Refusal::BadSignature);
        }
        match expires.parse::<i64>() {
            Ok(at) if now < at => Ok(params),
            Ok(_) => Err(Refusal::Expired),
            Err(_) => Err(Refusal::BadSignature),
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_verifies_until_it_expires_and_not_after_tampering() {
        let s = Signer::new(b"k".to_vec());
        let url = s.url(
            "http://h",
            "PUT",
            "/_store/temp/a",
            &[("partNumber", "1".into())],
            100,
        );
        let query = url.split_once('?').map(|(_, q)| q.to_string());
        assert!(
            s.verify("PUT", "/_store/temp/a", query.as_deref(), 99)
                .is_ok()
        );
        assert_eq!(
            s.verify("PUT", "/_store/temp/a", query.as_deref(), 100),
            Err(Refusal::Expired)
        );
        assert_eq!(
            s.verify("GET", "/_store/temp/a", query.as_deref(), 1),
            Err(Refusal::BadSignature)
        );
        let tampered = query.map(|q| q.replace("partNumber=1", "partNumber=2"));
        assert_eq!(
            s.verify("PUT", "/_store/temp/a", tampered.as_deref(), 1),
            Err(Refusal::BadSignature)
        );
        assert_eq!(
            s.verify("PUT", "/_store/temp/a", None, 1),
            Err(Refusal::Unsigned)
        );
    }
}
