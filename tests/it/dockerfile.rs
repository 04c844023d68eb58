//! No container engine runs on the CI machines, so the Dockerfile is checked by reading it:
//! a Rust build stage on Debian 12 with libgdal-dev, a slim Debian 12 runtime with the very
//! GDAL runtime package the test binary links against, a non-root user, `aftermath` as the
//! entry point.

use crate::common;

use common::*;

#[test]
fn dockerfile_builds_on_debian_12_and_runs_as_a_non_root_user() {
    let text = std::fs::read_to_string(repo().join("Dockerfile")).expect("Dockerfile");
    let froms: Vec<&str> = text.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert_eq!(froms.len(), 2, "multi-stage: build and runtime");
    assert!(
        froms[0].contains("rust:") && froms[0].contains("bookworm"),
        "{}",
        froms[0]
    );
    assert!(froms[1].contains("debian:bookworm-slim"), "{}", froms[1]);
    let (build, runtime) = text.split_at(text.find(froms[1]).expect("runtime stage"));
    assert!(build.contains("libgdal-dev") && build.contains("cargo build --release --locked"));
    assert!(runtime.contains("COPY --from=build /src/target/release/aftermath"));
    assert!(runtime.contains("ENTRYPOINT [\"aftermath\"]"));
    let user = runtime
        .lines()
        .find(|l| l.starts_with("USER "))
        .expect("USER line");
    assert!(!user.contains("root") && !user.ends_with(" 0"), "{user}");

    // The runtime package must provide the libgdal the binary was linked against here.
    let ldd = sh("ldd", &[env!("CARGO_BIN_EXE_aftermath")]);
    let lib = ldd
        .lines()
        .find_map(|l| l.split("=>").nth(1).filter(|_| l.contains("libgdal")))
        .map(|s| s.split_whitespace().next().expect("path").to_string())
        .expect("aftermath links libgdal");
    let real = std::fs::canonicalize(&lib).expect("resolve");
    let owner = sh("dpkg", &["-S", real.to_str().expect("utf-8")]);
    let package = owner.split(':').next().expect("package");
    assert!(
        runtime.contains(package),
        "runtime stage lacks {package}, which provides {lib}"
    );
}
