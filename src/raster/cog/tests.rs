//! The COGs written here against GDAL's COG driver given the same pixels: GDAL reads them
//! back with the same values, georeferencing, nodata, colours and overview sizes.

use super::*;
use gdal::raster::{Buffer, ResampleAlg};

fn grid(width: usize, height: usize) -> Grid {
    let srs = gdal::spatial_ref::SpatialRef::from_epsg(32637).expect("EPSG:32637");
    Grid {
        wkt: srs.to_wkt().expect("wkt"),
        epsg: Some(32637),
        geo_transform: [500_000.0, 10.0, 0.0, 1_000_000.0, 0.0, -10.0],
        width,
        height,
    }
}

/// A deterministic field with NaN holes (nodata), as an index has.
fn values(width: usize, height: usize) -> Vec<f32> {
    (0..width * height)
        .map(|i| {
            let (x, y) = ((i % width) as f32, (i / width) as f32);
            if (x - 300.0).hypot(y - 200.0) < 60.0
                || (x as usize * 7 + y as usize * 3).is_multiple_of(31)
            {
                f32::NAN
            } else {
                (x * 0.013).sin() * (y * 0.021).cos() + (i % 13) as f32 * 1e-3
            }
        })
        .collect()
}

/// GDAL's COG driver's copy of a raster held by `reference`.
fn gdal_cog(reference: &Dataset, path: &Path, resampling: &str) -> Dataset {
    let driver = DriverManager::get_driver_by_name("COG").expect("COG driver");
    let mut options = CslStringList::new();
    for (k, v) in [("BLOCKSIZE", "256"), ("OVERVIEW_RESAMPLING", resampling)] {
        options.set_name_value(k, v).expect("option");
    }
    reference
        .create_copy(&driver, path, &options)
        .expect("GDAL's COG")
}

fn read<T: gdal::raster::GdalType + Copy>(band: &gdal::raster::RasterBand) -> Vec<T> {
    let (w, h) = band.size();
    band.read_as::<T>((0, 0), (w, h), (w, h), Some(ResampleAlg::NearestNeighbour))
        .expect("read")
        .into_shape_and_vec()
        .1
}

#[test]
fn a_float_cog_reads_back_as_gdal_s_own_with_its_overviews() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Even sizes at every level, so GDAL's averages cover the same 2 × 2 pixels.
    let (w, h) = (1024, 520);
    let g = grid(w, h);
    let v = values(w, h);
    let mut writer = GridWriter::float(&dir.path().join("index-rows.tif"), &g).expect("writer");
    // Windows of uneven height, as a composite's.
    let mut row = 0;
    for rows in v.chunks(w * 37) {
        writer.write(row, rows).expect("write");
        row += rows.len() / w;
    }
    let ours_path = dir.path().join("index.tif");
    writer
        .finish(&ours_path, &AtomicUsize::new(0))
        .expect("finish");
    let ours = Dataset::open(&ours_path).expect("open ours");

    let reference =
        create::<f32>(&dir.path().join("reference-rows.tif"), &g, 1).expect("reference");
    let mut band = reference.rasterband(1).expect("band");
    band.set_no_data_value(Some(f64::NAN)).expect("nodata");
    let mut buffer = Buffer::new((w, h), v.clone());
    band.write((0, 0), (w, h), &mut buffer).expect("write");
    let theirs = gdal_cog(&reference, &dir.path().join("gdal.tif"), "AVERAGE");

    assert_eq!(ours.geo_transform().expect("gt"), g.geo_transform);
    let srs = ours.spatial_ref().expect("srs");
    assert_eq!(srs.auth_code().expect("code"), 32637);
    let (a, b) = (
        ours.rasterband(1).expect("ours"),
        theirs.rasterband(1).expect("theirs"),
    );
    assert!(a.no_data_value().expect("nodata").is_nan());
    let full: Vec<f32> = read(&a);
    assert!(full.iter().zip(&v).all(|(x, y)| x.to_bits() == y.to_bits()));
    assert_eq!(
        a.overview_count().expect("n"),
        b.overview_count().expect("n")
    );
    assert_eq!(a.overview_count().expect("n"), 2);
    for i in 0..a.overview_count().expect("n") as usize {
        let (oa, ob) = (a.overview(i).expect("ovr"), b.overview(i).expect("ovr"));
        assert_eq!(oa.size(), ob.size());
        let (x, y): (Vec<f32>, Vec<f32>) = (read(&oa), read(&ob));
        for (p, (x, y)) in x.iter().zip(&y).enumerate() {
            assert!(
                (x.is_nan() && y.is_nan()) || (x - y).abs() <= 1e-6,
                "overview {i}, pixel {p}: {x} against GDAL's {y}"
            );
        }
    }
}

#[test]
fn a_class_cog_keeps_its_colours_names_and_nearest_overviews() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (w, h) = (600, 600);
    let g = grid(w, h);
    let codes: Vec<u8> = (0..w * h).map(|i| ((i / 7 + i / w) % 4) as u8).collect();
    let infos: Vec<ClassInfo> = ["low", "moderate", "high"]
        .iter()
        .enumerate()
        .map(|(i, n)| ClassInfo {
            name: n.to_string(),
            interval: format!("[{i}, {})", i + 1),
            rgba: [10 * i as u8, 20, 30, 255],
        })
        .collect();
    let mut writer =
        GridWriter::classes(&dir.path().join("classes-rows.tif"), &g, &infos).expect("writer");
    writer.write(0, &codes).expect("write");
    assert_eq!(
        writer
            .code_rows()
            .expect("rows")
            .read(5, w, 2)
            .expect("read back"),
        codes[5 * w..7 * w]
    );
    let path = dir.path().join("classes.tif");
    writer.finish(&path, &AtomicUsize::new(0)).expect("finish");
    let ours = Dataset::open(&path).expect("open");
    let band = ours.rasterband(1).expect("band");
    assert_eq!(read::<u8>(&band), codes);
    assert_eq!(band.no_data_value(), Some(0.0));
    assert_eq!(
        band.metadata_item("CLASS_3", "").as_deref(),
        Some("high [2, 3)")
    );
    let table = band.color_table().expect("colours");
    assert_eq!(
        table.entry_as_rgb(2).map(|c| (c.r, c.g, c.b)),
        Some((10, 20, 30))
    );
    // GDAL's nearest at a factor of 2 takes the lower-right pixel of each 2 × 2.
    let sizes: Vec<(usize, usize)> = (0..band.overview_count().expect("n") as usize)
        .map(|i| band.overview(i).expect("ovr").size())
        .collect();
    assert_eq!(sizes, vec![(300, 300), (150, 150)]);
    let first: Vec<u8> = read(&band.overview(0).expect("ovr"));
    for (p, got) in first.iter().enumerate() {
        let (x, y) = (p % 300, p / 300);
        assert_eq!(*got, codes[(2 * y + 1) * w + 2 * x + 1], "pixel {x}, {y}");
    }
}

#[test]
fn a_signal_stops_the_writing_and_rows_out_of_turn_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let g = grid(300, 10);
    let mut writer = GridWriter::counts(&dir.path().join("rows-counts.tif"), &g).expect("writer");
    assert!(writer.write(2, &[0u16; 300]).is_err());
    writer.write(0, &[1u16; 3000]).expect("write");
    let path = dir.path().join("counts.tif");
    assert!(writer.finish(&path, &AtomicUsize::new(15)).is_err());
}

#[test]
fn an_rgba_cog_keeps_its_colour_interpretations_and_averages_only_pixels_with_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (w, h) = (600, 300);
    let g = grid(w, h);
    // Columns 0-300 opaque colours, the rest transparent black (nodata).
    let pixels: Vec<u8> = (0..w * h)
        .flat_map(|i| {
            let (x, y) = (i % w, i / w);
            match x <= w / 2 {
                true => [(x % 256) as u8, (y % 256) as u8, 100, 255],
                false => [0, 0, 0, 0],
            }
        })
        .collect();
    let mut writer = GridWriter::rgba(&dir.path().join("composite-rows.tif"), &g).expect("writer");
    writer.write(0, &pixels).expect("write");
    let path = dir.path().join("composite.tif");
    writer.finish(&path, &AtomicUsize::new(0)).expect("finish");
    let ds = Dataset::open(&path).expect("open");
    assert_eq!(ds.raster_count(), 4);
    let interpretations: Vec<String> = (1..=4)
        .map(|b| {
            format!(
                "{:?}",
                ds.rasterband(b).expect("band").color_interpretation()
            )
        })
        .collect();
    let want: Vec<String> = RGBA.iter().map(|c| format!("{c:?}")).collect();
    assert_eq!(interpretations, want);
    for b in 0..4 {
        let band = ds.rasterband(b + 1).expect("band");
        let plane: Vec<u8> = read(&band);
        assert!(
            plane
                .iter()
                .enumerate()
                .all(|(i, v)| *v == pixels[i * 4 + b]),
            "band {b}"
        );
        let overview: Vec<u8> = read(&band.overview(0).expect("overview"));
        // Pixel (10, 20) of the overview averages source pixels x 20-21, y 40-41; the edge
        // pixel (150, 0) averages two opaque (x 300) and two transparent (x 301) pixels:
        // the colours of the opaque ones only, half the alpha.
        let (ow, at) = (w / 2, |x: usize, y: usize| {
            pixels[(y * w + x) * 4 + b] as f64
        });
        let want = |x0: usize, y0: usize, n: &[(usize, usize)]| -> u8 {
            let v: f64 =
                n.iter().map(|(dx, dy)| at(x0 + dx, y0 + dy)).sum::<f64>() / n.len() as f64;
            (v + 0.5).floor() as u8
        };
        let all = [(0, 0), (1, 0), (0, 1), (1, 1)];
        assert_eq!(overview[20 * ow + 10], want(20, 40, &all), "band {b}");
        let edge = if b == 3 {
            want(300, 0, &all)
        } else {
            want(300, 0, &[(0, 0), (0, 1)])
        };
        assert_eq!(overview[150], edge, "band {b}");
        assert_eq!(overview[151], 0, "band {b}: transparent black");
    }
}

/// The full resolution's tile file made the COG (with room inserted before it, where the
/// temporary directory's filesystem can) and every level copied into a new file give the
/// same raster at every level, as GDAL reads them; neither leaves a tile file behind.
#[test]
fn a_cog_made_of_its_tile_file_reads_as_one_copied_together() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Uneven: partial tiles at the edges, four overviews.
    let (w, h) = (1300, 2100);
    let g = grid(w, h);
    let v = values(w, h);
    let mut cogs = Vec::new();
    for insert in [true, false] {
        let sub = dir.path().join(format!("insert-{insert}"));
        std::fs::create_dir(&sub).expect("dir");
        let mut writer = GridWriter::float(&sub.join("index-rows.tif"), &g).expect("writer");
        writer.write(0, &v).expect("write");
        let path = sub.join("index.tif");
        writer
            .finish_as(&path, &AtomicUsize::new(0), insert)
            .expect("finish");
        let mut left: Vec<String> = std::fs::read_dir(&sub)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert!(
            left.iter()
                .all(|f| f == "index.tif" || f == "index-rows.tif"),
            "insert {insert}: {left:?}"
        );
        cogs.push(path);
    }
    let length = |p: &Path| std::fs::metadata(p).expect("metadata").len();
    let (inserted, copied) = (length(&cogs[0]), length(&cogs[1]));
    assert!(inserted >= copied && inserted - copied < 1 << 20);
    if inserted == copied {
        eprintln!("the temporary directory's filesystem cannot insert room: both COGs copied");
    }
    let (a, b) = (
        Dataset::open(&cogs[0]).expect("open"),
        Dataset::open(&cogs[1]).expect("open"),
    );
    let (a, b) = (
        a.rasterband(1).expect("band"),
        b.rasterband(1).expect("band"),
    );
    let full: Vec<f32> = read(&a);
    assert!(full.iter().zip(&v).all(|(x, y)| x.to_bits() == y.to_bits()));
    assert_eq!(a.overview_count().expect("n"), 4);
    assert_eq!(
        a.overview_count().expect("n"),
        b.overview_count().expect("n")
    );
    for i in 0..a.overview_count().expect("n") as usize {
        let (x, y): (Vec<f32>, Vec<f32>) = (
            read(&a.overview(i).expect("ovr")),
            read(&b.overview(i).expect("ovr")),
        );
        assert!(
            x.len() == y.len() && x.iter().zip(&y).all(|(p, q)| p.to_bits() == q.to_bits()),
            "overview {i}"
        );
    }
}
