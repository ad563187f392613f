//! The object store as an upload reaches it: one byte range PUT to a
//! presigned URL, or the whole file POSTed after a presigned form's
//! fields, and the store's answer read: its `ETag` held against the MD5
//! of the bytes sent, a 403 told apart (the URL expired), an S3 XML error
//! document quoted without credentials. A 403 comes back as
//! [`UploadError::Expired`]: asking for fresh URLs is the protocol's
//! decision, not the store's.
//!
//! Object-store PUTs are not API calls (no bearer token, no API rate
//! limit), but they go through the run's [`Transport`]: its store client,
//! its reading of statuses and errors, its backoff and the retry budget
//! the API calls spend too, so a dead store ends the run as a dead API
//! does. Each attempt builds its body afresh from the open file (a
//! streamed body is consumed by the attempt that sends it). A presigned
//! URL is a credential: it is held as a [`Secret`] and never formatted
//! into an error, a log line or `Debug` output.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, ETAG};

use super::progress::Progress;
use super::source::{ByteRange, range_stream};
use super::{Step, UploadError};
use crate::api::names::FORM_FILE_FIELD;
use crate::remote::secret::{Secret, redact};
use crate::remote::transport::{self, Failure, StatusClass, Stop, Transport, status_class};

/// What a run has learnt of the object store; cheap to clone, shared by
/// every upload of the run.
#[derive(Debug, Clone, Default)]
pub(super) struct ObjectStore {
    /// Set once the object store answers a part's PUT with an ETag that
    /// is not the MD5 of the bytes twice in a row: its ETags are opaque
    /// (an SSE-KMS bucket, another store), so they are kept verbatim
    /// instead of checked.
    opaque_etags: Arc<AtomicBool>,
}

/// One PUT: a byte range of the file to a presigned URL; or with `form`,
/// the whole file POSTed after those form fields.
#[derive(Clone, Copy)]
pub(super) struct Target<'u> {
    pub url: &'u Secret,
    pub range: ByteRange,
    pub step: Step,
    pub form: Option<&'u [(String, String)]>,
}

/// Why one PUT attempt failed.
enum PutFailure {
    /// Worth another attempt on the same URL, after `wait` where the
    /// store asked for one.
    Retry {
        cause: String,
        status: Option<u16>,
        wait: Option<std::time::Duration>,
    },
    /// The store will answer the same again.
    Refused {
        cause: String,
        status: Option<u16>,
    },
    Expired {
        detail: String,
    },
    /// Reading the asset failed; the store is not to blame.
    Local {
        cause: String,
    },
    /// Accepted, but the ETag is an MD5 of other bytes than were sent:
    /// damaged on the way. Sending the part again replaces it.
    Damaged {
        etag: String,
        sent: String,
    },
}

impl ObjectStore {
    /// PUTs one byte range to a presigned URL, retrying what may pass on
    /// the same URL under the transport's policy and budget (a part sent
    /// again replaces the earlier one); returns the `ETag` header of the
    /// accepted PUT verbatim.
    pub(super) async fn put(
        &self,
        transport: &Transport,
        file: &Arc<std::fs::File>,
        target: Target<'_>,
        mime_type: &str,
        path: &str,
        progress: &mut Progress<'_>,
    ) -> Result<Option<String>, UploadError> {
        let Target {
            url,
            range,
            step,
            form,
        } = target;
        let what = format!("uploading `{path}`: the {step}");
        // Object-store writes replace what they name: repeating one is harmless.
        let mut retries = transport.retries(true);
        let mut damaged_before = false;
        let mut last_status;
        loop {
            let sent = self.put_once(
                transport.store_attempt(),
                file,
                (url, form),
                mime_type,
                range,
                progress,
            );
            let failure = match sent.await {
                Ok(etag) => {
                    retries.succeeded();
                    progress.part_done(range.len);
                    return Ok(etag);
                }
                Err(failure) => failure,
            };
            let failure = match failure {
                // Twice in a row is not bad luck: this store's ETags are
                // not MD5s. Keep them verbatim from now on.
                PutFailure::Damaged { etag, .. } if damaged_before => {
                    tracing::debug!(
                        "uploading `{path}`: the object store's ETags are not MD5s of the bytes; keeping them verbatim"
                    );
                    self.opaque_etags.store(true, Ordering::Relaxed);
                    retries.succeeded();
                    progress.part_done(range.len);
                    return Ok(Some(etag));
                }
                PutFailure::Damaged { etag, sent } => {
                    damaged_before = true;
                    last_status = None;
                    Failure::Transient {
                        cause: format!(
                            "it was answered ETag {etag}, not the MD5 of the bytes sent ({sent})"
                        ),
                        sent: true,
                        wait: None,
                    }
                }
                PutFailure::Retry {
                    cause,
                    status,
                    wait,
                } => {
                    damaged_before = false;
                    last_status = status;
                    Failure::Transient {
                        cause,
                        sent: true,
                        wait,
                    }
                }
                PutFailure::Refused { cause, status } => {
                    return Err(UploadError::Store {
                        path: path.to_owned(),
                        step,
                        status,
                        cause: redact(&cause),
                    });
                }
                PutFailure::Expired { detail } => {
                    return Err(UploadError::Expired {
                        path: path.to_owned(),
                        step,
                        detail: redact(&detail),
                        requests: 1,
                    });
                }
                PutFailure::Local { cause } => {
                    return Err(UploadError::Read {
                        path: path.to_owned(),
                        cause,
                    });
                }
            };
            match retries
                .after::<std::convert::Infallible>(failure, &what)
                .await
            {
                Ok(()) => {}
                Err(Stop::GaveUp(gave_up)) => {
                    return Err(UploadError::Store {
                        path: path.to_owned(),
                        step,
                        status: last_status,
                        cause: gave_up.to_string(),
                    });
                }
                Err(Stop::Fatal(never)) => match never {},
            }
        }
    }

    async fn put_once(
        &self,
        http: &reqwest::Client,
        file: &Arc<std::fs::File>,
        (url, form): (&Secret, Option<&[(String, String)]>),
        mime_type: &str,
        range: ByteRange,
        progress: &mut Progress<'_>,
    ) -> Result<Option<String>, PutFailure> {
        let local = Arc::new(Mutex::new(None));
        // The body stream must be `'static`, the progress hook is not: the
        // stream tells this task what went out, and this task reports it.
        let (went_out, mut out) = tokio::sync::mpsc::unbounded_channel();
        let (digest_tx, digest) = tokio::sync::oneshot::channel();
        let body = reqwest::Body::wrap_stream(range_stream(
            Arc::clone(file),
            range,
            Arc::clone(&local),
            went_out,
            digest_tx,
        ));
        // A streamed body has no known length, so reqwest would send it
        // chunked, which S3 refuses (501); an explicit Content-Length
        // makes hyper send exactly that many bytes instead. A form's
        // length is known once every part's is, and reqwest sends it.
        let request = match form {
            None => http
                .put(url.expose())
                .header(CONTENT_TYPE, mime_type)
                .header(CONTENT_LENGTH, range.len)
                .body(body),
            Some(fields) => {
                let mut multipart = reqwest::multipart::Form::new();
                for (name, value) in fields {
                    multipart = multipart.text(name.clone(), value.clone());
                }
                // S3 reads the fields before the file and ignores any after it.
                let file_part = reqwest::multipart::Part::stream_with_length(body, range.len)
                    .file_name("file")
                    .mime_str(mime_type)
                    .map_err(|e| PutFailure::Refused {
                        cause: format!("the MIME type cannot be sent: {}", transport::cause(&e)),
                        status: None,
                    })?;
                http.post(url.expose())
                    .multipart(multipart.part(FORM_FILE_FIELD, file_part))
            }
        }
        .send();
        tokio::pin!(request);
        let mut in_attempt = 0;
        let sent = loop {
            tokio::select! {
                sent = &mut request => break sent,
                // Once the body is done the channel closes and this
                // branch is off until the answer comes.
                Some(len) = out.recv() => {
                    in_attempt += len;
                    progress.sent(in_attempt);
                }
            }
        };
        let response = match sent {
            Ok(response) => response,
            Err(e) => {
                if let Some(cause) = local.lock().unwrap_or_else(PoisonError::into_inner).take() {
                    return Err(PutFailure::Local { cause });
                }
                return Err(match Failure::of_error(&e, |cause| cause) {
                    Failure::Fatal(cause) => PutFailure::Refused {
                        cause: format!("the presigned URL is not usable: {cause}"),
                        status: None,
                    },
                    Failure::Transient { cause, wait, .. } => PutFailure::Retry {
                        cause,
                        status: None,
                        wait,
                    },
                });
            }
        };
        let status = response.status();
        if status.is_success() {
            let etag = response
                .headers()
                .get(ETAG)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
            // Read to the end so the connection can be reused.
            let _ = response.bytes().await;
            // The reader finishes its MD5 right after the last chunk; a
            // reader that did not finish (never, after a whole body went
            // out) leaves nothing to check.
            let sent = digest.await.ok();
            return match (etag, sent) {
                (Some(tag), Some(sent)) if self.damaged(&tag, &sent) => {
                    Err(PutFailure::Damaged { etag: tag, sent })
                }
                (etag, _) => Ok(etag),
            };
        }
        let wait = transport::retry_after(response.headers());
        let detail = store_message(&response.bytes().await.unwrap_or_default());
        let code = status.as_u16();
        let cause = format!("the object store answered {status}{detail}");
        match status_class(code) {
            _ if code == 403 => Err(PutFailure::Expired { detail }),
            // The store has no limiter to pause: a 429 waits out a backoff,
            // or the `Retry-After` the store gives.
            StatusClass::RateLimited | StatusClass::Transient => Err(PutFailure::Retry {
                cause,
                status: Some(code),
                wait,
            }),
            StatusClass::Success | StatusClass::Final => Err(PutFailure::Refused {
                cause,
                status: Some(code),
            }),
        }
    }

    /// Whether `etag` says the store received other bytes than the ones
    /// whose MD5 is `sent`. Only an ETag of 32 hex digits is an MD5 (a
    /// multipart object's or an encrypted bucket's is not).
    fn damaged(&self, etag: &str, sent: &str) -> bool {
        let tag = etag.trim_matches('"');
        tag.len() == 32
            && tag.bytes().all(|b| b.is_ascii_hexdigit())
            && !tag.eq_ignore_ascii_case(sent)
            && !self.opaque_etags.load(Ordering::Relaxed)
    }
}

/// The `ETag` a store answered, which confirm-upload needs.
pub(super) fn etag_for_confirm(
    etag: Option<String>,
    path: &str,
    step: Step,
) -> Result<String, UploadError> {
    etag.ok_or_else(|| UploadError::Store {
        path: path.to_owned(),
        step,
        status: None,
        cause: "the answer has no `ETag` header, which confirm-upload needs".into(),
    })
}

/// `: Code: Message` from an S3 error document, or nothing.
fn store_message(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let element = |name: &str| {
        let open = format!("<{name}>");
        let start = text.find(&open)? + open.len();
        let end = text[start..].find(&format!("</{name}>"))? + start;
        Some(text[start..end].trim().to_owned())
    };
    let mut out = String::new();
    for part in [element("Code"), element("Message")].into_iter().flatten() {
        if !part.is_empty() {
            out.push_str(": ");
            out.push_str(&part);
        }
    }
    if out.chars().count() > 300 {
        out = out.chars().take(300).collect::<String>() + "…";
    }
    redact(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_are_read_from_s3_documents() {
        let body = b"<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>";
        assert_eq!(store_message(body), ": AccessDenied: Request has expired");
        assert_eq!(store_message(b""), "");
    }

    /// A tiny object store: answers the scripted statuses in turn, then
    /// 200 with an ETag; records each request's length headers and body.
    mod store {
        use std::sync::{Arc, Mutex};

        use axum::body::Bytes;
        use axum::http::{HeaderMap, StatusCode};
        use axum::routing::put;

        #[derive(Debug, Default)]
        pub(super) struct Seen {
            pub content_length: Option<String>,
            pub chunked: bool,
            pub body: Vec<u8>,
        }

        pub(super) async fn start(mut statuses: Vec<u16>) -> (String, Arc<Mutex<Vec<Seen>>>) {
            statuses.reverse();
            let script = Arc::new(Mutex::new(statuses));
            let seen = Arc::new(Mutex::new(Vec::new()));
            let log = Arc::clone(&seen);
            let app = axum::Router::new().route(
                "/obj",
                put(move |headers: HeaderMap, body: Bytes| {
                    let script = Arc::clone(&script);
                    let log = Arc::clone(&log);
                    async move {
                        log.lock().expect("lock").push(Seen {
                            content_length: headers
                                .get("content-length")
                                .map(|v| v.to_str().expect("ascii").to_owned()),
                            chunked: headers.contains_key("transfer-encoding"),
                            body: body.to_vec(),
                        });
                        let status = script.lock().expect("lock").pop().unwrap_or(200);
                        let status = StatusCode::from_u16(status).expect("status");
                        if status.is_success() {
                            (status, [("etag", "\"abc\"")], String::new())
                        } else {
                            (
                                status,
                                [("content-type", "application/xml")],
                                "<Error><Code>Nope</Code><Message>Request has expired</Message></Error>".to_owned(),
                            )
                        }
                    }
                }),
            );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let addr = listener.local_addr().expect("addr");
            tokio::spawn(async move { axum::serve(listener, app).await });
            (format!("http://{addr}/obj?X-Amz-Signature=topsecret"), seen)
        }
    }

    fn temp_file(bytes: &[u8]) -> (tempfile::TempDir, Arc<std::fs::File>) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.bin");
        std::fs::write(&path, bytes).expect("write");
        let file = std::fs::File::open(&path).expect("open");
        (dir, Arc::new(file))
    }

    /// A transport with the default budget and millisecond backoff.
    fn test_transport() -> Transport {
        use std::time::Duration;
        let policy = crate::remote::retry::RetryPolicy {
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(4),
            ..crate::remote::retry::RetryPolicy::DEFAULT
        };
        Transport::new(Duration::from_secs(10), 1, policy).expect("transport")
    }

    /// A plain-text PUT of the first `len` bytes of `file` to `url` (a
    /// part when `part` is set), reported as the asset `path`.
    async fn put_head(
        file: &Arc<std::fs::File>,
        url: String,
        len: u64,
        part: Option<u32>,
        path: &str,
    ) -> Result<Option<String>, UploadError> {
        ObjectStore::default()
            .put(
                &test_transport(),
                file,
                Target {
                    url: &Secret::new(url),
                    range: ByteRange { start: 0, len },
                    step: Step::Put { part },
                    form: None,
                },
                "text/plain",
                path,
                &mut Progress::new(None),
            )
            .await
    }

    #[tokio::test]
    async fn a_part_put_sends_its_exact_range_with_content_length_and_retries_5xx() {
        let data: Vec<u8> = (0..800_000u32).map(|i| (i % 251) as u8).collect();
        let (_dir, file) = temp_file(&data);
        let (url, seen) = store::start(vec![503, 500]).await;
        let range = ByteRange {
            start: 70_000,
            len: 600_000,
        };
        let reports = Mutex::new(Vec::new());
        let hook = |n: u64| reports.lock().expect("lock").push(n);
        let etag = ObjectStore::default()
            .put(
                &test_transport(),
                &file,
                Target {
                    url: &Secret::new(url),
                    range,
                    step: Step::Put { part: Some(2) },
                    form: None,
                },
                "image/png",
                "a.bin",
                &mut Progress::new(Some(&hook)),
            )
            .await
            .expect("put");
        let reports = reports.into_inner().expect("lock");
        assert!(reports.len() > 1, "chunk by chunk: {reports:?}");
        assert_eq!(
            reports.iter().sum::<u64>(),
            600_000,
            "the bytes of the failed attempts are not counted again: {reports:?}"
        );
        assert_eq!(
            etag.as_deref(),
            Some("\"abc\""),
            "kept verbatim, quotes and all"
        );
        let seen = seen.lock().expect("lock");
        assert_eq!(seen.len(), 3, "two 5xx, then success");
        for s in seen.iter() {
            assert_eq!(s.content_length.as_deref(), Some("600000"));
            assert!(!s.chunked, "never chunked");
            assert_eq!(s.body, &data[70_000..670_000]);
        }
    }

    #[tokio::test]
    async fn a_403_is_not_retried_and_the_error_hides_the_url() {
        let (_dir, file) = temp_file(b"hello");
        let (url, seen) = store::start(vec![403]).await;
        let err = put_head(&file, url, 5, None, "docs/a.txt")
            .await
            .expect_err("403");
        assert!(err.is_expired(), "{err}");
        assert_eq!(seen.lock().expect("lock").len(), 1, "not retried");
        let text = format!("{err} {err:?}");
        assert!(text.contains("docs/a.txt"), "{text}");
        assert!(text.contains("PUT of the bytes"), "{text}");
        assert!(text.contains("Request has expired"), "{text}");
        assert!(
            !text.contains("topsecret") && !text.contains("/obj"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn a_dead_store_fails_after_the_retries_without_quoting_the_url() {
        let (_dir, file) = temp_file(b"hello");
        // Bound then dropped: nothing listens there.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("port")
            .port();
        let url = format!("http://127.0.0.1:{port}/obj?X-Amz-Signature=topsecret");
        let err = put_head(&file, url, 5, Some(1), "a.txt")
            .await
            .expect_err("no store");
        let text = format!("{err} {err:?}");
        let attempts = crate::remote::retry::RetryPolicy::DEFAULT.max_retries + 1;
        assert!(
            text.contains(&format!("after {attempts} attempt(s)")),
            "{text}"
        );
        assert!(!text.contains("topsecret"), "{text}");
    }

    #[tokio::test]
    async fn a_file_that_shrinks_mid_upload_is_a_read_error_not_a_retry() {
        let (_dir, file) = temp_file(b"hello");
        let (url, seen) = store::start(vec![]).await;
        let err = put_head(&file, url, 50, None, "a.txt")
            .await
            .expect_err("short file");
        assert!(matches!(err, UploadError::Read { .. }), "{err}");
        assert!(
            err.to_string().contains("changed since it was checked"),
            "{err}"
        );
        assert!(
            seen.lock().expect("lock").is_empty(),
            "the store never got a whole body"
        );
    }
}
