//! PMTiles v3 archives (https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md): the
//! tiles of a run in one object that clients read with HTTP range requests. Tiles arrive in
//! the pyramid's order, so they are spooled to a scratch file first and written to the archive
//! in tile-id (Hilbert) order — a clustered archive — with identical tiles stored once.

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};

use pmtiles::{Compression, PmTilesWriter, TileCoord, TileId, TileType};

/// Why a tile could not be spooled or the archive written.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("scratch file: {0}")]
    Io(#[from] std::io::Error),
    /// The pmtiles crate's error (a tile outside its grid, a failed write), as its message.
    #[error("{0}")]
    Pmtiles(String),
}

impl ArchiveError {
    fn of(error: impl std::fmt::Display) -> Self {
        ArchiveError::Pmtiles(error.to_string())
    }
}

/// Encoded tiles on disk, in arrival order, with where each one is.
pub struct TileSpool {
    file: BufWriter<File>,
    /// (tile id, offset, length)
    index: Vec<(u64, u64, u32)>,
    end: u64,
}

/// What the archive's header and metadata say.
pub struct ArchiveInfo {
    pub min_zoom: u8,
    pub max_zoom: u8,
    /// West, south, east, north in degrees.
    pub bounds: [f64; 4],
    pub center: (f64, f64, u8),
    /// JSON metadata (the TileJSON document).
    pub metadata: String,
}

impl TileSpool {
    pub fn new() -> std::io::Result<TileSpool> {
        Ok(TileSpool {
            file: BufWriter::new(tempfile::tempfile()?),
            index: Vec::new(),
            end: 0,
        })
    }

    pub fn add(&mut self, z: u8, x: u32, y: u32, bytes: &[u8]) -> Result<(), ArchiveError> {
        let coord = TileCoord::new(z, x, y).map_err(ArchiveError::of)?;
        let id = TileId::from(coord).value();
        self.file.write_all(bytes)?;
        let len = u32::try_from(bytes.len()).map_err(ArchiveError::of)?;
        self.index.push((id, self.end, len));
        self.end += u64::from(len);
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Writes the archive into `out` (a scratch file): tiles in tile-id order, deduplicated by
    /// content, PNG stored as is, directories and metadata gzip-compressed.
    pub fn write_archive(mut self, info: &ArchiveInfo, out: File) -> Result<(), ArchiveError> {
        let mut spool = self.file.into_inner().map_err(|e| e.into_error())?;
        self.index.sort_unstable_by_key(|(id, _, _)| *id);
        let [w, s, e, n] = info.bounds;
        let (lon, lat, zoom) = info.center;
        let mut writer = PmTilesWriter::new(TileType::Png)
            .tile_compression(Compression::None)
            .internal_compression(Compression::Gzip)
            .min_zoom(info.min_zoom)
            .max_zoom(info.max_zoom)
            .bounds(w, s, e, n)
            .center(lon, lat)
            .center_zoom(zoom)
            .metadata(info.metadata.clone())
            .create(out)
            .map_err(ArchiveError::of)?;
        let mut buffer = Vec::new();
        for (id, offset, len) in &self.index {
            buffer.resize(*len as usize, 0);
            spool
                .seek(SeekFrom::Start(*offset))
                .and_then(|_| spool.read_exact(&mut buffer))?;
            let coord = TileCoord::from(TileId::new(*id).map_err(ArchiveError::of)?);
            writer.add_tile(coord, &buffer).map_err(ArchiveError::of)?;
        }
        writer.finalize().map_err(ArchiveError::of)
    }
}
