//! `kubectl apply -k`: an overlay rendered with `kubectl kustomize`, kept in
//! the build cache under a key made of the state (path, size, modification
//! time) of every file below the overlay's top folder, since an overlay
//! reaches its bases with `../`. Rendering costs a process start (about
//! 100 ms); the key, a walk over the folder's entries.

use std::path::Path;

/// Why an overlay was not rendered.
pub enum NotRendered {
    /// The folder does not exist.
    Missing,
    /// kubectl is missing or failed: the message says which.
    Failed(String),
}

pub fn render(
    root: &Path,
    dir: &str,
    kubectl: Option<&Path>,
    cache: Option<&Path>,
) -> Result<String, NotRendered> {
    let full = root.join(dir);
    if !full.is_dir() {
        return Err(NotRendered::Missing);
    }
    let Some(kubectl) = kubectl else {
        return Err(NotRendered::Failed(format!(
            "the kustomization `{dir}` was not walked: kubectl is not on PATH to render it"
        )));
    };
    let key = cache.map(|c| {
        c.join("walk-kustomize")
            .join(format!("{}.yaml", key(root, dir, kubectl)))
    });
    if let Some(text) = key.as_ref().and_then(|k| std::fs::read_to_string(k).ok()) {
        return Ok(text);
    }
    let out = std::process::Command::new(kubectl)
        .arg("kustomize")
        .arg(&full)
        .output()
        .map_err(|e| {
            NotRendered::Failed(format!("the kustomization `{dir}` was not walked: {e}"))
        })?;
    if !out.status.success() {
        return Err(NotRendered::Failed(format!(
            "the kustomization `{dir}` was not walked: `kubectl kustomize` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    // The cache is an optimisation: failing to write it is not a failure.
    if let Some(k) = key
        && let Some(parent) = k.parent()
        && std::fs::create_dir_all(parent).is_ok()
    {
        let _ = std::fs::write(k, &text);
    }
    Ok(text)
}

fn key(root: &Path, dir: &str, kubectl: &Path) -> String {
    let top = dir
        .split('/')
        .find(|s| !s.is_empty() && *s != ".")
        .unwrap_or(dir);
    let mut h = blake3::Hasher::new();
    h.update(dir.as_bytes());
    h.update(kubectl.as_os_str().as_encoded_bytes());
    for e in walkdir::WalkDir::new(root.join(top))
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
    {
        let Ok(meta) = e.metadata() else { continue };
        h.update(e.path().as_os_str().as_encoded_bytes());
        h.update(&meta.len().to_le_bytes());
        if let Ok(t) = meta.modified()
            && let Ok(d) = t.duration_since(std::time::UNIX_EPOCH)
        {
            h.update(&d.as_nanos().to_le_bytes());
        }
    }
    h.finalize().to_hex()[..32].to_owned()
}
