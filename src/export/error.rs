//! What can go wrong writing an export, as values. Messages name the file
//! (path, or PXM file name and id) and never a presigned URL: download
//! errors are built without the URL and redacted besides.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// An entry could not be written as YAML.
    #[error("cannot write {section} entry `{key}` as YAML: {message}")]
    Serialize {
        section: &'static str,
        key: String,
        message: String,
    },
    /// A file or directory of the output could not be read or written.
    #[error("cannot {action} `{}`: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// A download could not be run at all (its task failed).
    #[error("cannot run downloads: {0}")]
    Setup(String),
    /// An asset could not be downloaded.
    #[error("cannot download file `{file_name}` (id {file_id}): {cause}")]
    Download {
        file_name: String,
        file_id: String,
        cause: String,
    },
}
