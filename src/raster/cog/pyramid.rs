//! The tiles of a COG being written, without GDAL: full-width rows go in, 256-px tiles come
//! out DEFLATE-compressed with the TIFF predictor, on every core, and each overview level is
//! computed from the level above it, two rows at a time, as the rows arrive. Each level's
//! tiles go to a scratch file of their own in row-major order, each tile with GDAL's block
//! leader (its size, u32 little-endian) before it and trailer (its last 4 bytes) after it, so
//! the COG is its IFDs followed by those files (`tiff::write_cog`; the full resolution's
//! file becomes the COG itself where its filesystem can insert room before its tiles).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

/// Tile width and height, in pixels.
pub const BLOCK: usize = 256;

/// How an overview pixel is made from the (up to) 2 × 2 pixels of the level above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduce {
    /// The mean of the values that are not nodata (NaN); integers rounded half up.
    Average,
    /// The mean of each colour over the pixels whose alpha (the last sample) is not 0, and
    /// the mean alpha: RGBA without dark fringes.
    AverageByAlpha,
    /// The lower-right pixel, or the one there is at an edge, as GDAL's `NEAREST` picks at a
    /// factor of 2.
    Nearest,
}

/// TIFF predictor (tag 317).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Predictor {
    None = 1,
    /// Horizontal differencing of samples (integers).
    Horizontal = 2,
    /// Floating-point: bytes of a row in planes by significance, then differenced (TIFF
    /// Technical Note 3).
    FloatingPoint = 3,
}

/// A sample type of a COG.
pub trait Sample: Copy + Default + Send + Sync + 'static {
    const BYTES: usize;
    /// TIFF `SampleFormat`: 1 unsigned integer, 3 IEEE floating point.
    const FORMAT: u16;
    /// Appends the little-endian bytes of `values`.
    fn put_le(values: &[Self], out: &mut Vec<u8>);
    /// Differences a row in place from its end: `v[i] -= v[i - stride]` (wrapping).
    fn difference(row: &mut [Self], stride: usize);
    /// The mean of `values` that are not nodata, or nodata when all are (see [`Reduce`]).
    fn mean(values: &[Self]) -> Self;
    /// Whether the value is an alpha of 0 (for [`Reduce::AverageByAlpha`]).
    fn is_zero(self) -> bool;
}

macro_rules! integer_sample {
    ($t:ty, $format:expr) => {
        impl Sample for $t {
            const BYTES: usize = std::mem::size_of::<$t>();
            const FORMAT: u16 = $format;
            fn put_le(values: &[Self], out: &mut Vec<u8>) {
                out.extend(values.iter().flat_map(|v| v.to_le_bytes()));
            }
            fn difference(row: &mut [Self], stride: usize) {
                for i in (stride..row.len()).rev() {
                    row[i] = row[i].wrapping_sub(row[i - stride]);
                }
            }
            fn mean(values: &[Self]) -> Self {
                let n = values.len() as u64;
                if n == 0 {
                    return 0;
                }
                let sum: u64 = values.iter().map(|&v| u64::from(v)).sum();
                ((sum + n / 2) / n) as $t
            }
            fn is_zero(self) -> bool {
                self == 0
            }
        }
    };
}

integer_sample!(u8, 1);
integer_sample!(u16, 1);

impl Sample for f32 {
    const BYTES: usize = 4;
    const FORMAT: u16 = 3;
    fn put_le(values: &[Self], out: &mut Vec<u8>) {
        out.extend(values.iter().flat_map(|v| v.to_le_bytes()));
    }
    fn difference(_row: &mut [Self], _stride: usize) {
        // Floats take the floating-point predictor, on bytes.
    }
    fn mean(values: &[Self]) -> Self {
        let (sum, n) = values
            .iter()
            .filter(|v| !v.is_nan())
            .fold((0.0f64, 0u32), |(s, n), &v| (s + f64::from(v), n + 1));
        if n == 0 {
            f32::NAN
        } else {
            (sum / f64::from(n)) as f32
        }
    }
    fn is_zero(self) -> bool {
        self == 0.0
    }
}

/// How the tiles are made.
#[derive(Debug, Clone, Copy)]
pub struct Encoding {
    /// Samples per pixel (1, or 4 for RGBA), interleaved.
    pub samples: usize,
    pub predictor: Predictor,
    pub reduce: Reduce,
    pub compression: Compression,
}

/// How a tile's bytes are compressed (always DEFLATE, which every COG reader decodes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Literals and runs only ([`super::deflate`]): for data whose redundancy is runs.
    Runs,
    /// libdeflate at this level (1-12).
    Libdeflate(i32),
}

/// One level's tiles, written: in its scratch file, row-major.
#[derive(Debug)]
pub struct LevelTiles {
    pub width: usize,
    pub height: usize,
    pub path: PathBuf,
    /// Per tile: where its compressed bytes start in the file, and how many there are.
    pub tiles: Vec<(u64, u64)>,
    /// The file's length.
    pub bytes: u64,
}

struct Level<T> {
    width: usize,
    height: usize,
    /// The rows of the current band of tiles.
    rows: Vec<T>,
    received: usize,
    /// An even row waiting for the row below it, to make a row of the next level.
    pending: Option<Vec<T>>,
    out: BufWriter<File>,
    path: PathBuf,
    written: u64,
    tiles: Vec<(u64, u64)>,
}

/// The levels of a COG being written: level 0 the full resolution, then overviews of half
/// the size (rounded up) down to the first that fits in one tile, as GDAL's COG driver.
pub struct Pyramid<T: Sample> {
    levels: Vec<Level<T>>,
    encoding: Encoding,
}

/// The sizes of the levels of a `width` × `height` raster: each half the one above,
/// rounded down (at least 1), until both fit in a tile, as GDAL's COG driver makes them with
/// `BLOCKSIZE=256`. A last odd row or column is left out of the next level.
pub fn level_sizes(width: usize, height: usize) -> Vec<(usize, usize)> {
    let mut sizes = vec![(width, height)];
    let (mut w, mut h) = (width, height);
    while (w > BLOCK || h > BLOCK) && (w > 1 || h > 1) {
        (w, h) = ((w / 2).max(1), (h / 2).max(1));
        sizes.push((w, h));
    }
    sizes
}

impl<T: Sample> Pyramid<T> {
    /// Levels whose tiles go to files named `<stem>.<level>` in `dir`.
    pub fn new(
        dir: &Path,
        stem: &str,
        width: usize,
        height: usize,
        encoding: Encoding,
    ) -> std::io::Result<Pyramid<T>> {
        let mut levels = Vec::new();
        for (k, (w, h)) in level_sizes(width, height).into_iter().enumerate() {
            let path = dir.join(format!("{stem}.{k}"));
            levels.push(Level {
                width: w,
                height: h,
                rows: Vec::with_capacity(w * BLOCK.min(h) * encoding.samples),
                received: 0,
                pending: None,
                out: BufWriter::with_capacity(1 << 20, File::create(&path)?),
                path,
                written: 0,
                tiles: Vec::new(),
            });
        }
        Ok(Pyramid { levels, encoding })
    }

    /// The full-resolution rows received so far.
    pub fn rows(&self) -> usize {
        self.levels.first().map_or(0, |l| l.received)
    }

    /// Takes full-width rows of level 0 (the next ones), `samples` values per pixel.
    pub fn push(&mut self, rows: &[T]) -> std::io::Result<()> {
        let Some(first) = self.levels.first() else {
            return Ok(());
        };
        let (stride, height) = (first.width * self.encoding.samples, first.height);
        if stride == 0 {
            return Ok(());
        }
        for row in rows.chunks_exact(stride) {
            if self.rows() >= height {
                return Err(std::io::Error::other("more rows than the raster has"));
            }
            self.push_row(row.to_vec())?;
        }
        Ok(())
    }

    fn push_row(&mut self, row: Vec<T>) -> std::io::Result<()> {
        let encoding = self.encoding;
        let count = self.levels.len();
        let mut next = Some(row);
        for k in 0..count {
            let Some(row) = next.take() else { break };
            let level = &mut self.levels[k];
            level.rows.extend_from_slice(&row);
            let y = level.received;
            level.received += 1;
            if level.received.is_multiple_of(BLOCK) || level.received == level.height {
                level.encode_band(encoding)?;
            }
            if k + 1 < count {
                next = match (level.height, y % 2, level.pending.take()) {
                    // A level of one row makes a level of one row.
                    (1, _, _) => Some(reduce(&row, None, level.width, encoding)),
                    (_, 1, Some(above)) => Some(reduce(&above, Some(&row), level.width, encoding)),
                    (height, _, _) if y + 1 < height => {
                        level.pending = Some(row);
                        None
                    }
                    // A last odd row.
                    _ => None,
                };
            }
        }
        Ok(())
    }

    /// Flushes the tile files; every row must have been pushed.
    pub fn finish(self) -> std::io::Result<Vec<LevelTiles>> {
        let mut done = Vec::new();
        for mut level in self.levels {
            if level.received != level.height {
                return Err(std::io::Error::other(format!(
                    "{} of {} rows were written",
                    level.received, level.height
                )));
            }
            level.out.flush()?;
            done.push(LevelTiles {
                width: level.width,
                height: level.height,
                path: level.path,
                tiles: level.tiles,
                bytes: level.written,
            });
        }
        Ok(done)
    }
}

impl<T: Sample> Level<T> {
    /// Compresses the band of rows held (the last may be short) into tiles, on every core,
    /// and appends them to the file.
    fn encode_band(&mut self, encoding: Encoding) -> std::io::Result<()> {
        let width = self.width;
        let rows = &self.rows;
        let across = width.div_ceil(BLOCK);
        let compressed: Vec<std::io::Result<Vec<u8>>> = (0..across)
            .into_par_iter()
            .map(|tx| {
                let raw = tile_bytes(rows, width, tx, encoding);
                compressed_zlib(&raw, encoding.compression)
            })
            .collect();
        for tile in compressed {
            let tile = tile?;
            let len = tile.len() as u64;
            // GDAL's block leader and trailer (BLOCK_LEADER=SIZE_AS_UINT4,
            // BLOCK_TRAILER=LAST_4_BYTES_REPEATED), which its reader uses to skip requests.
            self.out.write_all(&(len as u32).to_le_bytes())?;
            self.out.write_all(&tile)?;
            let tail = &tile[tile.len().saturating_sub(4)..];
            self.out.write_all(tail)?;
            self.tiles.push((self.written + 4, len));
            self.written += 4 + len + tail.len() as u64;
        }
        self.rows.clear();
        Ok(())
    }
}

thread_local! {
    /// Each worker's compressors, by level: making one allocates and clears hundreds of KB
    /// (2 % of a product run when made for every band of rows).
    static COMPRESSORS: std::cell::RefCell<Vec<(i32, libdeflater::Compressor)>> =
        const { std::cell::RefCell::new(Vec::new()) };
    /// Each worker's scratch space for [`Compression::Runs`].
    static TOKENS: std::cell::RefCell<Vec<super::deflate::Token>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// `raw` as a zlib stream, compressed as `compression` says (on this thread's compressor).
fn compressed_zlib(raw: &[u8], compression: Compression) -> std::io::Result<Vec<u8>> {
    let level = match compression {
        Compression::Runs => {
            let mut out = Vec::new();
            TOKENS.with_borrow_mut(|tokens| super::deflate::zlib_compress(raw, &mut out, tokens));
            return Ok(out);
        }
        Compression::Libdeflate(level) => level,
    };
    COMPRESSORS.with_borrow_mut(|compressors| {
        let at = match compressors.iter().position(|(l, _)| *l == level) {
            Some(at) => at,
            None => {
                let lvl = libdeflater::CompressionLvl::new(level)
                    .map_err(|e| std::io::Error::other(format!("deflate level {level}: {e:?}")))?;
                compressors.push((level, libdeflater::Compressor::new(lvl)));
                compressors.len() - 1
            }
        };
        let compressor = &mut compressors[at].1;
        let mut out = vec![0; compressor.zlib_compress_bound(raw.len())];
        let n = compressor
            .zlib_compress(raw, &mut out)
            .map_err(|e| std::io::Error::other(format!("deflate: {e:?}")))?;
        out.truncate(n);
        Ok(out)
    })
}

/// The bytes of tile column `tx` of a band of rows, padded to a full tile with zeros, each
/// of its rows with the predictor applied.
fn tile_bytes<T: Sample>(rows: &[T], width: usize, tx: usize, encoding: Encoding) -> Vec<u8> {
    let samples = encoding.samples;
    let row_samples = BLOCK * samples;
    let mut out = Vec::with_capacity(BLOCK * row_samples * T::BYTES);
    let mut row = vec![T::default(); row_samples];
    let mut bytes = Vec::with_capacity(row_samples * T::BYTES);
    let (x0, x1) = (tx * BLOCK, ((tx + 1) * BLOCK).min(width));
    let held = rows.len() / (width * samples).max(1);
    for y in 0..BLOCK {
        row.fill(T::default());
        if y < held {
            let start = (y * width + x0) * samples;
            let n = (x1 - x0) * samples;
            row[..n].copy_from_slice(&rows[start..start + n]);
        }
        bytes.clear();
        match encoding.predictor {
            Predictor::None => T::put_le(&row, &mut bytes),
            Predictor::Horizontal => {
                T::difference(&mut row, samples);
                T::put_le(&row, &mut bytes);
            }
            Predictor::FloatingPoint => {
                T::put_le(&row, &mut bytes);
                bytes = floating_point_predictor(&bytes, T::BYTES, samples);
            }
        }
        out.extend_from_slice(&bytes);
    }
    out
}

/// TIFF's floating-point predictor on one row of little-endian samples of `size` bytes: the
/// most significant bytes of every sample first, then the next, and so on; then each byte
/// less the one `stride` before it (libtiff `fpDiff`).
fn floating_point_predictor(le: &[u8], size: usize, stride: usize) -> Vec<u8> {
    let count = le.len() / size.max(1);
    if count == 0 {
        return le.to_vec();
    }
    // A plane at a time and the differences in a second buffer, front to back: loops the
    // compiler turns into vector code (a byte at a time, back to front, was 3 % of a run).
    let mut planes = vec![0u8; count * size];
    for (p, plane) in planes.chunks_exact_mut(count).enumerate() {
        let b = size - 1 - p;
        for (byte, sample) in plane.iter_mut().zip(le.chunks_exact(size)) {
            *byte = sample[b];
        }
    }
    let stride = stride.min(planes.len());
    let mut out = Vec::with_capacity(planes.len());
    out.extend_from_slice(&planes[..stride]);
    out.extend(
        (planes[stride..].iter().zip(&planes)).map(|(&byte, &before)| byte.wrapping_sub(before)),
    );
    out
}

/// [`reduce`] for one band at least 2 pixels wide, where every output pixel has both its
/// columns: the same pixels in the same order, without gathering them (`None` for
/// [`Reduce::AverageByAlpha`], which needs an alpha band).
fn single_band<T: Sample>(
    above: &[T],
    below: Option<&[T]>,
    out_width: usize,
    reduce: Reduce,
) -> Option<Vec<T>> {
    let top = above.chunks_exact(2).take(out_width);
    Some(match (reduce, below) {
        // The last pixel met: lower right when there is a row below.
        (Reduce::Nearest, Some(b)) => b.chunks_exact(2).take(out_width).map(|p| p[1]).collect(),
        (Reduce::Nearest, None) => top.map(|p| p[1]).collect(),
        (Reduce::Average, Some(b)) => (top.zip(b.chunks_exact(2)))
            .map(|(t, b)| T::mean(&[t[0], t[1], b[0], b[1]]))
            .collect(),
        (Reduce::Average, None) => top.map(|t| T::mean(t)).collect(),
        (Reduce::AverageByAlpha, _) => return None,
    })
}

/// A row of the next level from two rows of this one (`below` is `None` on a last, odd row).
fn reduce<T: Sample>(above: &[T], below: Option<&[T]>, width: usize, encoding: Encoding) -> Vec<T> {
    let samples = encoding.samples;
    let out_width = (width / 2).max(1);
    if samples == 1 && width >= 2 {
        if let Some(row) = single_band(above, below, out_width, encoding.reduce) {
            return row;
        }
    }
    let mut out = Vec::with_capacity(out_width * samples);
    let rows: Vec<&[T]> = std::iter::once(above).chain(below).collect();
    let mut pixels: Vec<&[T]> = Vec::with_capacity(4);
    let mut values: Vec<T> = Vec::with_capacity(4);
    for ox in 0..out_width {
        pixels.clear();
        for row in &rows {
            for x in [2 * ox, 2 * ox + 1] {
                if x < width {
                    pixels.push(&row[x * samples..(x + 1) * samples]);
                }
            }
        }
        match encoding.reduce {
            Reduce::Nearest => {
                // The last pixel met: lower right when there is one.
                let pixel = pixels.last().copied().unwrap_or(&[]);
                out.extend_from_slice(pixel);
            }
            Reduce::Average => {
                for s in 0..samples {
                    values.clear();
                    values.extend(pixels.iter().map(|p| p[s]));
                    out.push(T::mean(&values));
                }
            }
            Reduce::AverageByAlpha => {
                let alpha = samples - 1;
                for s in 0..samples {
                    values.clear();
                    let seen = pixels.iter().filter(|p| s == alpha || !p[alpha].is_zero());
                    values.extend(seen.map(|p| p[s]));
                    out.push(T::mean(&values));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
