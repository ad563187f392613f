//! How a command ends. Every command returns an [`Outcome`]; the binary's
//! `main` turns it into the process's exit code through [`exit_code`],
//! the one place that knows the numbers.

use std::process::ExitCode;

/// A command that ran to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// Done (0).
    Success,
    /// `--detailed-exitcode`, `compare`: there are changes (2).
    Changes,
    /// `--detailed-exitcode`: the changes include a deletion (3).
    Deletions,
    /// Stopped by Ctrl-C (130, 128 + SIGINT, as shells do).
    Interrupted,
}

/// A command's error, already reported to the user: exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reported;

/// What every command returns.
pub type Outcome = Result<Exit, Reported>;

/// The exit code of an error.
const FAILURE: u8 = 1;

impl Exit {
    /// The process exit code.
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::Changes => 2,
            Self::Deletions => 3,
            Self::Interrupted => 130,
        }
    }
}

/// The process exit code of a command's outcome.
#[must_use]
pub fn exit_code(outcome: Outcome) -> ExitCode {
    ExitCode::from(match outcome {
        Ok(exit) => exit.code(),
        Err(Reported) => FAILURE,
    })
}

/// Of two outcomes, the one to exit with: an error over deletions over
/// changes over nothing to do.
pub(super) fn worst(a: Outcome, b: Outcome) -> Outcome {
    match (a, b) {
        (Err(Reported), _) | (_, Err(Reported)) => Err(Reported),
        (Ok(a), Ok(b)) => Ok(a.max(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_outcome_wins() {
        assert_eq!(
            worst(Ok(Exit::Changes), Ok(Exit::Deletions)),
            Ok(Exit::Deletions)
        );
        assert_eq!(
            worst(Ok(Exit::Success), Ok(Exit::Changes)),
            Ok(Exit::Changes)
        );
        assert_eq!(worst(Ok(Exit::Deletions), Err(Reported)), Err(Reported));
        assert_eq!(exit_code(Err(Reported)), ExitCode::from(1));
        assert_eq!(exit_code(Ok(Exit::Interrupted)), ExitCode::from(130));
    }
}
