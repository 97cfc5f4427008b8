//! Reading files whose size is not trusted.

use std::io::Read;
use std::path::Path;

/// Reads at most `max` bytes of `path`; a longer file is an error. The limit is enforced on the
/// bytes read, not on the size the file system reports, which is 0 for pipes and devices.
pub fn read_capped(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let mut bytes = Vec::new();
    file.take(max.saturating_add(1)).read_to_end(&mut bytes).map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > max {
        return Err(format!("larger than {} MiB", max >> 20));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_holds_for_files_and_devices() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, vec![b'x'; 2048]).unwrap();
        assert_eq!(read_capped(&p, 2048).unwrap().len(), 2048);
        assert!(read_capped(&p, 2047).unwrap_err().contains("larger than"));
        // /dev/zero reports size 0 and never ends: the cap still stops the read.
        assert!(read_capped(Path::new("/dev/zero"), 1 << 20).is_err());
    }
}
