//! Persistence under `--data DIR`: `snapshot.json` (the whole state,
//! replaced atomically by write-to-temp + fsync + rename) plus
//! `journal.jsonl` (one JSON array of changes per line, appended after
//! every write, without fsync). Loading replays the journal over the
//! snapshot; a torn last line, what a kill in the middle of an append
//! leaves, is dropped. Start and clean stop compact the journal into a
//! fresh snapshot. Blob bytes live in `blobs/` (see `blobs`).

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use super::SandboxError;
use super::db::{Change, State};

const SNAPSHOT: &str = "snapshot.json";
const JOURNAL: &str = "journal.jsonl";

/// The append-only journal of a data directory.
#[derive(Debug)]
pub(crate) struct Journal {
    dir: PathBuf,
    file: File,
}

fn persist_err(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> SandboxError {
    let path = path.to_path_buf();
    move |source| SandboxError::Persist {
        action,
        path,
        source,
    }
}

/// What a data directory held when it was opened.
pub(crate) struct Loaded {
    pub state: State,
    /// False when the directory had no snapshot and no journal yet.
    pub existed: bool,
    pub journal: Journal,
}

/// Opens (creating if needed) a data directory, loads its state and
/// compacts it.
pub(crate) fn open(dir: &Path) -> Result<Loaded, SandboxError> {
    fs::create_dir_all(dir).map_err(persist_err("create directory", dir))?;
    let snapshot_path = dir.join(SNAPSHOT);
    let journal_path = dir.join(JOURNAL);
    let existed = snapshot_path.exists() || journal_path.exists();

    let mut state = match fs::read(&snapshot_path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| SandboxError::Corrupt {
            path: snapshot_path.clone(),
            line: e.line(),
            message: e.to_string(),
        })?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => State::default(),
        Err(e) => return Err(persist_err("read", &snapshot_path)(e)),
    };
    replay(&journal_path, &mut state)?;
    let mut journal = Journal {
        dir: dir.to_path_buf(),
        file: open_append(&journal_path)?,
    };
    journal.compact(&state)?;
    Ok(Loaded {
        state,
        existed,
        journal,
    })
}

fn open_append(path: &Path) -> Result<File, SandboxError> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(persist_err("open", path))
}

/// Applies every complete journal line; a last line that does not parse
/// is a torn append and is dropped, any other bad line is corruption.
fn replay(path: &Path, state: &mut State) -> Result<(), SandboxError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(persist_err("read", path)(e)),
    };
    let mut lines = BufReader::new(file).split(b'\n').enumerate().peekable();
    while let Some((index, line)) = lines.next() {
        let line = line.map_err(persist_err("read", path))?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Vec<Change>>(&line) {
            Ok(changes) => changes.into_iter().for_each(|c| state.apply(c)),
            Err(_) if lines.peek().is_none() => {}
            Err(e) => {
                return Err(SandboxError::Corrupt {
                    path: path.to_path_buf(),
                    line: index + 1,
                    message: e.to_string(),
                });
            }
        }
    }
    Ok(())
}

impl Journal {
    /// Appends one batch as one line, in a single write.
    pub(crate) fn append(&mut self, changes: &[Change]) -> io::Result<()> {
        let mut line = serde_json::to_vec(changes)?;
        line.push(b'\n');
        self.file.write_all(&line)
    }

    /// Writes `state` as the new snapshot, then empties the journal. A
    /// crash between the two leaves a journal whose changes the snapshot
    /// already holds, which replays harmlessly.
    pub(crate) fn compact(&mut self, state: &State) -> Result<(), SandboxError> {
        let snapshot = self.dir.join(SNAPSHOT);
        let tmp = self.dir.join("snapshot.json.tmp");
        let bytes =
            serde_json::to_vec(state).map_err(|e| persist_err("encode", &snapshot)(e.into()))?;
        let mut f = File::create(&tmp).map_err(persist_err("create", &tmp))?;
        f.write_all(&bytes).map_err(persist_err("write", &tmp))?;
        f.sync_all().map_err(persist_err("sync", &tmp))?;
        fs::rename(&tmp, &snapshot).map_err(persist_err("rename", &tmp))?;
        if let Ok(d) = File::open(&self.dir) {
            // Makes the rename durable where the platform allows it.
            let _ = d.sync_all();
        }
        let journal = self.dir.join(JOURNAL);
        File::create(&journal).map_err(persist_err("truncate", &journal))?;
        self.file = open_append(&journal)?;
        Ok(())
    }
}
