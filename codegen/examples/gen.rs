//! Prints the generated module of a spec: `cargo run -p mcpgen-codegen --example gen -- specs/weather.yaml`.
fn main() {
    let path = std::env::args().nth(1).expect("a spec path");
    let checked = mcpgen_codegen::load_file(std::path::Path::new(&path), &path).expect("readable");
    for d in &checked.diagnostics {
        eprint!("{}", d.render(&checked.source));
    }
    let spec = checked.spec.expect("a model");
    for file in mcpgen_codegen::emit::generate(&spec, &path) {
        print!("{}", file.contents);
    }
}
