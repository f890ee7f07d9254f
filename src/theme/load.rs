//! Themes by name: the user's `<config dir>/etcdtui/themes/NAME.yaml` first, then the
//! ones built in. A user theme may set a few slots over a `base` (default: `default`).
//! A theme that cannot be used gives a warning naming the file, line and column, and
//! the default theme instead: never a crash over colours.

use std::path::{Path, PathBuf};

use super::Theme;

/// The themes in `themes/`, embedded in the binary.
pub const BUILTIN: [(&str, &str); 6] = [
    ("default", include_str!("../../themes/default.yaml")),
    ("light", include_str!("../../themes/light.yaml")),
    (
        "solarized-dark",
        include_str!("../../themes/solarized-dark.yaml"),
    ),
    ("dracula", include_str!("../../themes/dracula.yaml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.yaml"),
    ),
    ("mono", include_str!("../../themes/mono.yaml")),
];

/// Bases may chain (a user theme on a user theme on a built-in), but not forever.
const MAX_DEPTH: usize = 4;

#[derive(Debug)]
pub struct Loaded {
    pub theme: Theme,
    /// Why the asked-for theme is not the one in use, if it is not.
    pub warning: Option<String>,
}

/// `<config dir>/etcdtui/themes`.
pub fn user_theme_dir() -> Option<PathBuf> {
    crate::config::default_config_dir().map(|d| d.join("themes"))
}

/// The theme `name`, looking in `user_dir` first.
pub fn load(name: &str, user_dir: Option<&Path>) -> Loaded {
    match by_name(name, user_dir, 0) {
        Ok(theme) => Loaded {
            theme,
            warning: None,
        },
        Err(e) => Loaded {
            theme: Theme::builtin_default(),
            warning: Some(format!("theme {name}: {e}; using the default theme")),
        },
    }
}

fn by_name(name: &str, user_dir: Option<&Path>, depth: usize) -> Result<Theme, String> {
    if depth > MAX_DEPTH {
        return Err(format!("bases nested deeper than {MAX_DEPTH} (a loop?)"));
    }
    // A file name, not a path: `:theme ../../x` must not read outside the theme dir.
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        return Err(format!("{name:?} is not a theme name"));
    }
    if let Some(dir) = user_dir {
        let path = dir.join(format!("{name}.yaml"));
        match std::fs::read_to_string(&path) {
            Ok(text) => return user_theme(name, &text, &path, user_dir, depth),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        }
    }
    let (_, text) = BUILTIN.iter().find(|(n, _)| *n == name).ok_or_else(|| {
        let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
        format!("no such theme (built in: {})", names.join(", "))
    })?;
    Theme::parse_on(text, None, &|b| by_name(b, user_dir, depth + 1))
}

/// A user's file: its slots over its `base`, or over `default` when it names none.
fn user_theme(
    name: &str,
    text: &str,
    path: &Path,
    user_dir: Option<&Path>,
    depth: usize,
) -> Result<Theme, String> {
    // A user's `dracula.yaml` based on `dracula` means the built-in one.
    let base_of = |b: &str| by_name(b, user_dir.filter(|_| b != name), depth + 1);
    Theme::parse_on(text, Some("default"), &base_of).map_err(|e| format!("{}: {e}", path.display()))
}
