//! Tables and prose that fit a terminal width without breaking a word or a number.
//!
//! Columns carry a [`Priority`]: the table keeps every [`Priority::Must`] column, then adds
//! optional columns, most important first, while they fit; one that does not fit is dropped
//! (a narrower, less important one may still make it). A column may have a short header used
//! when the full one does not fit. Cells are never wrapped: numbers are shown whole, and only
//! text columns opted in with [`Column::truncate`] are cut, with "…", at their maximum width
//! (and, when even the must columns do not fit, down to their minimum width).
//!
//! ```ignore
//! use crate::render::fit::{Column, Priority, Table};
//!
//! let mut table = Table::new(width)
//!     .column(Column::text("course", Priority::Must).truncate(12, 40))
//!     .column(Column::text("status", Priority::Optional(1)))
//!     .column(Column::number("learners", Priority::Optional(2)).short("n"));
//! for c in &courses {
//!     table = table.row([c.title.clone(), c.status.clone(), c.learners.to_string()]);
//! }
//! print!("{}", table.render());
//! ```

use comfy_table::{Cell, CellAlignment, ContentArrangement, presets::UTF8_FULL_CONDENSED};
use unicode_width::UnicodeWidthChar;

/// Characters the borders add to a table: one per column plus the left edge.
const EDGE: usize = 1;
/// Characters each column adds besides its content: a space either side and its border.
const PER_COLUMN: usize = 3;
/// What marks a cut cell.
const ELLIPSIS: char = '…';

/// How much a column matters when space is short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// Always shown; text columns may be cut down to their minimum width to fit.
    Must,
    /// Shown when it fits; `Optional(1)` is kept before `Optional(2)` and so on (equal ranks:
    /// the leftmost first).
    Optional(u8),
}

/// One column of a [`Table`]: its header, priority and how its cells may be shown.
#[derive(Debug, Clone)]
pub struct Column {
    header: String,
    short: Option<String>,
    priority: Priority,
    right: bool,
    /// Minimum and maximum width for text that may be cut with "…".
    cut: Option<(usize, usize)>,
}

impl Column {
    /// A left-aligned text column, never cut unless [`Column::truncate`] allows it.
    pub fn text(header: &str, priority: Priority) -> Self {
        Self {
            header: header.to_string(),
            short: None,
            priority,
            right: false,
            cut: None,
        }
    }

    /// A right-aligned column of numbers (or anything else that must never be cut).
    pub fn number(header: &str, priority: Priority) -> Self {
        Self {
            right: true,
            ..Self::text(header, priority)
        }
    }

    /// A shorter header, used when the full one would not fit.
    pub fn short(mut self, header: &str) -> Self {
        self.short = Some(header.to_string());
        self
    }

    /// Lets long text be cut with "…": always at `max` characters, and down to `min` when the
    /// must columns do not fit otherwise (or for an optional column to fit at all).
    /// Ignored on [`Column::number`] columns: numbers are never cut.
    pub fn truncate(mut self, min: usize, max: usize) -> Self {
        if !self.right {
            let min = min.max(1);
            self.cut = Some((min, max.max(min)));
        }
        self
    }

    fn short_header(&self) -> &str {
        self.short.as_deref().unwrap_or(&self.header)
    }
}

/// A table laid out for a width; see the [module documentation](self).
#[derive(Debug, Clone)]
pub struct Table {
    width: usize,
    columns: Vec<Column>,
    rows: Vec<Vec<String>>,
}

/// A column chosen for display: its index, content width and whether it uses the short header.
#[derive(Debug, Clone, Copy)]
struct Placed {
    index: usize,
    width: usize,
    short: bool,
}

/// The widths a column can take.
#[derive(Debug, Clone, Copy)]
struct Widths {
    /// With the full header and the longest cell (cut at the maximum).
    full: usize,
    /// With the short header.
    short: usize,
    /// The narrowest it may be cut to (its natural width when it cannot be cut).
    min: usize,
}

impl Table {
    /// An empty table that must fit in `width` terminal columns.
    pub fn new(width: usize) -> Self {
        Self {
            width,
            columns: Vec::new(),
            rows: Vec::new(),
        }
    }

    /// Adds a column (shown left to right in the order added).
    pub fn column(mut self, column: Column) -> Self {
        self.columns.push(column);
        self
    }

    /// Adds a row: one cell per column, in column order; missing cells are blank, extra ones
    /// ignored. Line breaks and tabs in a cell become spaces.
    pub fn row<I, S>(mut self, cells: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rows
            .push(cells.into_iter().map(|c| one_line(c.into())).collect());
        self
    }

    /// Draws the table (no trailing newline). Every line fits the width unless the must
    /// columns cannot, even cut to their minimum widths; an empty string without columns.
    pub fn render(&self) -> String {
        if self.columns.is_empty() {
            return String::new();
        }
        let placed = self.layout();
        let mut t = comfy_table::Table::new();
        t.load_preset(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(placed.iter().map(|p| {
                let c = &self.columns[p.index];
                Cell::new(if p.short { c.short_header() } else { &c.header })
            }));
        for row in &self.rows {
            t.add_row(placed.iter().map(|p| {
                let cell = cell(row, p.index);
                match self.columns[p.index].cut {
                    Some(_) => Cell::new(cut(cell, p.width)),
                    None => Cell::new(cell),
                }
            }));
        }
        for (i, p) in placed.iter().enumerate() {
            if let Some(col) = t.column_mut(i) {
                col.set_cell_alignment(if self.columns[p.index].right {
                    CellAlignment::Right
                } else {
                    CellAlignment::Left
                });
            }
        }
        t.to_string()
    }

    fn widths(&self, index: usize) -> Widths {
        let col = &self.columns[index];
        let longest = self
            .rows
            .iter()
            .map(|r| text_width(cell(r, index)))
            .max()
            .unwrap_or(0);
        let (content, narrowest) = match col.cut {
            Some((min, max)) => (longest.min(max), longest.min(min)),
            None => (longest, longest),
        };
        let full = text_width(&col.header).max(content);
        let short = text_width(col.short_header()).max(content);
        Widths {
            full,
            short,
            min: text_width(col.short_header()).max(narrowest),
        }
    }

    /// Chooses the columns shown, their widths and headers, in display order.
    fn layout(&self) -> Vec<Placed> {
        let widths: Vec<Widths> = (0..self.columns.len()).map(|i| self.widths(i)).collect();
        let total = |placed: &[Placed]| -> usize {
            EDGE + placed.iter().map(|p| p.width + PER_COLUMN).sum::<usize>()
        };
        let mut placed: Vec<Placed> = self
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.priority == Priority::Must)
            .map(|(index, _)| Placed {
                index,
                width: widths[index].full,
                short: false,
            })
            .collect();
        // Must columns that do not fit: short headers first, then cut the widest text.
        if total(&placed) > self.width {
            for p in &mut placed {
                p.width = widths[p.index].short;
                p.short = true;
            }
        }
        while total(&placed) > self.width {
            let widest = placed
                .iter_mut()
                .filter(|p| p.width > widths[p.index].min)
                .max_by_key(|p| p.width);
            match widest {
                Some(p) => p.width -= 1,
                None => break,
            }
        }
        // Optional columns, most important first, each as it fits.
        let mut optional: Vec<(u8, usize)> = self
            .columns
            .iter()
            .enumerate()
            .filter_map(|(i, c)| match c.priority {
                Priority::Optional(rank) => Some((rank, i)),
                Priority::Must => None,
            })
            .collect();
        optional.sort_unstable();
        for &(_, index) in &optional {
            let room = self
                .width
                .saturating_sub(total(&placed))
                .saturating_sub(PER_COLUMN);
            let w = widths[index];
            let choice = if w.full <= room {
                Some((w.full, false))
            } else if w.short <= room {
                Some((w.short, true))
            } else if w.min <= room {
                Some((room, text_width(&self.columns[index].header) > room))
            } else {
                None
            };
            if let Some((width, short)) = choice {
                placed.push(Placed {
                    index,
                    width,
                    short,
                });
            }
        }
        // Full headers back where the room allows, in the order columns were placed.
        for i in 0..placed.len() {
            let p = placed[i];
            let full = widths[p.index].full;
            if p.short && total(&placed) - p.width + full <= self.width {
                placed[i] = Placed {
                    index: p.index,
                    width: full,
                    short: false,
                };
            }
        }
        placed.sort_by_key(|p| p.index);
        placed
    }
}

/// The cell of `row` in column `index`, blank when the row is short.
fn cell(row: &[String], index: usize) -> &str {
    row.get(index).map_or("", String::as_str)
}

/// Word-wraps `text` to `width` columns, each line starting with `indent`. Words are never
/// broken: one longer than the line stands alone on its line.
pub fn wrap(text: &str, width: usize, indent: &str) -> String {
    let room = width.saturating_sub(text_width(indent)).max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && text_width(&line) + 1 + text_width(word) > room {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
        .iter()
        .map(|l| format!("{indent}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Terminal columns taken by `s`.
pub fn text_width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// `s` cut to `width` columns, ending in "…" when anything was left out.
fn cut(s: &str, width: usize) -> String {
    if text_width(s) <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push(ELLIPSIS);
    out
}

/// Line breaks, tabs and other control characters become spaces.
fn one_line(s: String) -> String {
    if s.chars().any(char::is_control) {
        s.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(width: usize) -> Table {
        Table::new(width)
            .column(Column::text("course", Priority::Must).truncate(10, 30))
            .column(Column::number("learners", Priority::Must).short("n"))
            .column(Column::text("status", Priority::Optional(1)))
            .column(Column::number("completion rate", Priority::Optional(2)).short("done"))
            .column(Column::text("language", Priority::Optional(4)))
            .column(Column::text("description", Priority::Optional(3)).truncate(8, 40))
            .row([
                "Export documentation for beginners: the full walkthrough",
                "1,234,567",
                "published",
                "87.5%",
                "Bahasa Indonesia",
                "Everything from the commercial invoice to the certificate of origin",
            ])
            .row(["Incoterms", "12", "draft", "–", "English", "Who pays what"])
    }

    fn lines(s: &str) -> Vec<&str> {
        s.lines().collect()
    }

    #[test]
    fn every_width_fits_and_breaks_nothing() {
        for width in [60, 70, 80, 100, 120, 200] {
            let out = sample(width).render();
            // Top border, header, rule, two rows, bottom border: no cell took a second line.
            assert_eq!(lines(&out).len(), 6, "{width}\n{out}");
            for line in lines(&out) {
                assert!(
                    text_width(line) <= width,
                    "{width}: {} > {width}\n{out}",
                    text_width(line)
                );
            }
            // Must columns are always there, their numbers whole.
            for word in ["1,234,567", "12 ", "Incoterms", "course", "n"] {
                assert!(out.contains(word), "{width}: {word} missing\n{out}");
            }
            // An optional column is shown whole or not at all.
            for cells in [
                ["published", "draft"],
                ["87.5%", "–"],
                ["Bahasa Indonesia", "English"],
            ] {
                let shown = cells.iter().filter(|c| out.contains(*c)).count();
                assert!(shown == 0 || shown == cells.len(), "{width}\n{out}");
            }
        }
    }

    #[test]
    fn optional_columns_go_in_priority_order() {
        let wide = sample(200).render();
        for h in [
            "course",
            "learners",
            "status",
            "completion rate",
            "language",
            "description",
        ] {
            assert!(wide.contains(h), "{h} at 200\n{wide}");
        }
        let narrow = sample(60).render();
        assert!(narrow.contains("status"), "{narrow}");
        assert!(!narrow.contains("language"), "{narrow}");
        assert!(!narrow.contains("Who pays"), "{narrow}");
        let header = lines(&narrow)[1];
        assert!(
            header.find("course") < header.find("learners")
                && header.find("learners") < header.find("status"),
            "display order kept: {header}"
        );
    }

    #[test]
    fn text_is_cut_at_its_maximum_with_an_ellipsis_numbers_never() {
        let out = sample(200).render();
        assert!(
            out.contains("Export documentation for begi…"),
            "cut at 30: {out}"
        );
        assert!(!out.contains("walkthrough"));
        // Must columns wider than the room: the text gives way, the number stays whole.
        let tight = Table::new(30)
            .column(Column::text("title", Priority::Must).truncate(5, 60))
            .column(Column::number("amount", Priority::Must).truncate(1, 2))
            .row(["A rather long course title indeed", "123,456,789"])
            .render();
        assert!(tight.contains("123,456,789"), "{tight}");
        assert!(tight.contains('…'), "{tight}");
        for line in lines(&tight) {
            assert!(text_width(line) <= 30, "{tight}");
        }
    }

    #[test]
    fn short_headers_when_the_full_ones_do_not_fit() {
        let t = |width| {
            Table::new(width)
                .column(Column::text("name", Priority::Must))
                .column(Column::number("outliers", Priority::Optional(1)).short("out"))
                .row(["coffee", "3"])
                .render()
        };
        assert!(t(80).contains("outliers"));
        let narrow = t(19);
        assert!(
            narrow.contains("out") && !narrow.contains("outliers"),
            "{narrow}"
        );
        assert!(!t(14).contains("out"));
    }

    #[test]
    fn predicted_width_is_the_drawn_width() {
        for width in [60, 80, 100, 200] {
            let t = sample(width);
            let placed = t.layout();
            let predicted = EDGE + placed.iter().map(|p| p.width + PER_COLUMN).sum::<usize>();
            let drawn = t.render().lines().map(text_width).max().unwrap_or(0);
            assert_eq!(predicted, drawn, "{width}");
        }
    }

    #[test]
    fn cells_stay_on_one_line() {
        let out = Table::new(80)
            .column(Column::text("a", Priority::Must))
            .column(Column::text("b", Priority::Must))
            .row(["two\nlines", "tab\there"])
            .row(["only one cell"])
            .render();
        assert_eq!(lines(&out).len(), 6, "{out}");
        assert!(out.contains("two lines") && out.contains("tab here"));
        assert_eq!(Table::new(80).render(), "");
    }

    #[test]
    fn wide_characters_count_double() {
        assert_eq!(text_width("日本"), 4);
        assert_eq!(cut("日本語のコース", 6), "日本…");
        assert_eq!(cut("short", 6), "short");
    }

    #[test]
    fn prose_wraps_between_words() {
        let text = "examples/data/exports_sample.csv: long layout, 434 rows read, 434 used";
        let out = wrap(text, 30, "  ");
        for line in out.lines() {
            assert!(
                text_width(line) <= 30 || !line.trim().contains(' '),
                "{out}"
            );
            assert!(line.starts_with("  "));
        }
        assert_eq!(out.split_whitespace().collect::<Vec<_>>().join(" "), text);
        assert_eq!(wrap("", 10, ""), "");
        assert_eq!(wrap("fits", 10, ""), "fits");
    }
}
