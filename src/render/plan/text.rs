//! A plan for a terminal, like `terraform plan`: a legend of the symbols
//! used, one block per action in plan order, and the summary line.
//! Colour (green `+`, yellow `~`, red `-`, cyan `↑`/`⇄`) only when the
//! style asks for it; with colour off the text holds no escape code.

use std::fmt::Write as _;

use super::block::{self, Line, Sign};
use super::{NO_CHANGES, OPS, TextStyle, note_lines, op_count, op_word, summary_line};
use crate::plan::Plan;

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";

/// The plan as text for a terminal.
#[must_use]
pub fn text(plan: &Plan, style: TextStyle) -> String {
    let paint = Paint(style.color);
    if plan.is_empty() {
        return format!("{}\n{}", paint.bold(NO_CHANGES), notes(plan));
    }
    // Counted from the actions, the one source of truth.
    let summary = plan.counted();
    let mut out = String::from("Actions are shown with these symbols:\n");
    for op in OPS {
        if op_count(&summary, op) > 0 {
            let symbol = paint.sign(op.symbol(style.unicode), Sign::of(op));
            let _ = writeln!(out, "  {symbol} {}", op_word(op));
        }
    }
    out.push_str("\npxmctl will perform the following actions:\n");
    for action in &plan.actions {
        out.push('\n');
        for line in block::lines(action, style.width) {
            out.push_str(&render_line(&line, style.unicode, paint));
            out.push('\n');
        }
    }
    out.push('\n');
    out.push_str(&paint.bold(&summary_line(&summary)));
    out.push('\n');
    out.push_str(&notes(plan));
    out
}

/// The plan in short (`plan --summary`): one line per action, its symbol
/// and address (and the title an address by id cannot show), then the
/// summary line. For long plans where the counts matter first.
#[must_use]
pub fn summary(plan: &Plan, style: TextStyle) -> String {
    let paint = Paint(style.color);
    if plan.is_empty() {
        return format!("{}\n", paint.bold(NO_CHANGES));
    }
    let mut out = String::new();
    for action in &plan.actions {
        let symbol = paint.sign(action.op.symbol(style.unicode), Sign::of(action.op));
        let address = super::printable(&super::address(action));
        let _ = if action.key.starts_with("id:") {
            writeln!(
                out,
                "  {symbol} {address} ({})",
                super::printable(&action.title)
            )
        } else {
            writeln!(out, "  {symbol} {address}")
        };
    }
    out.push('\n');
    out.push_str(&paint.bold(&summary_line(&plan.counted())));
    out.push('\n');
    if !plan.notes.is_empty() {
        let _ = writeln!(
            out,
            "{} note(s): run without --summary to read them",
            plan.notes.len()
        );
    }
    out
}

/// The plan's notes after a blank line, or nothing.
fn notes(plan: &Plan) -> String {
    if plan.notes.is_empty() {
        return String::new();
    }
    let mut out = String::from("\nNotes:\n");
    for line in note_lines(&plan.notes) {
        out.push_str(&format!("  ! {line}\n"));
    }
    out
}

fn render_line(line: &Line, unicode: bool, paint: Paint) -> String {
    let indent = " ".repeat(line.indent);
    if line.comment {
        return format!("{indent}{}", paint.bold(&line.text));
    }
    match line.sign {
        None => format!("{indent}  {}", line.text),
        Some(sign) => {
            let symbol = sign.op().symbol(unicode);
            if line.item {
                // A text-diff or list line is coloured as a whole, so a
                // long diff reads at a glance.
                format!(
                    "{indent}{}",
                    paint.sign(&format!("{symbol} {}", line.text), sign)
                )
            } else {
                format!("{indent}{} {}", paint.sign(symbol, sign), line.text)
            }
        }
    }
}

/// ANSI colours, or nothing at all.
#[derive(Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn sign(self, text: &str, sign: Sign) -> String {
        if !self.0 {
            return text.to_owned();
        }
        let code = match sign {
            Sign::Add => "\x1b[32m",
            Sign::Change => "\x1b[33m",
            Sign::Remove => "\x1b[31m",
            Sign::Upload | Sign::Link => "\x1b[36m",
        };
        format!("{code}{text}{RESET}")
    }

    fn bold(self, text: &str) -> String {
        if self.0 {
            format!("{BOLD}{text}{RESET}")
        } else {
            text.to_owned()
        }
    }
}
