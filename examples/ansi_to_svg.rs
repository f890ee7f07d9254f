//! Turns a terminal screen captured with colours (`tmux capture-pane -e -p`) into an SVG
//! image: one text run per stretch of cells with the same style, on a dark background.
//! `cargo run --example ansi_to_svg -- TITLE < screen.ansi > screen.svg`; used by
//! `scripts/screenshots`.

use std::io::Read;

const CELL_W: f32 = 8.4;
const CELL_H: f32 = 17.0;
const DEFAULT_FG: (u8, u8, u8) = (0xd0, 0xd0, 0xd0);
const DEFAULT_BG: (u8, u8, u8) = (0x1e, 0x20, 0x30);

#[derive(Clone, Copy, PartialEq)]
struct Style {
    fg: Option<(u8, u8, u8)>,
    bg: Option<(u8, u8, u8)>,
    bold: bool,
    dim: bool,
    reverse: bool,
    underline: bool,
}

const BLANK: Style = Style {
    fg: None,
    bg: None,
    bold: false,
    dim: false,
    reverse: false,
    underline: false,
};

/// The xterm 256-colour palette.
fn palette(n: u16) -> (u8, u8, u8) {
    const BASIC: [(u8, u8, u8); 16] = [
        (0, 0, 0),
        (205, 49, 49),
        (13, 188, 121),
        (229, 229, 16),
        (36, 114, 200),
        (188, 63, 188),
        (17, 168, 205),
        (229, 229, 229),
        (102, 102, 102),
        (241, 76, 76),
        (35, 209, 139),
        (245, 245, 67),
        (59, 142, 234),
        (214, 112, 214),
        (41, 184, 219),
        (255, 255, 255),
    ];
    match n {
        0..=15 => BASIC[n as usize],
        16..=231 => {
            let i = n - 16;
            let level = |v: u16| if v == 0 { 0 } else { (55 + v * 40) as u8 };
            (level(i / 36), level(i / 6 % 6), level(i % 6))
        }
        _ => {
            let v = (8 + (n.min(255) - 232) * 10) as u8;
            (v, v, v)
        }
    }
}

fn apply_sgr(style: &mut Style, params: &[u16]) {
    let mut i = 0;
    while i < params.len() {
        let p = params[i];
        let colour = |i: &mut usize| -> Option<(u8, u8, u8)> {
            match params.get(*i + 1) {
                Some(5) => {
                    *i += 2;
                    params.get(*i).map(|&n| palette(n))
                }
                Some(2) => {
                    *i += 4;
                    let c = |k: usize| params.get(*i - 3 + k).map(|&v| v.min(255) as u8);
                    Some((c(1)?, c(2)?, c(3)?))
                }
                _ => None,
            }
        };
        match p {
            0 => *style = BLANK,
            1 => style.bold = true,
            2 => style.dim = true,
            4 => style.underline = true,
            7 => style.reverse = true,
            22 => {
                style.bold = false;
                style.dim = false;
            }
            24 => style.underline = false,
            27 => style.reverse = false,
            30..=37 => style.fg = Some(palette(p - 30)),
            90..=97 => style.fg = Some(palette(p - 90 + 8)),
            40..=47 => style.bg = Some(palette(p - 40)),
            100..=107 => style.bg = Some(palette(p - 100 + 8)),
            38 => style.fg = colour(&mut i),
            48 => style.bg = colour(&mut i),
            39 => style.fg = None,
            49 => style.bg = None,
            _ => {}
        }
        i += 1;
    }
}

/// Each screen row as `(char, style)` cells.
fn parse(text: &str) -> Vec<Vec<(char, Style)>> {
    let mut rows = vec![Vec::new()];
    let mut style = BLANK;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' if chars.peek() == Some(&'[') => {
                chars.next();
                let mut seq = String::new();
                for d in chars.by_ref() {
                    if d.is_ascii_alphabetic() {
                        if d == 'm' {
                            let params: Vec<u16> =
                                seq.split(';').map(|p| p.parse().unwrap_or(0)).collect();
                            apply_sgr(&mut style, &params);
                        }
                        break;
                    }
                    seq.push(d);
                }
            }
            '\n' => rows.push(Vec::new()),
            c if c.is_control() => {}
            c => rows.last_mut().into_iter().for_each(|r| r.push((c, style))),
        }
    }
    rows
}

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn svg(rows: &[Vec<(char, Style)>], title: &str) -> String {
    let width = rows.iter().map(Vec::len).max().unwrap_or(80);
    let (w, h) = (
        width as f32 * CELL_W + 20.0,
        rows.len() as f32 * CELL_H + 44.0,
    );
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
         font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" font-size=\"14\">\n\
         <title>{}</title>\n<rect width=\"100%\" height=\"100%\" rx=\"8\" fill=\"{}\"/>\n\
         <text x=\"10\" y=\"20\" fill=\"#888\" font-size=\"12\">{}</text>\n",
        escape(title),
        hex(DEFAULT_BG),
        escape(title)
    );
    for (y, row) in rows.iter().enumerate() {
        let top = 32.0 + y as f32 * CELL_H;
        let mut x = 0;
        while x < row.len() {
            let style = row[x].1;
            let mut end = x;
            let mut text = String::new();
            while end < row.len() && row[end].1 == style {
                text.push(row[end].0);
                end += 1;
            }
            let (mut fg, mut bg) = (style.fg.unwrap_or(DEFAULT_FG), style.bg);
            if style.reverse {
                bg = Some(fg);
                fg = style.bg.unwrap_or(DEFAULT_BG);
            }
            let left = 10.0 + x as f32 * CELL_W;
            let cells = text.chars().count() as f32;
            if let Some(bg) = bg {
                out.push_str(&format!(
                    "<rect x=\"{left}\" y=\"{top}\" width=\"{}\" height=\"{CELL_H}\" fill=\"{}\"/>\n",
                    cells * CELL_W,
                    hex(bg)
                ));
            }
            if !text.trim().is_empty() {
                out.push_str(&format!(
                    "<text x=\"{left}\" y=\"{}\" fill=\"{}\"{}{}{} textLength=\"{}\" xml:space=\"preserve\">{}</text>\n",
                    top + CELL_H - 4.0,
                    hex(fg),
                    if style.bold { " font-weight=\"bold\"" } else { "" },
                    if style.dim { " opacity=\"0.6\"" } else { "" },
                    if style.underline { " text-decoration=\"underline\"" } else { "" },
                    cells * CELL_W,
                    escape(&text)
                ));
            }
            x = end;
        }
    }
    out.push_str("</svg>\n");
    out
}

fn main() {
    let title = std::env::args().nth(1).unwrap_or_else(|| "etcdtui".into());
    let mut input = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut input) {
        eprintln!("ansi_to_svg: cannot read standard input: {e}");
        std::process::exit(1);
    }
    print!("{}", svg(&parse(&input), &title));
}
