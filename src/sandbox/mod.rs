//! The local PXM API and presigned object store (`pxmctl sandbox`).
