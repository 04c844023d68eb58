//! The classes after the pixel pass: the minimum mapping unit (`compute::sieve`) and the
//! polygons (`compute::polygonize`), over the scratch `classes` raster strip by strip. The
//! sieve's first reading is the pixel pass itself ([`Measuring`]), its second reads the
//! raster back; the third reading sieves each row and feeds it straight to the polygoniser
//! (and, with `sieve_classes`, to the sieved raster), so polygons are drawn while the raster
//! is read and written out as their patches end.

use rayon::prelude::*;

use super::Interrupt;
use crate::compute::area_stats::ClassAreas;
use crate::compute::polygonize::{PixelPolygon, Polygonizer};
use crate::compute::sieve::{Connectivity, Sieve, SieveCounts};
use crate::error::Error;
use crate::metadata::{feature_json, PolygonsGeoJson};
use crate::plan::MinMappingUnit;
use crate::raster::cog::{ClassInfo, GridWriter};
use crate::raster::polygons::{FlatGeobufWriter, ToLonLat};
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

/// The sieve after its first two readings of the classes written so far in `classes`:
/// ready to sieve rows (`None` when the unit is 0).
pub(super) struct Measured {
    sieve: Sieve,
    counts: SieveCounts,
    min_pixels: u32,
}

/// The strips of `grid`: (first row, rows).
fn strips(grid: &Grid) -> Vec<(usize, usize)> {
    (0..grid.height)
        .step_by(STRIP)
        .map(|start| (start, STRIP.min(grid.height - start)))
        .collect()
}

fn sieve_failed(e: crate::compute::sieve::SieveError) -> Error {
    failed("sieving the classes")(e.to_string())
}

/// The sieve's first reading, fed the class codes as the pixel pass makes them.
pub(super) struct Measuring {
    sieve: Sieve,
    min_pixels: u32,
    width: usize,
}

impl Measuring {
    /// `None` when the unit is 0 (no sieve).
    pub fn start(o: &Outline) -> Option<Measuring> {
        if o.unit.hectares <= 0.0 {
            return None;
        }
        let min_pixels = min_pixels(&o.unit, o.areas);
        Some(Measuring {
            sieve: Sieve::new(o.grid.width, min_pixels, Connectivity::Four),
            min_pixels,
            width: o.grid.width,
        })
    }

    /// Labels the next full-width rows of class codes and counts their patches' pixels.
    pub fn rows(&mut self, codes: &[u8]) -> Result<(), Error> {
        for row in codes.chunks_exact(self.width.max(1)) {
            self.sieve.measure(row).map_err(sieve_failed)?;
        }
        Ok(())
    }
}

/// The sieve's second reading of `classes`, after [`Measuring`] saw every row: each patch's
/// largest neighbour, and the merges decided.
pub(super) fn measure(
    classes: &GridWriter,
    o: &Outline,
    measuring: Option<Measuring>,
    interrupt: &Interrupt,
) -> Result<Option<Measured>, Error> {
    let Some(Measuring {
        mut sieve,
        min_pixels,
        ..
    }) = measuring
    else {
        return Ok(None);
    };
    let grid = o.grid;
    let rows_of = classes.code_rows()?;
    for (start, rows) in strips(grid) {
        interrupt.check()?;
        let codes = rows_of.read(start, grid.width, rows)?;
        for row in codes.chunks_exact(grid.width) {
            sieve.compare(row).map_err(sieve_failed)?;
        }
    }
    let counts = sieve.counts().map_err(sieve_failed)?;
    tracing::debug!(labels = sieve.labels(), patches = counts.patches, "sieve");
    Ok(Some(Measured {
        sieve,
        counts,
        min_pixels,
    }))
}

/// Reads `classes` once more, sieving each row when `measured`, and draws the polygons of the
/// result into the GeoJSON file `polygons` and the FlatGeobuf file `flatgeobuf`.
pub(super) fn draw(
    classes: &GridWriter,
    o: &Outline,
    mut measured: Option<Measured>,
    (polygons, flatgeobuf): (&std::path::Path, &std::path::Path),
    interrupt: &Interrupt,
) -> Result<Option<Sieved>, Error> {
    let grid = o.grid;
    let mut writer = match &measured {
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
    let mut doc =
        PolygonsGeoJson::start(std::io::BufWriter::new(file), o.unit.hectares).map_err(io)?;
    let mut fgb = FlatGeobufWriter::create(flatgeobuf)?;
    let mut polygonizer = Polygonizer::new(grid.width);
    let too_many =
        |_| failed("drawing the class polygons")("more than 4 294 967 294 patches".into());
    let mut class_areas = ClassAreas::new(o.infos.len());
    let codes = classes.code_rows()?;
    // The sieving (reading, each row sieved, the areas after it, the sieved raster) runs a
    // strip ahead of the drawing, on a thread of its own.
    let (sender, receiver) = std::sync::mpsc::sync_channel::<(usize, Vec<u8>)>(2);
    let (sieving, drawn) = std::thread::scope(|scope| {
        let sieving = scope.spawn(|| -> Result<(), Error> {
            // Owned here, so the drawing ends when this does.
            let sender = sender;
            for (start, rows) in strips(grid) {
                interrupt.check()?;
                let codes = codes.read(start, grid.width, rows)?;
                let codes = match &mut measured {
                    Some(m) => {
                        let mut sieved = Vec::with_capacity(codes.len());
                        for row in codes.chunks_exact(grid.width) {
                            sieved.extend(m.sieve.apply(row).map_err(sieve_failed)?);
                        }
                        for (r, row) in sieved.chunks_exact(grid.width).enumerate() {
                            class_areas.add(row, |x| o.areas.at(x, start + r));
                        }
                        sieved
                    }
                    None => codes,
                };
                if let Some(w) = writer.as_mut() {
                    w.write(start, &codes)?;
                }
                if sender.send((start, codes)).is_err() {
                    // The drawing failed: its error is the one reported.
                    break;
                }
            }
            Ok(())
        });
        let drawn = (|| -> Result<(), Error> {
            for (start, codes) in receiver {
                let mut ended = Vec::new();
                for (r, row) in codes.chunks_exact(grid.width).enumerate() {
                    let area = |x: usize| o.areas.at(x, start + r);
                    ended.extend(polygonizer.push(row, area).map_err(too_many)?);
                }
                write_ended(&mut doc, &mut fgb, o.table, grid, ended, io)?;
            }
            Ok(())
        })();
        let sieving = sieving.join().unwrap_or_else(|_| {
            Err(failed("sieving the classes")(
                "the sieving thread panicked".into(),
            ))
        });
        (sieving, drawn)
    });
    sieving?;
    drawn?;
    let ended = polygonizer.finish().map_err(too_many)?;
    write_ended(&mut doc, &mut fgb, o.table, grid, ended, io)?;
    doc.finish().map_err(io)?;
    fgb.finish()?;
    Ok(measured.map(|m| Sieved {
        areas: class_areas,
        counts: m.counts,
        min_pixels: m.min_pixels,
        writer,
    }))
}

/// Moves the patches that ended to lon/lat and into GeoJSON on every core, then writes them
/// in their order, to the GeoJSON and the FlatGeobuf file.
fn write_ended<W: std::io::Write>(
    doc: &mut PolygonsGeoJson<W>,
    fgb: &mut FlatGeobufWriter,
    table: &ClassTable,
    grid: &Grid,
    ended: Vec<PixelPolygon>,
    io: impl Fn(std::io::Error) -> Error,
) -> Result<(), Error> {
    if ended.is_empty() {
        return Ok(());
    }
    // Each patch is dropped once converted, each feature's JSON once written: a patch that
    // spans the raster is held in as few copies as possible.
    let converted: Vec<_> = ended
        .into_par_iter()
        .filter_map(|patch| Some((table.class_coded(patch.class)?, patch)))
        .map_init(
            || ToLonLat::new(grid).map_err(|e| e.to_string()),
            |to, (class, patch)| match to {
                Ok(to) => to.polygon(&patch).map(|p| {
                    let json = feature_json(&p, class);
                    (p, class, json)
                }),
                Err(message) => Err(crate::raster::RasterError::Reproject {
                    location: "the class polygons".into(),
                    message: message.clone(),
                }),
            },
        )
        .collect();
    for feature in converted {
        let (polygon, class, json) = feature?;
        if let Some(json) = json {
            doc.add_json(&json).map_err(&io)?;
            drop(json);
            fgb.add(&polygon, &class.name)?;
        }
    }
    Ok(())
}
