//! What every subcommand shares: where the models are, which manifest and embedder are in force,
//! and how to read a file. Built once from the global flags and passed in; no global state.

use std::path::{Path, PathBuf};

use veriface::models::{FileSpec, Manifest};
use veriface::{Error, ModelBytes, Result, Verifier};

/// The global options, resolved.
pub struct Context {
    /// The folder holding the model files.
    pub models_dir: PathBuf,
    /// The manifest in force: `--manifest`, else the built-in one.
    pub manifest: Manifest,
    /// `--model`: the embedder id, if given.
    pub embedder: Option<String>,
}

impl Context {
    /// Resolves the global flags.
    ///
    /// # Errors
    /// `BAD_PARAMETER` for an unreadable or malformed `--manifest`.
    pub fn new(
        models: Option<PathBuf>,
        manifest: Option<&Path>,
        embedder: Option<String>,
    ) -> Result<Self> {
        let manifest = match manifest {
            Some(path) => serde_json::from_slice(&read(path)?).map_err(|e| {
                Error::bad_parameter("--manifest", format!("{}: {e}", path.display()))
            })?,
            None => Manifest::builtin()?,
        };
        Ok(Context {
            // models/ of the source tree this binary was built from, unless told otherwise.
            models_dir: models
                .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models")),
            manifest,
            embedder,
        })
    }

    /// A verifier with the detector and the `--model` embedder.
    ///
    /// # Errors
    /// Reading the files; the verifier's own load errors.
    pub fn verifier(&self) -> Result<Verifier> {
        self.verifier_with(self.embedder.as_deref())
    }

    /// A verifier with the detector and the embedder or fusion `id` (the manifest's default
    /// embedder for `None`).
    ///
    /// # Errors
    /// Reading the files; the verifier's own load errors.
    pub fn verifier_with(&self, id: Option<&str>) -> Result<Verifier> {
        let spec = self.manifest.embedding(id)?;
        let detector = self.model(&self.manifest.detector.file)?;
        let embedders = spec
            .members
            .iter()
            .map(|m| self.model(&m.file))
            .collect::<Result<Vec<_>>>()?;
        let embedders: Vec<&[u8]> = embedders.iter().map(Vec::as_slice).collect();
        Verifier::with_manifest(
            self.manifest.clone(),
            ModelBytes {
                detector: &detector,
                embedders: &embedders,
            },
            id,
        )
    }

    /// A verifier with the liveness models loaded too (anti-spoofing, eye state, iris, face mesh).
    ///
    /// # Errors
    /// As [`Context::verifier`]; `UNKNOWN_MODEL` when the manifest lists no liveness models.
    pub fn liveness_verifier(&self) -> Result<Verifier> {
        let mut v = self.verifier()?;
        let file = |spec: Option<&FileSpec>| match spec {
            Some(f) => self.model(f),
            None => Ok(Vec::new()),
        };
        let live = file(self.manifest.liveness.as_ref().map(|l| &l.file))?;
        let eye = file(self.manifest.eye.as_ref().map(|e| &e.file))?;
        let iris = file(self.manifest.iris.as_ref().map(|e| &e.file))?;
        v.load_passive(&live, &eye, &iris)?;
        // The face mesh too, when the manifest has one: the challenge's head turns need it.
        if let Some(mesh) = &self.manifest.mesh {
            v.load_mesh(&self.model(&mesh.file)?)?;
        }
        Ok(v)
    }

    fn model(&self, spec: &FileSpec) -> Result<Vec<u8>> {
        read(&self.models_dir.join(&spec.file))
    }
}

/// The most [`read`] takes from one file. Far above any input the CLI reads (the largest model is
/// 22 MB; a vendor body of six 20 MiB images in base64 is 160 MiB), and a bound on what a file
/// that never ends (`/dev/zero`, `/dev/full`, a pipe fed forever) can make it allocate.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Reads a file, at most [`MAX_FILE_BYTES`], turning I/O failures (missing, unreadable, a folder,
/// too long) into a `BAD_PARAMETER` that names the path.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let refuse = |why: String| {
        Error::bad_parameter("path", format!("cannot read {}: {why}", path.display()))
    };
    let file = std::fs::File::open(path).map_err(|e| refuse(e.to_string()))?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(refuse("it is a folder, not a file".into()));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| refuse(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(refuse(format!(
            "it is longer than {MAX_FILE_BYTES} bytes, the most the command line reads from one file"
        )));
    }
    Ok(bytes)
}
