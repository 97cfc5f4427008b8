//! Diagnostics for bad input: every problem names the file, the line and the column, and says
//! what was expected. Loaders collect all problems they can find instead of stopping at the first,
//! so `tuanthu validate` lists them all in one run.

use std::fmt;

/// One problem found in an input file.
///
/// Invariant: `line` and `column` are 1-based; 0 means the position is not known (e.g. the file
/// could not be read at all), and `Display` then omits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: u64,
    pub column: u64,
    pub message: String,
}

impl Problem {
    pub fn new(file: impl Into<String>, line: u64, column: u64, message: impl Into<String>) -> Self {
        Problem { file: file.into(), line, column, message: message.into() }
    }

    /// A problem with the whole file rather than one place in it.
    pub fn file(file: impl Into<String>, message: impl Into<String>) -> Self {
        Problem::new(file, 0, 0, message)
    }

    /// A problem at the place a YAML node was read from.
    pub fn at(file: &str, loc: serde_saphyr::Location, message: impl Into<String>) -> Self {
        Problem::new(file, loc.line(), loc.column(), message)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let msg = crate::sanitize::clean(&self.message);
        if self.line == 0 {
            write!(f, "{}: {}", self.file, msg)
        } else {
            write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, msg)
        }
    }
}

/// A non-empty list of problems: the error type of every loader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn one(p: Problem) -> Self {
        Problems(vec![p])
    }
}

impl From<Problem> for Problems {
    fn from(p: Problem) -> Self {
        Problems::one(p)
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

/// Collects problems while a loader keeps going.
#[derive(Debug, Default)]
pub struct Collector(pub Vec<Problem>);

impl Collector {
    pub fn push(&mut self, p: Problem) {
        self.0.push(p);
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// `Ok(value)` when nothing was collected, else every problem.
    pub fn finish<T>(self, value: T) -> Result<T, Problems> {
        if self.0.is_empty() { Ok(value) } else { Err(Problems(self.0)) }
    }
}
