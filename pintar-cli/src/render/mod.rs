//! Turning reports into tables, charts and CSV for people and scripts.

mod chart;
mod csv;
pub mod fit;
mod markdown;
mod table;
pub mod width;

pub use chart::chart;
pub use csv::periods_csv;
pub use markdown::markdown;
pub use table::{backtest, summary};
pub use width::output_width;

/// Text from the server (or a file) made safe for a terminal: control characters other
/// than newline and tab are dropped, so no escape sequence can retitle the window, write
/// the clipboard or repaint what the user sees.
pub fn clean(text: &str) -> std::borrow::Cow<'_, str> {
    if text
        .chars()
        .all(|c| !c.is_control() || c == '\n' || c == '\t')
    {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars()
            .filter(|&c| !c.is_control() || c == '\n' || c == '\t')
            .collect(),
    )
}

/// Formats a number for people: grouped thousands for large values, 2 decimals for small.
pub fn num(x: f64) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    if x.abs() >= 10_000.0 {
        let s = format!("{:.0}", x.abs());
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        if x < 0.0 { format!("-{out}") } else { out }
    } else if x.abs() >= 100.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// Formats an optional percentage.
pub fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "–".into(), |v| format!("{v:+.1}%"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn escape_sequences_never_reach_the_terminal() {
        assert_eq!(
            super::clean("Incoterms\u{1b}]52;c;cGF5\u{7}\u{9b}2J ok\n\tx"),
            "Incoterms]52;c;cGF52J ok\n\tx"
        );
        assert!(matches!(
            super::clean("plain"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn numbers_for_people() {
        assert_eq!(super::num(1_234_567.4), "1,234,567");
        assert_eq!(super::num(-12_345.0), "-12,345");
        assert_eq!(super::num(123.456), "123.5");
        assert_eq!(super::num(1.234), "1.23");
        assert_eq!(super::num(f64::NAN), "–");
        assert_eq!(super::pct(Some(3.25)), "+3.2%");
        assert_eq!(super::pct(Some(-0.04)), "-0.0%");
    }
}
