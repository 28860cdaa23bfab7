// The LOY2 device key on the simulator (no Secure Enclave there: the
// Keychain-kept software key, which takes the same code path but for the
// token id), under a tag of its own so the app's key is left alone.
@testable import Loyalty
import Security
import XCTest

final class SecureEnclaveSignerTests: XCTestCase {
    private func makeSigner() -> SecureEnclaveSigner {
        SecureEnclaveSigner(accessGroup: nil, tag: Data("test-\(UUID().uuidString)".utf8), enclave: false)
    }

    func testThePublicKeyIsUncompressedP256AndSignaturesVerify() throws {
        let signer = makeSigner()
        defer { try? signer.delete() }
        let raw = try signer.publicKey()
        XCTAssertEqual(raw.count, 65)
        XCTAssertEqual(raw.first, 0x04)
        let attributes: [String: Any] = [
            kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom,
            kSecAttrKeyClass as String: kSecAttrKeyClassPublic,
        ]
        let publicKey = try XCTUnwrap(SecKeyCreateWithData(raw as CFData, attributes as CFDictionary, nil))
        let message = Data("LOY2 step 58800000".utf8)
        let signature = try signer.sign(message: message)
        XCTAssertEqual(signature.first, 0x30, "X9.62 DER")
        XCTAssertTrue(SecKeyVerifySignature(publicKey, .ecdsaSignatureMessageX962SHA256, message as CFData, signature as CFData, nil))
        XCTAssertFalse(SecKeyVerifySignature(publicKey, .ecdsaSignatureMessageX962SHA256, Data("other".utf8) as CFData,
                                             signature as CFData, nil))
    }

    func testTheKeyIsKeptInTheKeychainAndDeleteMakesANewOne() throws {
        let tag = Data("test-\(UUID().uuidString)".utf8)
        let first = SecureEnclaveSigner(accessGroup: nil, tag: tag, enclave: false)
        let key = try first.publicKey()
        // Another process (or the next launch) finds the same key.
        XCTAssertEqual(try SecureEnclaveSigner(accessGroup: nil, tag: tag, enclave: false).publicKey(), key)
        try first.delete()
        try first.delete() // nothing left to delete is not an error
        let next = try first.publicKey()
        XCTAssertNotEqual(next, key)
        try first.delete()
    }
}
