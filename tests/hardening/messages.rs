//! Inputs that were accepted and then misled: dates that are not dates, text that breaks the
//! preview page, a Makefile that assumed `target/`.

use super::common::{self, aftermath, sample, write_pipeline, MNDWI_RAMP};
use super::refused;

#[test]
fn a_datetime_that_is_not_rfc3339_is_refused_naming_the_key() {
    let work = tempfile::tempdir().expect("tempdir");
    let text = common::mndwi_pipeline(&sample("olinda/L7_ETMs.tif"), &work.path().join("out"), "")
        .replace(
            "[scenes.post.bands]",
            "datetime = \"yesterday\"\n[scenes.post.bands]",
        );
    let p = write_pipeline(work.path(), "date.toml", &text);
    let (_, stderr) = refused(&["validate", p.to_str().expect("utf-8")]);
    assert!(
        stderr.contains("scenes.post.datetime") && stderr.contains("RFC 3339"),
        "{stderr}"
    );
}

#[test]
fn an_attribution_cannot_close_the_preview_pages_script() {
    let work = tempfile::tempdir().expect("tempdir");
    let out = work.path().join("out");
    let text = format!(
        "attribution = \"</script><script>window.pwned = 1</script>\"\n{}",
        common::mndwi_pipeline(
            &sample("olinda/L7_ETMs.tif"),
            &out,
            "[tiling]\nzoom = \"10\""
        )
    );
    let p = write_pipeline(work.path(), "attr.toml", &text);
    aftermath()
        .args(["run", p.to_str().expect("utf-8")])
        .assert()
        .success();
    let html = std::fs::read_to_string(out.join("index.html")).expect("index.html");
    assert!(
        !html.contains("<script>window.pwned"),
        "the attribution opened a script"
    );
    assert_eq!(
        html.matches("</script>").count(),
        html.matches("<script").count()
    );
    let _ = MNDWI_RAMP;
}

#[test]
fn make_demo_uses_cargos_own_target_directory() {
    let out = std::process::Command::new("make")
        .args(["-n", "demo"])
        .current_dir(common::repo())
        .env("CARGO_TARGET_DIR", "/tmp/aftermath-elsewhere")
        .output()
        .expect("make runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("run --release") && !text.contains("./target/"),
        "{text}"
    );
}
