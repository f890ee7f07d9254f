//! Semantic colour slots. Views ask for a meaning (`healthy`, `danger`), never a colour,
//! so a theme file can restyle everything and `NO_COLOR` can turn colour off in one place.

use std::collections::BTreeMap;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

mod load;

pub use load::{BUILTIN, Loaded, load, user_theme_dir};

const DEFAULT_THEME: &str = include_str!("../../themes/default.yaml");

#[derive(Clone, Debug, Default)]
pub struct Theme {
    pub name: String,
    pub text: Style,
    pub muted: Style,
    pub border: Style,
    pub border_focused: Style,
    pub title: Style,
    pub selection: Style,
    pub tab_active: Style,
    pub tab: Style,
    pub key: Style,
    pub leader: Style,
    pub healthy: Style,
    pub warning: Style,
    pub error: Style,
    pub danger: Style,
    pub badge: Style,
    pub learner: Style,
    pub put: Style,
    pub delete: Style,
    pub diff_added: Style,
    pub diff_removed: Style,
    pub json_key: Style,
    pub json_string: Style,
    pub json_number: Style,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: String,
    /// The theme whose slots this one starts from; it overrides only what it sets.
    #[serde(default)]
    base: Option<String>,
    #[serde(default)]
    palette: BTreeMap<String, String>,
    #[serde(default)]
    slots: BTreeMap<String, SlotSpec>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum SlotSpec {
    Colour(String),
    Full(Emphasis),
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Emphasis {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    dim: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underlined: bool,
    #[serde(default)]
    reversed: bool,
}

impl Theme {
    pub fn builtin_default() -> Theme {
        // The embedded file is checked by a unit test, so this cannot fail at run time;
        // the fallback only guards against a broken build.
        Theme::parse(DEFAULT_THEME).unwrap_or_default()
    }

    /// No colour at all, only emphasis: for `NO_COLOR` (the built-in `mono`).
    pub fn mono() -> Theme {
        load::load("mono", None).theme
    }

    /// A theme file without a `base`: every slot not set stays plain.
    pub fn parse(text: &str) -> Result<Theme, String> {
        Theme::parse_on(text, None, &|_| Ok(Theme::default()))
    }

    /// A theme file over its `base`, else over `implicit_base`, else over nothing;
    /// bases are looked up with `base_of`.
    pub fn parse_on(
        text: &str,
        implicit_base: Option<&str>,
        base_of: &dyn Fn(&str) -> Result<Theme, String>,
    ) -> Result<Theme, String> {
        let file: ThemeFile = serde_yaml::from_str(text).map_err(|e| match e.location() {
            Some(l) => format!("line {}, column {}: {e}", l.line(), l.column()),
            None => e.to_string(),
        })?;
        let mut theme = match file.base.as_deref().or(implicit_base) {
            Some(b) => base_of(b)?,
            None => Theme::default(),
        };
        theme.name = file.name.clone();
        for (slot, spec) in &file.slots {
            let style = resolve(spec, &file.palette)?;
            let target = theme
                .slot_mut(slot)
                .ok_or_else(|| format!("unknown slot {slot:?}"))?;
            *target = style;
        }
        Ok(theme)
    }

    /// Every slot by name, for tests and for checking that a theme sets them all.
    pub const SLOTS: [&'static str; 23] = [
        "text",
        "muted",
        "border",
        "border_focused",
        "title",
        "selection",
        "tab_active",
        "tab",
        "key",
        "leader",
        "healthy",
        "warning",
        "error",
        "danger",
        "badge",
        "learner",
        "put",
        "delete",
        "diff_added",
        "diff_removed",
        "json_key",
        "json_string",
        "json_number",
    ];

    pub fn slot(&self, name: &str) -> Option<Style> {
        let mut copy = self.clone();
        copy.slot_mut(name).map(|s| *s)
    }

    fn slot_mut(&mut self, name: &str) -> Option<&mut Style> {
        Some(match name {
            "text" => &mut self.text,
            "muted" => &mut self.muted,
            "border" => &mut self.border,
            "border_focused" => &mut self.border_focused,
            "title" => &mut self.title,
            "selection" => &mut self.selection,
            "tab_active" => &mut self.tab_active,
            "tab" => &mut self.tab,
            "key" => &mut self.key,
            "leader" => &mut self.leader,
            "healthy" => &mut self.healthy,
            "warning" => &mut self.warning,
            "error" => &mut self.error,
            "danger" => &mut self.danger,
            "badge" => &mut self.badge,
            "learner" => &mut self.learner,
            "put" => &mut self.put,
            "delete" => &mut self.delete,
            "diff_added" => &mut self.diff_added,
            "diff_removed" => &mut self.diff_removed,
            "json_key" => &mut self.json_key,
            "json_string" => &mut self.json_string,
            "json_number" => &mut self.json_number,
            _ => return None,
        })
    }
}

fn resolve(spec: &SlotSpec, palette: &BTreeMap<String, String>) -> Result<Style, String> {
    let colour = |name: &str| -> Result<Color, String> {
        let value = palette.get(name).map(String::as_str).unwrap_or(name);
        value
            .parse::<Color>()
            .map_err(|_| format!("unknown colour {name:?}"))
    };
    Ok(match spec {
        SlotSpec::Colour(c) => Style::default().fg(colour(c)?),
        SlotSpec::Full(e) => {
            let mut s = Style::default();
            if let Some(fg) = &e.fg {
                s = s.fg(colour(fg)?);
            }
            if let Some(bg) = &e.bg {
                s = s.bg(colour(bg)?);
            }
            for (on, m) in [
                (e.bold, Modifier::BOLD),
                (e.dim, Modifier::DIM),
                (e.italic, Modifier::ITALIC),
                (e.underlined, Modifier::UNDERLINED),
                (e.reversed, Modifier::REVERSED),
            ] {
                if on {
                    s = s.add_modifier(m);
                }
            }
            s
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_default_theme_parses_and_sets_every_slot() {
        let t = Theme::parse(DEFAULT_THEME).unwrap();
        assert_eq!(t.name, "default");
        for (name, s) in [
            ("error", t.error),
            ("healthy", t.healthy),
            ("badge", t.badge),
        ] {
            assert_ne!(s, Style::default(), "{name} is unset");
        }
        assert_eq!(t.healthy.fg, Some(Color::Rgb(0xc3, 0xe8, 0x8d)));
    }

    #[test]
    fn unknown_slots_and_colours_are_named() {
        let e = Theme::parse("name: x\nslots:\n  nope: red\n").unwrap_err();
        assert!(e.contains("nope"), "{e}");
        let e = Theme::parse("name: x\nslots:\n  text: notacolour\n").unwrap_err();
        assert!(e.contains("notacolour"), "{e}");
    }
}
