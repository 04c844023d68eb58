//! The encode-only ceiling: how fast this machine PNG-encodes the tiles a run wrote, with
//! nothing else to do (no reading, warping, computing or writing). `make bench` runs it on
//! aftermath's output so the pipeline's distance to its limit is visible.
//!
//! Usage: cargo bench --bench encode_ceiling -- TILE_DIR [THREADS]

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

fn tiles(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            tiles(&path, out);
        } else if path.extension().is_some_and(|e| e == "png") {
            out.push(path);
        }
    }
}

/// A PNG file decoded to RGBA (palette, tRNS and RGB expanded).
fn rgba(path: &Path) -> Option<(u32, Vec<u8>)> {
    let file = std::fs::File::open(path).ok()?;
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().ok()?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).ok()?;
    buf.truncate(info.buffer_size());
    let rgba = match info.color_type {
        png::ColorType::Rgba => buf,
        png::ColorType::Rgb => buf
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        _ => return None,
    };
    Some((info.width, rgba))
}

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let Some(dir) = args.next() else {
        eprintln!("usage: encode_ceiling TILE_DIR [THREADS]");
        std::process::exit(2);
    };
    let threads: usize = args.next().and_then(|t| t.parse().ok()).unwrap_or(0);
    let mut paths = Vec::new();
    tiles(Path::new(&dir), &mut paths);
    let decoded: Vec<(u32, Vec<u8>)> = paths.iter().filter_map(|p| rgba(p)).collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    let started = Instant::now();
    let bytes: usize = pool.install(|| {
        decoded
            .par_iter()
            .map(|(size, rgba)| {
                aftermath::render::encode_png(rgba, *size)
                    .map(|b| b.len())
                    .unwrap_or(0)
            })
            .sum()
    });
    let seconds = started.elapsed().as_secs_f64();
    // One JSON line for benches/bench.py.
    println!(
        "{{\"tiles\": {}, \"seconds\": {seconds:.4}, \"bytes\": {bytes}, \"threads\": {}}}",
        decoded.len(),
        pool.current_num_threads()
    );
}
