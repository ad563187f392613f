//! The three tones output is painted in, for every renderer and `cli`.

/// What a piece of text says about how things went.
#[derive(Debug, Clone, Copy)]
pub enum Tone {
    Good,
    Bad,
    Warn,
}

/// `text` in bold green/red/yellow when `color` is on.
#[must_use]
pub fn paint(text: &str, tone: Tone, color: bool) -> String {
    if !color {
        return text.to_owned();
    }
    let code = match tone {
        Tone::Good => "1;32",
        Tone::Bad => "1;31",
        Tone::Warn => "1;33",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}
