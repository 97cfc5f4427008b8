//! Opening files and walking directories whose size, kind and shape are not trusted.
//!
//! Every input file is opened through [`open`], which refuses what cannot be a file's content (a
//! device such as `/dev/zero` never ends; a directory or a socket is not a document) and keeps
//! what is: regular files, pipes (`--nmap <(nmap -oX - …)` names `/dev/fd/N`) and standard input
//! (`-`, once per run). A named pipe (FIFO) that no process opens for writing would block the
//! open forever; it is given [`FIFO_OPEN_TIMEOUT`] and then refused with a clear message. Reading
//! stays the caller's business, under its own cap: [`read_capped`] for whole documents, the
//! streaming readers (nmap, evidence) with theirs.
//!
//! Every directory walk goes through [`walk`]. It never follows a symbolic link to a directory
//! (a link to `.` or to a parent cannot make it loop, and it stays inside the tree the user
//! named), reads links to files, lists every file once (by device and inode, so a file reached by
//! two names — a link, a hard link — is read once), stops with an error beyond
//! [`MAX_WALK_DEPTH`] levels or [`MAX_WALK_ENTRIES`] entries, and returns files in a stable order
//! (depth first, names sorted byte-wise).
//!
//! Output goes the other way through [`write_atomically`]: a report is renamed into place whole.

use std::collections::HashSet;
use std::fs::File;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How long opening a named pipe may wait for a writer.
pub const FIFO_OPEN_TIMEOUT: Duration = Duration::from_secs(10);
/// Deepest directory level a walk enters below the directory it was given.
pub const MAX_WALK_DEPTH: usize = 32;
/// Most directory entries one walk looks at (files, directories and anything else).
pub const MAX_WALK_ENTRIES: usize = 100_000;

/// Why an input could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("is a device, not a file")]
    Device,
    #[error("is a directory, not a file")]
    Directory,
    #[error("is a socket, not a file")]
    Socket,
    /// Only in folder walks; a named pipe given by name is opened (see [`open`]).
    #[error("is a named pipe, not a file")]
    Fifo,
    #[error(
        "named pipe with no writer: nothing opened it for writing within {} s (start the program that writes it first, or give a file)",
        FIFO_OPEN_TIMEOUT.as_secs()
    )]
    NoWriter,
    #[error("standard input (`-`) can be read only once per run")]
    StdinTaken,
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
}

impl OpenError {
    /// The reason in both languages (`Display` is the English one); the operating system's own
    /// words are kept as it wrote them.
    pub fn text(&self) -> crate::i18n::Text {
        use crate::text;
        let secs = FIFO_OPEN_TIMEOUT.as_secs();
        match self {
            OpenError::Device => text!("is a device, not a file", "là một thiết bị, không phải tệp"),
            OpenError::Directory => text!("is a directory, not a file", "là một thư mục, không phải tệp"),
            OpenError::Socket => text!("is a socket, not a file", "là một socket, không phải tệp"),
            OpenError::Fifo => text!("is a named pipe, not a file", "là một đường ống có tên, không phải tệp"),
            OpenError::NoWriter => text!(
                "named pipe with no writer: nothing opened it for writing within {secs} s (start the program that writes it first, or give a file)",
                "đường ống có tên không có bên ghi: không chương trình nào mở nó để ghi trong {secs} giây (hãy chạy chương trình ghi trước, hoặc đưa một tệp)"
            ),
            OpenError::StdinTaken => text!(
                "standard input (`-`) can be read only once per run",
                "đầu vào chuẩn (`-`) chỉ đọc được một lần mỗi lần chạy"
            ),
            OpenError::Io(e) => text!("cannot read: {e}", "không đọc được: {e}"),
        }
    }
}

/// Why [`read_capped`] could not read a whole document.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Not openable as a document (see [`open`]).
    #[error(transparent)]
    Open(#[from] OpenError),
    /// Opened, but reading failed midway.
    #[error("cannot read: {0}")]
    Read(std::io::Error),
    /// Longer than the cap the caller gave (in bytes).
    #[error("larger than {}", size(*.0))]
    TooLarge(u64),
}

impl ReadError {
    /// The reason in both languages (`Display` is the English one).
    pub fn text(&self) -> crate::i18n::Text {
        use crate::text;
        match self {
            ReadError::Open(e) => e.text(),
            ReadError::Read(e) => text!("cannot read: {e}", "không đọc được: {e}"),
            ReadError::TooLarge(n) => {
                let n = size(*n);
                text!("larger than {n}", "lớn hơn {n}")
            }
        }
    }
}

/// Why a directory walk ([`walk`]) stopped. Each names the path it concerns.
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    /// A directory (or an entry of it) could not be listed.
    #[error("{}: cannot list: {source}", dir.display())]
    CannotList { dir: PathBuf, source: std::io::Error },
    /// Deeper than [`MAX_WALK_DEPTH`] below the directory named.
    #[error("{}: more than {MAX_WALK_DEPTH} directory levels below {}; name a shallower directory", dir.display(), root.display())]
    TooDeep { dir: PathBuf, root: PathBuf },
    /// More entries than the walk looks at ([`MAX_WALK_ENTRIES`]).
    #[error("{}: more than {max} entries; name a smaller directory", root.display())]
    TooManyEntries { root: PathBuf, max: usize },
    /// A pipe, device or socket where a regular file was expected.
    #[error("{}: {kind} (a folder walk reads regular files only)", path.display())]
    NotRegular { path: PathBuf, kind: String },
}

impl WalkError {
    /// The reason in both languages (`Display` is the English one).
    pub fn text(&self) -> crate::i18n::Text {
        use crate::text;
        match self {
            WalkError::CannotList { dir, source } => {
                let dir = dir.display();
                text!("{dir}: cannot list: {source}", "{dir}: không liệt kê được: {source}")
            }
            WalkError::TooDeep { dir, root } => {
                let (dir, root) = (dir.display(), root.display());
                text!(
                    "{dir}: more than {MAX_WALK_DEPTH} directory levels below {root}; name a shallower directory",
                    "{dir}: sâu hơn {MAX_WALK_DEPTH} cấp thư mục dưới {root}; hãy chỉ một thư mục nông hơn"
                )
            }
            WalkError::TooManyEntries { root, max } => {
                let root = root.display();
                text!(
                    "{root}: more than {max} entries; name a smaller directory",
                    "{root}: nhiều hơn {max} mục; hãy chỉ một thư mục nhỏ hơn"
                )
            }
            WalkError::NotRegular { path, kind } => {
                let path = path.display();
                text!(
                    "{path}: {kind} (a folder walk reads regular files only)",
                    "{path}: {kind} (khi duyệt thư mục chỉ đọc tệp thường)"
                )
            }
        }
    }
}

impl From<OpenError> for std::io::Error {
    fn from(e: OpenError) -> Self {
        match e {
            OpenError::Io(e) => e,
            other => std::io::Error::new(std::io::ErrorKind::InvalidInput, other.to_string()),
        }
    }
}

/// An opened input: a file (or pipe), or standard input.
#[derive(Debug)]
pub enum Input {
    File(File),
    Stdin(std::io::Stdin),
}

impl Read for Input {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Input::File(f) => f.read(buf),
            Input::Stdin(s) => s.read(buf),
        }
    }
}

/// Set once standard input has been handed out: a second reader would see it empty and could
/// take that for an empty document.
static STDIN_TAKEN: AtomicBool = AtomicBool::new(false);

/// Opens `path` for reading (`-` is standard input): a regular file or a pipe. Devices,
/// directories and sockets are refused; a named pipe without a writer is refused after
/// [`FIFO_OPEN_TIMEOUT`].
pub fn open(path: &Path) -> Result<Input, OpenError> {
    if path.as_os_str() == "-" {
        if STDIN_TAKEN.swap(true, Ordering::SeqCst) {
            return Err(OpenError::StdinTaken);
        }
        return Ok(Input::Stdin(std::io::stdin()));
    }
    let kind = std::fs::metadata(path)?.file_type();
    if kind.is_fifo() {
        return open_fifo(path).map(Input::File);
    }
    if let Some(e) = kind_error(kind) {
        return Err(e);
    }
    let file = File::open(path)?;
    // What was opened is what was checked, even if the name was swapped in between.
    match kind_error(file.metadata()?.file_type()) {
        Some(OpenError::Fifo) | None => Ok(Input::File(file)),
        Some(e) => Err(e),
    }
}

/// Opens a named pipe, giving up after [`FIFO_OPEN_TIMEOUT`] when no process opens it for writing.
///
/// The blocking `open` runs on a helper thread that is abandoned on timeout (it ends when a writer
/// finally comes, or with the process). The alternative — `O_NONBLOCK` through
/// `OpenOptionsExt::custom_flags` — opens at once, but a read then returns end-of-file while no
/// writer is connected (indistinguishable from an empty file), and switching the descriptor back
/// to blocking needs `fcntl`, which the crate's `forbid(unsafe_code)` rules out. A pipe whose
/// writer is already there (`<(…)`, `/dev/fd/N`) opens at once either way.
fn open_fifo(path: &Path) -> Result<File, OpenError> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let owned = path.to_path_buf();
    std::thread::Builder::new().name("open-fifo".into()).spawn(move || {
        // The receiver may be gone (timed out): the file is then simply closed.
        let _ = tx.send(File::open(&owned));
    })?;
    match rx.recv_timeout(FIFO_OPEN_TIMEOUT) {
        Ok(opened) => Ok(opened?),
        Err(_) => Err(OpenError::NoWriter),
    }
}

/// Reads at most `max` bytes of `path` (`-`: standard input); a longer input is an error. The limit
/// is enforced on the bytes read, not on the size the file system reports, which is 0 for pipes.
/// Devices are refused before reading (see [`open`]).
pub fn read_capped(path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    let input = open(path)?;
    let mut bytes = Vec::new();
    input.take(max.saturating_add(1)).read_to_end(&mut bytes).map_err(ReadError::Read)?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooLarge(max));
    }
    Ok(bytes)
}

/// A cap as people write it: whole MiB when it is one, else KiB, else bytes.
fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// All `*.yaml`/`*.yml` files below `dir`, each once, in a stable order (see [`walk`]): every
/// tuanthu file a user writes is YAML, and each loader lists a folder of them the same way.
pub fn yaml_files(dir: &Path) -> Result<Vec<PathBuf>, WalkError> {
    walk(dir, |path| path.extension().is_some_and(|x| x == "yaml" || x == "yml"))
}

/// Lists the files below `root` that `wanted` accepts, under the walk policy of the module
/// documentation. `root` itself is followed even when it is a symbolic link: the user named it.
pub fn walk(root: &Path, wanted: impl Fn(&Path) -> bool) -> Result<Vec<PathBuf>, WalkError> {
    walk_capped(root, &wanted, MAX_WALK_ENTRIES)
}

fn walk_capped(root: &Path, wanted: &dyn Fn(&Path) -> bool, max_entries: usize) -> Result<Vec<PathBuf>, WalkError> {
    let mut w =
        Walker { root, wanted, max_entries, entries: 0, dirs: HashSet::new(), files: HashSet::new(), out: Vec::new() };
    let meta = std::fs::metadata(root).map_err(|source| WalkError::CannotList { dir: root.to_path_buf(), source })?;
    w.dir(root, &meta, 0)?;
    Ok(w.out)
}

/// The state of one walk: what was seen (directories and files by device and inode) and counted.
struct Walker<'a> {
    root: &'a Path,
    wanted: &'a dyn Fn(&Path) -> bool,
    max_entries: usize,
    entries: usize,
    dirs: HashSet<(u64, u64)>,
    files: HashSet<(u64, u64)>,
    out: Vec<PathBuf>,
}

impl Walker<'_> {
    fn dir(&mut self, dir: &Path, meta: &std::fs::Metadata, depth: usize) -> Result<(), WalkError> {
        if !self.dirs.insert((meta.dev(), meta.ino())) {
            return Ok(()); // reached again (a bind mount): already listed
        }
        if depth > MAX_WALK_DEPTH {
            return Err(WalkError::TooDeep { dir: dir.to_path_buf(), root: self.root.to_path_buf() });
        }
        let cannot = |source: std::io::Error| WalkError::CannotList { dir: dir.to_path_buf(), source };
        let mut entries = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(cannot)? {
            self.entries += 1;
            if self.entries > self.max_entries {
                return Err(WalkError::TooManyEntries { root: self.root.to_path_buf(), max: self.max_entries });
            }
            let entry = entry.map_err(cannot)?;
            entries.push((entry.file_name(), entry.file_type().map_err(cannot)?));
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, kind) in entries {
            let path = dir.join(name);
            if kind.is_dir() {
                let meta = std::fs::symlink_metadata(&path).map_err(cannot)?;
                self.dir(&path, &meta, depth + 1)?;
            } else if (self.wanted)(&path) {
                self.file(path, kind.is_symlink())?;
            }
        }
        Ok(())
    }

    /// Lists a wanted file once. A link to a directory is not followed; a link that cannot be
    /// resolved is listed, so that reading it reports why. A pipe, device or socket is an error
    /// here rather than when read: a folder of named pipes would otherwise wait out the FIFO
    /// timeout once per pipe.
    fn file(&mut self, path: PathBuf, link: bool) -> Result<(), WalkError> {
        match std::fs::metadata(&path) {
            Ok(m) if link && m.is_dir() => {}
            Ok(m) if m.is_file() => {
                if self.files.insert((m.dev(), m.ino())) {
                    self.out.push(path);
                }
            }
            Ok(m) => {
                let kind: String =
                    kind_error(m.file_type()).map_or_else(|| "not a regular file".into(), |e| e.to_string());
                return Err(WalkError::NotRegular { path, kind });
            }
            Err(_) => self.out.push(path),
        }
        Ok(())
    }
}

/// Writes `bytes` to `path` so that a reader (a CI step, the national center's intake) never
/// sees half of it: a regular file (or a new one) is written beside its destination and renamed
/// into place; a device (`-o /dev/stdout`), a pipe or a symbolic link is written through, as the
/// user meant. On failure no temporary file is left behind.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if std::fs::symlink_metadata(path).is_ok_and(|m| !m.file_type().is_file()) {
        return std::fs::write(path, bytes);
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let result = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Why a file of this kind cannot be read as a document, if it cannot.
fn kind_error(kind: std::fs::FileType) -> Option<OpenError> {
    if kind.is_char_device() || kind.is_block_device() {
        Some(OpenError::Device)
    } else if kind.is_dir() {
        Some(OpenError::Directory)
    } else if kind.is_socket() {
        Some(OpenError::Socket)
    } else if kind.is_fifo() {
        Some(OpenError::Fifo)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(p: &Path) -> bool {
        p.extension().is_some_and(|x| x == "yaml")
    }

    #[test]
    fn the_cap_holds_for_files_and_pipes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, vec![b'x'; 2048]).unwrap();
        assert_eq!(read_capped(&p, 2048).unwrap().len(), 2048);
        assert_eq!(read_capped(&p, 2047).unwrap_err().to_string(), "larger than 2047 bytes");
        assert_eq!(read_capped(&p, 1024).unwrap_err().to_string(), "larger than 1 KiB");
        // A pipe reports size 0: the cap holds on the bytes read.
        use std::os::fd::AsRawFd;
        let mut child = std::process::Command::new("head")
            .args(["-c", "5000", "/dev/zero"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let fd = child.stdout.as_ref().unwrap().as_raw_fd();
        assert_eq!(
            read_capped(Path::new(&format!("/dev/fd/{fd}")), 4096).unwrap_err().to_string(),
            "larger than 4 KiB"
        );
        drop(child.stdout.take());
        let _ = child.wait();
    }

    #[test]
    fn devices_directories_are_refused() {
        assert_eq!(read_capped(Path::new("/dev/zero"), 1 << 20).unwrap_err().to_string(), "is a device, not a file");
        assert!(matches!(open(Path::new("/dev/urandom")), Err(OpenError::Device)));
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(open(dir.path()), Err(OpenError::Directory)));
        assert!(matches!(open(&dir.path().join("absent")), Err(OpenError::Io(_))));
    }

    #[test]
    fn links_to_dot_and_self_links_list_each_file_once() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("sub")).unwrap();
        std::fs::write(d.join("a.yaml"), "").unwrap();
        std::fs::write(d.join("sub/b.yaml"), "").unwrap();
        std::fs::write(d.join("c.txt"), "").unwrap();
        std::os::unix::fs::symlink(".", d.join("dot1")).unwrap();
        std::os::unix::fs::symlink(".", d.join("dot2")).unwrap();
        std::os::unix::fs::symlink("..", d.join("sub/up")).unwrap();
        std::os::unix::fs::symlink("self.yaml", d.join("self.yaml")).unwrap();
        std::os::unix::fs::symlink("a.yaml", d.join("z-alias.yaml")).unwrap();
        let files = walk(d, yaml).unwrap();
        let names: Vec<String> = files.iter().map(|f| f.strip_prefix(d).unwrap().display().to_string()).collect();
        // The self-link is listed once (reading it says why it fails); the alias of a.yaml is not.
        assert_eq!(names, ["a.yaml", "self.yaml", "sub/b.yaml"]);
    }

    #[test]
    fn a_pipe_in_a_walked_folder_is_an_error_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let made = std::process::Command::new("mkfifo").arg(dir.path().join("p.yaml")).status().unwrap();
        assert!(made.success());
        let e = walk(dir.path(), yaml).unwrap_err().to_string();
        assert!(e.ends_with("p.yaml: is a named pipe, not a file (a folder walk reads regular files only)"), "{e}");
    }

    #[test]
    fn depth_and_entry_caps_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let mut deep = dir.path().to_path_buf();
        for _ in 0..=MAX_WALK_DEPTH + 1 {
            deep.push("d");
        }
        std::fs::create_dir_all(&deep).unwrap();
        let deep_err = walk(dir.path(), yaml).unwrap_err().to_string();
        assert!(deep_err.contains("more than 32 directory levels below"), "{deep_err}");
        for i in 0..5 {
            std::fs::write(dir.path().join(format!("{i}.yaml")), "").unwrap();
        }
        assert_eq!(
            walk_capped(dir.path(), &yaml, 5).unwrap_err().to_string(),
            format!("{}: more than 5 entries; name a smaller directory", dir.path().display())
        );
    }
}
