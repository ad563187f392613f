//! `Readings`: which reading of the guides the sandbox serves where they
//! are silent or ambiguous. `Default` is the reading the sandbox has
//! always served (lenient: values in lists, no page cap, files available
//! at once, dates in either form, file delete, presigned PUT);
//! [`Readings::strict`] turns every switch to the other plausible reading,
//! so a client can be tested against both. Plain data: the routes read it.

use std::time::Duration;

use super::SandboxError;
use super::assumptions::{STRICT_PAGE_CAP, STRICT_PROCESSING_DELAY_MS};

/// One switch per question the guides leave open. See "Other readings"
/// in `docs/sandbox.md` for what the guides say about each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readings {
    /// File objects carry their attribute values (`attributes`) in list
    /// answers and by id. `false`: they carry none (the guide's "File
    /// Response Fields" table lists none); values stay readable through
    /// `GET /v2.1/attribute/file/{id}`.
    pub file_list_values: bool,
    /// Every list endpoint answers at most this many items whatever
    /// `limit` asks, and v3 search gives no `total`.
    pub page_cap: Option<usize>,
    /// After a confirm-upload creates or replaces a file, its by-id routes
    /// answer 404 for this long ("6. Processing ... 7. Available").
    pub processing_delay: Duration,
    /// List date filters take only `YYYY-MM-DD`, and published dates
    /// only RFC 3339 date-times.
    pub strict_dates: bool,
    /// `DELETE /v2.1/file/{id}` exists. `false`: it answers 405 (the
    /// guides list no file delete).
    pub file_delete: bool,
    /// How request-upload tells the client to send the bytes.
    pub upload_form: UploadForm,
    /// The rate limit counts in fixed windows (reset every window, a
    /// `Retry-After` of up to the whole window, as the guide's example
    /// `Retry-After: 60` suggests) rather than a sliding one. The guide
    /// says only "1,000 requests per 60 seconds".
    pub fixed_rate_window: bool,
}

impl Default for Readings {
    fn default() -> Self {
        Readings {
            file_list_values: true,
            page_cap: None,
            processing_delay: Duration::ZERO,
            strict_dates: false,
            file_delete: true,
            upload_form: UploadForm::Put,
            fixed_rate_window: false,
        }
    }
}

impl Readings {
    /// Every switch on the other reading: no file values, pages of at most
    /// [`STRICT_PAGE_CAP`], a [`STRICT_PROCESSING_DELAY_MS`] processing
    /// delay, strict dates, no file delete, presigned POST forms, a fixed
    /// rate-limit window.
    pub fn strict() -> Self {
        Readings {
            file_list_values: false,
            page_cap: Some(STRICT_PAGE_CAP),
            processing_delay: Duration::from_millis(STRICT_PROCESSING_DELAY_MS),
            strict_dates: true,
            file_delete: false,
            upload_form: UploadForm::Post,
            fixed_rate_window: true,
        }
    }

    pub(crate) fn check(&self) -> Result<(), SandboxError> {
        if self.page_cap == Some(0) {
            return Err(SandboxError::Config("the page cap must be positive".into()));
        }
        Ok(())
    }
}

/// What request-upload answers for the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UploadForm {
    /// Presigned PUT URLs: one, or one per part above the multipart
    /// threshold (the upload guide's reading).
    #[default]
    Put,
    /// A presigned POST form for every size, as S3 presigned POST (and
    /// the peer guide `peer-presigned-post-upload.txt`) work: POST the
    /// `fields` and then the file to `upload_url`, confirm with the `etag`.
    Post,
}

impl UploadForm {
    pub fn as_str(self) -> &'static str {
        match self {
            UploadForm::Put => "put",
            UploadForm::Post => "post",
        }
    }
}

impl std::str::FromStr for UploadForm {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "put" => Ok(UploadForm::Put),
            "post" => Ok(UploadForm::Post),
            _ => Err(format!("expected `put` or `post`, found `{s}`")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_todays_reading_and_strict_turns_every_switch() {
        let d = Readings::default();
        let s = Readings::strict();
        assert!(d.file_list_values && !s.file_list_values);
        assert!(d.page_cap.is_none() && s.page_cap.is_some());
        assert!(d.processing_delay.is_zero() && !s.processing_delay.is_zero());
        assert!(!d.strict_dates && s.strict_dates);
        assert!(d.file_delete && !s.file_delete);
        assert_eq!(
            (d.upload_form, s.upload_form),
            (UploadForm::Put, UploadForm::Post)
        );
        assert!(d.check().is_ok() && s.check().is_ok());
        let zero = Readings {
            page_cap: Some(0),
            ..Readings::default()
        };
        assert!(zero.check().is_err());
    }
}
