//! Reading an AEC OS project: its elements (as AEC OS core writes them) and the
//! construction records aecos defines (docs/DATA.md). Nothing here writes.

pub mod elements;
pub mod records;
pub mod serde_util;
