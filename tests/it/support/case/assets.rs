//! Small valid assets for the generated cases: a PNG, a baseline JPEG or
//! a PDF of a few hundred bytes whose magic bytes match the extension,
//! varied by seed.

use std::fmt::Write as _;

/// A file of type `ext` (`png`, `jpg`, else a PDF) carrying `comment`.
pub fn asset(rng: &mut fastrand::Rng, ext: &str, comment: &str) -> Vec<u8> {
    match ext {
        "png" => png(rng, comment),
        "jpg" => jpeg(comment),
        _ => pdf(rng, comment),
    }
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xedb8_8320 & mask);
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

/// A tiny RGB PNG: stored (uncompressed) deflate, real CRCs, and a
/// `tEXt` comment for size.
fn png(rng: &mut fastrand::Rng, comment: &str) -> Vec<u8> {
    let (w, h) = (rng.u32(1..=4), rng.u32(1..=4));
    let mut raw = Vec::new();
    for _ in 0..h {
        // Filter type 0, then the row's RGB bytes.
        raw.push(0u8);
        raw.extend((0..w * 3).map(|_| rng.u8(..)));
    }
    let len = u16::try_from(raw.len()).unwrap();
    let mut z = vec![0x78, 0x01, 0x01];
    z.extend(len.to_le_bytes());
    z.extend((!len).to_le_bytes());
    z.extend(&raw);
    z.extend(adler32(&raw).to_be_bytes());
    let mut ihdr = Vec::new();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut text = b"Comment\0".to_vec();
    text.extend(comment.as_bytes());
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    for (kind, data) in [
        (b"IHDR", ihdr),
        (b"tEXt", text),
        (b"IDAT", z),
        (b"IEND", Vec::new()),
    ] {
        out.extend(u32::try_from(data.len()).unwrap().to_be_bytes());
        let mut body = kind.to_vec();
        body.extend(&data);
        out.extend(&body);
        out.extend(crc32(&body).to_be_bytes());
    }
    out
}

/// An 8×8 grey baseline JPEG: one block, DC and AC tables with one 1-bit
/// code each, and a `COM` segment for size.
fn jpeg(comment: &str) -> Vec<u8> {
    let mut out = vec![0xff, 0xd8];
    out.extend([
        0xff, 0xe0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00,
        0x01, 0x00, 0x00,
    ]);
    out.extend([0xff, 0xfe]);
    out.extend(u16::try_from(comment.len() + 2).unwrap().to_be_bytes());
    out.extend(comment.as_bytes());
    out.extend([0xff, 0xdb, 0x00, 0x43, 0x00]);
    out.extend([1u8; 64]);
    out.extend([
        0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00,
    ]);
    for class in [0x00u8, 0x10] {
        out.extend([0xff, 0xc4, 0x00, 0x14, class, 1]);
        out.extend([0u8; 15]);
        out.push(0x00);
    }
    out.extend([0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00]);
    // DC diff 0 ("0"), end of block ("0"), padded with ones.
    out.push(0x3f);
    out.extend([0xff, 0xd9]);
    out
}

/// A one-page PDF with a coloured rectangle and a correct xref table.
fn pdf(rng: &mut fastrand::Rng, comment: &str) -> Vec<u8> {
    let content = format!(
        "0 0 {}.{} rg 20 20 {} {} re f\n",
        rng.u8(0..=1),
        rng.u8(0..10),
        rng.u32(20..160),
        rng.u32(20..160)
    );
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>".to_owned(),
        format!(
            "<< /Length {} >>\nstream\n{content}endstream",
            content.len()
        ),
    ];
    let mut out = format!("%PDF-1.4\n% {comment}\n");
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        let _ = write!(out, "{} 0 obj\n{o}\nendobj\n", i + 1);
    }
    let xref = out.len();
    let _ = write!(out, "xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for off in offsets {
        let _ = writeln!(out, "{off:010} 00000 n ");
    }
    let _ = write!(
        out,
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    out.into_bytes()
}
