//! DEFLATE made of literals and runs, for the COGs' tiles: a zlib stream (RFC 1950) of
//! dynamic-Huffman DEFLATE blocks (RFC 1951) whose only back-references repeat the byte
//! before (distance 1), as zlib's `Z_RLE` strategy makes them. Every inflater reads it
//! (zlib, libdeflate, libtiff and so GDAL, geotiff.js' pako). On what the COGs hold it
//! compresses about as well as libdeflate's LZ77 levels in well under half their time: on
//! the 8192² bench the floating-point predictor's byte planes of a noisy index to 86.9 % of
//! their size (libdeflate level 1: 85.0 %, in 2.6× the time), the class codes to 16.3 %
//! (level 4: 16.6 %, in 2.6× the time). Runs are what those levels find in such data; longer
//! matches are rare in noise, and searching for them is their cost.

/// The longest run DEFLATE can repeat at once.
const MAX_RUN: usize = 258;
/// The shortest run worth a reference.
const MIN_RUN: usize = 3;
/// Blocks per tile, each with a code of its own, so that the codes follow the data: on the
/// 8192² bench's classes 16.3 % of the raw size, against 17.2 % in one block per tile. A
/// block's code costs about 6 µs to make and write, so more blocks cost the index time (16
/// blocks of 16 384 tokens: 30 % more) without making it smaller.
const BLOCKS: usize = 4;
/// The fewest tokens a block holds (but the last).
const MIN_BLOCK_TOKENS: usize = 4096;
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
    let per_block = tokens.len().div_ceil(BLOCKS).max(MIN_BLOCK_TOKENS);
    // Room for the header and a block's codes; each block makes room for its own tokens.
    let mut bits = BitWriter::new(out, 1024);
    // CMF: DEFLATE with a 32 KiB window; FLG: fastest, no dictionary, check bits.
    bits.bytes(&[0x78, 0x01]);
    if tokens.is_empty() {
        write_block(&mut bits, &[], true);
    }
    let mut chunks = tokens.chunks(per_block).peekable();
    while let Some(chunk) = chunks.next() {
        write_block(&mut bits, chunk, chunks.peek().is_none());
    }
    bits.finish();
    out.extend_from_slice(&libdeflater::adler32(input).to_be_bytes());
}

/// One block of `tokens`, with a Huffman code of its own.
fn write_block(bits: &mut BitWriter, tokens: &[Token], last: bool) {
    // Counted into four tables, so that a symbol repeated does not wait for its own count.
    let mut counts = [[0u32; LITLEN_SYMBOLS]; 4];
    let mut quads = tokens.chunks_exact(4);
    for quad in &mut quads {
        for (count, &t) in counts.iter_mut().zip(quad) {
            count[SYMBOL[t as usize] as usize] += 1;
        }
    }
    for &t in quads.remainder() {
        counts[0][SYMBOL[t as usize] as usize] += 1;
    }
    let mut freq = counts[0];
    for count in &counts[1..] {
        for (f, c) in freq.iter_mut().zip(count) {
            *f += c;
        }
    }
    freq[END_OF_BLOCK] = 1;
    let runs = freq[257..].iter().any(|&f| f > 0);
    // Two distance codes, so the distance code is complete whatever the data (as zlib does).
    let dist_freq = [if runs { 2 } else { 1 }, 1];
    let lit = Code::for_frequencies(&freq);
    let dist = Code::for_frequencies(&dist_freq);
    // Room for the header and the codes' description (at most about 300 bytes).
    bits.room(1024);
    bits.put(last as u64, 1);
    bits.put(2, 2); // dynamic Huffman codes
    write_codes(bits, &lit.lengths, &dist.lengths);
    // Each token's bits and their count in one word (the count in the high 32 bits): a
    // literal's code, or a run's length code, extra bits and distance code together.
    let (d_code, d_len) = (dist.codes[0] as u64, dist.lengths[0] as u64);
    let sizes = symbol_bits(&lit, d_len);
    let mut table = [0u64; 256 + MAX_RUN + 1];
    for (t, word) in table.iter_mut().enumerate() {
        let symbol = SYMBOL[t] as usize;
        let (code, len) = (lit.codes[symbol] as u64, lit.lengths[symbol] as u64);
        let bits = if t < 256 {
            code
        } else if t >= 256 + MIN_RUN {
            let extra = LENGTH_EXTRA[symbol - 257] as u64;
            let extra_value = (t - 256) as u64 - LENGTH_BASE[symbol - 257] as u64;
            code | extra_value << len | d_code << (len + extra)
        } else {
            continue; // runs this short are literals
        };
        *word = bits | sizes[symbol] << 32;
    }
    // The block's bits, exactly, so that no more room is made than it needs.
    let body: u64 = freq.iter().zip(&sizes).map(|(&f, &b)| f as u64 * b).sum();
    bits.flush_bytes();
    bits.tokens(tokens, &table, body);
    bits.put(
        lit.codes[END_OF_BLOCK] as u64,
        lit.lengths[END_OF_BLOCK] as u32,
    );
}

/// The bits each literal/length symbol takes in a block coded by `lit`: a run's with its
/// extra bits and its distance code's `d_len`.
fn symbol_bits(lit: &Code, d_len: u64) -> [u64; LITLEN_SYMBOLS] {
    let mut bits = [0u64; LITLEN_SYMBOLS];
    for (s, b) in bits.iter_mut().enumerate() {
        *b = lit.lengths[s] as u64;
        if s > END_OF_BLOCK {
            *b += LENGTH_EXTRA[s - 257] as u64 + d_len;
        }
    }
    bits
}

/// The literals and runs of `input`, into `tokens`.
fn tokenize(input: &[u8], tokens: &mut Vec<Token>) {
    let n = input.len();
    tokens.resize(n, 0);
    let out = &mut tokens[..];
    let (mut i, mut k) = (0, 0);
    while i < n {
        // Eight literals at once where none is followed by a copy of itself (so no run
        // starts after any of them): most of noise.
        if i + 9 <= n {
            let word = |at: usize| {
                let mut w = [0u8; 8];
                w.copy_from_slice(&input[at..at + 8]);
                u64::from_le_bytes(w)
            };
            if !has_zero_byte(word(i) ^ word(i + 1)) {
                for (o, &b) in out[k..k + 8].iter_mut().zip(&input[i..i + 8]) {
                    *o = b as Token;
                }
                i += 8;
                k += 8;
                continue;
            }
        }
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

/// Whether a byte of `v` is zero.
fn has_zero_byte(v: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    v.wrapping_sub(ONES) & !v & (ONES << 7) != 0
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
        let mut writer = BitWriter {
            out,
            at,
            buffer: 0,
            count: 0,
        };
        writer.room(room);
        writer
    }

    /// Makes sure of `bytes` of room after the next byte to write, growing `out` by what is
    /// missing only (not by doubling: the tiles' streams are kept until written).
    fn room(&mut self, bytes: usize) {
        let need = self.at + bytes;
        if need > self.out.len() {
            self.out.reserve_exact(need - self.out.len());
            self.out.resize(need, 0);
        }
    }

    fn bytes(&mut self, bytes: &[u8]) {
        self.room(bytes.len());
        self.out[self.at..self.at + bytes.len()].copy_from_slice(bytes);
        self.at += bytes.len();
    }

    /// Appends the `n` (≤ 32) low bits of `value`.
    #[inline(always)]
    fn put(&mut self, value: u64, n: u32) {
        self.buffer |= value << self.count;
        self.count += n;
        if self.count >= 32 {
            self.room(4);
            self.out[self.at..self.at + 4].copy_from_slice(&(self.buffer as u32).to_le_bytes());
            self.at += 4;
            self.buffer >>= 32;
            self.count -= 32;
        }
    }

    /// Writes the buffer's whole bytes, leaving at most 7 bits in it.
    fn flush_bytes(&mut self) {
        self.room(8);
        flush_whole_bytes(self.out, &mut self.buffer, &mut self.count, &mut self.at);
    }

    /// Writes `tokens` by their words in `table` (bits in the low half, their count in the
    /// high), two tokens (at most 42 bits) between flushes of whole bytes; the buffer holds
    /// at most 7 bits before and after.
    fn tokens(&mut self, tokens: &[Token], table: &[u64; 256 + MAX_RUN + 1], bits: u64) {
        // Room for the tokens' `bits`, the 7 before them and a flush's 8 bytes beyond.
        self.room((bits as usize).div_ceil(8) + 16);
        // The buffer in locals, not behind `self`, through the loop.
        let (mut buffer, mut count, mut at) = (self.buffer, self.count, self.at);
        let out = &mut self.out[..];
        let mut pairs = tokens.chunks_exact(2);
        for pair in &mut pairs {
            let (a, b) = (table[pair[0] as usize], table[pair[1] as usize]);
            buffer |= (a & 0xffff_ffff) << count;
            count += (a >> 32) as u32;
            buffer |= (b & 0xffff_ffff) << count;
            count += (b >> 32) as u32;
            flush_whole_bytes(out, &mut buffer, &mut count, &mut at);
        }
        for &t in pairs.remainder() {
            let a = table[t as usize];
            buffer |= (a & 0xffff_ffff) << count;
            count += (a >> 32) as u32;
            flush_whole_bytes(out, &mut buffer, &mut count, &mut at);
        }
        (self.buffer, self.count, self.at) = (buffer, count, at);
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

/// Writes `buffer`'s whole bytes (its `count` bits) at `at`, where 8 bytes of room are, and
/// keeps the at most 7 bits left.
#[inline(always)]
fn flush_whole_bytes(out: &mut [u8], buffer: &mut u64, count: &mut u32, at: &mut usize) {
    out[*at..*at + 8].copy_from_slice(&buffer.to_le_bytes());
    let whole = *count / 8;
    *at += whole as usize;
    *buffer = buffer.checked_shr(whole * 8).unwrap_or(0);
    *count -= whole * 8;
}

#[cfg(test)]
mod tests;
