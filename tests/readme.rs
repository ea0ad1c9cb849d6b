//! The README's Rust examples, extracted by build.rs and run here: the README cannot drift from
//! the API. They read real photos from ../shared/eval and skip with a message where it is absent.

mod common;

#[allow(dead_code)]
mod readme {
    include!(concat!(env!("OUT_DIR"), "/readme_examples.rs"));
}

#[test]
fn readme_rust_example_compiles_and_runs() {
    assert_eq!(readme::COUNT, 1, "the README has one Rust example");
    // The example uses the default location of the data, as a reader would.
    if common::eval_dir("readme_rust_example_compiles_and_runs").is_none()
        || !std::path::Path::new("../shared/eval").is_dir()
    {
        return;
    }
    readme::example_0::main().expect("the README's Rust example runs");
}
