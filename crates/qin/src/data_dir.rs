//! The embedded data directory kept private: the directory its owner's only (0700), and the
//! files in it (`qin.redb` with every transcript, `token-secret`) readable by the owner only
//! (0600).
//!
//! A directory that already exists with wider permissions is tightened, and a warning says
//! so: chats and the token secret must not be readable by other users of the machine. If it
//! cannot be tightened (owned by someone else), Qin refuses to start.

use anyhow::Context;
use std::path::Path;

/// The files Qin keeps in a data directory.
const FILES: &[&str] = &[qin_store::FileStore::FILE_NAME, crate::secret::SECRET_FILE];

/// Makes `dir` ready for a file store: created 0700 if missing, tightened to 0700 if wider,
/// its files tightened to 0600, and the store's file created 0600 if missing (the store
/// then opens the empty file as a new database).
pub(crate) fn prepare(dir: &Path) -> anyhow::Result<()> {
    create(dir).with_context(|| format!("creating the data directory {}", dir.display()))?;
    tighten(dir, 0o700)?;
    for name in FILES {
        let path = dir.join(name);
        if path.exists() {
            tighten(&path, 0o600)?;
        }
    }
    let store = dir.join(qin_store::FileStore::FILE_NAME);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(&store)
        .with_context(|| format!("creating {}", store.display()))?;
    Ok(())
}

fn create(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Takes away what `path` grants beyond `mode` (owner-only), with a warning if it did.
#[cfg(unix)]
fn tighten(path: &Path, mode: u32) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    let was = meta.permissions().mode() & 0o777;
    if was & !mode == 0 {
        return Ok(());
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(was & mode)).with_context(
        || {
            format!(
                "{} is readable by other users ({was:o}) and cannot be made private; \
                 chmod it to {mode:o}",
                path.display()
            )
        },
    )?;
    tracing::warn!(
        path = %path.display(), was = format!("{was:o}"), now = format!("{:o}", was & mode),
        "data directory was readable by other users: made private"
    );
    Ok(())
}

#[cfg(not(unix))]
fn tighten(_path: &Path, _mode: u32) -> anyhow::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_new_data_directory_is_private() {
        let tmp = qin_testkit::TempDir::new("data-dir");
        let dir = tmp.path().join("data");
        prepare(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("qin.redb")), 0o600);
    }

    #[test]
    fn a_wide_data_directory_and_its_files_are_tightened() {
        let tmp = qin_testkit::TempDir::new("data-dir");
        let dir = tmp.path().join("data");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        for name in ["qin.redb", "token-secret"] {
            std::fs::write(dir.join(name), b"").unwrap();
            std::fs::set_permissions(dir.join(name), std::fs::Permissions::from_mode(0o644))
                .unwrap();
        }
        prepare(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("qin.redb")), 0o600);
        assert_eq!(mode(&dir.join("token-secret")), 0o600);
    }
}
