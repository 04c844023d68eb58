//! DEFLATE made of literals and runs, for the COGs' tiles: a zlib stream (RFC 1950) of
//! dynamic-Huffman DEFLATE blocks (RFC 1951) whose only back-references repeat the byte
//! before (distance 1), as zlib's `Z_RLE` strategy makes them. Every inflater reads it
//! (zlib, libdeflate, libtiff and so GDAL, geotiff.js' pako). On what the COGs hold it
//! compresses about as well as libdeflate's LZ77 levels for half their time or less: on the
//! 8192² bench the floating-point predictor's byte planes of a noisy index to 87.1 % of their
//! size (libdeflate level 1: 85.0 %, 2.1× the time), the class codes to 16.5 % (level 4:
//! 16.6 %, 2.2× the time). Runs are what those levels find in such data; longer matches are
//! rare in noise, and searching for them is their cost.

/// The longest run DEFLATE can repeat at once.
const MAX_RUN: usize = 258;
/// The shortest run worth a reference.
const MIN_RUN: usize = 3;
/// Tokens per block, each block with a code of its own, so that the codes follow the data
/// (on the 8192² bench's classes 16.5 % of the raw size, against 17.2 % in one block per
/// tile); a block's code costs about 8 µs to make and write.
const BLOCK_TOKENS: usize = 16384;
/// The longest Huffman code DEFLATE allows for literals, lengths and distances.
const MAX_CODE_BITS: u8 = 15;
/// The longest code of the code-length alphabet.
const MAX_LENGTH_CODE_BITS: u8 = 7;
/// Literal/length symbols: 256 literals, end of block, 29 length codes.
const LITLEN_SYMBOLS: usize = 286;
const END_OF_BLOCK: usize = 256;
/// The order in which the code-length alphabet's lengths are sent (RFC 1951 3.2.7).
const LENGTH_ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];
/// First length of each length code 257..=285, and its extra bits.
const LENGTH_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LENGTH_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];

/// A token: a literal byte (< 256) or a run of `t - 256` copies of the byte before.
pub type Token = u16;

/// Appends `input` compressed as a zlib stream to `out`; `tokens` is scratch space.
pub fn zlib_compress(input: &[u8], out: &mut Vec<u8>, tokens: &mut Vec<Token>) {
    tokens.clear();
    tokenize(input, tokens);
    let blocks = tokens.len().div_ceil(BLOCK_TOKENS).max(1);
    // Room for 9 bits a byte and each block's codes: noise takes about 8 (the writer grows
    // the room if a code of up to 15 bits a byte needs more).
    let mut bits = BitWriter::new(out, input.len() * 9 / 8 + 1024 * blocks);
    // CMF: DEFLATE with a 32 KiB window; FLG: fastest, no dictionary, check bits.
    bits.bytes(&[0x78, 0x01]);
    if tokens.is_empty() {
        write_block(&mut bits, &[], true);
    }
    let mut chunks = tokens.chunks(BLOCK_TOKENS).peekable();
    while let Some(chunk) = chunks.next() {
        write_block(&mut bits, chunk, chunks.peek().is_none());
    }
    bits.finish();
    out.extend_from_slice(&libdeflater::adler32(input).to_be_bytes());
}

/// One block of `tokens`, with a Huffman code of its own.
fn write_block(bits: &mut BitWriter, tokens: &[Token], last: bool) {
    let mut freq = [0u32; LITLEN_SYMBOLS];
    for &t in tokens {
        freq[SYMBOL[t as usize] as usize] += 1;
    }
    freq[END_OF_BLOCK] = 1;
    let runs = freq[257..].iter().any(|&f| f > 0);
    // Two distance codes, so the distance code is complete whatever the data (as zlib does).
    let dist_freq = [if runs { 2 } else { 1 }, 1];
    let lit = Code::for_frequencies(&freq);
    let dist = Code::for_frequencies(&dist_freq);
    bits.put(last as u64, 1);
    bits.put(2, 2); // dynamic Huffman codes
    write_codes(bits, &lit.lengths, &dist.lengths);
    // Each symbol's code and its length in one word: the code in the low 32 bits.
    let table: Vec<u64> = (lit.codes.iter().zip(&lit.lengths))
        .map(|(&c, &l)| c as u64 | (l as u64) << 32)
        .collect();
    let (d_code, d_len) = (dist.codes[0] as u64, dist.lengths[0] as u32);
    let mut t = 0;
    while t < tokens.len() {
        let token = tokens[t] as usize;
        t += 1;
        if token < 256 {
            let a = table[token];
            // Two literals at once when the next token is one too (at most 30 bits).
            match tokens.get(t) {
                Some(&next) if next < 256 => {
                    t += 1;
                    let b = table[next as usize];
                    let la = (a >> 32) as u32;
                    bits.put(
                        (a & 0xffff_ffff) | (b & 0xffff_ffff) << la,
                        la + (b >> 32) as u32,
                    );
                }
                _ => bits.put(a & 0xffff_ffff, (a >> 32) as u32),
            }
        } else {
            let run = token - 256;
            let (symbol, extra) = length_symbol(run);
            let i = symbol - 257;
            let extra_value = (run - LENGTH_BASE[i] as usize) as u64;
            let code = lit.codes[symbol] as u64
                | extra_value << lit.lengths[symbol]
                | d_code << (lit.lengths[symbol] as u32 + extra as u32);
            bits.put(code, lit.lengths[symbol] as u32 + extra as u32 + d_len);
        }
    }
    bits.put(
        lit.codes[END_OF_BLOCK] as u64,
        lit.lengths[END_OF_BLOCK] as u32,
    );
}

/// The literals and runs of `input` into `tokens`, and how often each literal/length symbol
/// occurs.
fn tokenize(input: &[u8], tokens: &mut Vec<Token>) {
    let n = input.len();
    tokens.resize(n, 0);
    let out = &mut tokens[..];
    let (mut i, mut k) = (0, 0);
    while i < n {
        let b = input[i];
        out[k] = b as Token;
        k += 1;
        i += 1;
        if i + MIN_RUN <= n && input[i..i + MIN_RUN] == [b; MIN_RUN] {
            // Copies of `b` after it.
            let limit = (n - i).min(MAX_RUN);
            let mut run = MIN_RUN;
            while run < limit && input[i + run] == b {
                run += 1;
            }
            out[k] = (256 + run) as Token;
            k += 1;
            i += run;
        }
    }
    tokens.truncate(k);
}

/// The literal/length symbol of each token.
static SYMBOL: [u16; 256 + MAX_RUN + 1] = symbols();

const fn symbols() -> [u16; 256 + MAX_RUN + 1] {
    let mut table = [0u16; 256 + MAX_RUN + 1];
    let mut t = 0;
    while t < table.len() {
        table[t] = if t < 256 {
            t as u16
        } else {
            // The last length base not above the run.
            let mut i = 0;
            while i + 1 < LENGTH_BASE.len() && LENGTH_BASE[i + 1] as usize <= t - 256 {
                i += 1;
            }
            257 + i as u16
        };
        t += 1;
    }
    table
}

/// The length symbol (257..=285) of a run of `run` bytes, and its extra bits.
fn length_symbol(run: usize) -> (usize, u8) {
    let symbol = SYMBOL[256 + run] as usize;
    (symbol, LENGTH_EXTRA[symbol - 257])
}

/// A canonical Huffman code: each symbol's length and its bits, reversed for writing LSB first.
struct Code {
    lengths: Vec<u8>,
    codes: Vec<u16>,
}

impl Code {
    fn for_frequencies(freq: &[u32]) -> Code {
        Code::limited(freq, MAX_CODE_BITS)
    }

    /// Huffman code lengths for `freq`, none longer than `max_bits` (symbols of frequency 0
    /// get none); at least two symbols get a code, so the code is complete.
    fn limited(freq: &[u32], max_bits: u8) -> Code {
        // Symbols with a frequency, least frequent first, as (frequency << 16 | symbol).
        let mut used: Vec<u64> = (0..freq.len())
            .filter(|&s| freq[s] > 0)
            .map(|s| (freq[s] as u64) << 16 | s as u64)
            .collect();
        // At least two codes: the first symbols without a frequency get one of 1.
        let mut spare = (0..freq.len()).filter(|&s| freq[s] == 0);
        while used.len() < 2 {
            match spare.next() {
                Some(s) => used.push(1 << 16 | s as u64),
                None => break,
            }
        }
        used.sort_unstable();
        let depths = huffman_depths(&used.iter().map(|&k| (k >> 16) as u32).collect::<Vec<_>>());
        // How many codes of each length, then those beyond `max_bits` folded back in
        // (zlib's and miniz's way: the Kraft sum restored by lengthening short codes).
        let mut count = [0u32; 64];
        for &d in &depths {
            count[(d as usize).min(63)] += 1;
        }
        let max = max_bits as usize;
        for d in max + 1..64 {
            count[max] += count[d];
            count[d] = 0;
        }
        let mut kraft: u64 = (1..=max).map(|d| (count[d] as u64) << (max - d)).sum();
        while kraft > 1 << max {
            count[max] -= 1;
            for d in (1..max).rev() {
                if count[d] > 0 {
                    count[d] -= 1;
                    count[d + 1] += 2;
                    break;
                }
            }
            kraft -= 1;
        }
        // The least frequent symbols get the longest codes.
        let mut lengths = vec![0u8; freq.len()];
        let mut symbols = used.iter();
        for d in (1..=max).rev() {
            for _ in 0..count[d] {
                if let Some(&k) = symbols.next() {
                    lengths[(k & 0xffff) as usize] = d as u8;
                }
            }
        }
        let codes = canonical(&lengths);
        Code { lengths, codes }
    }
}

/// The depth of each leaf of a Huffman tree over `weights` (sorted ascending), by the
/// two-queue method.
fn huffman_depths(weights: &[u32]) -> Vec<u32> {
    let n = weights.len();
    if n <= 1 {
        return vec![1; n];
    }
    // Nodes 0..n are the leaves, n.. the merged ones, made in order of weight; the lighter
    // front of the two queues goes next.
    let mut weight: Vec<u64> = weights.iter().map(|&w| w as u64).collect();
    let mut parent = vec![0usize; 2 * n - 1];
    let (mut leaf, mut inner) = (0usize, n);
    for made in n..2 * n - 1 {
        let mut pick = || {
            let from_leaves = leaf < n && (inner >= made || weight[leaf] <= weight[inner]);
            let queue = if from_leaves { &mut leaf } else { &mut inner };
            *queue += 1;
            *queue - 1
        };
        let (a, b) = (pick(), pick());
        weight.push(weight[a] + weight[b]);
        parent[a] = made;
        parent[b] = made;
    }
    let root = 2 * n - 2;
    let mut depth = vec![0u32; 2 * n - 1];
    for node in (0..root).rev() {
        depth[node] = depth[parent[node]] + 1;
    }
    depth.truncate(n);
    depth
}

/// Canonical codes for `lengths` (RFC 1951 3.2.2), bit-reversed.
fn canonical(lengths: &[u8]) -> Vec<u16> {
    let mut count = [0u16; 16];
    for &l in lengths {
        count[l as usize] += 1;
    }
    count[0] = 0;
    let mut next = [0u16; 16];
    let mut code = 0u16;
    for bits in 1..16 {
        code = (code + count[bits - 1]) << 1;
        next[bits] = code;
    }
    lengths
        .iter()
        .map(|&l| {
            if l == 0 {
                return 0;
            }
            let c = next[l as usize];
            next[l as usize] += 1;
            c.reverse_bits() >> (16 - l)
        })
        .collect()
}

/// The block's code lengths, as RFC 1951 3.2.7 sends them: run-length coded with symbols
/// 16-18, in a Huffman code of their own.
fn write_codes(bits: &mut BitWriter, lit: &[u8], dist: &[u8]) {
    let hlit = lit
        .iter()
        .rposition(|&l| l > 0)
        .map_or(257, |p| (p + 1).max(257));
    let hdist = dist.iter().rposition(|&l| l > 0).map_or(1, |p| p + 1);
    let all: Vec<u8> = lit[..hlit].iter().chain(&dist[..hdist]).copied().collect();
    // (symbol, extra bits, extra value)
    let mut symbols: Vec<(u8, u8, u8)> = Vec::new();
    let mut i = 0;
    while i < all.len() {
        let l = all[i];
        let mut run = 1;
        while i + run < all.len() && all[i + run] == l {
            run += 1;
        }
        let mut left = run;
        if l == 0 {
            while left >= 11 {
                let n = left.min(138);
                symbols.push((18, 7, (n - 11) as u8));
                left -= n;
            }
            if left >= 3 {
                symbols.push((17, 3, (left - 3) as u8));
                left = 0;
            }
        } else {
            symbols.push((l, 0, 0));
            left -= 1;
            while left >= 3 {
                let n = left.min(6);
                symbols.push((16, 2, (n - 3) as u8));
                left -= n;
            }
        }
        for _ in 0..left {
            symbols.push((l, 0, 0));
        }
        i += run;
    }
    let mut freq = [0u32; 19];
    for &(s, _, _) in &symbols {
        freq[s as usize] += 1;
    }
    let code = Code::limited(&freq, MAX_LENGTH_CODE_BITS);
    let hclen = LENGTH_ORDER
        .iter()
        .rposition(|&s| code.lengths[s] > 0)
        .map_or(4, |p| (p + 1).max(4));
    bits.put((hlit - 257) as u64, 5);
    bits.put((hdist - 1) as u64, 5);
    bits.put((hclen - 4) as u64, 4);
    for &s in &LENGTH_ORDER[..hclen] {
        bits.put(code.lengths[s] as u64, 3);
    }
    for (s, extra, value) in symbols {
        bits.put(
            code.codes[s as usize] as u64,
            code.lengths[s as usize] as u32,
        );
        bits.put(value as u64, extra as u32);
    }
}

/// Bits written least significant first, 32 at a time, into room made beforehand (grown if
/// ever short).
struct BitWriter<'a> {
    out: &'a mut Vec<u8>,
    /// Where the next 32 bits go.
    at: usize,
    buffer: u64,
    count: u32,
}

impl<'a> BitWriter<'a> {
    /// A writer after what `out` holds, with room for `room` more bytes.
    fn new(out: &'a mut Vec<u8>, room: usize) -> BitWriter<'a> {
        let at = out.len();
        out.resize(at + room, 0);
        BitWriter {
            out,
            at,
            buffer: 0,
            count: 0,
        }
    }

    fn bytes(&mut self, bytes: &[u8]) {
        if self.at + bytes.len() > self.out.len() {
            self.out.resize(self.at + bytes.len(), 0);
        }
        self.out[self.at..self.at + bytes.len()].copy_from_slice(bytes);
        self.at += bytes.len();
    }

    /// Appends the `n` (≤ 32) low bits of `value`.
    #[inline(always)]
    fn put(&mut self, value: u64, n: u32) {
        self.buffer |= value << self.count;
        self.count += n;
        if self.count >= 32 {
            if self.at + 4 > self.out.len() {
                self.out.resize(self.at + 4 + self.out.len() / 4, 0);
            }
            self.out[self.at..self.at + 4].copy_from_slice(&(self.buffer as u32).to_le_bytes());
            self.at += 4;
            self.buffer >>= 32;
            self.count -= 32;
        }
    }

    /// Writes the bits left, padded to a byte.
    fn finish(mut self) {
        self.out.truncate(self.at);
        while self.count > 0 {
            self.out.push(self.buffer as u8);
            self.at += 1;
            self.buffer >>= 8;
            self.count = self.count.saturating_sub(8);
        }
    }
}

#[cfg(test)]
mod tests;
