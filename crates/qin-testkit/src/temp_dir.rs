//! A test's own directory under the system temp dir, removed with all it holds when dropped:
//! data directories, and config files for `qin` child processes.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A fresh, empty directory, removed when dropped (even when the test fails).
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates `qin-<tag>-<process id>-<n>` under the system temp dir, empty. The name is
    /// unique within this test run, so tests running at once never share one.
    pub fn new(tag: &str) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("qin-{tag}-{}-{n}", std::process::id()));
        // Left over by an earlier run whose process had the same id.
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        Self { path }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `text` to the file `name` in the directory (replacing what it held) and returns
    /// the file's path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let file = self.path.join(name);
        std::fs::write(&file, text)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", file.display()));
        file
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_is_new_and_gone_when_dropped() {
        let (a, b) = (TempDir::new("unit"), TempDir::new("unit"));
        assert_ne!(a.path(), b.path());
        let file = a.write("qin.toml", "x = 1");
        assert_eq!(
            std::fs::read_to_string(&file).ok().as_deref(),
            Some("x = 1")
        );
        let path = a.path().to_owned();
        drop(a);
        assert!(!path.exists());
    }
}
