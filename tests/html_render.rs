//! The HTML pages in a real browser: headless Chromium renders the demo report and a national view
//! to a screenshot and prints them to PDF (A4, a page per system).
//!
//! Chromium is required, not optional: CI installs it (`.ci/run`). Without it these tests fail
//! with instructions; they never skip. The binary is `chromium` or `chromium-browser` on PATH, or
//! the path in `TUANTHU_CHROMIUM`. A browser that hangs is killed after two minutes and the test
//! fails.

mod common;

use common::{check_demo, code, national_inputs, stderr, tuanthu};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(120);
const WIDTH: u32 = 1280;
const HEIGHT: u32 = 2000;

fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("TUANTHU_CHROMIUM") {
        let p = PathBuf::from(p);
        assert!(p.is_file(), "TUANTHU_CHROMIUM={} is not a file", p.display());
        return p;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser"] {
        if let Some(found) = std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file()) {
            return found;
        }
    }
    panic!(
        "Chromium is needed to render the HTML reports, but neither `chromium` nor `chromium-browser` is on PATH.\n\
         Install it (Debian/Ubuntu: `apt-get install -y chromium`; CI does this in .ci/run), \
         or set TUANTHU_CHROMIUM to the browser's path."
    );
}

/// The last lines of a log file, for failure messages.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// Runs headless Chromium on `page` with `output` (`--screenshot=…` or `--print-to-pdf=…`), with
/// its own profile in `dir`. Its process group is killed if it runs longer than [`TIMEOUT`].
fn render(dir: &Path, job: &str, page: &Path, output: String) {
    let log_path = dir.join(format!("{job}.log"));
    let log = std::fs::File::create(&log_path).unwrap();
    let url = url::Url::from_file_path(page).unwrap();
    let mut child = Command::new(chromium())
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"])
        .args(["--hide-scrollbars", "--no-pdf-header-footer", &format!("--window-size={WIDTH},{HEIGHT}")])
        .arg(format!("--user-data-dir={}", dir.join(format!("profile-{job}")).display()))
        .arg(output)
        .arg(url.as_str())
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromium().display()));
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium ({job}) exited with {status}:\n{}", tail(&log_path));
            return;
        }
        if started.elapsed() > TIMEOUT {
            // The browser and its helpers share the process group that `process_group(0)` made.
            let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", child.id())]).status();
            let _ = child.wait();
            panic!("chromium ({job}) did not finish within {} s; killed:\n{}", TIMEOUT.as_secs(), tail(&log_path));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert_eq!(&png[12..16], b"IHDR", "the first chunk of a PNG is IHDR");
    let be = |at: usize| u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]);
    (be(16), be(20))
}

/// Pages of a PDF: its `/Type /Page` objects (not `/Pages`).
fn pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    ["/Type /Page", "/Type/Page"]
        .iter()
        .map(|marker| text.match_indices(marker).filter(|(i, m)| !text[i + m.len()..].starts_with('s')).count())
        .sum()
}

/// Screenshot and PDF of `page`; returns the number of PDF pages.
fn screenshot_and_print(dir: &Path, page: &Path) -> usize {
    let png_path = dir.join("page.png");
    render(dir, "screenshot", page, format!("--screenshot={}", png_path.display()));
    let png = std::fs::read(&png_path).unwrap();
    assert_eq!(png_size(&png), (WIDTH, HEIGHT), "the screenshot has the window's size");
    // A blank 1280×2000 page compresses to a few kilobytes; the reports' text and charts do not.
    assert!(png.len() > 50_000, "the screenshot looks blank ({} bytes)", png.len());

    let pdf_path = dir.join("page.pdf");
    render(dir, "pdf", page, format!("--print-to-pdf={}", pdf_path.display()));
    let pdf = std::fs::read(&pdf_path).unwrap();
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    assert!(pdf.len() > 10_000, "the PDF is {} bytes", pdf.len());
    let pages = pdf_pages(&pdf);
    assert!(pages >= 1, "the PDF has no page");
    pages
}

#[test]
fn demo_report_renders_and_prints_a_page_per_system() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let o =
        check_demo(&["--evidence", "examples/demo/evidence.json", "--format", "html", "-o", page.to_str().unwrap()]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let pages = screenshot_and_print(dir.path(), &page);
    let html = std::fs::read_to_string(&page).unwrap();
    let systems = html.matches("<section class=\"system\"").count();
    assert!(systems > 1);
    assert!(pages > systems, "{pages} pages: the summary, then each of the {systems} systems on a new page");
}

#[test]
fn national_view_renders_and_prints() {
    let dir = tempfile::tempdir().unwrap();
    let (keys, reports) = national_inputs(dir.path());
    let page = dir.path().join("national.html");
    let o = tuanthu(&[
        "aggregate",
        reports.to_str().unwrap(),
        "--keys",
        keys.to_str().unwrap(),
        "--allow-unsigned",
        "--format",
        "html",
        "-o",
        page.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1, "one input is rejected: {}", stderr(&o));
    screenshot_and_print(dir.path(), &page);
}
