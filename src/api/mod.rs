//! What both sides of the wire share about the PXM API: how values are
//! read and written (`codec`). Nothing here does I/O.

pub mod codec;
