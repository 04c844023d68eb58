//! Writing the product rasters (COGs). GDAL writes a pixel-less template GeoTIFF of each
//! raster, which holds its georeferencing, nodata, colour table and metadata; the pixels go,
//! as they are computed, into `pyramid`, which compresses 256-px tiles and overviews on every
//! core (and, for class rasters, into a plain file of codes the sieve reads back); `tiff` then
//! writes the COG: the template's tags around those tiles, in GDAL's COG layout.

mod deflate;
mod pyramid;
mod tiff;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicUsize;

use gdal::cpl::CslStringList;
use gdal::raster::{
    ColorEntry, ColorInterpretation, ColorTable, PaletteInterpretation, RasterCreationOptions,
};
use gdal::{Dataset, DriverManager, Metadata};

use super::{Grid, RasterError};
use pyramid::{Compression, Encoding, Predictor, Pyramid, Reduce, Sample};

/// One class of a classified raster: pixel value `index + 1`, its name, range and colour.
pub struct ClassInfo {
    pub name: String,
    /// The class's values, e.g. `[0.1, 0.27)`.
    pub interval: String,
    pub rgba: [u8; 4],
}

/// A product raster being written row by row on a [`Grid`].
pub struct GridWriter {
    /// The template: GDAL's GeoTIFF of the raster's tags, without pixels.
    dataset: Dataset,
    scratch: PathBuf,
    /// The rows as written, one byte per pixel, for a class raster (read back by the sieve):
    /// a plain file, outside GDAL's block cache, which the inputs' blocks need.
    rows: Option<std::fs::File>,
    tiles: Tiles,
    encoding: Encoding,
}

/// The tiles being made, by sample type.
pub enum Tiles {
    Byte(Pyramid<u8>),
    Counts(Pyramid<u16>),
    Float(Pyramid<f32>),
}

/// A sample type of the product rasters.
pub trait CogSample: gdal::raster::GdalType + Sample {
    #[doc(hidden)]
    fn tiles(tiles: &mut Tiles) -> Option<&mut Pyramid<Self>>;
}

macro_rules! cog_sample {
    ($t:ty, $variant:ident) => {
        impl CogSample for $t {
            fn tiles(tiles: &mut Tiles) -> Option<&mut Pyramid<Self>> {
                match tiles {
                    Tiles::$variant(p) => Some(p),
                    _ => None,
                }
            }
        }
    };
}

cog_sample!(u8, Byte);
cog_sample!(u16, Counts);
cog_sample!(f32, Float);

/// libdeflate's level for colours: level 4 was 2.6× faster than the usual 6 for classes on
/// the 8192² bench, for a file 9 % larger.
const DEFLATE_LEVEL: i32 = 4;

/// Codes and counts: no predictor (it does not shrink them), overviews by nearest.
const CODES: Encoding = Encoding {
    samples: 1,
    predictor: Predictor::None,
    reduce: Reduce::Nearest,
    compression: Compression::Runs,
};

/// Colour interpretation of the bands of an RGBA raster.
const RGBA: [ColorInterpretation; 4] = [
    ColorInterpretation::RedBand,
    ColorInterpretation::GreenBand,
    ColorInterpretation::BlueBand,
    ColorInterpretation::AlphaBand,
];

fn write_error(path: &Path, e: impl std::fmt::Display) -> RasterError {
    RasterError::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

impl GridWriter {
    /// A writer of `dataset`'s raster whose tiles (files beside `scratch`) are encoded as
    /// `encoding` says.
    fn new<T: CogSample>(
        dataset: Dataset,
        scratch: &Path,
        grid: &Grid,
        keeps_rows: bool,
        encoding: Encoding,
        wrap: fn(Pyramid<T>) -> Tiles,
    ) -> Result<GridWriter, RasterError> {
        let dir = scratch.parent().unwrap_or(Path::new("."));
        let stem = scratch
            .file_name()
            .map_or_else(|| "raster".into(), |n| n.to_string_lossy().into_owned());
        let rows = match keeps_rows {
            true => Some(tempfile::tempfile_in(dir).map_err(|e| write_error(scratch, e))?),
            false => None,
        };
        let pyramid = Pyramid::<T>::new(
            dir,
            &format!("{stem}.tiles"),
            grid.width,
            grid.height,
            encoding,
        )
        .map_err(|e| write_error(scratch, e))?;
        Ok(GridWriter {
            dataset,
            scratch: scratch.to_path_buf(),
            rows,
            tiles: wrap(pyramid),
            encoding,
        })
    }

    /// A Float32 raster with NaN as nodata: overviews by averaging, the floating-point
    /// predictor.
    pub fn float(scratch: &Path, grid: &Grid) -> Result<GridWriter, RasterError> {
        let dataset = create::<f32>(scratch, grid, 1)?;
        let mut band = dataset.rasterband(1).map_err(|e| write_error(scratch, e))?;
        band.set_no_data_value(Some(f64::NAN))
            .map_err(|e| write_error(scratch, e))?;
        let encoding = Encoding {
            samples: 1,
            predictor: Predictor::FloatingPoint,
            reduce: Reduce::Average,
            // Noise, but for its exponents' runs (see `deflate`).
            compression: Compression::Runs,
        };
        GridWriter::new::<f32>(dataset, scratch, grid, false, encoding, Tiles::Float)
    }

    /// A UInt16 raster of counts (a composite's observations per pixel), 0 a count like any
    /// other, so no nodata.
    pub fn counts(scratch: &Path, grid: &Grid) -> Result<GridWriter, RasterError> {
        let dataset = create::<u16>(scratch, grid, 1)?;
        GridWriter::new::<u16>(dataset, scratch, grid, false, CODES, Tiles::Counts)
    }

    /// A Byte raster: 0 = nodata, class `i` stored as `i + 1`, with a colour table and the
    /// class table in the band's metadata (`CLASS_<value>` = `name [min, max)`, or `(…]` for
    /// exclusive / inclusive ends). Its rows can be read back ([`GridWriter::code_rows`]).
    pub fn classes(
        scratch: &Path,
        grid: &Grid,
        classes: &[ClassInfo],
    ) -> Result<GridWriter, RasterError> {
        let dataset = create::<u8>(scratch, grid, 1)?;
        let mut band = dataset.rasterband(1).map_err(|e| write_error(scratch, e))?;
        band.set_no_data_value(Some(0.0))
            .map_err(|e| write_error(scratch, e))?;
        let mut table = ColorTable::new(PaletteInterpretation::Rgba);
        table.set_color_entry(0, &ColorEntry::rgba(0, 0, 0, 0));
        for (i, c) in classes.iter().enumerate() {
            let [r, g, b, a] = c.rgba.map(i16::from);
            table.set_color_entry(i as u16 + 1, &ColorEntry::rgba(r, g, b, a));
            let text = format!("{} {}", c.name, c.interval);
            band.set_metadata_item(&format!("CLASS_{}", i + 1), &text, "")
                .map_err(|e| write_error(scratch, e))?;
        }
        band.set_color_table(&table);
        band.set_color_interpretation(ColorInterpretation::PaletteIndex)
            .map_err(|e| write_error(scratch, e))?;
        GridWriter::new::<u8>(dataset, scratch, grid, true, CODES, Tiles::Byte)
    }

    /// A Byte RGBA raster (a rendered composite): alpha 0 = nodata; overviews average the
    /// colours of the pixels with data.
    pub fn rgba(scratch: &Path, grid: &Grid) -> Result<GridWriter, RasterError> {
        let dataset = create::<u8>(scratch, grid, RGBA.len())?;
        for (b, interpretation) in RGBA.into_iter().enumerate() {
            let mut band = dataset
                .rasterband(b + 1)
                .map_err(|e| write_error(scratch, e))?;
            band.set_color_interpretation(interpretation)
                .map_err(|e| write_error(scratch, e))?;
        }
        let encoding = Encoding {
            samples: RGBA.len(),
            predictor: Predictor::Horizontal,
            reduce: Reduce::AverageByAlpha,
            compression: Compression::Libdeflate(DEFLATE_LEVEL),
        };
        GridWriter::new::<u8>(dataset, scratch, grid, false, encoding, Tiles::Byte)
    }

    fn in_turn(&self, first_row: usize, rows_so_far: usize) -> Result<(), RasterError> {
        if first_row == rows_so_far {
            return Ok(());
        }
        Err(write_error(
            &self.scratch,
            format!("rows from {first_row} were written after {rows_so_far} rows"),
        ))
    }

    /// Writes the next full-width rows, starting at `first_row` (Float32, UInt16 or Byte, as
    /// created; an RGBA raster's interleaved, four values per pixel).
    pub fn write<T: CogSample>(
        &mut self,
        first_row: usize,
        values: &[T],
    ) -> Result<(), RasterError> {
        let so_far = T::tiles(&mut self.tiles)
            .map(|p| p.rows())
            .ok_or_else(|| write_error(&self.scratch, "rows of another sample type"))?;
        self.in_turn(first_row, so_far)?;
        if let Some(pyramid) = T::tiles(&mut self.tiles) {
            pyramid
                .push(values)
                .map_err(|e| write_error(&self.scratch, e))?;
        }
        if let Some(file) = self.rows.as_mut() {
            use std::io::Write;
            let mut bytes = Vec::with_capacity(values.len() * T::BYTES);
            T::put_le(values, &mut bytes);
            file.write_all(&bytes)
                .map_err(|e| write_error(&self.scratch, e))?;
        }
        Ok(())
    }

    /// A reader of the rows written so far of a class raster, for another thread.
    pub fn code_rows(&self) -> Result<CodeRows, RasterError> {
        let Some(file) = &self.rows else {
            return Err(write_error(&self.scratch, "this raster keeps no rows"));
        };
        Ok(CodeRows {
            file: file
                .try_clone()
                .map_err(|e| write_error(&self.scratch, e))?,
            scratch: self.scratch.clone(),
        })
    }

    /// Writes the COG at `cog`: 256-px DEFLATE tiles (libdeflate level 1 for floats, 4
    /// else) with the predictor for its type, and overviews (averaged for values, nearest
    /// for codes) down to the first that fits in one tile, in GDAL's COG layout. A non-zero
    /// `stop` (a signal's number) ends it within a fraction of a second.
    pub fn finish(self, cog: &Path, stop: &AtomicUsize) -> Result<(), RasterError> {
        self.finish_as(cog, stop, true)
    }

    /// [`GridWriter::finish`], the full resolution's tile file made the COG where `insert`
    /// and its filesystem can, copied in otherwise.
    fn finish_as(self, cog: &Path, stop: &AtomicUsize, insert: bool) -> Result<(), RasterError> {
        let GridWriter {
            dataset,
            scratch,
            tiles,
            encoding,
            ..
        } = self;
        // Closing the template writes its tags.
        drop(dataset);
        let fields = tiff::read_fields(&scratch).map_err(|e| write_error(&scratch, e))?;
        let (levels, bits, format) = match tiles {
            Tiles::Byte(p) => (p.finish(), 8, u8::FORMAT),
            Tiles::Counts(p) => (p.finish(), 16, u16::FORMAT),
            Tiles::Float(p) => (p.finish(), 32, f32::FORMAT),
        };
        let levels = levels.map_err(|e| write_error(&scratch, e))?;
        let samples = tiff::Samples {
            bits,
            format,
            per_pixel: encoding.samples as u16,
            predictor: encoding.predictor,
        };
        tiff::write_cog(cog, &fields, &levels, samples, stop, insert)
            .map_err(|e| write_error(cog, e))
    }
}

/// The rows of a class raster as written, one byte per pixel.
pub struct CodeRows {
    file: std::fs::File,
    scratch: PathBuf,
}

impl CodeRows {
    /// Full-width rows `first_row..first_row + rows`.
    pub fn read(
        &self,
        first_row: usize,
        width: usize,
        rows: usize,
    ) -> Result<Vec<u8>, RasterError> {
        use std::os::unix::fs::FileExt;
        let mut codes = vec![0u8; width * rows];
        self.file
            .read_exact_at(&mut codes, (first_row * width) as u64)
            .map_err(|e| write_error(&self.scratch, e))?;
        Ok(codes)
    }
}

/// GDAL's template of a raster: a tiled GeoTIFF with its georeferencing whose tiles are never
/// written, so it stays a few kB.
fn create<T: gdal::raster::GdalType>(
    scratch: &Path,
    grid: &Grid,
    bands: usize,
) -> Result<Dataset, RasterError> {
    let driver = DriverManager::get_driver_by_name("GTiff").map_err(|e| write_error(scratch, e))?;
    let mut options = CslStringList::new();
    for (k, v) in [
        ("TILED", "YES"),
        ("BLOCKXSIZE", "256"),
        ("BLOCKYSIZE", "256"),
        ("COMPRESS", "NONE"),
        ("BIGTIFF", "NO"),
        ("SPARSE_OK", "TRUE"),
    ] {
        options
            .set_name_value(k, v)
            .map_err(|e| write_error(scratch, e))?;
    }
    let options = RasterCreationOptions::from(options);
    let mut dataset = driver
        .create_with_band_type_with_options::<T, _>(
            scratch,
            grid.width,
            grid.height,
            bands,
            &options,
        )
        .map_err(|e| write_error(scratch, e))?;
    dataset
        .set_geo_transform(&grid.geo_transform)
        .map_err(|e| write_error(scratch, e))?;
    dataset
        .set_projection(&grid.wkt)
        .map_err(|e| write_error(scratch, e))?;
    Ok(dataset)
}

#[cfg(test)]
mod tests;
