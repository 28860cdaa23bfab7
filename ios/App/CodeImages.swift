// The codes drawn from the core's modules: whole device pixels per module,
// no smoothing, dark on white with the quiet zone white too, centred in the
// space they get. Tills read crisp modules best.
import LoyaltyPresentation
import SwiftUI

/// The QR code from its module matrix (row-major bits, MSB first).
struct QrCodeImage: View {
    let qr: QrImage
    @Environment(\.displayScale) private var displayScale

    var body: some View {
        GeometryReader { geometry in
            let sidePx = Int(min(geometry.size.width, geometry.size.height) * displayScale)
            // Two pixels a module at the very least: below that tills misread.
            let modulePx = max(2, qr.pixelsPerModule(maxPx: sidePx))
            let codePx = modulePx * qr.fullSide
            Canvas { context, size in
                let scale = displayScale
                // Pixel-aligned origin, so every module edge falls on a pixel edge.
                let originX = CGFloat((Int(size.width * scale) - codePx) / 2) / scale
                let originY = CGFloat((Int(size.height * scale) - codePx) / 2) / scale
                let module = CGFloat(modulePx) / scale
                let full = CGFloat(codePx) / scale
                context.fill(Path(CGRect(x: originX, y: originY, width: full, height: full)), with: .color(.white))
                var dark = Path()
                for y in 0..<qr.side {
                    for x in 0..<qr.side where qr.isDark(x: x, y: y) {
                        dark.addRect(CGRect(
                            x: originX + CGFloat(qr.quietZone + x) * module,
                            y: originY + CGFloat(qr.quietZone + y) * module,
                            width: module,
                            height: module
                        ))
                    }
                }
                context.fill(dark, with: .color(.black))
            }
        }
        .aspectRatio(1, contentMode: .fit)
    }
}

/// The linear barcode from its bar and space widths (bar first), with its quiet zone.
struct BarcodeImage: View {
    let bars: BarsImage
    @Environment(\.displayScale) private var displayScale

    var body: some View {
        VStack(spacing: 4) {
            GeometryReader { geometry in
                let modules = bars.widths.reduce(0, +) + 2 * bars.quietZone
                let modulePx = max(1, Int(geometry.size.width * displayScale) / max(modules, 1))
                Canvas { context, size in
                    let scale = displayScale
                    let module = CGFloat(modulePx) / scale
                    let width = CGFloat(modulePx * modules) / scale
                    let originX = CGFloat((Int(size.width * scale) - modulePx * modules) / 2) / scale
                    context.fill(Path(CGRect(x: originX, y: 0, width: width, height: size.height)), with: .color(.white))
                    var x = originX + CGFloat(bars.quietZone) * module
                    var bar = Path()
                    for (i, w) in bars.widths.enumerated() {
                        let span = CGFloat(w) * module
                        if i % 2 == 0 {
                            bar.addRect(CGRect(x: x, y: 0, width: span, height: size.height))
                        }
                        x += span
                    }
                    context.fill(bar, with: .color(.black))
                }
            }
            .frame(height: 120)
            Text(bars.text)
                .font(.body.monospacedDigit())
                .foregroundStyle(.black)
        }
        .padding(.vertical, 8)
        .background(Color.white)
    }
}
