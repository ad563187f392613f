//! Stable diagnostic codes: part of the JSON output, so never renamed.

use serde::Serialize;

/// What kind of problem a diagnostic reports. The kebab-case name is the
/// stable identifier users grep for and machines match on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    /// The catalog directory or a file in it could not be read.
    Io,
    /// The catalog directory holds no YAML file.
    EmptyCatalog,
    /// A file is not valid UTF-8.
    NotUtf8,
    /// A file is not well-formed YAML.
    YamlSyntax,
    /// A mapping repeats a key, or two files define the same entry.
    DuplicateKey,
    /// A field the format does not know.
    UnknownField,
    /// A required field is missing.
    MissingField,
    /// A value of the wrong type or shape.
    InvalidValue,
    /// An entry key that is not a valid slug.
    InvalidKey,
    /// A reference to an entry that does not exist.
    UnknownReference,
    /// A reference to an entry of the wrong sort (a variant under a variant).
    WrongReference,
    /// A field that contradicts another one on the same entry.
    Conflict,
    /// Nesting that loops back on itself.
    Cycle,
    /// Two entries that would match the same live object.
    DuplicateIdentity,
    /// An attribute value that does not fit its attribute's type.
    AttributeValue,
    /// A date that is not `YYYY-MM-DD` or RFC 3339.
    InvalidDate,
    /// Published without a start date.
    PublishedWithoutStart,
    /// An asset file that does not exist.
    AssetMissing,
    /// An asset file with no bytes.
    AssetEmpty,
    /// An asset path that leaves the catalog directory.
    AssetOutsideCatalog,
    /// An asset whose extension, declared MIME type and bytes disagree.
    AssetTypeMismatch,
    /// An asset whose type cannot be told.
    AssetUnknownType,
    /// A secret (client secret, token, password) written in `pxmctl.yaml`.
    SecretInConfig,
    /// Two entries' assets with the same bytes, or a new asset whose bytes
    /// are already live in another file.
    DuplicateContent,
    AmbiguousMatch,
    VanishedId,
    MissingLive,
    /// A protected entry's live object would be deleted (a rename the
    /// catalog did not declare, with its kind pruned).
    Protected,
}

impl Code {
    /// The stable kebab-case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Io => "io",
            Self::EmptyCatalog => "empty-catalog",
            Self::NotUtf8 => "not-utf8",
            Self::YamlSyntax => "yaml-syntax",
            Self::DuplicateKey => "duplicate-key",
            Self::UnknownField => "unknown-field",
            Self::MissingField => "missing-field",
            Self::InvalidValue => "invalid-value",
            Self::InvalidKey => "invalid-key",
            Self::UnknownReference => "unknown-reference",
            Self::WrongReference => "wrong-reference",
            Self::Conflict => "conflict",
            Self::Cycle => "cycle",
            Self::DuplicateIdentity => "duplicate-identity",
            Self::AttributeValue => "attribute-value",
            Self::DuplicateContent => "duplicate-content",
            Self::InvalidDate => "invalid-date",
            Self::PublishedWithoutStart => "published-without-start",
            Self::AssetMissing => "asset-missing",
            Self::AssetEmpty => "asset-empty",
            Self::AssetOutsideCatalog => "asset-outside-catalog",
            Self::AssetTypeMismatch => "asset-type-mismatch",
            Self::AssetUnknownType => "asset-unknown-type",
            Self::SecretInConfig => "secret-in-config",
            Self::AmbiguousMatch => "ambiguous-match",
            Self::VanishedId => "vanished-id",
            Self::MissingLive => "missing-live",
            Self::Protected => "protected",
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
