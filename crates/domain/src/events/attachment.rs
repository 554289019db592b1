//! Photos attached to events (on the report and on any transition): what is accepted is decided
//! by the bytes, never by the file name or the declared content type. JPEG, PNG and WebP are
//! recognised by their magic numbers, and their headers are read far enough to know the width
//! and height (a file whose header does not parse is refused as "not an image").

use crate::FieldError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageKind {
    Jpeg,
    Png,
    Webp,
}

impl ImageKind {
    pub fn content_type(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Png => "image/png",
            ImageKind::Webp => "image/webp",
        }
    }

    pub fn parse_content_type(s: &str) -> Option<Self> {
        [ImageKind::Jpeg, ImageKind::Png, ImageKind::Webp]
            .into_iter()
            .find(|k| k.content_type() == s)
    }
}

/// What the bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageInfo {
    pub kind: ImageKind,
    pub width: u32,
    pub height: u32,
}

/// How much may be uploaded at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttachmentLimits {
    /// Largest file (bytes).
    pub max_bytes: usize,
    /// Most files in one upload (a report or one transition).
    pub max_files: usize,
}

impl Default for AttachmentLimits {
    fn default() -> Self {
        Self {
            max_bytes: 5 * 1024 * 1024,
            max_files: 6,
        }
    }
}

fn be16(b: &[u8], i: usize) -> Option<u32> {
    Some(u16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?]) as u32)
}

fn be32(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(i..i + 4)?.try_into().ok()?))
}

fn le16(b: &[u8], i: usize) -> Option<u32> {
    Some(u16::from_le_bytes([*b.get(i)?, *b.get(i + 1)?]) as u32)
}

fn le24(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_le_bytes([
        *b.get(i)?,
        *b.get(i + 1)?,
        *b.get(i + 2)?,
        0,
    ]))
}

fn png(b: &[u8]) -> Option<ImageInfo> {
    // Signature, then the IHDR chunk first: length 13, "IHDR", width, height.
    if !b.starts_with(b"\x89PNG\r\n\x1a\n") || b.get(12..16)? != b"IHDR" {
        return None;
    }
    let (w, h) = (be32(b, 16)?, be32(b, 20)?);
    Some(ImageInfo {
        kind: ImageKind::Png,
        width: w,
        height: h,
    })
}

fn jpeg(b: &[u8]) -> Option<ImageInfo> {
    if !b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return None;
    }
    // Walk the segments up to the first start-of-frame (SOF0–SOF15 but DHT, JPG and DAC).
    let mut i = 2;
    loop {
        while *b.get(i)? == 0xFF && *b.get(i + 1)? == 0xFF {
            i += 1;
        }
        if *b.get(i)? != 0xFF {
            return None;
        }
        let marker = *b.get(i + 1)?;
        if marker == 0xD8 || (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            i += 2;
            continue;
        }
        if marker == 0xD9 || marker == 0xDA {
            return None; // end of image or start of scan before any frame header
        }
        let len = be16(b, i + 2)? as usize;
        if len < 2 {
            return None;
        }
        if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let h = be16(b, i + 5)?;
            let w = be16(b, i + 7)?;
            return Some(ImageInfo {
                kind: ImageKind::Jpeg,
                width: w,
                height: h,
            });
        }
        i += 2 + len;
    }
}

fn webp(b: &[u8]) -> Option<ImageInfo> {
    if b.get(0..4)? != b"RIFF" || b.get(8..12)? != b"WEBP" {
        return None;
    }
    let (w, h) = match b.get(12..16)? {
        b"VP8 " => {
            // Frame tag (3 bytes), start code 9d 01 2a, then 14-bit width and height.
            if b.get(23..26)? != [0x9d, 0x01, 0x2a] {
                return None;
            }
            (le16(b, 26)? & 0x3fff, le16(b, 28)? & 0x3fff)
        }
        b"VP8L" => {
            if *b.get(20)? != 0x2f {
                return None;
            }
            let bits = u32::from_le_bytes(b.get(21..25)?.try_into().ok()?);
            ((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1)
        }
        b"VP8X" => (le24(b, 24)? + 1, le24(b, 27)? + 1),
        _ => return None,
    };
    Some(ImageInfo {
        kind: ImageKind::Webp,
        width: w,
        height: h,
    })
}

/// What an upload's bytes are, if they are a JPEG, PNG or WebP image with a readable header.
pub fn sniff(bytes: &[u8]) -> Option<ImageInfo> {
    png(bytes)
        .or_else(|| jpeg(bytes))
        .or_else(|| webp(bytes))
        .filter(|i| i.width > 0 && i.height > 0)
}

/// Check one upload (`name` is only used in the message): size, then the bytes.
pub fn check(name: &str, bytes: &[u8], limits: &AttachmentLimits) -> Result<ImageInfo, FieldError> {
    if bytes.is_empty() {
        return Err(FieldError::new("photos", format!("文件“{name}”是空的")));
    }
    if bytes.len() > limits.max_bytes {
        return Err(FieldError::new(
            "photos",
            format!(
                "文件“{name}”超过 {} MB 的上限",
                limits.max_bytes as f64 / (1024.0 * 1024.0)
            ),
        ));
    }
    sniff(bytes).ok_or_else(|| {
        FieldError::new("photos", format!("文件“{name}”不是 JPEG、PNG 或 WebP 图片"))
    })
}

/// A file name safe to show and to send back in a header: the last path part, printable,
/// at most 100 characters, without quotes.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let s: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>'))
        .take(100)
        .collect();
    let s = s.trim().to_string();
    if s.is_empty() {
        "photo".into()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The start of a 3×2 PNG: signature and IHDR.
    pub const PNG_1X1: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x02, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F,
        0x15, 0xC4, 0x89,
    ];

    #[test]
    fn recognises_png_by_bytes() {
        let i = sniff(PNG_1X1).unwrap();
        assert_eq!((i.kind, i.width, i.height), (ImageKind::Png, 3, 2));
    }

    #[test]
    fn recognises_jpeg_frame_header() {
        // SOI, APP0 (len 16), SOF0 with height 480, width 640.
        let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        b.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        b.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0xE0, 0x02, 0x80, 0x03]);
        b.extend_from_slice(&[0; 9]);
        let i = sniff(&b).unwrap();
        assert_eq!((i.kind, i.width, i.height), (ImageKind::Jpeg, 640, 480));
        // Cut before the frame header: not an image.
        assert!(sniff(&b[..12]).is_none());
    }

    #[test]
    fn recognises_webp_variants() {
        let mut x = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0".to_vec();
        x.extend_from_slice(&[0x3F, 0x01, 0x00, 0xEF, 0x00, 0x00]); // 320 × 240
        let i = sniff(&x).unwrap();
        assert_eq!((i.kind, i.width, i.height), (ImageKind::Webp, 320, 240));
        let mut l = b"RIFF\0\0\0\0WEBPVP8L\0\0\0\0\x2f".to_vec();
        let bits: u32 = 99 | (49 << 14);
        l.extend_from_slice(&bits.to_le_bytes());
        let i = sniff(&l).unwrap();
        assert_eq!((i.width, i.height), (100, 50));
    }

    #[test]
    fn refuses_what_is_not_an_image() {
        let html = b"<!doctype html><script>alert(1)</script>";
        assert!(sniff(html).is_none());
        let e = check("cat.jpg", html, &AttachmentLimits::default()).unwrap_err();
        assert!(e.reason.contains("cat.jpg"), "{}", e.reason);
        assert!(sniff(b"\x89PNG\r\n\x1a\n").is_none(), "a bare signature");
        assert!(sniff(b"GIF89a\x01\0\x01\0").is_none());
        let limits = AttachmentLimits {
            max_bytes: 10,
            max_files: 1,
        };
        let e = check("big.png", PNG_1X1, &limits).unwrap_err();
        assert!(e.reason.contains("上限"));
        assert!(check("empty.png", b"", &limits).is_err());
    }

    #[test]
    fn names_are_cleaned() {
        assert_eq!(clean_name("C:\\fakepath\\a\"b<c>.png"), "abc.png");
        assert_eq!(clean_name("../../"), "photo");
    }
}
