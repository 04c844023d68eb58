use super::*;

/// Deterministic bytes (a 64-bit LCG's high bits).
fn lcg(n: usize, seed: u64) -> Vec<u8> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 56) as u8
        })
        .collect()
}

/// `input` through the encoder, then back through two independent inflaters (libdeflate's
/// and flate2's); returns the compressed size.
fn round_trip(input: &[u8]) -> usize {
    let mut out = vec![0xAA; 3]; // the stream is appended after what `out` holds
    let mut tokens = Vec::new();
    zlib_compress(input, &mut out, &mut tokens);
    assert_eq!(&out[..3], &[0xAA; 3]);
    let stream = &out[3..];
    let mut back = vec![0u8; input.len() + 1];
    let n = libdeflater::Decompressor::new()
        .zlib_decompress(stream, &mut back)
        .expect("libdeflate reads the stream");
    assert!(back[..n] == *input, "libdeflate: {} bytes back", n);
    let mut again = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::ZlibDecoder::new(stream), &mut again)
        .expect("zlib reads the stream");
    assert!(again == input, "zlib: {} bytes back", again.len());
    stream.len()
}

#[test]
fn empty_and_tiny_inputs_round_trip() {
    for input in [&[][..], &[7], &[0, 0], &[1, 1, 1], &[255, 0, 255, 0]] {
        round_trip(input);
    }
}

#[test]
fn runs_of_every_length_round_trip_and_shrink() {
    // Runs of 1 to 600 (beyond DEFLATE's 258), of changing bytes.
    let mut input = Vec::new();
    for len in 1..600 {
        input.extend(std::iter::repeat_n((len % 251) as u8, len));
    }
    let size = round_trip(&input);
    assert!(size * 50 < input.len(), "{size} bytes for {}", input.len());
    // One byte repeated: a run per 258 bytes.
    let size = round_trip(&vec![42; 1 << 20]);
    assert!(size < 1 << 13, "{size}");
}

#[test]
fn noise_costs_about_a_byte_a_byte() {
    // Uniform noise has no code shorter than 8 bits: the stream is the input plus the codes'
    // description (a few blocks).
    let input = lcg(1 << 18, 1);
    let size = round_trip(&input);
    assert!(
        size > input.len() && size < input.len() + input.len() / 100,
        "{size}"
    );
}

#[test]
fn skewed_bytes_shrink_to_their_entropy() {
    // Bytes k with probability 2^-(k+1) (an entropy of 2 bits), never two alike in a row
    // (so without runs): Huffman codes of 1, 2, 3 … bits, cut to 15.
    let noise = lcg(1 << 18, 2);
    let mut input = Vec::with_capacity(noise.len());
    let mut last = 255u8;
    for &r in &noise {
        let mut k = (r | 1).leading_zeros() as u8; // 0 with probability 1/2, 1 with 1/4 …
        if k == last {
            k = 8 + (r & 7); // a rare other byte instead of a run
        }
        input.push(k);
        last = k;
    }
    let size = round_trip(&input);
    // Huffman codes come within a few percent of the bytes' entropy (computed here), plus
    // about 100 bytes of codes per block.
    let mut count = [0f64; 256];
    for &b in &input {
        count[b as usize] += 1.0;
    }
    let n = input.len() as f64;
    let bits: f64 = count
        .iter()
        .filter(|&&c| c > 0.0)
        .map(|&c| -c * (c / n).log2())
        .sum();
    let blocks = BLOCKS as f64;
    assert!(bits / n > 2.5 && bits / n < 3.5, "{} bits a byte", bits / n);
    assert!(
        (size as f64) < bits / 8.0 * 1.03 + 100.0 * blocks,
        "{size} bytes for {} bits of entropy",
        bits / 8.0
    );
}

#[test]
fn codes_are_complete_and_never_longer_than_allowed() {
    // Fibonacci frequencies make a Huffman tree as deep as the symbols are many.
    let mut freq = vec![0u32; 286];
    let (mut a, mut b) = (1u32, 1u32);
    for f in freq.iter_mut().take(30) {
        *f = a;
        (a, b) = (b, a + b);
    }
    freq[200] = 5; // symbols apart from each other, as a block's are
    for (f, max) in [(&freq[..], 15u8), (&freq[..19], 7)] {
        let code = Code::limited(f, max);
        let used: Vec<u8> = code.lengths.iter().copied().filter(|&l| l > 0).collect();
        assert_eq!(used.len(), f.iter().filter(|&&x| x > 0).count());
        assert!(used.iter().all(|&l| l <= max), "{used:?}");
        // Kraft's sum is exactly one: the code is complete, as inflaters require.
        let kraft: u64 = used.iter().map(|&l| 1u64 << (max - l)).sum();
        assert_eq!(kraft, 1 << max, "{used:?}");
        // The more frequent symbol never has the longer code.
        for s in 0..f.len() {
            for t in 0..f.len() {
                if f[s] > f[t] && f[t] > 0 {
                    assert!(code.lengths[s] <= code.lengths[t], "{s} {t}");
                }
            }
        }
    }
    // One symbol alone still gets a complete code of two.
    let code = Code::limited(&[0, 9, 0], 15);
    assert_eq!(code.lengths, vec![1, 1, 0]);
}

#[test]
fn a_float_predictor_tile_compresses_like_libdeflate() {
    // A 256 × 256 Float32 tile of a smooth field plus noise, through the floating-point
    // predictor's layout (byte planes, most significant first, then differences): within a
    // few percent of libdeflate's level 1.
    let noise = lcg(256 * 256 * 2, 3);
    let mut raw = Vec::with_capacity(256 * 256 * 4);
    for y in 0..256 {
        let row: Vec<f32> = (0..256)
            .map(|x| {
                let n = (noise[2 * (y * 256 + x)] as f32 - 127.5) / 127.5;
                0.3 + 0.2 * ((x + y) as f32 / 64.0).sin() + 0.06 * n
            })
            .collect();
        let bytes: Vec<[u8; 4]> = row.iter().map(|v| v.to_be_bytes()).collect();
        let mut planes: Vec<u8> = (0..4)
            .flat_map(|p| bytes.iter().map(move |b| b[p]))
            .collect();
        for i in (1..planes.len()).rev() {
            planes[i] = planes[i].wrapping_sub(planes[i - 1]);
        }
        raw.extend(planes);
    }
    let ours = round_trip(&raw);
    let mut c = libdeflater::Compressor::new(libdeflater::CompressionLvl::new(1).expect("level"));
    let mut out = vec![0; c.zlib_compress_bound(raw.len())];
    let theirs = c.zlib_compress(&raw, &mut out).expect("libdeflate");
    assert!(ours < raw.len() * 9 / 10, "{ours} of {}", raw.len());
    assert!(
        ours * 100 < theirs * 105,
        "ours {ours}, libdeflate level 1 {theirs}"
    );
}

#[test]
fn mixtures_of_runs_and_noise_of_any_length_round_trip() {
    // Segments of runs and of noise over alphabets of 1 to 256 bytes, of every size from
    // empty to beyond a tile, around the block boundaries and the eight-byte steps.
    let mut state = 7u64;
    let mut next = |n: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % n.max(1)
    };
    for case in 0..200 {
        let len = match case % 4 {
            0 => next(40) as usize,
            1 => next(5000) as usize,
            2 => 4 * MIN_BLOCK_TOKENS + next(64) as usize - 32,
            _ => next(300_000) as usize,
        };
        let mut input = Vec::with_capacity(len);
        while input.len() < len {
            let segment = (1 + next(700) as usize).min(len - input.len());
            if next(2) == 0 {
                input.extend(std::iter::repeat_n(next(256) as u8, segment));
            } else {
                let alphabet = 1 + next(256);
                let base = next(256);
                input.extend((0..segment).map(|_| ((base + next(alphabet)) % 256) as u8));
            }
        }
        round_trip(&input);
    }
}
