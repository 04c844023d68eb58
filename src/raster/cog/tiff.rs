//! The TIFF structure of a COG, written by hand around tiles made by `pyramid`: the tags GDAL
//! wrote into a template GeoTIFF of the same raster (georeferencing, nodata, colour table,
//! metadata) are copied; the layout is GDAL's COG layout (its structural metadata, every IFD
//! before any tile, the smallest overview's tiles first and the full resolution's last),
//! which GDAL's `validate_cloud_optimized_geotiff.py` checks.

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::pyramid::{LevelTiles, Predictor, BLOCK};

/// A TIFF field: its tag, type, count and value bytes (little-endian).
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub tag: u16,
    pub kind: u16,
    pub count: u64,
    pub value: Vec<u8>,
}

/// Bytes per value of a TIFF field type (0 for an unknown type).
fn type_size(kind: u16) -> u64 {
    match kind {
        1 | 2 | 6 | 7 => 1,
        3 | 8 => 2,
        4 | 9 | 11 | 13 => 4,
        5 | 10 | 12 | 16 | 17 | 18 => 8,
        _ => 0,
    }
}

/// The fields copied from the template into every IFD: how pixels are read.
const PIXEL_TAGS: [u16; 3] = [262, 320, 338];
/// The fields copied into the full resolution's IFD only: georeferencing (GeoTIFF's model
/// and key tags) and GDAL's metadata and nodata.
const RASTER_TAGS: [u16; 8] = [33550, 33922, 34264, 34735, 34736, 34737, 42112, 42113];

fn bad(path: &Path, what: &str) -> std::io::Error {
    std::io::Error::other(format!("{}: {what}", path.display()))
}

/// The first IFD's fields of the little-endian TIFF or BigTIFF at `path`.
pub fn read_fields(path: &Path) -> std::io::Result<Vec<Field>> {
    let mut file = File::open(path)?;
    let mut header = [0u8; 16];
    file.read_exact(&mut header[..8])?;
    let big = match &header[..4] {
        b"II*\0" => false,
        b"II+\0" => true,
        _ => return Err(bad(path, "not a little-endian TIFF")),
    };
    let u16_at = |b: &[u8], i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
    let u32_at = |b: &[u8], i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let u64_at = |b: &[u8], i: usize| {
        let mut v = [0u8; 8];
        v.copy_from_slice(&b[i..i + 8]);
        u64::from_le_bytes(v)
    };
    let ifd = if big {
        file.read_exact(&mut header[8..16])?;
        u64_at(&header, 8)
    } else {
        u64::from(u32_at(&header, 4))
    };
    file.seek(SeekFrom::Start(ifd))?;
    let mut count = [0u8; 8];
    let entries = if big {
        file.read_exact(&mut count)?;
        u64_at(&count, 0)
    } else {
        file.read_exact(&mut count[..2])?;
        u64::from(u16_at(&count, 0))
    };
    let (entry, inline) = if big { (20, 8) } else { (12, 4) };
    if entries > 4096 {
        return Err(bad(path, "an IFD of too many entries"));
    }
    let mut table = vec![0u8; (entries * entry) as usize];
    file.read_exact(&mut table)?;
    let mut fields = Vec::new();
    for e in table.chunks_exact(entry as usize) {
        let (tag, kind) = (u16_at(e, 0), u16_at(e, 2));
        let count = if big {
            u64_at(e, 4)
        } else {
            u64::from(u32_at(e, 4))
        };
        let len = count.saturating_mul(type_size(kind));
        if len > 1 << 24 {
            return Err(bad(path, "a field too large"));
        }
        let at = if big { 12 } else { 8 };
        let value = if len <= inline {
            e[at..at + len as usize].to_vec()
        } else {
            let offset = if big {
                u64_at(e, at)
            } else {
                u64::from(u32_at(e, at))
            };
            let mut value = vec![0u8; len as usize];
            file.seek(SeekFrom::Start(offset))?;
            file.read_exact(&mut value)?;
            value
        };
        fields.push(Field {
            tag,
            kind,
            count,
            value,
        });
    }
    Ok(fields)
}

/// What the tiles hold: bits and format per sample, samples per pixel, predictor.
#[derive(Debug, Clone, Copy)]
pub struct Samples {
    pub bits: u16,
    pub format: u16,
    pub per_pixel: u16,
    pub predictor: Predictor,
}

fn short(tag: u16, values: &[u16]) -> Field {
    Field {
        tag,
        kind: 3,
        count: values.len() as u64,
        value: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
    }
}

fn long(tag: u16, value: u32) -> Field {
    Field {
        tag,
        kind: 4,
        count: 1,
        value: value.to_le_bytes().to_vec(),
    }
}

/// Offsets or byte counts: LONG in a TIFF, LONG8 in a BigTIFF.
fn offsets(tag: u16, values: impl Iterator<Item = u64>, big: bool) -> Field {
    let value: Vec<u8> = if big {
        values.flat_map(|v| v.to_le_bytes()).collect()
    } else {
        values.flat_map(|v| (v as u32).to_le_bytes()).collect()
    };
    let size = if big { 8 } else { 4 };
    Field {
        tag,
        kind: if big { 16 } else { 4 },
        count: value.len() as u64 / size,
        value,
    }
}

/// The bytes of an IFD at `at`, its out-of-line values after its entries; `next` is the
/// offset of the next IFD (0 for none).
fn ifd_bytes(fields: &[Field], at: u64, next: u64, big: bool) -> Vec<u8> {
    let (entry, inline) = if big { (20u64, 8u64) } else { (12, 4) };
    let n = fields.len() as u64;
    let table = if big {
        8 + n * entry + 8
    } else {
        2 + n * entry + 4
    };
    let mut out = Vec::new();
    let mut values = Vec::new();
    if big {
        out.extend(n.to_le_bytes());
    } else {
        out.extend((n as u16).to_le_bytes());
    }
    for f in fields {
        out.extend(f.tag.to_le_bytes());
        out.extend(f.kind.to_le_bytes());
        if big {
            out.extend(f.count.to_le_bytes());
        } else {
            out.extend((f.count as u32).to_le_bytes());
        }
        if f.value.len() as u64 <= inline {
            let mut v = f.value.clone();
            v.resize(inline as usize, 0);
            out.extend(v);
        } else {
            if values.len() % 2 == 1 {
                values.push(0);
            }
            let offset = at + table + values.len() as u64;
            if big {
                out.extend(offset.to_le_bytes());
            } else {
                out.extend((offset as u32).to_le_bytes());
            }
            values.extend_from_slice(&f.value);
        }
    }
    if big {
        out.extend(next.to_le_bytes());
    } else {
        out.extend((next as u32).to_le_bytes());
    }
    out.extend(values);
    if out.len() % 2 == 1 {
        out.push(0);
    }
    out
}

/// GDAL's structural metadata, after the header: tells its reader that the file is laid out
/// as a COG and that each tile has a leader and a trailer.
fn ghost() -> Vec<u8> {
    let body = "LAYOUT=IFDS_BEFORE_DATA\nBLOCK_ORDER=ROW_MAJOR\nBLOCK_LEADER=SIZE_AS_UINT4\n\
                BLOCK_TRAILER=LAST_4_BYTES_REPEATED\nKNOWN_INCOMPATIBLE_EDITION=NO\n ";
    let mut out = format!(
        "GDAL_STRUCTURAL_METADATA_SIZE={:06} bytes\n{body}",
        body.len()
    )
    .into_bytes();
    if out.len() % 2 == 1 {
        out.push(0);
    }
    out
}

/// The fields of level `k` of `levels` (0 the full resolution), its tiles at `base` in the file.
fn level_fields(
    template: &[Field],
    level: &LevelTiles,
    k: usize,
    samples: Samples,
    base: u64,
    big: bool,
) -> Vec<Field> {
    let n = usize::from(samples.per_pixel);
    let mut fields = vec![
        long(256, level.width as u32),
        long(257, level.height as u32),
        short(258, &vec![samples.bits; n]),
        short(259, &[8]),
        short(277, &[samples.per_pixel]),
        short(284, &[1]),
        short(322, &[BLOCK as u16]),
        short(323, &[BLOCK as u16]),
        offsets(324, level.tiles.iter().map(|(at, _)| base + at), big),
        offsets(325, level.tiles.iter().map(|(_, len)| *len), big),
        short(339, &vec![samples.format; n]),
    ];
    if k > 0 {
        fields.push(long(254, 1));
    }
    if samples.predictor != Predictor::None {
        fields.push(short(317, &[samples.predictor as u16]));
    }
    let copied = |t: &u16| PIXEL_TAGS.contains(t) || (k == 0 && RASTER_TAGS.contains(t));
    fields.extend(template.iter().filter(|f| copied(&f.tag)).cloned());
    fields.sort_by_key(|f| f.tag);
    fields
}

fn stopped(stop: &AtomicUsize) -> std::io::Result<()> {
    match stop.load(Ordering::Relaxed) {
        0 => Ok(()),
        _ => Err(std::io::Error::new(
            std::io::ErrorKind::Interrupted,
            "stopped by a signal",
        )),
    }
}

/// Writes the COG at `path`: the header, GDAL's structural metadata, the IFDs of `levels` (0
/// the full resolution, then the overviews by decreasing size), then the levels' tiles from
/// the smallest to the full resolution. Where `insert` and the filesystem can insert room at
/// the start of a file (ext4, XFS), the full resolution's tile file (three quarters of the
/// bytes or more) becomes the COG, the rest written into that room, and its tiles are not
/// copied; elsewhere every level's file is copied in. A non-zero `stop` ends it between
/// copies.
pub fn write_cog(
    path: &Path,
    template: &[Field],
    levels: &[LevelTiles],
    samples: Samples,
    stop: &AtomicUsize,
    insert: bool,
) -> std::io::Result<()> {
    let data: u64 = levels.iter().map(|l| l.bytes).sum();
    let tiles: u64 = levels.iter().map(|l| l.tiles.len() as u64).sum();
    // A classic TIFF addresses 4 GiB; the IFDs take 8 bytes per tile and a few kB (and the
    // room inserted before the full resolution's tiles rounds up by less than 1 MiB).
    let big = data + tiles * 8 + (2 << 20) > u64::from(u32::MAX);
    let header_len: u64 = if big { 16 } else { 8 };
    let ghost = ghost();
    let first_ifd = header_len + ghost.len() as u64;
    // The IFDs' sizes do not depend on the offsets in them, so they are laid out with
    // placeholder offsets first.
    let sizes: Vec<u64> = (0..levels.len())
        .map(|k| {
            let fields = level_fields(template, &levels[k], k, samples, 0, big);
            ifd_bytes(&fields, 0, 0, big).len() as u64
        })
        .collect();
    let data_start = first_ifd + sizes.iter().sum::<u64>();
    // Tiles: the smallest overview first, the full resolution last.
    let mut bases = vec![0u64; levels.len()];
    let mut at = data_start;
    for k in (1..levels.len()).rev() {
        bases[k] = at;
        at += levels[k].bytes;
    }
    let Some(full) = levels.first() else {
        return Err(bad(path, "a COG without levels"));
    };
    let (mut out, inserted) = match insert.then(|| room_before(&full.path, at)).flatten() {
        Some((file, room)) => (file, Some(room)),
        None => (File::create(path)?, None),
    };
    bases[0] = inserted.unwrap_or(at);
    let mut head = BufWriter::new(&mut out);
    if big {
        head.write_all(b"II+\0")?;
        head.write_all(&8u16.to_le_bytes())?;
        head.write_all(&0u16.to_le_bytes())?;
        head.write_all(&first_ifd.to_le_bytes())?;
    } else {
        head.write_all(b"II*\0")?;
        head.write_all(&(first_ifd as u32).to_le_bytes())?;
    }
    head.write_all(&ghost)?;
    let mut ifd_at = first_ifd;
    for (k, level) in levels.iter().enumerate() {
        let next = if k + 1 < levels.len() {
            ifd_at + sizes[k]
        } else {
            0
        };
        let fields = level_fields(template, level, k, samples, bases[k], big);
        let bytes = ifd_bytes(&fields, ifd_at, next, big);
        debug_assert_eq!(bytes.len() as u64, sizes[k]);
        head.write_all(&bytes)?;
        ifd_at += sizes[k];
    }
    head.flush()?;
    drop(head);
    let copied = match inserted {
        Some(_) => &levels[1..],
        None => levels,
    };
    for level in copied.iter().rev() {
        let mut tiles = File::open(&level.path)?;
        // 64 MiB at a time, so a signal is heeded within a fraction of a second.
        loop {
            stopped(stop)?;
            let copied = std::io::copy(&mut (&mut tiles).take(64 << 20), &mut out)?;
            if copied == 0 {
                break;
            }
        }
        drop(tiles);
        // Copied: the scratch disk holds the tiles once.
        std::fs::remove_file(&level.path)?;
    }
    if inserted.is_some() {
        // The room left after the overviews' tiles (less than a filesystem block) is a hole.
        std::fs::rename(&full.path, path)?;
    }
    Ok(())
}

/// The file at `path` opened for writing with `bytes` of room inserted at its start, rounded
/// up to whole filesystem blocks (the size of the room is returned), positioned at 0; `None`
/// where its filesystem cannot insert (tmpfs, overlayfs, network filesystems) or the file is
/// empty.
fn room_before(path: &Path, bytes: u64) -> Option<(File, u64)> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .ok()?;
        let fd = file.as_raw_fd();
        // SAFETY: fstatvfs writes into the zeroed struct it is given, on an open descriptor.
        let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
        if unsafe { libc::fstatvfs(fd, &mut stat) } != 0 || stat.f_bsize == 0 {
            return None;
        }
        let block = stat.f_bsize as u64;
        // The BigTIFF decision leaves 1 MiB for this room.
        if block > 1 << 20 {
            return None;
        }
        let room = bytes.div_ceil(block) * block;
        let room_off = libc::off_t::try_from(room).ok()?;
        // SAFETY: fallocate only changes the open file's extents.
        let done = unsafe { libc::fallocate(fd, libc::FALLOC_FL_INSERT_RANGE, 0, room_off) };
        (done == 0).then_some((file, room))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (path, bytes);
        None
    }
}
