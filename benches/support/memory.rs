//! Peak memory of a benchmark process (Linux), shared by the import benchmarks.

/// Peak RSS of this process in KiB (Linux VmHWM).
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Resets the kernel's RSS high-water mark, so the next reading covers only what follows.
pub fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}
