//! The command line as it is typed: editing, history, and tab completion.

use super::*;

impl CommandLine {
    pub fn with_history(history: Vec<String>) -> Self {
        CommandLine {
            history,
            ..Default::default()
        }
    }

    fn byte_at(&self, char_pos: usize) -> usize {
        self.input
            .char_indices()
            .nth(char_pos)
            .map(|(i, _)| i)
            .unwrap_or(self.input.len())
    }

    pub fn insert(&mut self, c: char) {
        let at = self.byte_at(self.cursor);
        self.input.insert(at, c);
        self.cursor += 1;
    }

    pub fn backspace(&mut self) {
        if self.cursor == 0 {
            return;
        }
        self.cursor -= 1;
        let at = self.byte_at(self.cursor);
        self.input.remove(at);
    }

    pub fn delete(&mut self) {
        if self.cursor < self.input.chars().count() {
            let at = self.byte_at(self.cursor);
            self.input.remove(at);
        }
    }

    pub fn left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub fn right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.input.chars().count());
    }

    pub fn home(&mut self) {
        self.cursor = 0;
    }

    pub fn end(&mut self) {
        self.cursor = self.input.chars().count();
    }

    fn set(&mut self, text: String) {
        self.input = text;
        self.end();
    }

    pub fn history_prev(&mut self) {
        if self.history.is_empty() {
            return;
        }
        let pos = match self.history_pos {
            None => self.history.len() - 1,
            Some(p) => p.saturating_sub(1),
        };
        self.history_pos = Some(pos);
        self.set(self.history[pos].clone());
    }

    pub fn history_next(&mut self) {
        match self.history_pos {
            Some(p) if p + 1 < self.history.len() => {
                self.history_pos = Some(p + 1);
                self.set(self.history[p + 1].clone());
            }
            _ => {
                self.history_pos = None;
                self.set(String::new());
            }
        }
    }

    /// Completes the command name, or a context name after `ctx `, when the prefix
    /// leaves exactly one choice; otherwise extends to the longest common prefix.
    pub fn complete(&mut self, contexts: &[String]) {
        let (head, partial, choices): (String, &str, Vec<&str>) = match self.input.split_once(' ') {
            None => (String::new(), self.input.as_str(), COMMANDS.to_vec()),
            Some((cmd, rest)) if matches!(cmd, "ctx" | "context") && !rest.contains(' ') => (
                format!("{cmd} "),
                rest,
                contexts.iter().map(String::as_str).collect(),
            ),
            Some(_) => return,
        };
        let matching: Vec<&str> = choices
            .into_iter()
            .filter(|c| c.starts_with(partial))
            .collect();
        let completed = match matching.as_slice() {
            [] => return,
            [one] => format!("{head}{one}{}", if head.is_empty() { " " } else { "" }),
            many => format!("{head}{}", common_prefix(many)),
        };
        self.set(completed);
    }

    /// Candidates for the current word, shown under the command line.
    pub fn suggestions<'a>(&self, contexts: &'a [String]) -> Vec<&'a str> {
        match self.input.split_once(' ') {
            None => COMMANDS
                .iter()
                .copied()
                .filter(|c| c.starts_with(self.input.as_str()))
                .collect(),
            Some(("ctx" | "context", rest)) => contexts
                .iter()
                .map(String::as_str)
                .filter(|c| c.starts_with(rest))
                .collect(),
            Some(_) => Vec::new(),
        }
    }
}

pub(super) fn common_prefix(words: &[&str]) -> String {
    let first = words[0];
    let mut len = first.len();
    for w in &words[1..] {
        len = len.min(
            first
                .bytes()
                .zip(w.bytes())
                .take_while(|(a, b)| a == b)
                .count(),
        );
    }
    // Never cut a multi-byte character in half.
    while !first.is_char_boundary(len) {
        len -= 1;
    }
    first[..len].to_string()
}
