//! Barcode geometry and images: the QR module matrix, EAN-13 and Code 128 bar
//! patterns, and their SVG text and 1-bit PNG bytes.

use serde::{Deserialize, Serialize};

use super::number::{CardNumber, ean13_check_digit};
use crate::kernel::error::{LoyaltyError, Result};

/// QR error-correction level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum EcLevel {
    /// ~7 % recovery.
    L,
    /// ~15 % recovery (default).
    #[default]
    M,
    /// ~25 % recovery.
    Q,
    /// ~30 % recovery.
    H,
}

impl EcLevel {
    /// Parses `L`, `M`, `Q` or `H`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "L" => Some(Self::L),
            "M" => Some(Self::M),
            "Q" => Some(Self::Q),
            "H" => Some(Self::H),
            _ => None,
        }
    }
}

/// Quiet zone around a QR code, in modules.
pub const QR_QUIET_ZONE: usize = 4;

/// A QR code as a square of modules, for drawing crisp squares on a canvas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    /// Modules per side, without the quiet zone.
    pub side: usize,
    /// Light modules to leave around the code on every side.
    pub quiet_zone: usize,
    /// Row-major bits, 1 = dark, most significant bit first, `side * side` bits.
    pub bits: Vec<u8>,
}

impl QrMatrix {
    /// Encodes `data` (byte mode as `qrcode` chooses) at `ec`.
    pub fn encode(data: &str, ec: EcLevel) -> Result<Self> {
        let level = match ec {
            EcLevel::L => qrcode::EcLevel::L,
            EcLevel::M => qrcode::EcLevel::M,
            EcLevel::Q => qrcode::EcLevel::Q,
            EcLevel::H => qrcode::EcLevel::H,
        };
        let code =
            qrcode::QrCode::with_error_correction_level(data.as_bytes(), level).map_err(|e| {
                LoyaltyError::Barcode {
                    reason: format!("cannot encode the payload as a QR code: {e}"),
                }
            })?;
        let side = code.width();
        let mut bits = vec![0u8; (side * side).div_ceil(8)];
        for (i, color) in code.to_colors().iter().enumerate() {
            if *color == qrcode::Color::Dark {
                bits[i / 8] |= 0x80 >> (i % 8);
            }
        }
        Ok(Self {
            side,
            quiet_zone: QR_QUIET_ZONE,
            bits,
        })
    }

    /// Whether module (x, y) is dark; outside the code is light.
    pub fn dark(&self, x: usize, y: usize) -> bool {
        if x >= self.side || y >= self.side {
            return false;
        }
        let i = y * self.side + x;
        self.bits[i / 8] & (0x80 >> (i % 8)) != 0
    }

    /// SVG text with crisp edges and the quiet zone, one module = one unit.
    pub fn svg(&self) -> String {
        let full = self.side + 2 * self.quiet_zone;
        let mut path = String::with_capacity(self.side * self.side);
        for y in 0..self.side {
            let mut x = 0;
            while x < self.side {
                if self.dark(x, y) {
                    let start = x;
                    while x < self.side && self.dark(x, y) {
                        x += 1;
                    }
                    path.push_str(&format!(
                        "M{} {}h{}v1h-{}z",
                        start + self.quiet_zone,
                        y + self.quiet_zone,
                        x - start,
                        x - start
                    ));
                } else {
                    x += 1;
                }
            }
        }
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {full} {full}\" width=\"{w}\" height=\"{w}\" shape-rendering=\"crispEdges\">\
             <rect width=\"{full}\" height=\"{full}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{path}\"/></svg>\n",
            w = full * 8
        )
    }

    /// A 1-bit greyscale PNG, `scale` pixels per module, quiet zone included.
    pub fn png(&self, scale: u32) -> Result<Vec<u8>> {
        let full = self.side + 2 * self.quiet_zone;
        let q = self.quiet_zone;
        png_1bit(full, full, scale, |x, y| {
            x >= q && y >= q && self.dark(x - q, y - q)
        })
    }

    /// Text drawn with Unicode half blocks (two module rows per line), light
    /// modules as blocks so it reads on a dark terminal.
    pub fn half_blocks(&self) -> String {
        let q = self.quiet_zone as isize;
        let full = self.side as isize + 2 * q;
        let light = |x: isize, y: isize| -> bool {
            let (mx, my) = (x - q, y - q);
            !(mx >= 0 && my >= 0 && self.dark(mx as usize, my as usize))
        };
        let mut out = String::new();
        let mut y = 0;
        while y < full {
            for x in 0..full {
                let top = light(x, y);
                let bottom = y + 1 >= full || light(x, y + 1);
                out.push(match (top, bottom) {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    (false, false) => ' ',
                });
            }
            out.push('\n');
            y += 2;
        }
        out
    }
}

/// Which symbology a linear barcode uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinearKind {
    /// EAN-13.
    Ean13,
    /// Code 128 (subsets B and C).
    Code128,
}

/// A linear barcode: alternating bar and space widths in modules, starting with a bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinearBarcode {
    /// Symbology.
    pub kind: LinearKind,
    /// The encoded text.
    pub text: String,
    /// Bar, space, bar, … widths in modules (quiet zones not included).
    pub widths: Vec<u8>,
    /// Light modules required on each side.
    pub quiet_zone: usize,
}

const EAN_L: [&str; 10] = [
    "0001101", "0011001", "0010011", "0111101", "0100011", "0110001", "0101111", "0111011",
    "0110111", "0001011",
];
const EAN_G: [&str; 10] = [
    "0100111", "0110011", "0011011", "0100001", "0011101", "0111001", "0000101", "0010001",
    "0001001", "0010111",
];
const EAN_R: [&str; 10] = [
    "1110010", "1100110", "1101100", "1000010", "1011100", "1001110", "1010000", "1000100",
    "1001000", "1110100",
];
const EAN_PARITY: [&str; 10] = [
    "LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG", "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL",
    "LGGLGL",
];

/// Code 128 patterns (bar/space widths) for values 0–106; 106 is the stop pattern.
const C128: [&str; 107] = [
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212",
    "221213", "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221",
    "223211", "221132", "221231", "213212", "223112", "312131", "311222", "321122", "321221",
    "312212", "322112", "322211", "212123", "212321", "232121", "111323", "131123", "131321",
    "112313", "132113", "132311", "211313", "231113", "231311", "112133", "112331", "132131",
    "113123", "113321", "133121", "313121", "211331", "231131", "213113", "213311", "213131",
    "311123", "311321", "331121", "312113", "312311", "332111", "314111", "221411", "431111",
    "111224", "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
    "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111", "111242",
    "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311",
    "113141", "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
];
const C128_START_B: usize = 104;
const C128_START_C: usize = 105;
const C128_CODE_B: usize = 100;
const C128_CODE_C: usize = 99;
const C128_STOP: usize = 106;

fn bits_to_widths(bits: &str) -> Vec<u8> {
    let mut widths = Vec::new();
    let mut last = '1';
    let mut run = 0u8;
    for ch in bits.chars() {
        if ch == last {
            run += 1;
        } else {
            widths.push(run);
            last = ch;
            run = 1;
        }
    }
    widths.push(run);
    widths
}

impl LinearBarcode {
    /// EAN-13 of a valid 13-digit EAN.
    pub fn ean13(card: &CardNumber) -> Result<Self> {
        if !card.is_ean13() {
            return Err(LoyaltyError::Barcode {
                reason: "EAN-13 needs a 13-digit number with a valid check digit; use code128"
                    .into(),
            });
        }
        let d: Vec<usize> = card
            .as_str()
            .bytes()
            .map(|b| usize::from(b - b'0'))
            .collect();
        let mut bits = String::from("101");
        for (i, parity) in EAN_PARITY[d[0]].chars().enumerate() {
            bits.push_str(if parity == 'L' {
                EAN_L[d[i + 1]]
            } else {
                EAN_G[d[i + 1]]
            });
        }
        bits.push_str("01010");
        for digit in &d[7..13] {
            bits.push_str(EAN_R[*digit]);
        }
        bits.push_str("101");
        Ok(Self {
            kind: LinearKind::Ean13,
            text: card.as_str().to_string(),
            widths: bits_to_widths(&bits),
            quiet_zone: 11,
        })
    }

    /// Code 128: subset C for digit pairs, subset B for the rest (printable ASCII only).
    pub fn code128(text: &str) -> Result<Self> {
        if text.is_empty() || text.len() > 80 || !text.bytes().all(|b| (32..=126).contains(&b)) {
            return Err(LoyaltyError::Barcode {
                reason: "Code 128 here takes 1 to 80 printable ASCII characters".into(),
            });
        }
        let bytes = text.as_bytes();
        let digit_run = |from: usize| {
            bytes[from..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count()
        };
        let mut values = Vec::new();
        let mut i = 0;
        // Start in C when the text opens with an even run of at least 4 digits (or is all digits, even).
        let first_run = digit_run(0);
        let mut in_c = first_run % 2 == 0 && (first_run >= 4 || first_run == bytes.len());
        values.push(if in_c { C128_START_C } else { C128_START_B });
        while i < bytes.len() {
            let run = digit_run(i);
            if in_c {
                if run >= 2 {
                    values.push(usize::from((bytes[i] - b'0') * 10 + (bytes[i + 1] - b'0')));
                    i += 2;
                    continue;
                }
                values.push(C128_CODE_B);
                in_c = false;
            }
            // In B: switch to C when an even run of 4+ digits follows (or the rest is an even digit run).
            if run >= 2 && run % 2 == 0 && (run >= 4 || i + run == bytes.len()) {
                values.push(C128_CODE_C);
                in_c = true;
                continue;
            }
            values.push(usize::from(bytes[i] - 32));
            i += 1;
        }
        let checksum = values
            .iter()
            .enumerate()
            .map(|(pos, v)| if pos == 0 { *v } else { pos * v })
            .sum::<usize>()
            % 103;
        values.push(checksum);
        values.push(C128_STOP);
        let widths = values
            .iter()
            .flat_map(|v| C128[*v].bytes().map(|b| b - b'0'))
            .collect();
        Ok(Self {
            kind: LinearKind::Code128,
            text: text.to_string(),
            widths,
            quiet_zone: 10,
        })
    }

    /// Width in modules without quiet zones.
    pub fn modules(&self) -> usize {
        self.widths.iter().map(|w| usize::from(*w)).sum()
    }

    fn dark_at(&self) -> Vec<bool> {
        let mut out = Vec::with_capacity(self.modules());
        for (i, w) in self.widths.iter().enumerate() {
            out.extend(std::iter::repeat_n(i % 2 == 0, usize::from(*w)));
        }
        out
    }

    /// SVG text with crisp edges and quiet zones; bars are 60 modules tall.
    pub fn svg(&self) -> String {
        let full = self.modules() + 2 * self.quiet_zone;
        let height = 60;
        let mut x = self.quiet_zone;
        let mut path = String::new();
        for (i, w) in self.widths.iter().enumerate() {
            if i % 2 == 0 {
                path.push_str(&format!("M{x} 0h{w}v{height}h-{w}z"));
            }
            x += usize::from(*w);
        }
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {full} {height}\" width=\"{}\" height=\"{}\" shape-rendering=\"crispEdges\">\
             <rect width=\"{full}\" height=\"{height}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{path}\"/></svg>\n",
            full * 3,
            height * 3
        )
    }

    /// A 1-bit greyscale PNG, `scale` pixels per module, 60 modules tall.
    pub fn png(&self, scale: u32) -> Result<Vec<u8>> {
        let dark = self.dark_at();
        let q = self.quiet_zone;
        png_1bit(self.modules() + 2 * q, 60, scale, |x, _| {
            x >= q && dark.get(x - q).copied().unwrap_or(false)
        })
    }
}

/// The EAN-13 for a 12-digit body (check digit appended); for tests and tools.
pub fn ean13_from_body(body: &str) -> Option<String> {
    let d: Vec<u8> = body.bytes().map(|b| b.wrapping_sub(b'0')).collect();
    (d.len() == 12 && d.iter().all(|x| *x <= 9)).then(|| format!("{body}{}", ean13_check_digit(&d)))
}

/// Writes a 1-bit greyscale PNG of `w`×`h` modules at `scale` pixels each; `dark(x, y)` per module.
fn png_1bit(
    w: usize,
    h: usize,
    scale: u32,
    dark: impl Fn(usize, usize) -> bool,
) -> Result<Vec<u8>> {
    if !(1..=64).contains(&scale) {
        return Err(LoyaltyError::Barcode {
            reason: format!("scale {scale} is not between 1 and 64 pixels per module"),
        });
    }
    let s = scale as usize;
    let (pw, ph) = (w * s, h * s);
    let row_bytes = pw.div_ceil(8);
    let mut data = vec![0u8; row_bytes * ph];
    for my in 0..h {
        let mut row = vec![0u8; row_bytes];
        for px in 0..pw {
            // 1 = white in greyscale; dark modules stay 0.
            if !dark(px / s, my) {
                row[px / 8] |= 0x80 >> (px % 8);
            }
        }
        for dy in 0..s {
            let start = (my * s + dy) * row_bytes;
            data[start..start + row_bytes].copy_from_slice(&row);
        }
    }
    let mut out = Vec::with_capacity(data.len() / 4 + 128);
    let failed = |e: png::EncodingError| LoyaltyError::Barcode {
        reason: format!("PNG encoding failed: {e}"),
    };
    {
        let too_big = || LoyaltyError::Barcode {
            reason: "image too large".into(),
        };
        let mut enc = png::Encoder::new(
            &mut out,
            u32::try_from(pw).map_err(|_| too_big())?,
            u32::try_from(ph).map_err(|_| too_big())?,
        );
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::One);
        let mut writer = enc.write_header().map_err(failed)?;
        writer.write_image_data(&data).map_err(failed)?;
        writer.finish().map_err(failed)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::number::CheckDigit;

    #[test]
    fn code128_patterns_are_eleven_modules() {
        for (i, p) in C128.iter().enumerate() {
            let sum: u32 = p.bytes().map(|b| u32::from(b - b'0')).sum();
            assert_eq!(sum, if i == C128_STOP { 13 } else { 11 }, "value {i}");
        }
    }

    #[test]
    fn ean13_is_95_modules() {
        let card = CardNumber::parse("4006381333931", CheckDigit::Ean13).unwrap();
        let code = LinearBarcode::ean13(&card).unwrap();
        assert_eq!(code.modules(), 95);
        let not_ean = CardNumber::parse("12345678", CheckDigit::None).unwrap();
        assert_eq!(
            LinearBarcode::ean13(&not_ean).unwrap_err().code(),
            "barcode"
        );
    }

    #[test]
    fn code128_uses_subset_c_for_digits() {
        // Start C + 4 pairs + checksum + stop.
        let c = LinearBarcode::code128("12345678").unwrap();
        assert_eq!(c.modules(), 11 * 6 + 13);
        // Odd digit count: start B, one digit, code C, pairs.
        let odd = LinearBarcode::code128("123456789").unwrap();
        assert_eq!(odd.modules(), 11 * 8 + 13);
        assert!(LinearBarcode::code128("").is_err());
        assert!(LinearBarcode::code128("é").is_err());
    }

    #[test]
    fn qr_matrix_has_finder_patterns_and_renders() {
        let m = QrMatrix::encode("LOY1:4006381333931:07081804", EcLevel::M).unwrap();
        assert_eq!(m.side, 25, "27 bytes at M is version 2");
        // Finder pattern corners are dark; the separator next to them is light.
        assert!(m.dark(0, 0) && m.dark(6, 6) && !m.dark(7, 7));
        let svg = m.svg();
        assert!(svg.contains("crispEdges") && svg.starts_with("<svg"));
        let png = m.png(4).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert!(m.png(0).is_err());
        assert_eq!(m.half_blocks().lines().count(), (25 + 8_usize).div_ceil(2));
        assert!(QrMatrix::encode(&"x".repeat(5000), EcLevel::H).is_err());
    }
}
