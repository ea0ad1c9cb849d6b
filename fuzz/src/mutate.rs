//! Deterministic mutations for the CI pass: no coverage feedback, no randomness from outside.
//! Each input is a committed corpus file changed by one to four stacked edits of the kinds AFL's
//! havoc stage makes (bit flips, interesting values, inserted, deleted, duplicated and
//! overwritten ranges, dictionary tokens, splices with another corpus file), drawn from a
//! SplitMix64 stream seeded by the target's name, so a failure names an input that the next run
//! rebuilds exactly.

/// SplitMix64: small, fast, and the same sequence on every machine.
pub struct Rng(u64);

impl Rng {
    /// A generator seeded from `seed` (hashed, so similar seeds diverge at once).
    pub fn new(seed: &str) -> Rng {
        // FNV-1a of the seed.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in seed.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        Rng(h)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 for `n == 0`).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
}

/// Byte and word values that tend to sit on boundaries (AFL's "interesting" values).
const INTERESTING: &[u32] = &[
    0,
    1,
    0x7f,
    0x80,
    0xff,
    0x100,
    0x7fff,
    0x8000,
    0xffff,
    0x1_0000,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
];

/// `input` with one to four random edits. `corpus` supplies splices, `dict` tokens.
pub fn mutate(rng: &mut Rng, input: &[u8], corpus: &[Vec<u8>], dict: &[&[u8]]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        edit(rng, &mut out, corpus, dict);
    }
    out
}

fn edit(rng: &mut Rng, out: &mut Vec<u8>, corpus: &[Vec<u8>], dict: &[&[u8]]) {
    let len = out.len();
    match rng.below(12) {
        // Flip one bit.
        0 if len > 0 => {
            let i = rng.below(len);
            out[i] ^= 1 << rng.below(8);
        }
        // A random byte.
        1 if len > 0 => {
            let i = rng.below(len);
            out[i] = rng.next_u64() as u8;
        }
        // Add or subtract a little.
        2 if len > 0 => {
            let i = rng.below(len);
            let delta = 1 + rng.below(35) as u8;
            out[i] = if rng.below(2) == 0 {
                out[i].wrapping_add(delta)
            } else {
                out[i].wrapping_sub(delta)
            };
        }
        // An interesting 8-, 16- or 32-bit value, either byte order (image headers are
        // big-endian, RGBA frame sizes little-endian).
        3 if len > 0 => {
            let value = INTERESTING[rng.below(INTERESTING.len())];
            let width = [1usize, 2, 4][rng.below(3)].min(len);
            let bytes = if rng.below(2) == 0 {
                value.to_be_bytes()
            } else {
                value.to_le_bytes()
            };
            let at = rng.below(len - width + 1);
            let src = if bytes[..4 - width].iter().all(|&b| b == 0) || rng.below(2) == 0 {
                &bytes[4 - width..]
            } else {
                &bytes[..width]
            };
            out[at..at + width].copy_from_slice(src);
        }
        // Delete a range.
        4 if len > 1 => {
            let at = rng.below(len);
            let n = 1 + rng.below((len - at).min(64));
            out.drain(at..at + n);
        }
        // Duplicate a range in place (grows lengths and counts).
        5 if len > 0 => {
            let at = rng.below(len);
            let n = 1 + rng.below((len - at).min(256));
            let chunk = out[at..at + n].to_vec();
            let to = rng.below(len + 1);
            out.splice(to..to, chunk);
        }
        // Insert random bytes.
        6 => {
            let to = rng.below(len + 1);
            let n = 1 + rng.below(16);
            let bytes: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
            out.splice(to..to, bytes);
        }
        // Insert or overwrite with a dictionary token.
        7 | 8 if !dict.is_empty() => {
            let token = dict[rng.below(dict.len())];
            let to = rng.below(len + 1);
            if rng.below(2) == 0 || to + token.len() > len {
                out.splice(to..to, token.iter().copied());
            } else {
                out[to..to + token.len()].copy_from_slice(token);
            }
        }
        // Splice: our head, another file's tail.
        9 if !corpus.is_empty() => {
            let other = &corpus[rng.below(corpus.len())];
            let cut = rng.below(len + 1);
            let from = rng.below(other.len() + 1);
            out.truncate(cut);
            out.extend_from_slice(&other[from..]);
        }
        // Truncate.
        10 if len > 0 => {
            out.truncate(rng.below(len));
        }
        // Overwrite a range with a copy of another range.
        11 if len > 1 => {
            let (a, b) = (rng.below(len), rng.below(len));
            let n = 1 + rng.below((len - a.max(b)).min(64));
            let chunk = out[a..a + n].to_vec();
            out[b..b + n].copy_from_slice(&chunk);
        }
        _ => {
            // The chosen edit does not apply to this length: append a random byte instead.
            out.push(rng.next_u64() as u8);
        }
    }
}

/// The tokens the mutations insert for `target` (also written as AFL dictionaries by
/// `gen-corpus`): markers and chunk names for the image formats, field names and JSON syntax for
/// the request bodies.
pub fn dictionary(target: &str) -> Vec<&'static [u8]> {
    let json: &[&[u8]] = &[
        b"null",
        b"true",
        b"false",
        b"0",
        b"-1",
        b"1e308",
        b"-0",
        b"0.5",
        b"4294967296",
        b"18446744073709551616",
        b"\"\"",
        b"{}",
        b"[]",
        b"[[[[",
        b"{\"a\":",
        b",",
        b":",
        b"\"",
        b"\\u0000",
        b"\\ud800",
    ];
    let images: &[&[u8]] = &[
        b"\xff\xd8\xff",
        b"\xff\xd9",
        b"\xff\xda",
        b"\xff\xc0",
        b"\xff\xc2",
        b"\xff\xc4",
        b"\xff\xdb",
        b"\xff\xdd",
        b"\xff\xe1",
        b"Exif\0\0",
        b"MM\0*",
        b"II*\0",
        b"\x89PNG\r\n\x1a\n",
        b"IHDR",
        b"IDAT",
        b"IEND",
        b"PLTE",
        b"tRNS",
        b"eXIf",
        b"acTL",
        b"fcTL",
        b"GIF89a",
        b"RIFF",
        b"WEBP",
        b"ftypheic",
        b"%PDF",
    ];
    let base64: &[&[u8]] = &[
        b"data:",
        b"data:image/png;base64,",
        b"data:image/jpeg;base64,",
        b";base64",
        b",",
        b"=",
        b"==",
        b"-",
        b"_",
        b"+",
        b"/",
        b" ",
        b"\r\n",
        b"/9j/",
        b"iVBORw0KGgo",
    ];
    let vendor: &[&[u8]] = &[
        b"/v1/ocr/face/compare\n",
        b"/v1/ocr/liveness/multi\n",
        b"/api/v1/face/match/\n",
        b"/v1/facematch\n",
        b"/veriface/compare\n",
        b"/veriface/liveness\n",
        b"/compare\n",
        b"\"face_image1\"",
        b"\"face_image2\"",
        b"\"first_img\"",
        b"\"second_img\"",
        b"\"bundle_key\"",
        b"\"lang\"",
        b"\"ar\"",
        b"\"file_a\"",
        b"\"file_b\"",
        b"\"file_a_name\"",
        b"\"x.webp\"",
        b"\"face_base_64\"",
        b"\"ref_face_base_64\"",
        b"\"min_similarity_score\"",
        b"\"check_liveness\"",
        b"\"face_1\"",
        b"\"face_4\"",
        b"\"image\"",
        b"\"request_id\"",
        b"\"transaction_id\"",
        b"\"a\"",
        b"\"b\"",
        b"\"threshold\"",
        b"\"facePolicy\"",
        b"\"face_policy\"",
        b"\"largest\"",
        b"\"format\"",
        b"\"width\"",
        b"\"height\"",
        b"\"data\"",
    ];
    let liveness: &[&[u8]] = &[
        b"\"frames\"",
        b"\"timestamps\"",
        b"\"timestamp\"",
        b"\"image\"",
        b"\"idFront\"",
        b"\"id_front\"",
        b"\"maxSpanMs\"",
        b"\"max_span_ms\"",
        b"\"format\"",
        b"\"vlens\"",
        b"\"width\"",
        b"\"height\"",
        b"\"data\"",
        b"\"models\"",
    ];
    let challenge: &[&[u8]] = &[
        b"\"challenge\"",
        b"\"record\"",
        b"\"version\"",
        b"\"nonce\"",
        b"\"issued_at\"",
        b"\"expires_at\"",
        b"\"steps\"",
        b"\"action\"",
        b"\"window_ms\"",
        b"\"signature\"",
        b"\"turn_left\"",
        b"\"turn_right\"",
        b"\"blink\"",
        b"\"come_closer\"",
        b"\"started_at\"",
        b"\"frames\"",
        b"\"events\"",
        b"\"t\"",
        b"\"image\"",
        b"\"note\"",
        b"\"kind\"",
        b"\"step\"",
        b"\"yaw\"",
        b"\"eyes\"",
        b"\"width\"",
        b"+",
        b"A",
        b"0",
    ];
    let multipart: &[&[u8]] = &[
        b"multipart/form-data; boundary=",
        b"application/x-www-form-urlencoded\n",
        b"application/json\n",
        b"\r\n",
        b"--",
        b"Content-Disposition: form-data; name=\"",
        b"\"; filename=\"",
        b"Content-Type: image/jpeg\r\n",
        b"file_a",
        b"file_b",
        b"&",
        b"=",
        b"%",
        b"%ZZ",
        b"+",
    ];
    let manifest: &[&[u8]] = &[
        b"\"detector\"",
        b"\"embedders\"",
        b"\"liveness\"",
        b"\"eye\"",
        b"\"iris\"",
        b"\"mesh\"",
        b"\"id\"",
        b"\"file\"",
        b"\"sha256\"",
        b"\"bytes\"",
        b"\"input_size\"",
        b"\"color\"",
        b"\"rgb\"",
        b"\"bgr\"",
        b"\"normalization\"",
        b"\"mean\"",
        b"\"std\"",
        b"\"steps\"",
        b"\"min_sizes\"",
        b"\"variances\"",
        b"\"dimensions\"",
        b"\"template\"",
        b"\"flip_average\"",
        b"\"metric\"",
        b"\"euclidean\"",
        b"\"calibration\"",
        b"\"slope\"",
        b"\"center\"",
        b"\"similarity_at_0_7\"",
        b"\"operating_point\"",
        b"\"box_scale\"",
        b"\"live_class\"",
        b"\"divisor\"",
        b"\"open_class\"",
    ];
    let mut out: Vec<&'static [u8]> = Vec::new();
    match target {
        "decode" => out.extend_from_slice(images),
        "base64" => out.extend_from_slice(base64),
        "rgba" => {}
        "vendor" => {
            out.extend_from_slice(json);
            out.extend_from_slice(vendor);
            out.extend_from_slice(base64);
        }
        "multipart" => {
            out.extend_from_slice(multipart);
            out.extend_from_slice(vendor);
            out.extend_from_slice(json);
        }
        "liveness" => {
            out.extend_from_slice(json);
            out.extend_from_slice(liveness);
        }
        "challenge" => {
            out.extend_from_slice(json);
            out.extend_from_slice(challenge);
        }
        "manifest" => {
            out.extend_from_slice(json);
            out.extend_from_slice(manifest);
        }
        _ => {}
    }
    out
}
