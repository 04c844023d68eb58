use super::*;

#[test]
fn levels_halve_rounding_down_to_the_first_that_fits_in_a_tile() {
    assert_eq!(level_sizes(349, 352), vec![(349, 352), (174, 176)]);
    assert_eq!(
        level_sizes(600, 600),
        vec![(600, 600), (300, 300), (150, 150)]
    );
    assert_eq!(level_sizes(256, 100), vec![(256, 100)]);
    assert_eq!(
        level_sizes(8192, 300),
        vec![
            (8192, 300),
            (4096, 150),
            (2048, 75),
            (1024, 37),
            (512, 18),
            (256, 9)
        ]
    );
}

#[test]
fn the_floating_point_predictor_groups_bytes_by_significance_then_differences_them() {
    // Two samples, little-endian bytes [a0 a1 a2 a3] [b0 b1 b2 b3]: planes a3 b3 a2 b2 a1 b1 a0 b0.
    let le = [1u8, 2, 3, 4, 10, 20, 30, 40];
    let planes = [4u8, 40, 3, 30, 2, 20, 1, 10];
    let mut want = planes;
    for i in (1..want.len()).rev() {
        want[i] = want[i].wrapping_sub(want[i - 1]);
    }
    assert_eq!(floating_point_predictor(&le, 4, 1), want.to_vec());
}

#[test]
fn the_floating_point_predictor_is_libtiffs_on_whole_rows_of_one_and_four_samples() {
    // libtiff's fpDiff as written there: bytes regrouped, then differenced back to front.
    let by_definition = |le: &[u8], size: usize, stride: usize| {
        let count = le.len() / size;
        let mut planes = vec![0u8; le.len()];
        for i in 0..count {
            for b in 0..size {
                planes[(size - 1 - b) * count + i] = le[i * size + b];
            }
        }
        for i in (stride..planes.len()).rev() {
            planes[i] = planes[i].wrapping_sub(planes[i - stride]);
        }
        planes
    };
    let row: Vec<f32> = (0..256 * 4)
        .map(|i| (i as f32 * 0.37).sin() * 1e3)
        .collect();
    let le: Vec<u8> = row.iter().flat_map(|v| v.to_le_bytes()).collect();
    for stride in [1, 4] {
        assert_eq!(
            floating_point_predictor(&le, 4, stride),
            by_definition(&le, 4, stride)
        );
    }
    assert_eq!(floating_point_predictor(&[], 4, 1), Vec::<u8>::new());
}

fn encoding(reduce: Reduce) -> Encoding {
    Encoding {
        samples: 1,
        predictor: Predictor::None,
        reduce,
        compression: Compression::Libdeflate(4),
    }
}

#[test]
fn averages_skip_nodata_and_nearest_takes_the_lower_right_pixel() {
    let above = [1.0f32, 3.0, f32::NAN, f32::NAN];
    let below = [5.0f32, f32::NAN, f32::NAN, f32::NAN];
    let avg = reduce(&above, Some(&below), 4, encoding(Reduce::Average));
    assert_eq!(avg[0], 3.0);
    assert!(avg[1].is_nan());
    let codes = [1u8, 2, 3, 4, 5];
    let lower = [6u8, 7, 8, 9, 10];
    // The fifth column is left out of a level of two.
    assert_eq!(
        reduce(&codes, Some(&lower), 5, encoding(Reduce::Nearest)),
        vec![7, 9]
    );
    assert_eq!(
        reduce(&codes, None, 5, encoding(Reduce::Nearest)),
        vec![2, 4]
    );
    // RGBA: the transparent pixel's colour is left out, its alpha is not.
    let rgba = Encoding {
        samples: 4,
        reduce: Reduce::AverageByAlpha,
        ..encoding(Reduce::AverageByAlpha)
    };
    let row = [200u8, 100, 50, 255, 0, 0, 0, 0];
    assert_eq!(reduce(&row, None, 2, rgba), vec![200, 100, 50, 128]);
}

#[test]
fn every_level_gets_its_rows_and_tiles_inflate_to_the_padded_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (w, h) = (300, 520);
    let mut pyramid =
        Pyramid::<u16>::new(dir.path(), "t", w, h, encoding(Reduce::Nearest)).expect("pyramid");
    let values: Vec<u16> = (0..w * h).map(|i| (i % 65_521) as u16).collect();
    for rows in values.chunks(w * 37) {
        pyramid.push(rows).expect("push");
    }
    let levels = pyramid.finish().expect("finish");
    assert_eq!(levels.len(), 3);
    assert_eq!((levels[1].width, levels[1].height), (150, 260));
    assert_eq!(levels[0].tiles.len(), 2 * 3);
    let file = std::fs::read(&levels[0].path).expect("read");
    // The last tile: columns 256..300 of rows 512..520, zeros elsewhere.
    let (at, len) = *levels[0].tiles.last().expect("tiles");
    let (at, len) = (at as usize, len as usize);
    assert_eq!(&file[at - 4..at], &(len as u32).to_le_bytes());
    assert_eq!(&file[at + len..at + len + 4], &file[at + len - 4..at + len]);
    let mut raw = vec![0u8; BLOCK * BLOCK * 2];
    let n = libdeflater::Decompressor::new()
        .zlib_decompress(&file[at..at + len], &mut raw)
        .expect("inflate");
    assert_eq!(n, raw.len());
    let sample = |x: usize, y: usize| {
        u16::from_le_bytes([raw[(y * BLOCK + x) * 2], raw[(y * BLOCK + x) * 2 + 1]])
    };
    assert_eq!(sample(0, 0), values[512 * w + 256]);
    assert_eq!(sample(43, 7), values[519 * w + 299]);
    assert_eq!(sample(44, 7), 0);
    assert_eq!(sample(0, 8), 0);
}
