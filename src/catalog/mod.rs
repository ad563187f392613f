//! The catalog: YAML model, loading with spans, checking.
