//! PNG encoding: RGBA for continuous ramps, indexed colour (palette + tRNS) for class tables,
//! which is a quarter of the pixel data and compresses far better.

use super::Rgba;

/// A tile could not be encoded (only on a broken buffer size; reported per tile).
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("png encoding failed: {0}")]
    Png(#[from] ::png::EncodingError),
    #[error("webp encoding failed: {0}")]
    Webp(String),
}

/// Encodes `size`×`size` interleaved RGBA bytes as a lossless WebP (VP8L): exact colours,
/// smaller than PNG for most map tiles.
pub fn encode_webp(rgba: &[u8], size: u32) -> Result<Vec<u8>, RenderError> {
    let mut out = Vec::with_capacity(rgba.len() / 4);
    image_webp::WebPEncoder::new(&mut out)
        .encode(rgba, size, size, image_webp::ColorType::Rgba8)
        .map_err(|e| RenderError::Webp(e.to_string()))?;
    Ok(out)
}

fn encoder<'a>(
    out: &'a mut Vec<u8>,
    (width, height): (u32, u32),
    color: ::png::ColorType,
) -> ::png::Encoder<'a, &'a mut Vec<u8>> {
    let mut encoder = ::png::Encoder::new(out, width, height);
    encoder.set_color(color);
    encoder.set_depth(::png::BitDepth::Eight);
    // Fast deflate with the adaptive filter: most of a tile's cost is elsewhere this way.
    encoder.set_compression(::png::Compression::Fast);
    encoder.set_filter(::png::FilterType::Paeth);
    encoder.set_adaptive_filter(::png::AdaptiveFilterType::Adaptive);
    encoder
}

/// Encodes `size`×`size` interleaved RGBA bytes as an 8-bit RGBA PNG.
pub fn encode_png(rgba: &[u8], size: u32) -> Result<Vec<u8>, RenderError> {
    encode_rgba(rgba, (size, size))
}

/// Encodes `width`×`height` interleaved RGBA bytes as an 8-bit PNG: RGB when every pixel is
/// opaque (a quarter less to compress, and smaller), RGBA otherwise.
pub fn encode_rgba(rgba: &[u8], dimensions: (u32, u32)) -> Result<Vec<u8>, RenderError> {
    let mut out = Vec::with_capacity(rgba.len() / 4);
    if rgba.chunks_exact(4).all(|px| px[3] == 255) {
        let rgb: Vec<u8> = rgba
            .chunks_exact(4)
            .flat_map(|px| [px[0], px[1], px[2]])
            .collect();
        let mut writer = encoder(&mut out, dimensions, ::png::ColorType::Rgb).write_header()?;
        writer.write_image_data(&rgb)?;
        writer.finish()?;
    } else {
        let mut writer = encoder(&mut out, dimensions, ::png::ColorType::Rgba).write_header()?;
        writer.write_image_data(rgba)?;
        writer.finish()?;
    }
    Ok(out)
}

/// Encodes `size`×`size` palette indices as an 8-bit indexed PNG; `palette[i]` is the colour
/// of index `i` (alpha goes to the tRNS chunk).
pub fn encode_indexed_png(
    indices: &[u8],
    palette: &[Rgba],
    size: u32,
) -> Result<Vec<u8>, RenderError> {
    let mut out = Vec::with_capacity(indices.len() / 4);
    let mut enc = encoder(&mut out, (size, size), ::png::ColorType::Indexed);
    let rgb: Vec<u8> = palette
        .iter()
        .flat_map(|c| [c.0[0], c.0[1], c.0[2]])
        .collect();
    let alpha: Vec<u8> = palette.iter().map(|c| c.0[3]).collect();
    enc.set_palette(rgb);
    enc.set_trns(alpha);
    let mut writer = enc.write_header()?;
    writer.write_image_data(indices)?;
    writer.finish()?;
    Ok(out)
}
