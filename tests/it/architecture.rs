//! The house rules of `docs/architecture.md`, checked on the source: rooms depend on each
//! other one way (no import cycle), GDAL is linked only from `raster/`, object_store only from
//! `store/`, the pipeline file format (TOML) only from `spec/`, compiling a pipeline does no
//! I/O, and `main.rs` stays a thin shell.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`, with its room (the first path component under `src/`).
fn sources(dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("src/ is readable")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(src()).expect("under src/");
            let first = relative.components().next().expect("a component");
            let room = first.as_os_str().to_string_lossy();
            out.push((room.trim_end_matches(".rs").to_string(), path.clone()));
        }
    }
}

/// The code of a file without its comments (`//…` to the end of a line), so that a doc link
/// is not a dependency.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("a source file");
    text.lines()
        .map(|line| match line.find("//") {
            // `//` inside a string literal (a URL) is kept: the line's code before it still
            // counts, and what follows a URL is rarely a path.
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn identifier(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The rooms a piece of code names through `crate::room` or `use crate::{room, …}`.
fn rooms_named(code: &str) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // First-level names only: `{a::{b, c}, d}` names a and d.
            let mut depth = 0;
            let mut start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if start && !c.is_whitespace() => {
                        named.insert(identifier(&group[i..]).to_string());
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            named.insert(identifier(rest).to_string());
        }
    }
    named
}

/// Room → rooms it uses, with one file that shows each use.
fn room_graph() -> BTreeMap<String, BTreeMap<String, PathBuf>> {
    let mut files = Vec::new();
    sources(&src(), &mut files);
    let rooms: BTreeSet<String> = files.iter().map(|(room, _)| room.clone()).collect();
    let mut graph: BTreeMap<String, BTreeMap<String, PathBuf>> = BTreeMap::new();
    for (room, path) in &files {
        for used in rooms_named(&code(path)) {
            if used != *room && rooms.contains(&used) {
                let uses = graph.entry(room.clone()).or_default();
                uses.entry(used).or_insert_with(|| path.clone());
            }
        }
    }
    graph
}

/// A cycle through `from`, as the rooms along it, if there is one.
fn cycle(
    graph: &BTreeMap<String, BTreeMap<String, PathBuf>>,
    path: &mut Vec<String>,
) -> Option<Vec<String>> {
    let last = path.last().expect("a start").clone();
    for next in graph.get(&last).into_iter().flat_map(|uses| uses.keys()) {
        if let Some(at) = path.iter().position(|room| room == next) {
            let mut found = path[at..].to_vec();
            found.push(next.clone());
            return Some(found);
        }
        path.push(next.clone());
        if let Some(found) = cycle(graph, path) {
            return Some(found);
        }
        path.pop();
    }
    None
}

#[test]
fn the_comment_stripper_and_the_use_parser_see_what_the_compiler_sees() {
    let named =
        rooms_named("use crate::{plan::{A, B}, raster, tiling::TileId};\nx = crate::store::f();");
    let want: BTreeSet<String> = ["plan", "raster", "tiling", "store"]
        .map(String::from)
        .into();
    assert_eq!(named, want);
    assert!(rooms_named("let a = 1;").is_empty());
    let edge = |a: &str, b: &str| {
        (
            a.to_string(),
            BTreeMap::from([(b.to_string(), PathBuf::new())]),
        )
    };
    let circle = BTreeMap::from([edge("a", "b"), edge("b", "c"), edge("c", "a")]);
    assert_eq!(
        cycle(&circle, &mut vec!["a".to_string()]),
        Some(["a", "b", "c", "a"].map(String::from).to_vec())
    );
    let line = BTreeMap::from([edge("a", "b"), edge("b", "c")]);
    assert_eq!(cycle(&line, &mut vec!["a".to_string()]), None);
}

#[test]
fn rooms_depend_on_each_other_one_way() {
    let graph = room_graph();
    // The graph is real: the runner knows every stage.
    let runner = graph.get("runner").expect("the runner uses other rooms");
    for room in ["raster", "compute", "render", "store", "metadata", "plan"] {
        assert!(runner.contains_key(room), "runner does not use {room}");
    }
    for start in graph.keys() {
        if let Some(found) = cycle(&graph, &mut vec![start.clone()]) {
            let hops: Vec<String> = found
                .windows(2)
                .map(|w| format!("{} → {} ({})", w[0], w[1], graph[&w[0]][&w[1]].display()))
                .collect();
            panic!("import cycle between rooms:\n  {}", hops.join("\n  "));
        }
    }
}

/// Files outside `room` whose code names any of `paths`.
fn outside(room: &str, paths: &[&str]) -> Vec<String> {
    let mut files = Vec::new();
    sources(&src(), &mut files);
    files
        .iter()
        .filter(|(r, _)| r != room)
        .filter_map(|(_, path)| {
            let code = code(path);
            let hit = code.lines().find(|line| {
                paths.iter().any(|p| {
                    line.match_indices(p).any(|(at, _)| {
                        // A whole path segment: `gdal::`, not `no_gdal::`.
                        at == 0 || !line[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_')
                    })
                })
            })?;
            Some(format!("{}: {}", path.display(), hit.trim()))
        })
        .collect()
}

/// Fails unless `paths` are named only inside `room`.
fn assert_only_in(room: &str, paths: &[&str]) {
    let found = outside(room, paths);
    assert!(
        found.is_empty(),
        "{paths:?} outside src/{room}/:\n{}",
        found.join("\n")
    );
}

#[test]
fn gdal_is_linked_only_from_the_raster_room() {
    assert_only_in("raster", &["gdal::", "gdal_sys::", "use gdal;"]);
}

#[test]
fn object_store_is_used_only_from_the_store_room() {
    assert_only_in("store", &["object_store::", "use object_store;"]);
}

#[test]
fn the_pipeline_file_format_is_read_only_in_the_spec_room() {
    assert_only_in("spec", &["toml::", "use toml;"]);
}

#[test]
fn compiling_a_pipeline_opens_no_file() {
    let graph = room_graph();
    let spec = graph.get("spec").expect("spec uses other rooms");
    // (`store::StoreConfig`, the options a store is opened with, is a plain type.)
    for room in ["raster", "runner"] {
        assert!(
            !spec.contains_key(room),
            "spec uses {room} ({}); compiling touches nothing but the pipeline file",
            spec[room].display()
        );
    }
    // The I/O a compiler was tempted by, and the catalog's resolving step, which the runner
    // calls after compiling.
    let io = [
        "std::fs",
        "File::open",
        "read_dir",
        ".exists()",
        ".is_dir()",
        ".is_file()",
        "catalog::resolve",
    ];
    let mut files = Vec::new();
    sources(&src().join("spec").join("compile"), &mut files);
    assert!(files.len() >= 5, "spec/compile/ has its files: {files:?}");
    for (_, path) in files {
        let code = code(&path);
        for call in io {
            assert!(
                !code.contains(call),
                "{} calls {call}; the compiler is pure, the runner does the I/O after it",
                path.display()
            );
        }
    }
}

#[test]
fn main_is_a_thin_shell() {
    let lines = std::fs::read_to_string(src().join("main.rs"))
        .expect("main.rs")
        .lines()
        .count();
    assert!(
        lines <= 120,
        "src/main.rs has {lines} lines; keep it parse → call → exit code"
    );
}
