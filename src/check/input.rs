//! Standard input as a source of manifests: `kourse check -`, or no path
//! with a pipe on stdin outside a course.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::source::MAX_FILE_BYTES;

/// The name diagnostics give standard input.
pub const STDIN_NAME: &str = "<stdin>";

/// The path that stands for standard input on the command line.
pub fn is_stdin_arg(p: &Path) -> bool {
    p.as_os_str() == "-"
}

/// Whether standard input is a pipe or a redirected file: what `helm
/// template … | kourse check` gives. A terminal, `/dev/null` or a closed
/// stdin (what a CI step or a test harness usually has) is not.
pub fn stdin_is_piped() -> bool {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        use std::os::unix::fs::FileTypeExt;
        let Ok(fd) = std::io::stdin().as_fd().try_clone_to_owned() else {
            return false;
        };
        std::fs::File::from(fd)
            .metadata()
            .is_ok_and(|m| m.file_type().is_fifo() || m.file_type().is_file())
    }
    #[cfg(not(unix))]
    {
        use std::io::IsTerminal;
        !std::io::stdin().is_terminal()
    }
}

/// Reads all of standard input, with the size limit and UTF-8 rule of a file.
pub fn read_stdin() -> Result<String, Diagnostic> {
    let mut bytes = Vec::new();
    let shown = PathBuf::from(STDIN_NAME);
    std::io::stdin()
        .lock()
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Diagnostic::error("io", shown.clone(), format!("cannot read: {e}")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Diagnostic::error(
            "too-large",
            shown,
            format!("standard input is over the limit of {MAX_FILE_BYTES} bytes"),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
        let (line, col) = crate::diagnostic::line_col(&prefix, valid);
        let mut d = Diagnostic::error("encoding", shown, "standard input is not valid UTF-8");
        d.line = line;
        d.col = col;
        d
    })
}
