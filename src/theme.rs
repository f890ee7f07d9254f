//! Semantic colour slots. Views ask for a meaning (`healthy`, `danger`), never a colour,
//! so a theme file can restyle everything and `NO_COLOR` can turn colour off in one place.

use std::collections::BTreeMap;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

const DEFAULT_THEME: &str = include_str!("../themes/default.yaml");

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
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: String,
    #[serde(default)]
    palette: BTreeMap<String, String>,
    slots: BTreeMap<String, SlotSpec>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum SlotSpec {
    Colour(String),
    Full {
        fg: Option<String>,
        bg: Option<String>,
        #[serde(default)]
        bold: bool,
    },
}

impl Theme {
    pub fn builtin_default() -> Theme {
        // The embedded file is checked by a unit test, so this cannot fail at run time;
        // the fallback only guards against a broken build.
        Theme::parse(DEFAULT_THEME).unwrap_or_else(|_| Theme::mono())
    }

    /// No colour at all, only emphasis: for `NO_COLOR` and as the last resort.
    pub fn mono() -> Theme {
        let bold = Style::default().add_modifier(Modifier::BOLD);
        let rev = Style::default().add_modifier(Modifier::REVERSED);
        Theme {
            name: "mono".into(),
            title: bold,
            selection: rev,
            tab_active: rev.add_modifier(Modifier::BOLD),
            key: bold,
            leader: bold,
            error: bold,
            danger: rev.add_modifier(Modifier::BOLD),
            badge: rev,
            muted: Style::default().add_modifier(Modifier::DIM),
            ..Theme::default()
        }
    }

    pub fn parse(text: &str) -> Result<Theme, String> {
        let file: ThemeFile = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
        let mut theme = Theme {
            name: file.name,
            ..Theme::default()
        };
        for (slot, spec) in &file.slots {
            let style = resolve(spec, &file.palette)?;
            let target = theme
                .slot_mut(slot)
                .ok_or_else(|| format!("unknown slot {slot:?}"))?;
            *target = style;
        }
        Ok(theme)
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
        SlotSpec::Full { fg, bg, bold } => {
            let mut s = Style::default();
            if let Some(fg) = fg {
                s = s.fg(colour(fg)?);
            }
            if let Some(bg) = bg {
                s = s.bg(colour(bg)?);
            }
            if *bold {
                s = s.add_modifier(Modifier::BOLD);
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
