/// A tile could not be encoded (only on a broken buffer size; reported per tile).
#[derive(Debug, thiserror::Error)]
#[error("png encoding failed: {0}")]
pub struct RenderError(#[from] ::png::EncodingError);

/// Encodes `size`×`size` interleaved RGBA bytes as an 8-bit RGBA PNG. Fast deflate with the
/// adaptive filter: web tiles are written once and read many times, but mostly small.
pub fn encode_png(rgba: &[u8], size: u32) -> Result<Vec<u8>, RenderError> {
    let mut out = Vec::with_capacity(rgba.len() / 4);
    let mut encoder = ::png::Encoder::new(&mut out, size, size);
    encoder.set_color(::png::ColorType::Rgba);
    encoder.set_depth(::png::BitDepth::Eight);
    encoder.set_compression(::png::Compression::Fast);
    encoder.set_filter(::png::FilterType::Paeth);
    encoder.set_adaptive_filter(::png::AdaptiveFilterType::Adaptive);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgba)?;
    writer.finish()?;
    Ok(out)
}
