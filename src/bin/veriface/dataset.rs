//! Labelled data for the liveness and eye evaluations, in any folder: a `labels.csv` with
//! `path,label` and optional columns this module understands:
//!
//! - `label`: `live` (bona fide), `spoof` or `spoof_<kind>` (an attack of that kind), `closed`
//!   (a face with both eyes closed); other labels are skipped.
//! - `kind`: `image` or `video` (default: by extension); other kinds (`face_crop`: a face cut out
//!   of its frame, not a camera frame) are skipped.
//! - `fps`: a video's frame rate (default 25): frames are extracted at that rate.
//! - `subject`, `glasses`, `position`, `session`, `picture` (NUAA): rows with the same label,
//!   subject, glasses, position and session are one sequence, ordered by `picture`.
//!
//! A source is a folder holding `labels.csv`, a folder whose subfolders (to three levels) hold
//! them, or a CSV file whose paths are relative to `--root` (default: the file's folder).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use veriface::{Error, Result};

use crate::context::read;

/// What a row shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Label {
    /// A live person (bona fide presentation).
    Live,
    /// An attack of this kind (`print`, `replay_phone`, ...).
    Attack(String),
    /// A face with both eyes closed.
    Closed,
}

/// One labelled image or video.
#[derive(Debug, Clone)]
pub struct Row {
    /// The file.
    pub path: PathBuf,
    /// What it shows.
    pub label: Label,
    /// A video (else a still image).
    pub video: bool,
    /// Frame rate to extract a video at.
    pub fps: f64,
    /// The subject (or, without a subject column, the labels file's folder): the group that
    /// per-subject figures are reported by.
    pub group: String,
    /// For sequence rows: the sequence key and the picture number.
    pub sequence: Option<(String, u64)>,
}

/// Every labelled row of every source.
///
/// # Errors
/// `BAD_PARAMETER` for a source that is neither a CSV file nor a folder with labels.
pub fn load(sources: &[PathBuf], root: Option<&Path>) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    for source in sources {
        if source.is_file() {
            let base = root
                .map(Path::to_path_buf)
                .or_else(|| source.parent().map(Path::to_path_buf))
                .unwrap_or_default();
            rows.extend(read_labels(source, &base)?);
            continue;
        }
        let files = labels_files(source, 3);
        if files.is_empty() {
            return Err(Error::bad_parameter(
                "SOURCE",
                format!(
                    "{} holds no labels.csv (path,label[,kind,fps,...]) at any depth up to 3",
                    source.display()
                ),
            ));
        }
        for file in files {
            let base = file.parent().map(Path::to_path_buf).unwrap_or_default();
            rows.extend(read_labels(&file, &base)?);
        }
    }
    Ok(rows)
}

/// `dir/labels.csv`, or those of its subfolders (sorted), down to `depth` levels.
fn labels_files(dir: &Path, depth: usize) -> Vec<PathBuf> {
    let here = dir.join("labels.csv");
    if here.is_file() {
        return vec![here];
    }
    if depth == 0 {
        return Vec::new();
    }
    let mut subdirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|it| it.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    subdirs.retain(|p| p.is_dir());
    subdirs.sort();
    subdirs
        .iter()
        .flat_map(|d| labels_files(d, depth - 1))
        .collect()
}

fn read_labels(file: &Path, base: &Path) -> Result<Vec<Row>> {
    // Groups are named by the labels file's folder; a CSV file whose paths reach into the
    // folders of a shared root (`--root`) is named by each path's first folder instead.
    let root_name = base
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let own_folder = file.parent() == Some(base);
    let text = String::from_utf8_lossy(&read(file)?).into_owned();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let col = |name: &str| header.iter().position(|h| h.trim() == name);
    let (Some(path_col), Some(label_col)) = (col("path"), col("label")) else {
        return Ok(Vec::new());
    };
    let (kind, fps) = (col("kind"), col("fps"));
    let seq_cols: Vec<usize> = ["subject", "glasses", "position", "session"]
        .iter()
        .filter_map(|c| col(c))
        .collect();
    let (subject, picture) = (col("subject"), col("picture"));
    let mut rows = Vec::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let cells: Vec<&str> = line.split(',').collect();
        let get = |i: Option<usize>| i.and_then(|i| cells.get(i)).map_or("", |c| c.trim());
        let label = match get(Some(label_col)) {
            "live" => Label::Live,
            "closed" => Label::Closed,
            "spoof" => Label::Attack("spoof".into()),
            l => match l.strip_prefix("spoof_") {
                Some(k) => Label::Attack(k.into()),
                None => continue,
            },
        };
        let path = base.join(get(Some(path_col)));
        let by_extension = matches!(
            path.extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                .as_deref(),
            Some("mp4" | "webm" | "avi" | "mov" | "mkv")
        );
        let video = match get(kind) {
            "" => by_extension,
            "video" => true,
            "image" | "still" => false,
            _ => continue,
        };
        let label_name = get(Some(label_col)).to_string();
        let sequence = match picture.and_then(|p| cells.get(p)?.trim().parse::<u64>().ok()) {
            Some(n) if seq_cols.len() == 4 => {
                let key: Vec<&str> = seq_cols.iter().map(|&c| get(Some(c))).collect();
                Some((format!("{label_name} {}", key.join("_")), n))
            }
            _ => None,
        };
        let rel = get(Some(path_col));
        // The group figures are reported by: the subject; else, for a video, the video (one
        // person each, in the data here); else the folder.
        let top = if own_folder {
            root_name.clone()
        } else {
            rel.split('/').next().unwrap_or_default().to_string()
        };
        let group = match (get(subject), video) {
            ("", false) => top,
            ("", true) => format!(
                "{top}/{}",
                path.file_stem()
                    .map(|s| s.to_string_lossy())
                    .unwrap_or_default()
            ),
            (s, _) => format!("{top}/{s}"),
        };
        rows.push(Row {
            path,
            label,
            video,
            fps: get(fps)
                .parse()
                .ok()
                .filter(|f: &f64| *f > 0.0)
                .unwrap_or(25.0),
            group,
            sequence,
        });
    }
    Ok(rows)
}

/// Sequence rows grouped by sequence, each ordered by picture number.
pub fn sequences(rows: &[Row]) -> BTreeMap<String, Vec<&Row>> {
    let mut out: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
    for r in rows {
        if let Some((key, _)) = &r.sequence {
            out.entry(key.clone()).or_default().push(r);
        }
    }
    for seq in out.values_mut() {
        seq.sort_by_key(|r| r.sequence.as_ref().map_or(0, |s| s.1));
    }
    out
}

/// ffmpeg: the one given, the one on PATH, or the static build in the imageio-ffmpeg wheel.
///
/// # Errors
/// `BAD_PARAMETER` when none is found.
pub fn ffmpeg(given: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = given {
        return Ok(p.to_path_buf());
    }
    if Command::new("ffmpeg").arg("-version").output().is_ok() {
        return Ok("ffmpeg".into());
    }
    let out = Command::new("python3")
        .args([
            "-c",
            "import imageio_ffmpeg; print(imageio_ffmpeg.get_ffmpeg_exe())",
        ])
        .output()
        .map_err(|e| Error::bad_parameter("--ffmpeg", format!("no ffmpeg found ({e})")))?;
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if path.is_empty() {
        return Err(Error::bad_parameter(
            "--ffmpeg",
            "no ffmpeg: install Debian's ffmpeg or `pip install imageio-ffmpeg`, or pass --ffmpeg",
        ));
    }
    Ok(path.into())
}

/// A video's frames as PNG files in a temporary folder, removed when dropped.
pub struct Frames {
    dir: PathBuf,
    /// The frames in order, `1000 / fps` ms apart.
    pub files: Vec<PathBuf>,
}

impl Drop for Frames {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Extracts `video`'s frames at `fps`.
///
/// # Errors
/// `BAD_PARAMETER` when ffmpeg cannot run or decode the file.
pub fn extract(ffmpeg: &Path, video: &Path, fps: f64) -> Result<Frames> {
    let stem = video
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("video");
    let dir = std::env::temp_dir().join(format!("veriface-eval-{}-{stem}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| {
        Error::bad_parameter("SOURCE", format!("cannot make {}: {e}", dir.display()))
    })?;
    // Removes the folder on every path out of here, errors included.
    let mut frames = Frames {
        dir: dir.clone(),
        files: Vec::new(),
    };
    let status = Command::new(ffmpeg)
        .args(["-loglevel", "error", "-y", "-i"])
        .arg(video)
        .args(["-vf", &format!("fps={fps}")])
        .arg(dir.join("%05d.png"))
        .status()
        .map_err(|e| Error::bad_parameter("--ffmpeg", format!("cannot run ffmpeg: {e}")))?;
    if !status.success() {
        return Err(Error::bad_parameter(
            "SOURCE",
            format!("ffmpeg could not decode {}", video.display()),
        ));
    }
    frames.files = std::fs::read_dir(&dir)
        .map_err(|e| Error::bad_parameter("SOURCE", e.to_string()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    frames.files.sort();
    Ok(frames)
}
