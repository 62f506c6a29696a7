//! Highlighting palettes that meet WCAG AA: every token colour of a theme
//! is moved (darker on light code, lighter on dark) until it has a
//! contrast of at least 4.5:1 with the background it is drawn on.

/// What the palettes aim for: WCAG AA's 4.5:1 for normal text, with a
/// little room for rounding to whole colour steps.
pub const TARGET: f64 = 4.6;

/// The background of light code blocks (the theme's `--code-bg`), also
/// used on paper.
pub const LIGHT_BG: [u8; 3] = [0xf6, 0xf8, 0xfa];
/// The background of dark code blocks (`--code-bg` in dark mode).
pub const DARK_BG: [u8; 3] = [0x1e, 0x22, 0x2a];

/// A hex colour (`#rgb` or `#rrggbb`).
pub fn parse_hex(hex: &str) -> Option<[u8; 3]> {
    let h = hex.strip_prefix('#')?;
    let digits: Vec<u8> = match h.len() {
        3 => h
            .chars()
            .map(|c| c.to_digit(16).map(|d| (d * 17) as u8))
            .collect::<Option<_>>()?,
        6 => (0..3)
            .map(|i| u8::from_str_radix(h.get(2 * i..2 * i + 2)?, 16).ok())
            .collect::<Option<_>>()?,
        _ => return None,
    };
    Some([digits[0], digits[1], digits[2]])
}

fn luminance(c: [u8; 3]) -> f64 {
    let lin = |v: u8| {
        let s = f64::from(v) / 255.0;
        if s <= 0.04045 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2])
}

/// The WCAG contrast ratio of two colours (1 to 21).
pub fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

/// `fg`, mixed step by step toward black or white (whichever is farther
/// from `bg`) until it meets [`TARGET`] against `bg`; unchanged if it does.
pub fn readable_on(fg: [u8; 3], bg: [u8; 3]) -> [u8; 3] {
    if contrast(fg, bg) >= TARGET {
        return fg;
    }
    let toward = if luminance(bg) > 0.18 { 0.0 } else { 255.0 };
    for step in 1..=50 {
        let t = f64::from(step) / 50.0;
        let mix = fg.map(|v| (f64::from(v) + (toward - f64::from(v)) * t).round() as u8);
        if contrast(mix, bg) >= TARGET {
            return mix;
        }
    }
    [toward as u8; 3]
}

fn hex(c: [u8; 3]) -> String {
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

/// The `#hex` value of `property` in a CSS block (`{ color: #aabbcc; }`),
/// with where the value starts and ends.
fn find_colour(block: &str, property: &str) -> Option<(usize, usize, [u8; 3])> {
    let mut from = 0;
    while let Some(i) = block[from..].find(property) {
        let at = from + i;
        from = at + property.len();
        // `color` must not be the tail of `background-color`.
        let before = block[..at].chars().next_back();
        if before.is_some_and(|c| c == '-' || c.is_ascii_alphanumeric()) {
            continue;
        }
        let rest = &block[from..];
        let Some(rest) = rest.trim_start().strip_prefix(':') else {
            continue;
        };
        let value = rest.trim_start();
        let start = block.len() - value.len();
        let end = start
            + value
                .find(|c: char| c == ';' || c == '}' || c.is_whitespace())
                .unwrap_or(value.len());
        if let Some(c) = parse_hex(&block[start..end]) {
            return Some((start, end, c));
        }
    }
    None
}

/// `css` (a flat stylesheet of syntect's, rules as `selectors { … }`) with
/// every text colour made readable on the code background `bg`, or on the
/// rule's own background when it sets one (`.hl-code`'s is the code box's,
/// which the page sets). A rule that sets a background but no colour gets
/// one.
pub fn meet_contrast(css: &str, bg: [u8; 3]) -> String {
    let mut out = String::with_capacity(css.len() + 64);
    let mut rest = css;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').map_or(rest.len(), |i| open + i + 1);
        let (selectors, block) = (&rest[..open], &rest[open..close]);
        out.push_str(selectors);
        let own_bg = find_colour(block, "background-color")
            .map(|(_, _, c)| c)
            .filter(|_| !selectors.trim_end().ends_with(".hl-code"));
        let on = own_bg.unwrap_or(bg);
        match find_colour(block, "color") {
            Some((start, end, fg)) => {
                out.push_str(&block[..start]);
                out.push_str(&hex(readable_on(fg, on)));
                out.push_str(&block[end..]);
            }
            None if own_bg.is_some() => {
                let fg = if luminance(on) > 0.18 {
                    [0; 3]
                } else {
                    [255; 3]
                };
                let body = block.trim_end_matches('}');
                out.push_str(body);
                out.push_str(&format!(" color: {};\n}}", hex(fg)));
            }
            None => out.push_str(block),
        }
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_matches_wcag_examples() {
        assert!((contrast([0; 3], [255; 3]) - 21.0).abs() < 1e-9);
        // #767676 on white is the classic just-passing grey (4.54:1).
        let grey = contrast(parse_hex("#767676").unwrap(), [255; 3]);
        assert!((grey - 4.54).abs() < 0.01, "{grey}");
    }

    #[test]
    fn low_contrast_colours_are_moved_and_good_ones_kept() {
        let css = ".a {\n color: #969896;\n}\n.b { background-color: #ffecec; color: #bd2c00; }\n.c { color: #111111; }\n.d { background-color: #c678dd; }\n";
        let fixed = meet_contrast(css, LIGHT_BG);
        assert!(fixed.contains(".c { color: #111111; }"), "{fixed}");
        assert!(!fixed.contains("#969896"), "{fixed}");
        let a = find_colour(&fixed[fixed.find(".a").unwrap()..], "color")
            .unwrap()
            .2;
        assert!(contrast(a, LIGHT_BG) >= 4.5);
        let d = &fixed[fixed.find(".d").unwrap()..];
        let dc = find_colour(d, "color").unwrap().2;
        assert!(contrast(dc, parse_hex("#c678dd").unwrap()) >= 4.5, "{d}");
    }
}
