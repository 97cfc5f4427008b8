//! Diagnostics for bad input: every problem names the file, the line and the column, and says
//! what was expected. Loaders collect all problems they can find instead of stopping at the first,
//! so `tuanthu validate` lists them all in one run.

use crate::i18n::{Lang, Text};
use std::fmt;

/// One problem found in an input file.
///
/// Invariant: `line` and `column` are 1-based; 0 means the position is not known (e.g. the file
/// could not be read at all), and `Display` then omits it.
///
/// The message is in both languages: the command line prints it in `--lang`. A message built
/// from any text or error ([`Problem::new`]) is the same in both (a library error not yet
/// translated); the loaders the officer meets first (inventory, tailoring, `validate`) give both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: u64,
    pub column: u64,
    pub message: Text,
}

impl Problem {
    /// A problem at `line`:`column` of `file`. The message is any text or error (its `Display`),
    /// the same in both languages.
    pub fn new(file: impl Into<String>, line: u64, column: u64, message: impl fmt::Display) -> Self {
        let m = message.to_string();
        Problem { file: file.into(), line, column, message: Text::new(m.clone(), m) }
    }

    /// A problem at `line`:`column` of `file`, its message in both languages.
    pub fn text(file: impl Into<String>, line: u64, column: u64, message: Text) -> Self {
        Problem { file: file.into(), line, column, message }
    }

    /// A problem with the whole file rather than one place in it.
    pub fn file(file: impl Into<String>, message: impl fmt::Display) -> Self {
        Problem::new(file, 0, 0, message)
    }

    /// A problem with the whole file, its message in both languages.
    pub fn file_text(file: impl Into<String>, message: Text) -> Self {
        Problem::text(file, 0, 0, message)
    }

    /// A problem at the place a YAML node was read from.
    pub fn at(file: &str, loc: serde_saphyr::Location, message: impl fmt::Display) -> Self {
        Problem::new(file, loc.line(), loc.column(), message)
    }

    /// A problem at the place a YAML node was read from, its message in both languages.
    pub fn at_text(file: &str, loc: serde_saphyr::Location, message: Text) -> Self {
        Problem::text(file, loc.line(), loc.column(), message)
    }

    /// `file:line:column: message` in `lang`, control characters replaced.
    pub fn render(&self, lang: Lang) -> String {
        let msg = crate::sanitize::clean(self.message.get(lang));
        if self.line == 0 {
            format!("{}: {}", self.file, msg)
        } else {
            format!("{}:{}:{}: {}", self.file, self.line, self.column, msg)
        }
    }
}

/// A bilingual message built with `format!` arguments: `text!("en {x}", "vi {x}")`.
#[macro_export]
macro_rules! text {
    ($en:literal, $vi:literal $(,)?) => {
        $crate::i18n::Text::new(format!($en), format!($vi))
    };
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}

/// A non-empty list of problems: the error type of every loader.
///
/// Invariant: never empty. The list is private and every constructor takes at least one
/// problem ([`Problems::one`]) or refuses an empty list ([`Problems::from_vec`]), so an error
/// that says nothing cannot be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problems(Vec<Problem>);

impl Problems {
    /// One problem.
    pub fn one(p: Problem) -> Self {
        Problems(vec![p])
    }

    /// The problems of `list`, or `None` when there are none (nothing is wrong).
    pub fn from_vec(list: Vec<Problem>) -> Option<Self> {
        if list.is_empty() { None } else { Some(Problems(list)) }
    }

    /// Each problem, in the order found.
    pub fn iter(&self) -> std::slice::Iter<'_, Problem> {
        self.0.iter()
    }

    /// The first problem found (there always is one).
    pub fn first(&self) -> &Problem {
        // invariant: the list is never empty (every constructor takes at least one problem).
        &self.0[0]
    }

    /// How many problems (at least 1).
    #[allow(clippy::len_without_is_empty)] // never empty: see the type's invariant
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Adds the problems of `other` after these.
    pub fn append(&mut self, other: Problems) {
        self.0.extend(other.0);
    }

    /// Each problem once, the first of equal ones kept in its place (never empty: the first
    /// problem is always kept). A file named `./x.yaml` and `x.yaml` is the same file: a
    /// tailoring file given on the command line is also reached through the inventory's folder.
    pub fn dedup(self) -> Problems {
        let same = |a: &Problem, b: &Problem| {
            a.file.trim_start_matches("./") == b.file.trim_start_matches("./")
                && (a.line, a.column, &a.message) == (b.line, b.column, &b.message)
        };
        let mut out: Vec<Problem> = Vec::with_capacity(self.0.len());
        for p in self.0 {
            if !out.iter().any(|o| same(o, &p)) {
                out.push(p);
            }
        }
        Problems(out)
    }

    /// The problems as a list (never empty).
    pub fn into_vec(self) -> Vec<Problem> {
        self.0
    }
}

impl IntoIterator for Problems {
    type Item = Problem;
    type IntoIter = std::vec::IntoIter<Problem>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Problems {
    type Item = &'a Problem;
    type IntoIter = std::slice::Iter<'a, Problem>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
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
pub struct Collector(Vec<Problem>);

impl Collector {
    pub fn push(&mut self, p: Problem) {
        self.0.push(p);
    }
    /// Adds every problem of `problems` (a [`Problems`], a list...).
    pub fn extend(&mut self, problems: impl IntoIterator<Item = Problem>) {
        self.0.extend(problems);
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// How many problems were collected so far.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// `Ok(value)` when nothing was collected, else every problem.
    pub fn finish<T>(self, value: T) -> Result<T, Problems> {
        match Problems::from_vec(self.0) {
            None => Ok(value),
            Some(p) => Err(p),
        }
    }
    /// Every problem collected and then `last`: a loader that stops here.
    pub fn fail_with(mut self, last: Problem) -> Problems {
        self.0.push(last);
        Problems(self.0)
    }
    /// Every problem collected, or `fallback` when none was: a loader that gives up must say why.
    pub fn failed(self, fallback: impl FnOnce() -> Problem) -> Problems {
        Problems::from_vec(self.0).unwrap_or_else(|| Problems::one(fallback()))
    }
    /// The problems collected, if any.
    pub fn into_problems(self) -> Option<Problems> {
        Problems::from_vec(self.0)
    }
}

/// `line L, column C: message` in both languages.
pub fn at_position(line: u64, column: u64, message: &Text) -> Text {
    let (en, vi) = (&message.en, &message.vi);
    text!("line {line}, column {column}: {en}", "dòng {line}, cột {column}: {vi}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_cannot_be_empty() {
        assert_eq!(Problems::from_vec(Vec::new()), None);
        let p = Problem::new("inv.yaml", 3, 7, "level must be 1, 2, 3, 4 or 5");
        let one = Problems::from_vec(vec![p.clone()]).expect("one problem is a list");
        assert_eq!(one.len(), 1);
        assert_eq!(one.to_string(), "inv.yaml:3:7: level must be 1, 2, 3, 4 or 5");
        assert_eq!(Problems::one(p.clone()), one);
        assert_eq!(Collector::default().finish(5), Ok(5), "an empty collector is no error");
        let mut c = Collector::default();
        c.push(p);
        c.push(Problem::file("--as-of", "expected a date as YYYY-MM-DD, found `x`"));
        assert_eq!(
            c.finish(()).unwrap_err().to_string(),
            "inv.yaml:3:7: level must be 1, 2, 3, 4 or 5\n--as-of: expected a date as YYYY-MM-DD, found `x`"
        );
    }
}
