//! Small file-system helpers with the durability and permission rules Alcove relies on:
//! every file Alcove writes is 0600 and every folder it makes 0700, set explicitly so that
//! no umask widens or narrows them.

use std::fs::{self, File, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Owner read and write.
pub const FILE_MODE: u32 = 0o600;
/// Owner read, write and enter.
pub const DIR_MODE: u32 = 0o700;

/// Sets `path` to 0600 (a file) or 0700 (a folder).
pub fn make_private(path: &Path) -> io::Result<()> {
    let mode = if fs::symlink_metadata(path)?.is_dir() {
        DIR_MODE
    } else {
        FILE_MODE
    };
    fs::set_permissions(path, Permissions::from_mode(mode))
}

/// Creates (or truncates) `path` as an owner-only file and returns it open for writing.
pub fn create_private_file(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(FILE_MODE)
        .open(path)?;
    file.set_permissions(Permissions::from_mode(FILE_MODE))?;
    Ok(file)
}

/// Writes `bytes` to `path` atomically: a temporary file (mode 0600) in the same folder,
/// fsync, rename over `path`, fsync the folder. A crash leaves either the old file or the
/// new one, never a torn one.
pub fn write_private_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".tmp-{}", std::process::id()));
    let tmp = dir.join(tmp_name);
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(FILE_MODE)
            .open(&tmp)?;
        file.set_permissions(Permissions::from_mode(FILE_MODE))?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Creates `path` with mode 0600 and writes `bytes`; refuses to replace an existing file.
pub fn create_private_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .open(path)?;
    let result = file
        .set_permissions(Permissions::from_mode(FILE_MODE))
        .and_then(|()| file.write_all(bytes))
        .and_then(|()| file.sync_all());
    if result.is_err() {
        let _ = fs::remove_file(path);
    }
    result
}

/// Creates a folder (and its missing parents) readable only by its owner. A folder that
/// already exists is left as it is (a backup folder of the owner's choosing, a mount point):
/// use [`ensure_private_dir`] for Alcove's own.
pub fn create_private_dir(path: &Path) -> io::Result<()> {
    let existed = path.is_dir();
    fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(path)?;
    if !existed {
        fs::set_permissions(path, Permissions::from_mode(DIR_MODE))?;
    }
    Ok(())
}

/// Creates a folder of Alcove's own (the data directory, a folder inside it), or narrows an
/// existing one, to 0700.
pub fn ensure_private_dir(path: &Path) -> io::Result<()> {
    create_private_dir(path)?;
    fs::set_permissions(path, Permissions::from_mode(DIR_MODE))
}

/// Flushes a folder's entries (a rename inside it) to disk.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_is_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        write_private_atomic(&p, b"one").unwrap();
        write_private_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn own_folders_are_narrowed_and_others_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let theirs = dir.path().join("theirs");
        let ours = dir.path().join("ours");
        for p in [&theirs, &ours] {
            fs::create_dir(p).unwrap();
            fs::set_permissions(p, Permissions::from_mode(0o755)).unwrap();
        }
        create_private_dir(&theirs).unwrap();
        ensure_private_dir(&ours).unwrap();
        assert_eq!(mode(&theirs), 0o755);
        assert_eq!(mode(&ours), 0o700);
        let fresh = dir.path().join("a/b");
        create_private_dir(&fresh).unwrap();
        assert_eq!(mode(&fresh), 0o700);
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        let f = dir.path().join("f");
        fs::write(&f, b"x").unwrap();
        fs::set_permissions(&f, Permissions::from_mode(0o644)).unwrap();
        make_private(&f).unwrap();
        assert_eq!(mode(&f), 0o600);
        drop(create_private_file(&dir.path().join("g")).unwrap());
        assert_eq!(mode(&dir.path().join("g")), 0o600);
    }

    #[test]
    fn create_new_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        create_private_new(&p, b"one").unwrap();
        assert!(create_private_new(&p, b"two").is_err());
        assert_eq!(fs::read(&p).unwrap(), b"one");
    }
}
