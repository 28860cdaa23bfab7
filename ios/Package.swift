// swift-tools-version:5.9
// LoyaltyCore for iOS (and macOS, where its tests run): the Rust core as an
// XCFramework binary target plus the uniffi-generated Swift on top, and
// LoyaltyPresentation (Foundation + Observation: screen models, formatting,
// texts) that the SwiftUI app in App/ draws. Run ./build-xcframework.sh
// first; it produces the XCFramework and LoyaltyCore.swift (neither is
// committed). The app and its extension are built from project.yml.
import PackageDescription

let package = Package(
    name: "LoyaltyCore",
    defaultLocalization: "en",
    platforms: [.iOS(.v17), .macOS(.v14)],
    products: [
        .library(name: "LoyaltyCore", targets: ["LoyaltyCore"]),
        .library(name: "LoyaltyPresentation", targets: ["LoyaltyPresentation"]),
    ],
    targets: [
        .binaryTarget(name: "LoyaltyCoreFFI", path: "LoyaltyCoreFFI.xcframework"),
        .target(
            name: "LoyaltyCore",
            dependencies: ["LoyaltyCoreFFI"],
            path: "Sources/LoyaltyCore",
            linkerSettings: [.linkedFramework("SystemConfiguration"), .linkedFramework("Security")]
        ),
        .target(
            name: "LoyaltyPresentation",
            dependencies: ["LoyaltyCore"],
            path: "Sources/LoyaltyPresentation",
            // Copied as it is and read by Catalog.swift, so that the words are
            // chosen by the same plural rules as on Android (and checked on Linux).
            resources: [.copy("Resources/Localizable.xcstrings")]
        ),
        .testTarget(name: "LoyaltyCoreTests", dependencies: ["LoyaltyCore"], path: "Tests/LoyaltyCoreTests"),
        .testTarget(
            name: "LoyaltyPresentationTests",
            dependencies: ["LoyaltyPresentation", "LoyaltyCore"],
            path: "Tests/LoyaltyPresentationTests"
        ),
    ]
)
