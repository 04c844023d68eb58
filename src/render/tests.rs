use super::*;

#[test]
fn nodata_is_fully_transparent() {
    let style = Style::Ramp {
        ramp: ColorRamp::named("viridis").expect("known ramp"),
        min: -1.0,
        max: 1.0,
    };
    let rgba = style.render(&[f32::NAN, 0.0]);
    assert_eq!(&rgba[0..4], &[0, 0, 0, 0]);
    assert_eq!(rgba[7], 255, "valid pixels are opaque");
}

#[test]
fn ramp_ends_and_clamping() {
    let ramp = ColorRamp::named("greys").expect("known ramp");
    assert_eq!(ramp.at(0.0), Rgba([255, 255, 255, 255]));
    assert_eq!(ramp.at(1.0), Rgba([0, 0, 0, 255]));
    let reversed = ColorRamp::named("greys_r").expect("known ramp");
    assert_eq!(reversed.at(0.0), Rgba([0, 0, 0, 255]));
    let style = Style::Ramp {
        ramp,
        min: 0.0,
        max: 1.0,
    };
    assert_eq!(
        style.render(&[5.0]),
        vec![0, 0, 0, 255],
        "above max clamps to the end"
    );
    assert!(ColorRamp::named("jet").is_none());
    for name in RAMP_NAMES {
        assert!(ColorRamp::named(name).is_some(), "{name}");
    }
}

#[test]
fn classes_are_half_open_and_first_match_wins() {
    let red = Rgba::parse("#ff0000").expect("hex");
    let blue = Rgba::parse("#0000ff80").expect("hex");
    let table = ClassTable {
        classes: vec![
            Class::half_open("low", f32::NEG_INFINITY, 0.1, red),
            Class::half_open("high", 0.1, f32::INFINITY, blue),
        ],
    };
    assert_eq!(table.class_of(0.0999), Some(0));
    assert_eq!(table.class_of(0.1), Some(1));
    assert_eq!(blue.0, [0, 0, 255, 128]);
    assert_eq!(blue.to_hex(), "#0000ff80");
    assert!(Rgba::parse("red").is_err());
}

#[test]
fn codes_of_many_values_are_each_values_first_matching_class() {
    let c = |min: f32, max: f32, min_inclusive, max_inclusive| Class {
        name: String::new(),
        min,
        max,
        min_inclusive,
        max_inclusive,
        color: Rgba([0, 0, 0, 255]),
    };
    let inf = f32::INFINITY;
    let usgs = [-0.25_f32, -0.1, 0.1, 0.27, 0.44, 0.66];
    let edges: Vec<f32> = std::iter::once(-inf).chain(usgs).chain([inf]).collect();
    let tables = [
        // Following one another (counted): half-open, as a pipeline's `min`/`max`.
        (edges.windows(2))
            .map(|e| c(e[0], e[1], true, false))
            .collect::<Vec<_>>(),
        // ... with `above`/`up_to` ends, and closed outer ends.
        vec![
            c(-1.0, 0.0, true, true),
            c(0.0, 0.5, false, false),
            c(0.5, 1.0, true, true),
        ],
        // A gap, an overlap (the third class inside the fourth): first match.
        vec![
            c(-inf, 0.0, true, false),
            c(0.0, 0.2, false, true),
            c(0.5, 0.6, true, true),
            c(0.3, 1.0, true, false),
        ],
        // Both sides of a break claim it, and out of order: first match.
        vec![c(0.0, 0.5, true, true), c(0.5, 1.0, true, false)],
        vec![c(0.5, 1.0, true, false), c(0.0, 0.5, true, false)],
    ];
    let mut values = vec![f32::NAN, inf, -inf, 2.0, -2.0];
    for e in [
        -1.0_f32, -0.25, -0.1, 0.0, 0.1, 0.2, 0.27, 0.3, 0.44, 0.5, 0.6, 0.66, 1.0,
    ] {
        values.extend([e, e.next_down(), e.next_up()]);
    }
    values.extend((0..2000).map(|i| -1.2 + i as f32 * 0.0012));
    for classes in tables {
        let table = ClassTable { classes };
        let codes = table.codes(&values);
        for (v, code) in values.iter().zip(codes) {
            assert_eq!(code, table.code_of(*v), "{v} in {:?}", table.classes);
        }
    }
}

#[test]
fn png_round_trips() {
    let rgba: Vec<u8> = (0..16 * 16 * 4).map(|i| (i % 251) as u8).collect();
    let bytes = encode_png(&rgba, 16).expect("encodes");
    let decoder = ::png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("valid png");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("frame");
    assert_eq!((info.width, info.height), (16, 16));
    assert_eq!(&buf[..info.buffer_size()], &rgba[..]);
}

#[test]
fn ramp_lookup_matches_exact_interpolation_within_one_step() {
    // Midway between the first two viridis stops (#440154, #482878), by hand.
    let ramp = ColorRamp::named("viridis").expect("known ramp");
    let t = 0.5 / 9.0;
    let Rgba([r, g, b, a]) = ramp.at(t);
    let want = [
        (0x44 + 0x48) as f32 / 2.0,
        (0x01 + 0x28) as f32 / 2.0,
        (0x54 + 0x78) as f32 / 2.0,
    ];
    for (got, want) in [r, g, b].iter().zip(want) {
        assert!((f32::from(*got) - want).abs() <= 1.0, "{got} vs {want}");
    }
    assert_eq!(a, 255);
}

#[test]
fn class_tiles_are_indexed_pngs_with_a_transparent_index_zero() {
    let table = ClassTable {
        classes: vec![
            Class::half_open("a", f32::NEG_INFINITY, 0.0, Rgba([10, 20, 30, 255])),
            Class::half_open("b", 0.0, 1.0, Rgba([40, 50, 60, 128])),
        ],
    };
    let style = Style::Classes(table);
    let values = [-1.0, 0.5, f32::NAN, 2.0];
    let bytes = style
        .encode_tile(&values, 2, TileEncoding::Png)
        .expect("encodes");
    let mut decoder = ::png::Decoder::new(std::io::Cursor::new(&bytes));
    decoder.set_transformations(::png::Transformations::EXPAND);
    let mut reader = decoder.read_info().expect("valid png");
    assert_eq!(reader.info().color_type, ::png::ColorType::Indexed);
    let mut buf = vec![0; reader.output_buffer_size()];
    reader.next_frame(&mut buf).expect("frame");
    assert_eq!(&buf[0..4], &[10, 20, 30, 255]);
    assert_eq!(&buf[4..8], &[40, 50, 60, 128]);
    assert_eq!(buf[11], 0, "nodata is transparent");
    assert_eq!(buf[15], 0, "a value in no class is transparent");
    assert_eq!(
        style.render(&values),
        buf,
        "palette and RGBA rendering agree"
    );
}
