//! How a served generation's files are read: mapped, except the stored listings.
//!
//! Postings, fast fields and norms are read by every search and stay mapped. The document
//! store is read a block at a time for the page of results only, and mapping it made the
//! server's resident memory grow with every listing ever shown: at a million listings, a
//! thousand searches left about 250 MB of the store's file pages mapped into the process (a
//! fault maps the cached pages around the one asked for too). Read with `pread`, a block is
//! copied into a buffer that lives as long as tantivy's block cache keeps it; the file's pages
//! stay in the kernel's page cache, shared and reclaimable, but not in the server's memory.
//! The cost is a system call per block read, for the 20 listings of a page: within the noise
//! of `bench_scale` at 20,000 listings (p50 0.24 ms either way), and the serving peak at a
//! million fell from 358 MB to 111 MB.

use std::fs::File;
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::directory::error::{
    DeleteError, LockError, OpenDirectoryError, OpenReadError, OpenWriteError,
};
use tantivy::directory::{
    DirectoryLock, FileHandle, Lock, MmapDirectory, OwnedBytes, WatchCallback, WatchHandle,
    WritePtr,
};
use tantivy::{Directory, HasLen};

/// A generation's directory: tantivy's mapped directory, with `.store` files read by `pread`.
#[derive(Clone, Debug)]
pub(crate) struct ServedDirectory {
    root: PathBuf,
    mapped: MmapDirectory,
}

impl ServedDirectory {
    pub(crate) fn open(path: &Path) -> Result<ServedDirectory, OpenDirectoryError> {
        Ok(ServedDirectory { root: path.to_path_buf(), mapped: MmapDirectory::open(path)? })
    }
}

/// A file read at offsets, never mapped.
#[derive(Debug)]
struct ReadAt {
    file: File,
    len: usize,
}

impl HasLen for ReadAt {
    fn len(&self) -> usize {
        self.len
    }
}

impl FileHandle for ReadAt {
    fn read_bytes(&self, range: Range<usize>) -> std::io::Result<OwnedBytes> {
        if range.end > self.len || range.start > range.end {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("bytes {range:?} of a file of {} bytes", self.len),
            ));
        }
        let mut buf = vec![0; range.len()];
        self.file.read_exact_at(&mut buf, range.start as u64)?;
        Ok(OwnedBytes::new(buf))
    }
}

impl Directory for ServedDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        if path.extension().is_none_or(|e| e != "store") {
            return self.mapped.get_file_handle(path);
        }
        let full = self.root.join(path);
        let io = |e: std::io::Error| OpenReadError::wrap_io_error(e, full.clone());
        let file = File::open(&full).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => OpenReadError::FileDoesNotExist(full.clone()),
            _ => io(e),
        })?;
        let len = file.metadata().map_err(io)?.len() as usize;
        Ok(Arc::new(ReadAt { file, len }))
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.mapped.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.mapped.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        self.mapped.open_write(path)
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.mapped.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> std::io::Result<()> {
        self.mapped.atomic_write(path, data)
    }

    fn sync_directory(&self) -> std::io::Result<()> {
        self.mapped.sync_directory()
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        self.mapped.acquire_lock(lock)
    }

    fn watch(&self, callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.mapped.watch(callback)
    }
}

#[cfg(test)]
mod tests {
    use iop_core::Listing;

    use crate::Index;

    #[test]
    fn stored_listings_are_read_not_mapped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let listings = (0..50).map(|i| Listing {
            id: format!("f-{i}"),
            name: format!("Listing {i}"),
            description: Some("x".repeat(2_000)),
            ..Listing::default()
        });
        crate::build(dir.path(), listings, &mut |_| {}).expect("build");
        let index = Index::open(dir.path()).expect("open");
        for i in 0..50 {
            let l = index.get(&format!("f-{i}")).expect("get").expect("there");
            assert_eq!(l.name, format!("Listing {i}"));
        }
        // This test's own files only: other tests in the process map theirs.
        let root = dir.path().canonicalize().expect("canonical").display().to_string();
        let maps = std::fs::read_to_string("/proc/self/maps").expect("maps");
        let ours: Vec<&str> = maps.lines().filter(|l| l.contains(&root)).collect();
        assert!(ours.iter().any(|l| l.ends_with(".idx")), "postings stay mapped: {ours:?}");
        assert!(!ours.iter().any(|l| l.ends_with(".store")), "store mapped: {ours:?}");
    }
}
