//! `[tiling]`: zoom range, tile size, resampling.

use super::Compiler;
use crate::plan::Resampling;
use crate::plan::{Tiling, ZoomChoice, DEFAULT_MAX_TILES, MAX_TILE_SIZE};
use crate::spec::raw::{TilingSpec, ZoomSpec};
use crate::tiling::ZoomRange;

impl Compiler<'_> {
    pub(super) fn tiling(
        &mut self,
        spec: &TilingSpec,
        zoom_override: Option<ZoomRange>,
        max_tiles_override: Option<u64>,
    ) -> Option<Tiling> {
        let zoom = match (&spec.zoom, zoom_override) {
            (_, Some(range)) => Some(ZoomChoice::Range(range)),
            (None, None) => Some(ZoomChoice::Auto),
            (Some(ZoomSpec::Text(t)), None) if t == "auto" => Some(ZoomChoice::Auto),
            (Some(z), None) => {
                let parsed = match z {
                    ZoomSpec::Text(t) => ZoomRange::parse(t).map_err(|e| e.to_string()),
                    ZoomSpec::Level(l) => u8::try_from(*l)
                        .map_err(|_| format!("{l} is not a zoom level"))
                        .and_then(|l| ZoomRange::new(l, l).map_err(|e| e.to_string())),
                    ZoomSpec::Pair(p) => match p.as_slice() {
                        [a, b] => match (u8::try_from(*a), u8::try_from(*b)) {
                            (Ok(a), Ok(b)) => ZoomRange::new(a, b).map_err(|e| e.to_string()),
                            _ => Err(format!("{p:?} are not zoom levels")),
                        },
                        _ => Err("expected `[min, max]`".into()),
                    },
                };
                match parsed {
                    Ok(range) => Some(ZoomChoice::Range(range)),
                    Err(message) => {
                        self.problem("tiling.zoom", format!("{message} (or `\"auto\"`)"));
                        None
                    }
                }
            }
        };
        let tile_size = spec.tile_size.unwrap_or(256);
        let tile_size = match u32::try_from(tile_size) {
            Ok(s) if s.is_power_of_two() && (64..=MAX_TILE_SIZE).contains(&s) => Some(s),
            _ => {
                self.problem(
                    "tiling.tile_size",
                    format!(
                        "{tile_size} is not a power of two from 64 to {MAX_TILE_SIZE} \
                         (usually 256 or 512; larger tiles would not fit the memory budget)"
                    ),
                );
                None
            }
        };
        let max_tiles = match (max_tiles_override, spec.max_tiles) {
            (Some(n), _) => Some(n),
            (None, None) => Some(DEFAULT_MAX_TILES),
            (None, Some(n)) => match u64::try_from(n) {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    self.problem(
                        "tiling.max_tiles",
                        format!("{n} is not a positive count of tiles"),
                    );
                    None
                }
            },
        };
        let resampling = match spec.resampling.as_deref() {
            None => Some(Resampling::Bilinear),
            Some(name) => {
                let r = Resampling::from_name(name);
                if r.is_none() {
                    self.problem(
                        "tiling.resampling",
                        format!(
                            "unknown resampling `{name}`; one of: {}",
                            Resampling::NAMES.join(", ")
                        ),
                    );
                }
                r
            }
        };
        Some(Tiling {
            zoom: zoom?,
            tile_size: tile_size?,
            resampling: resampling?,
            max_tiles: max_tiles?,
        })
    }
}
