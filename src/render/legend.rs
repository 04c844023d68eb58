//! `legend.png`: the legend as a small image for reports and map layouts — a swatch and a
//! label per class, or the ramp as a bar with its range — drawn with the public-domain 8×8
//! bitmap font of the `font8x8` crate at twice its size.

use font8x8::UnicodeFonts;

use super::png::{encode_rgba, RenderError};
use super::{Composite, Rgba, Style};

const SCALE: usize = 2;
const GLYPH: usize = 8 * SCALE;
const MARGIN: usize = 10;
const LINE: usize = GLYPH + 8;
const SWATCH: usize = GLYPH;
const BAR_WIDTH: usize = 256;
const BACKGROUND: Rgba = Rgba([255, 255, 255, 255]);
const INK: Rgba = Rgba([34, 34, 34, 255]);
const FRAME: Rgba = Rgba([136, 136, 136, 255]);

/// The legend of `style` under `title`, as an RGBA PNG.
pub fn legend_png(style: &Style, title: &str) -> Result<Vec<u8>, RenderError> {
    let title = printable(title);
    let image = match style {
        Style::Classes(table) => {
            let labels: Vec<String> = table
                .classes
                .iter()
                .map(|c| printable(&format!("{}  {}", c.name, c.range_label())))
                .collect();
            let widest = labels.iter().map(|l| text_width(l)).max().unwrap_or(0);
            let width = (2 * MARGIN + SWATCH + 8 + widest).max(2 * MARGIN + text_width(&title));
            let height = 2 * MARGIN + LINE * (1 + labels.len());
            let mut canvas = Canvas::new(width, height);
            canvas.text(MARGIN, MARGIN, &title);
            for (i, (class, label)) in table.classes.iter().zip(&labels).enumerate() {
                let y = MARGIN + LINE * (i + 1);
                canvas.rect(MARGIN, y, SWATCH, SWATCH, FRAME);
                canvas.rect(MARGIN + 1, y + 1, SWATCH - 2, SWATCH - 2, class.color);
                canvas.text(MARGIN + SWATCH + 8, y, label);
            }
            canvas
        }
        Style::Composite(c) => {
            let labels: Vec<String> = c
                .bands
                .iter()
                .zip(&c.ranges)
                .map(|(band, (min, max))| printable(&format!("{band}  {min} - {max}")))
                .collect();
            let widest = labels.iter().map(|l| text_width(l)).max().unwrap_or(0);
            let width = (2 * MARGIN + SWATCH + 8 + widest).max(2 * MARGIN + text_width(&title));
            let height = 2 * MARGIN + LINE * 4;
            let mut canvas = Canvas::new(width, height);
            canvas.text(MARGIN, MARGIN, &title);
            for (i, (label, (_, color))) in labels.iter().zip(Composite::CHANNELS).enumerate() {
                let y = MARGIN + LINE * (i + 1);
                canvas.rect(MARGIN, y, SWATCH, SWATCH, FRAME);
                canvas.rect(MARGIN + 1, y + 1, SWATCH - 2, SWATCH - 2, color);
                canvas.text(MARGIN + SWATCH + 8, y, label);
            }
            canvas
        }
        Style::Ramp { ramp, min, max } => {
            let (low, high) = (printable(&format!("{min}")), printable(&format!("{max}")));
            let width = (2 * MARGIN + BAR_WIDTH).max(2 * MARGIN + text_width(&title));
            let height = 2 * MARGIN + 3 * LINE;
            let mut canvas = Canvas::new(width, height);
            canvas.text(MARGIN, MARGIN, &title);
            let y = MARGIN + LINE;
            canvas.rect(MARGIN, y, BAR_WIDTH, SWATCH, FRAME);
            for x in 0..BAR_WIDTH - 2 {
                let t = x as f32 / (BAR_WIDTH - 3) as f32;
                canvas.rect(MARGIN + 1 + x, y + 1, 1, SWATCH - 2, ramp.at(t));
            }
            canvas.text(MARGIN, y + LINE, &low);
            canvas.text(MARGIN + BAR_WIDTH - text_width(&high), y + LINE, &high);
            canvas
        }
    };
    encode_rgba(&image.rgba, (image.width as u32, image.height as u32))
}

/// Characters the font lacks, spelled with ones it has.
fn printable(text: &str) -> String {
    text.replace(['–', '—', '−'], "-")
        .replace('→', "->")
        .replace('∞', "inf")
        .chars()
        .map(|c| if glyph(c).is_some() { c } else { '?' })
        .collect()
}

fn glyph(c: char) -> Option<[u8; 8]> {
    font8x8::BASIC_FONTS
        .get(c)
        .or_else(|| font8x8::LATIN_FONTS.get(c))
        .or_else(|| font8x8::MISC_FONTS.get(c))
        .or_else(|| font8x8::GREEK_FONTS.get(c))
}

fn text_width(text: &str) -> usize {
    text.chars().count() * GLYPH
}

struct Canvas {
    width: usize,
    height: usize,
    rgba: Vec<u8>,
}

impl Canvas {
    fn new(width: usize, height: usize) -> Canvas {
        let rgba = BACKGROUND.0.repeat(width * height);
        Canvas {
            width,
            height,
            rgba,
        }
    }

    fn put(&mut self, x: usize, y: usize, color: Rgba) {
        if x < self.width && y < self.height {
            let at = 4 * (y * self.width + x);
            // Straight alpha over the opaque background.
            let a = u16::from(color.0[3]);
            for k in 0..3 {
                let (fg, bg) = (u16::from(color.0[k]), u16::from(self.rgba[at + k]));
                self.rgba[at + k] = ((fg * a + bg * (255 - a)) / 255) as u8;
            }
        }
    }

    fn rect(&mut self, x: usize, y: usize, w: usize, h: usize, color: Rgba) {
        for yy in y..y + h {
            for xx in x..x + w {
                self.put(xx, yy, color);
            }
        }
    }

    fn text(&mut self, x: usize, y: usize, text: &str) {
        for (i, c) in text.chars().enumerate() {
            let Some(rows) = glyph(c) else { continue };
            for (r, bits) in rows.iter().enumerate() {
                for b in 0..8 {
                    if bits & (1 << b) != 0 {
                        self.rect(x + i * GLYPH + b * SCALE, y + r * SCALE, SCALE, SCALE, INK);
                    }
                }
            }
        }
    }
}
