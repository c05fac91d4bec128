// The release binary embeds the built web UI (dist/); rebuild it when Trunk rewrites dist/.
fn main() {
    println!("cargo:rerun-if-changed=../dist");
}
