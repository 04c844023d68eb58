//! Text made safe inside HTML or XML — element content and double-quoted attributes — for the
//! documents aftermath writes as templates (WMTS capabilities, the preview page, GDAL VRTs).
//! A leaf module: it names no other room.

pub fn escape_markup(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_characters_are_escaped_once() {
        assert_eq!(
            super::escape_markup(r#"a<b & "c">"#),
            "a&lt;b &amp; &quot;c&quot;&gt;"
        );
        assert_eq!(super::escape_markup("&amp;"), "&amp;amp;");
    }
}
