//! The classes after the pixel pass: the minimum mapping unit (`compute::sieve`) and the
//! polygons (`compute::polygonize`), over the scratch `classes` raster strip by strip. The
//! sieve reads it twice; the third reading sieves each row and feeds it straight to the
//! polygoniser (and, with `sieve_classes`, to the sieved raster), so polygons are drawn
//! while the raster is read and written out as their patches end.

use rayon::prelude::*;

use super::Interrupt;
use crate::compute::area_stats::ClassAreas;
use crate::compute::polygonize::{PixelPolygon, Polygonizer};
use crate::compute::sieve::{Connectivity, Sieve, SieveCounts};
use crate::error::Error;
use crate::metadata::{feature_json, PolygonsGeoJson};
use crate::plan::MinMappingUnit;
use crate::raster::cog::{ClassInfo, GridWriter};
use crate::raster::polygons::ToLonLat;
use crate::raster::{Grid, PixelAreas};
use crate::render::ClassTable;

/// Rows read at a time: 256 rows of a 20000-px raster are 5 MB of class codes.
const STRIP: usize = 256;

/// What the minimum mapping unit did.
pub(super) struct Sieved {
    pub areas: ClassAreas,
    pub counts: SieveCounts,
    /// Patches of fewer pixels than this were merged.
    pub min_pixels: u32,
    /// The sieved classes, when `sieve_classes` asks for them in `classes.tif`.
    pub writer: Option<GridWriter>,
}

/// The inputs of [`outline`].
pub(super) struct Outline<'a> {
    pub grid: &'a Grid,
    pub unit: MinMappingUnit,
    pub table: &'a ClassTable,
    pub infos: &'a [ClassInfo],
    pub areas: &'a PixelAreas,
    pub dir: &'a std::path::Path,
}

/// The smallest patch kept, in pixels of the grid's mean true area (rounded, at least 1):
/// 0.5 ha is 50 pixels of 10 m.
fn min_pixels(unit: &MinMappingUnit, areas: &PixelAreas) -> u32 {
    let pixels = (unit.hectares * 10_000.0 / areas.mean()).round();
    pixels.clamp(1.0, f64::from(u32::MAX)) as u32
}

fn failed(what: &'static str) -> impl Fn(String) -> Error {
    move |message| Error::Runtime { what, message }
}

/// Sieves (when the unit is above 0) the classes written so far in `classes` and draws
/// the polygons of the result into the GeoJSON file `polygons`.
pub(super) fn outline(
    classes: &GridWriter,
    o: &Outline,
    polygons: &std::path::Path,
    interrupt: &Interrupt,
) -> Result<Option<Sieved>, Error> {
    let grid = o.grid;
    let strips: Vec<(usize, usize)> = (0..grid.height)
        .step_by(STRIP)
        .map(|start| (start, STRIP.min(grid.height - start)))
        .collect();
    let clock = std::time::Instant::now();
    let sieve_failed =
        |e: crate::compute::sieve::SieveError| failed("sieving the classes")(e.to_string());
    let mut sieve = None;
    if o.unit.hectares > 0.0 {
        let min_pixels = min_pixels(&o.unit, o.areas);
        let mut s = Sieve::new(grid.width, min_pixels, Connectivity::Four);
        for reading in 0..2 {
            for &(start, rows) in &strips {
                interrupt.check()?;
                let codes: Vec<u8> = classes.read_rows(start, grid.width, rows)?;
                for row in codes.chunks_exact(grid.width) {
                    match reading {
                        0 => s.measure(row),
                        _ => s.compare(row),
                    }
                    .map_err(sieve_failed)?;
                }
            }
        }
        let counts = s.counts().map_err(sieve_failed)?;
        sieve = Some((s, counts, min_pixels));
    }
    tracing::debug!(
        seconds = clock.elapsed().as_secs_f64(),
        "patches measured and compared"
    );
    let mut writer = match &sieve {
        Some(_) if o.unit.in_classes => Some(GridWriter::classes(
            &o.dir.join("classes-sieved-rows.tif"),
            grid,
            o.infos,
        )?),
        _ => None,
    };
    let io = |e: std::io::Error| {
        failed("writing the class polygons")(format!("{}: {e}", polygons.display()))
    };
    let file = std::fs::File::create(polygons).map_err(io)?;
    let mut doc = PolygonsGeoJson::start(std::io::BufWriter::new(file), o.table, o.unit.hectares)
        .map_err(io)?;
    let mut polygonizer = Polygonizer::new(grid.width);
    let too_many =
        |_| failed("drawing the class polygons")("more than 4 294 967 294 patches".into());
    let mut class_areas = ClassAreas::new(o.infos.len());
    for &(start, rows) in &strips {
        interrupt.check()?;
        let codes: Vec<u8> = classes.read_rows(start, grid.width, rows)?;
        let codes = match &mut sieve {
            Some((s, _, _)) => {
                let mut sieved = Vec::with_capacity(codes.len());
                for row in codes.chunks_exact(grid.width) {
                    sieved.extend(s.apply(row).map_err(sieve_failed)?);
                }
                class_areas.add(&sieved, |i| {
                    o.areas.at(i % grid.width, start + i / grid.width)
                });
                sieved
            }
            None => codes,
        };
        let mut ended = Vec::new();
        for row in codes.chunks_exact(grid.width) {
            ended.extend(polygonizer.push(row).map_err(too_many)?);
        }
        write_ended(&mut doc, o.table, grid, ended, io)?;
        if let Some(w) = writer.as_mut() {
            w.write(start, grid.width, codes)?;
        }
    }
    let ended = polygonizer.finish().map_err(too_many)?;
    write_ended(&mut doc, o.table, grid, ended, io)?;
    doc.finish().map_err(io)?;
    tracing::info!(
        step = "minimum mapping unit and polygons.geojson",
        seconds = clock.elapsed().as_secs_f64(),
        "product step done"
    );
    Ok(sieve.map(|(_, counts, min_pixels)| Sieved {
        areas: class_areas,
        counts,
        min_pixels,
        writer,
    }))
}

/// Moves the patches that ended to lon/lat and into GeoJSON on every core, then writes them
/// in their order.
fn write_ended<W: std::io::Write>(
    doc: &mut PolygonsGeoJson<W>,
    table: &ClassTable,
    grid: &Grid,
    ended: Vec<PixelPolygon>,
    io: impl Fn(std::io::Error) -> Error,
) -> Result<(), Error> {
    if ended.is_empty() {
        return Ok(());
    }
    let converted: Vec<_> = ended
        .par_iter()
        .map_init(
            || ToLonLat::new(grid).map_err(|e| e.to_string()),
            |to, patch| match to {
                Ok(to) => to.polygon(patch).map(|p| feature_json(&p, table)),
                Err(message) => Err(crate::raster::RasterError::Reproject {
                    location: "the class polygons".into(),
                    message: message.clone(),
                }),
            },
        )
        .collect();
    for feature in converted {
        if let Some(json) = feature? {
            doc.add_json(&json).map_err(&io)?;
        }
    }
    Ok(())
}
