//! RENDER: index values → RGBA pixels → PNG bytes. Pure and synchronous; nodata (NaN) is
//! fully transparent.

mod classes;
mod color;
mod composite;
mod legend;
mod png;
mod ramp;
mod shipped;

pub use self::png::{encode_indexed_png, encode_png, encode_webp, RenderError};
pub use classes::{Class, ClassTable};
pub use color::{Rgba, RgbaParseError};
pub use composite::Composite;
pub use legend::legend_png;
pub use ramp::{ColorRamp, RAMP_NAMES};
pub use shipped::{shipped_table, SHIPPED_TABLES};

/// How tiles are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileEncoding {
    Png,
    /// Lossless WebP.
    Webp,
}

impl TileEncoding {
    pub fn extension(self) -> &'static str {
        match self {
            TileEncoding::Png => "png",
            TileEncoding::Webp => "webp",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            TileEncoding::Png => "image/png",
            TileEncoding::Webp => "image/webp",
        }
    }
}

/// How index values become colours.
#[derive(Debug, Clone, PartialEq)]
pub enum Style {
    /// A continuous ramp stretched over `[min, max]`; values outside are clamped.
    Ramp { ramp: ColorRamp, min: f32, max: f32 },
    /// Discrete classes; a value in no class is transparent.
    Classes(ClassTable),
    /// Three bands as red, green and blue; the values are three planes per tile.
    Composite(Composite),
}

impl Style {
    /// Colours one tile of values as interleaved RGBA bytes.
    pub fn render(&self, values: &[f32]) -> Vec<u8> {
        if let Style::Composite(c) = self {
            return c.render(values);
        }
        let mut out = Vec::with_capacity(values.len() * 4);
        for &v in values {
            let c = if v.is_nan() {
                Rgba::TRANSPARENT
            } else {
                match self {
                    Style::Ramp { ramp, min, max } => {
                        let t = if max > min {
                            (v - min) / (max - min)
                        } else {
                            0.5
                        };
                        ramp.at(t.clamp(0.0, 1.0))
                    }
                    Style::Classes(table) => table.color_of(v).unwrap_or(Rgba::TRANSPARENT),
                    Style::Composite(_) => Rgba::TRANSPARENT, // rendered above
                }
            };
            out.extend_from_slice(&c.0);
        }
        out
    }

    /// Colours and encodes one `size`×`size` tile. PNG: RGBA for ramps, indexed for classes
    /// (index 0 transparent, class `i` at index `i + 1`). WebP: lossless RGBA for both.
    pub fn encode_tile(
        &self,
        values: &[f32],
        size: u32,
        encoding: TileEncoding,
    ) -> Result<Vec<u8>, RenderError> {
        match (self, encoding) {
            (_, TileEncoding::Webp) => encode_webp(&self.render(values), size),
            (Style::Ramp { .. } | Style::Composite(_), TileEncoding::Png) => {
                encode_png(&self.render(values), size)
            }
            (Style::Classes(table), TileEncoding::Png) => {
                let indices = table.codes(values);
                let palette: Vec<Rgba> = std::iter::once(Rgba::TRANSPARENT)
                    .chain(table.classes.iter().map(|c| c.color))
                    .collect();
                encode_indexed_png(&indices, &palette, size)
            }
        }
    }

    /// The class table of classified styles; `None` for ramps and composites.
    pub fn class_table(&self) -> Option<&ClassTable> {
        match self {
            Style::Classes(t) => Some(t),
            Style::Ramp { .. } | Style::Composite(_) => None,
        }
    }
}

#[cfg(test)]
mod tests;
