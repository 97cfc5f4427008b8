//! Writes evidence files (`tuanthu/evidence/v1`) as probes finish.
//!
//! Two encodings, chosen by the output file name:
//!
//! * JSON Lines (`*.jsonl`): the header is written at once and every record is written and flushed
//!   the moment its probe finishes, so a run that is killed keeps everything measured before; the
//!   trailer line marks a complete run (the reader reports a file without it as partial).
//! * one JSON document (anything else): records are kept in memory, sorted (kind, target, address)
//!   so that two runs over the same targets diff cleanly, and written to a temporary file that is
//!   renamed into place — an interrupted run never leaves half a document behind.

use super::Record;
use super::file::{SCHEMA, Tool};
use serde_json::json;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Document,
    Lines,
}

impl Encoding {
    /// `*.jsonl` (or `*.ndjson`) is JSON Lines; everything else one document.
    pub fn for_path(path: &Path) -> Encoding {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("jsonl" | "ndjson") => Encoding::Lines,
            _ => Encoding::Document,
        }
    }
}

/// Counts of what was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    pub records: usize,
    pub errors: usize,
}

/// Why an evidence file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot create {}: {source}", path.display())]
    Create { path: PathBuf, source: std::io::Error },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error("cannot move {} to {}: {source}", from.display(), to.display())]
    Rename { from: PathBuf, to: PathBuf, source: std::io::Error },
}

impl WriteError {
    /// The error in both languages (`Display` is the English one).
    pub fn text(&self) -> crate::i18n::Text {
        use crate::text;
        match self {
            WriteError::Create { path, source } => {
                let path = path.display();
                text!("cannot create {path}: {source}", "không tạo được {path}: {source}")
            }
            WriteError::Write { path, source } => {
                let path = path.display();
                text!("cannot write {path}: {source}", "không ghi được {path}: {source}")
            }
            WriteError::Rename { from, to, source } => {
                let (from, to) = (from.display(), to.display());
                text!("cannot move {from} to {to}: {source}", "không chuyển được {from} thành {to}: {source}")
            }
        }
    }
}

/// The output buffer: large enough for a big record in one write.
const OUT_BUFFER: usize = 256 << 10;

pub struct EvidenceWriter {
    encoding: Encoding,
    path: PathBuf,
    /// For documents: the temporary file renamed into place by `finish`.
    temp: PathBuf,
    out: BufWriter<File>,
    started_at: String,
    held: Vec<Record>,
    written: Written,
}

pub fn tool() -> Tool {
    Tool { name: "tuanthu".into(), version: env!("CARGO_PKG_VERSION").into() }
}

impl EvidenceWriter {
    pub fn create(path: &Path, started_at: &str) -> Result<EvidenceWriter, WriteError> {
        let encoding = Encoding::for_path(path);
        let temp = match encoding {
            Encoding::Lines => path.to_path_buf(),
            Encoding::Document => {
                let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
                name.push(".partial");
                path.with_file_name(name)
            }
        };
        let file = File::create(&temp).map_err(|source| WriteError::Create { path: temp.clone(), source })?;
        let mut w = EvidenceWriter {
            encoding,
            path: path.to_path_buf(),
            temp,
            // A host-audit record of an ARF is ~75 KB: one write per record rather than one per
            // 8 KB (the default), most of whose cost is the system call.
            out: BufWriter::with_capacity(OUT_BUFFER, file),
            started_at: started_at.to_string(),
            held: Vec::new(),
            written: Written::default(),
        };
        if encoding == Encoding::Lines {
            let header = json!({"schema": SCHEMA, "tool": tool(), "started_at": started_at});
            w.line(&header)?;
        }
        Ok(w)
    }

    fn line(&mut self, v: &impl serde::Serialize) -> Result<(), WriteError> {
        let written = serde_json::to_writer(&mut self.out, v)
            .map_err(std::io::Error::from)
            .and_then(|()| self.out.write_all(b"\n"))
            .and_then(|()| self.out.flush());
        written.map_err(|source| WriteError::Write { path: self.path.clone(), source })
    }

    /// Adds one record; for JSON Lines it is on disk when this returns.
    pub fn push(&mut self, rec: Record) -> Result<(), WriteError> {
        self.written.records += 1;
        if rec.error().is_some() {
            self.written.errors += 1;
        }
        match self.encoding {
            Encoding::Lines => self.line(&rec),
            Encoding::Document => {
                self.held.push(rec);
                Ok(())
            }
        }
    }

    /// Completes the file: the trailer for JSON Lines, the whole document otherwise.
    pub fn finish(mut self, finished_at: &str) -> Result<Written, WriteError> {
        let written = self.written;
        match self.encoding {
            Encoding::Lines => {
                let trailer = json!({"finished_at": finished_at, "records": written.records, "errors": written.errors});
                self.line(&trailer)?;
            }
            Encoding::Document => {
                let mut records = std::mem::take(&mut self.held);
                records.sort_by(|a, b| {
                    (a.kind().as_str(), &a.target, &a.address).cmp(&(b.kind().as_str(), &b.target, &b.address))
                });
                // A struct keeps the members in this order (a map would sort them): the schema
                // first, so that a reader of the file's head can tell what it is.
                #[derive(serde::Serialize)]
                struct Document<'a> {
                    schema: &'a str,
                    tool: Tool,
                    started_at: &'a str,
                    finished_at: &'a str,
                    records: Vec<Record>,
                }
                let doc = Document { schema: SCHEMA, tool: tool(), started_at: &self.started_at, finished_at, records };
                let written = serde_json::to_writer_pretty(&mut self.out, &doc)
                    .map_err(std::io::Error::from)
                    .and_then(|()| self.out.write_all(b"\n"))
                    .and_then(|()| self.out.flush());
                written.map_err(|source| WriteError::Write { path: self.temp.clone(), source })?;
                std::fs::rename(&self.temp, &self.path).map_err(|source| WriteError::Rename {
                    from: self.temp.clone(),
                    to: self.path.clone(),
                    source,
                })?;
            }
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::file::read;
    use crate::evidence::{ErrorClass, Facts, ProbeError, RecordKind, TlsFacts};

    fn rec(target: &str, error: bool) -> Record {
        let mut r = if error {
            Record::failed(RecordKind::Tls, target, ProbeError::new(ErrorClass::Timeout, "no answer"))
        } else {
            let mut facts = TlsFacts::default();
            facts.protocols.insert("tls1.2".into(), Some(true));
            Record::measured(target, Facts::Tls(Box::new(facts)))
        };
        r.address = Some("127.0.0.1".into());
        r.observed_at = Some("2026-11-25T08:00:00Z".into());
        r
    }

    #[test]
    fn both_encodings_read_back_complete() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["e.json", "e.jsonl"] {
            let p = dir.path().join(name);
            let mut w = EvidenceWriter::create(&p, "2026-11-25T08:00:00Z").unwrap();
            w.push(rec("b.example.vn:443", false)).unwrap();
            w.push(rec("a.example.vn:443", true)).unwrap();
            assert_eq!(w.finish("2026-11-25T08:00:09Z").unwrap(), Written { records: 2, errors: 1 });
            let input = read(&p);
            assert!(input.fatal.is_none() && !input.partial, "{name}: {:?} {:?}", input.fatal, input.problems);
            assert_eq!(input.records.len(), 2);
            assert_eq!(input.tool.unwrap().name, "tuanthu");
            assert!(!dir.path().join(format!("{name}.partial")).exists());
        }
        let doc = read(&dir.path().join("e.json"));
        assert_eq!(doc.records[0].target, "a.example.vn:443", "documents are sorted");
    }

    #[test]
    fn an_unfinished_lines_file_keeps_its_records_and_reads_as_partial() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("run.jsonl");
        let mut w = EvidenceWriter::create(&p, "2026-11-25T08:00:00Z").unwrap();
        w.push(rec("a.example.vn:443", false)).unwrap();
        drop(w); // killed before finish
        let input = read(&p);
        assert!(input.partial);
        assert_eq!(input.records.len(), 1);
    }
}
