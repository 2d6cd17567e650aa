//! Lessons are Markdown: rendered for the terminal (termimad), wrapped to its width.

/// `text` rendered at `width` columns; styled only when `color` (else plain text with the
/// Markdown structure kept readable).
pub fn markdown(text: &str, width: usize, color: bool) -> String {
    let skin = if color {
        termimad::MadSkin::default()
    } else {
        termimad::MadSkin::no_style()
    };
    let text = super::clean(text);
    termimad::FmtText::from(&skin, &text, Some(width.max(20))).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn lessons_wrap_to_the_width_without_colour() {
        let md = "# Incoterms\n\nThe **seller** delivers when the goods pass the ship's rail at the named port of shipment, and the buyer bears all costs from then on.\n\n* FOB\n* CIF";
        let out = super::markdown(md, 40, false);
        assert!(out.contains("Incoterms") && out.contains("FOB"), "{out}");
        assert!(
            !out.contains('\u{1b}'),
            "no escape codes without colour: {out:?}"
        );
        assert!(out.lines().all(|l| l.chars().count() <= 40), "{out}");
    }
}
