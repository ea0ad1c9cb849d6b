//! The detector's refining step (`src/detect/refine.rs`): a face the 320 pass finds too small to
//! trust is found again in a window at the 640 pass's scale. It must answer as the 640 pass does,
//! for what the embedder sees: real faces (LFW dev, read in place from ../shared/eval) pasted
//! into 640 x 480 frames, embedded from the coarse-to-fine pass's face and from the 640 pass's
//! face. First at the size of a selfie at arm's length at several places in the frame, then at
//! sizes on both sides of the 96 px (at 320) where the 320 pass stops asking for a window.

mod common;

use image::{imageops, Rgb, RgbImage};
use veriface::compare::cosine;
use veriface::detect::Face;
use veriface::report::Timings;
use veriface::select::largest;
use veriface::Verifier;

/// The first image of every `stride`-th LFW dev identity, in name order.
fn lfw_faces(dir: &std::path::Path, stride: usize) -> Vec<(String, RgbImage)> {
    let images = dir.join("lfw-dev/images");
    let mut people: Vec<_> = std::fs::read_dir(&images)
        .expect("lfw-dev/images lists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    people.sort();
    let mut out = Vec::new();
    for person in people.iter().step_by(stride) {
        let mut files: Vec<_> = std::fs::read_dir(person)
            .expect("a person's folder lists")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        let Some(file) = files.first() else { continue };
        let photo = image::open(file).expect("LFW image decodes").to_rgb8();
        out.push((file.display().to_string(), photo));
    }
    out
}

/// What the coarse-to-fine pass and the 640 pass made of one frame's subject.
struct Passes {
    /// Cosine between the embeddings of the two passes' faces.
    cosine: f64,
    /// Intersection over union of the two passes' boxes.
    iou: f32,
    /// The coarse-to-fine face's height in the frame, in pixels.
    height: f32,
    refined: u64,
    fell_back: u64,
    /// The 640 pass's largest face is another one (a low-scoring false face beside the subject).
    other_largest: bool,
}

/// `None` when the coarse-to-fine pass's largest face is not a face of the 640 pass: another
/// subject was chosen.
fn both_passes(v: &mut Verifier, frame: &RgbImage, name: &str) -> Option<Passes> {
    let before = v.detector().runs();
    let coarse_to_fine = v.detector_mut().detect(frame).expect("detects");
    let after = v.detector().runs();
    let fine = v.detector_mut().detect_fine(frame).expect("detects");
    // The subject as each pass sees it: the coarse-to-fine pass's largest face, and the 640
    // pass's face over it.
    let Some(a) = largest(&coarse_to_fine).cloned() else {
        panic!("{name}: no face in the coarse-to-fine pass");
    };
    let Some(b) = fine
        .iter()
        .max_by(|p, q| p.bbox.iou(&a.bbox).total_cmp(&q.bbox.iou(&a.bbox)))
        .cloned()
    else {
        panic!("{name}: no face in the 640 pass");
    };
    if a.bbox.iou(&b.bbox) < 0.5 {
        println!("{name}: the largest face is not one of the 640 pass's\n  {coarse_to_fine:?}\n  {fine:?}");
        return None;
    }
    let embed = |face: &Face| {
        v.embed_face(frame, face, "refined", &mut Timings::default())
            .expect("embeds")
            .embedding
    };
    let (ea, eb) = (embed(&a), embed(&b));
    Some(Passes {
        cosine: cosine(&ea, &eb),
        iou: a.bbox.iou(&b.bbox),
        height: a.bbox.height(),
        refined: after.refine - before.refine,
        fell_back: after.fine - before.fine,
        other_largest: largest(&fine).is_some_and(|f| f.bbox != b.bbox),
    })
}

/// Minimum, 5th percentile, median and mean of `cosines`, sorting them.
fn summary(cosines: &mut [f64]) -> (f64, f64, f64, f64) {
    cosines.sort_by(f64::total_cmp);
    let n = cosines.len();
    let mean = cosines.iter().sum::<f64>() / n as f64;
    (cosines[0], cosines[n / 20], cosines[n / 2], mean)
}

#[test]
fn refined_faces_embed_as_the_640_pass_faces_do() {
    let Some(dir) = common::eval_dir("refined_faces_embed_as_the_640_pass_faces_do") else {
        return;
    };
    let mut v = common::verifier();
    let mut cosines = Vec::new();
    let (mut refined, mut fell_back, mut other_largest) = (0u64, 0u64, 0u64);
    for (n, (name, photo)) in lfw_faces(&dir, 15).iter().enumerate() {
        // LFW's faces are about 110 px tall in 250 px: 55 px at 320, so the refining step runs.
        // Three places in the frame, so that windows are also moved inside it at its edges.
        let (x, y) = [(195, 115), (0, 0), (390, 230)][n % 3];
        let mut frame = RgbImage::from_pixel(640, 480, Rgb([128, 128, 128]));
        imageops::overlay(&mut frame, photo, x, y);
        let p = both_passes(&mut v, &frame, name).expect("the subject is chosen");
        assert!(p.iou > 0.85, "{name}: IoU {}", p.iou);
        refined += p.refined;
        fell_back += p.fell_back;
        other_largest += u64::from(p.other_largest);
        cosines.push(p.cosine);
    }
    let n = cosines.len();
    let (min, p5, median, mean) = summary(&mut cosines);
    println!(
        "{n} faces: refined {refined}, 640 pass {fell_back}, another face largest in the 640 \
         pass {other_largest}; cosine between the embeddings of the two passes: min {min:.4}, \
         5th percentile {p5:.4}, median {median:.4}, mean {mean:.4}"
    );
    assert!(n >= 100, "only {n} LFW images read");
    // The step must actually answer: the 640 pass only where a window cannot stand in.
    assert!(refined as usize >= n * 9 / 10, "refined {refined} of {n}");
    assert!(fell_back as usize <= n / 10, "640 pass {fell_back} of {n}");
    // Same person, same photo: the two crops differ only by landmark placement. For scale, two
    // different photos of one person score about 0.5-0.7 (docs/calibration.md).
    assert!(mean > 0.97, "mean cosine {mean}");
    assert!(min > 0.85, "min cosine {min}");
}

/// Faces from about 60 to about 100 px tall at 320 (120 to 200 px in the 640 x 480 frame): below
/// 96 px the refining step answers, above it the 320 pass alone. Neither side may embed the face
/// differently from the 640 pass; the eval data has no faces of these sizes in a frame this big.
#[test]
fn faces_either_side_of_the_refining_threshold_embed_as_the_640_pass_faces_do() {
    let test = "faces_either_side_of_the_refining_threshold_embed_as_the_640_pass_faces_do";
    let Some(dir) = common::eval_dir(test) else {
        return;
    };
    let mut v = common::verifier();
    let faces = lfw_faces(&dir, 45);
    // LFW photos are 250 px with the face about 110 px tall: scaled to `side` px, the face is
    // about side * 0.22 px tall at 320.
    for side in [273u32, 341, 409, 454] {
        let (mut cosines, mut refined, mut alone, mut other) = (Vec::new(), 0u64, 0u64, 0usize);
        let (mut heights, mut ious) = (Vec::new(), Vec::new());
        for (name, photo) in &faces {
            let scaled = imageops::resize(photo, side, side, imageops::FilterType::Triangle);
            let mut frame = RgbImage::from_pixel(640, 480, Rgb([128, 128, 128]));
            let (x, y) = (i64::from((640 - side) / 2), i64::from((480 - side) / 2));
            imageops::overlay(&mut frame, &scaled, x, y);
            let Some(p) = both_passes(&mut v, &frame, name) else {
                other += 1;
                continue;
            };
            refined += p.refined;
            alone += u64::from(p.refined == 0 && p.fell_back == 0);
            heights.push(p.height / 2.0);
            ious.push(p.iou);
            cosines.push(p.cosine);
        }
        let n = cosines.len();
        heights.sort_by(f32::total_cmp);
        ious.sort_by(f32::total_cmp);
        let (min, p5, median, mean) = summary(&mut cosines);
        println!(
            "photo {side} px, face {:.0}-{:.0} px at 320: {n} faces, refined {refined}, 320 pass \
             alone {alone}, another face chosen {other}; box IoU with the 640 pass: min {:.3}, median {:.3}; cosine to the 640 \
             pass: min {min:.4}, 5th percentile {p5:.4}, median {median:.4}, mean {mean:.4}",
            heights[0],
            heights[n - 1],
            ious[0],
            ious[n / 2]
        );
        assert!(n >= 30, "only {n} LFW images read");
        // Each side of the threshold answered by its own path: the smallest faces all refined,
        // the largest all by the 320 pass alone.
        if side == 273 {
            assert!(
                refined as usize >= n,
                "photo {side} px: refined {refined} of {n}"
            );
        }
        if side == 454 {
            assert_eq!(alone as usize, n, "photo {side} px: 320 pass alone");
        }
        // Measured on 2026-12-03: refined faces agree with the 640 pass at mean 0.982-0.984,
        // faces the 320 pass answers alone at 0.970-0.972 (min 0.89), so the bound is looser
        // than the first test's. Once in 47 at 454 px the 320 pass's largest face was a
        // 0.68-score false face beside the subject, which the 640 pass did not report.
        assert!(mean > 0.95, "photo {side} px: mean cosine {mean}");
        assert!(min > 0.85, "photo {side} px: min cosine {min}");
        assert!(
            other <= 2,
            "photo {side} px: another face chosen {other} times"
        );
    }
}
