/// An sRGB colour with straight (not premultiplied) alpha.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgba(pub [u8; 4]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a colour; write `#rrggbb` or `#rrggbbaa` (hex)")]
pub struct RgbaParseError(pub String);

impl Rgba {
    pub const TRANSPARENT: Rgba = Rgba([0, 0, 0, 0]);

    /// Parses `#rrggbb` or `#rrggbbaa`.
    pub fn parse(text: &str) -> Result<Rgba, RgbaParseError> {
        let err = || RgbaParseError(text.to_string());
        let hex = text.strip_prefix('#').ok_or_else(err)?;
        if !(hex.len() == 6 || hex.len() == 8) || !hex.is_ascii() {
            return Err(err());
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| err());
        let alpha = if hex.len() == 8 { byte(6)? } else { 255 };
        Ok(Rgba([byte(0)?, byte(2)?, byte(4)?, alpha]))
    }

    pub fn to_hex(self) -> String {
        let [r, g, b, a] = self.0;
        if a == 255 {
            format!("#{r:02x}{g:02x}{b:02x}")
        } else {
            format!("#{r:02x}{g:02x}{b:02x}{a:02x}")
        }
    }
}
