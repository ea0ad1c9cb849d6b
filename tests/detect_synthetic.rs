//! Prior generation, box/landmark decoding and NMS on synthetic numbers, where the right answer
//! is known exactly.

use veriface::detect::{decode, nms, priors, BBox, DecodeInput, Face};

fn steps() -> Vec<u32> {
    vec![8, 16, 32]
}
fn sizes() -> Vec<Vec<f32>> {
    vec![vec![16.0, 32.0], vec![64.0, 128.0], vec![256.0, 512.0]]
}

#[test]
fn priors_count_matches_retinaface_layout_for_odd_sizes() {
    for (w, h) in [
        (320u32, 320u32),
        (640, 640),
        (250, 250),
        (256, 320),
        (100, 37),
    ] {
        let expected: u32 = [8u32, 16, 32]
            .iter()
            .map(|s| w.div_ceil(*s) * h.div_ceil(*s) * 2)
            .sum();
        assert_eq!(
            priors(w, h, &steps(), &sizes()).len(),
            expected as usize,
            "{w}x{h}"
        );
    }
}

#[test]
fn priors_are_ordered_stride_row_column_size() {
    let p = priors(64, 32, &steps(), &sizes());
    // First stride 8: 8 columns x 4 rows x 2 sizes.
    assert_eq!(p[0], [4.0 / 64.0, 4.0 / 32.0, 16.0 / 64.0, 16.0 / 32.0]);
    assert_eq!(p[1], [4.0 / 64.0, 4.0 / 32.0, 32.0 / 64.0, 32.0 / 32.0]);
    // Next column, same row.
    assert_eq!(p[2][0], 12.0 / 64.0);
    assert_eq!(p[2][1], 4.0 / 32.0);
    // Second row starts after 8 columns x 2 sizes.
    assert_eq!(p[16][0], 4.0 / 64.0);
    assert_eq!(p[16][1], 12.0 / 32.0);
    // Stride 16 starts after 64 stride-8 priors, centred at 8 px.
    assert_eq!(p[64], [8.0 / 64.0, 8.0 / 32.0, 64.0 / 64.0, 64.0 / 32.0]);
}

/// A single prior with a zero regression decodes to the prior box itself; a known regression
/// decodes by the RetinaFace formulas with variances 0.1 / 0.2.
#[test]
fn decode_applies_variances_and_scales_to_pixels() {
    let pri = [[0.5f32, 0.5, 0.25, 0.5], [0.1, 0.1, 0.1, 0.1]];
    let loc = [0.0f32, 0.0, 0.0, 0.0, 1.0, -2.0, 5.0 * 2f32.ln(), 0.0];
    let conf = [0.1f32, 0.9, 0.8, 0.2];
    let mut landmarks = [0f32; 20];
    landmarks[0] = 1.0; // first point x of prior 0: shifted by 0.1 * 0.25 * 200 px = 5 px
    let run = |threshold| {
        decode(&DecodeInput {
            loc: &loc,
            conf: &conf,
            landmarks: &landmarks,
            priors: &pri,
            variances: [0.1, 0.2],
            width: 200.0,
            height: 100.0,
            threshold,
        })
        .unwrap()
    };
    let faces = run(0.5);
    assert_eq!(faces.len(), 1, "only prior 0 passes the threshold");
    let f = &faces[0];
    assert_eq!(f.score, 0.9);
    assert!((f.bbox.x1 - 75.0).abs() < 1e-4 && (f.bbox.x2 - 125.0).abs() < 1e-4);
    assert!((f.bbox.y1 - 25.0).abs() < 1e-4 && (f.bbox.y2 - 75.0).abs() < 1e-4);
    assert!((f.landmarks[0][0] - 105.0).abs() < 1e-4);
    assert!((f.landmarks[0][1] - 50.0).abs() < 1e-4);
    assert!((f.landmarks[4][0] - 100.0).abs() < 1e-4);

    // Lower the threshold: prior 1 decodes with centre shift and exp(0.2 * 5 ln 2) = 2x width.
    let faces = run(0.1);
    assert_eq!(faces.len(), 2);
    let g = &faces[1];
    assert_eq!(g.score, 0.2);
    let cx = (0.1 + 1.0 * 0.1 * 0.1) * 200.0;
    let cy = (0.1 - 2.0 * 0.1 * 0.1) * 100.0;
    assert!(((g.bbox.x1 + g.bbox.x2) / 2.0 - cx).abs() < 1e-3);
    assert!(((g.bbox.y1 + g.bbox.y2) / 2.0 - cy).abs() < 1e-3);
    assert!((g.bbox.width() - 0.2 * 200.0).abs() < 1e-3);
    assert!((g.bbox.height() - 0.1 * 100.0).abs() < 1e-3);
}

#[test]
fn decode_rejects_outputs_that_do_not_match_the_priors() {
    let pri = [[0.5f32, 0.5, 0.25, 0.5]];
    let err = decode(&DecodeInput {
        loc: &[0.0; 8],
        conf: &[0.0; 2],
        landmarks: &[0.0; 10],
        priors: &pri,
        variances: [0.1, 0.2],
        width: 1.0,
        height: 1.0,
        threshold: 0.5,
    })
    .unwrap_err();
    assert_eq!(err.code(), "INFERENCE_FAILED");
}

fn face(x1: f32, y1: f32, x2: f32, y2: f32, score: f32) -> Face {
    Face {
        bbox: BBox { x1, y1, x2, y2 },
        score,
        landmarks: [[0.0; 2]; 5],
    }
}

#[test]
fn nms_keeps_the_highest_score_not_the_lowest() {
    let faces = vec![
        face(0.0, 0.0, 10.0, 10.0, 0.70),
        face(1.0, 1.0, 11.0, 11.0, 0.99),
        face(0.5, 0.0, 10.5, 10.0, 0.80),
        face(50.0, 50.0, 60.0, 60.0, 0.65),
    ];
    let kept = nms(faces, 0.4);
    assert_eq!(kept.len(), 2);
    assert_eq!(kept[0].score, 0.99);
    assert_eq!(kept[1].score, 0.65);
}

#[test]
fn nms_keeps_boxes_overlapping_at_or_below_the_threshold() {
    // IoU of these two is exactly 1/3.
    let faces = vec![
        face(0.0, 0.0, 10.0, 10.0, 0.9),
        face(5.0, 0.0, 15.0, 10.0, 0.8),
    ];
    assert_eq!(nms(faces.clone(), 0.4).len(), 2);
    assert_eq!(nms(faces, 0.3).len(), 1);
}

#[test]
fn iou_is_zero_for_disjoint_and_empty_boxes() {
    let a = BBox {
        x1: 0.0,
        y1: 0.0,
        x2: 1.0,
        y2: 1.0,
    };
    let b = BBox {
        x1: 2.0,
        y1: 2.0,
        x2: 3.0,
        y2: 3.0,
    };
    let empty = BBox {
        x1: 5.0,
        y1: 5.0,
        x2: 4.0,
        y2: 4.0,
    };
    assert_eq!(a.iou(&b), 0.0);
    assert_eq!(a.iou(&empty), 0.0);
    assert_eq!(empty.iou(&empty), 0.0);
    assert_eq!(a.iou(&a), 1.0);
}
