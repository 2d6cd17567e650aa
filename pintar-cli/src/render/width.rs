//! How wide human output may be.
//!
//! On a terminal, its width. Otherwise (piped, redirected, `--output FILE`) the `COLUMNS`
//! environment variable when it holds a positive number, else [`DEFAULT_WIDTH`]: output that
//! is not going to a terminal is laid out for a classic 80-column reader rather than guessed.

/// The width used when neither a terminal nor `COLUMNS` says otherwise.
pub const DEFAULT_WIDTH: usize = 80;

/// Terminal columns available to tables and charts; `to_stdout` is whether the text goes to
/// standard output (the terminal's width is used only when it does and stdout is a terminal).
pub fn output_width(to_stdout: bool) -> usize {
    let terminal = if to_stdout {
        // comfy-table asks the terminal only when stdout is one.
        comfy_table::Table::new().width().map(usize::from)
    } else {
        None
    };
    choose(terminal, std::env::var("COLUMNS").ok().as_deref())
}

/// The terminal's width if known, else `COLUMNS` if it is a positive number, else 80.
fn choose(terminal: Option<usize>, columns: Option<&str>) -> usize {
    terminal
        .filter(|&w| w > 0)
        .or_else(|| {
            columns
                .and_then(|c| c.trim().parse::<usize>().ok())
                .filter(|&w| w > 0)
        })
        .unwrap_or(DEFAULT_WIDTH)
}

#[cfg(test)]
mod tests {
    use super::choose;

    #[test]
    fn terminal_then_columns_then_80() {
        assert_eq!(choose(Some(132), Some("70")), 132);
        assert_eq!(choose(None, Some("70")), 70);
        assert_eq!(choose(Some(0), Some(" 100 ")), 100);
        assert_eq!(choose(None, Some("wide")), 80);
        assert_eq!(choose(None, Some("0")), 80);
        assert_eq!(choose(None, None), 80);
    }
}
