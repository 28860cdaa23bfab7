// swift-tools-version:5.9
// LoyaltyCore for iOS (and macOS, where its tests run): the Rust core as an
// XCFramework binary target plus the uniffi-generated Swift on top.
// Run ./build-xcframework.sh first; it produces both (neither is committed).
import PackageDescription

let package = Package(
    name: "LoyaltyCore",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "LoyaltyCore", targets: ["LoyaltyCore"]),
    ],
    targets: [
        .binaryTarget(name: "LoyaltyCoreFFI", path: "LoyaltyCoreFFI.xcframework"),
        .target(
            name: "LoyaltyCore",
            dependencies: ["LoyaltyCoreFFI"],
            path: "Sources/LoyaltyCore",
            linkerSettings: [.linkedFramework("SystemConfiguration"), .linkedFramework("Security")]
        ),
        .testTarget(name: "LoyaltyCoreTests", dependencies: ["LoyaltyCore"], path: "Tests/LoyaltyCoreTests"),
    ]
)
