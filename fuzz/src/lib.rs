//! veriface's fuzz targets (see `targets`), the mutations and the bounded pass CI runs, and the
//! server's body reader compiled in from the binary (`serve`). docs/fuzzing.md has the commands.

pub mod mutate;
pub mod pass;
pub mod serve;
pub mod targets;
