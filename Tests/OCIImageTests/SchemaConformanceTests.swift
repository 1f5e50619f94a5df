// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage
import TestSupport
import Testing

/// The image-spec's own schema vectors, read from ../shared/conformance at test time.
struct SchemaConformanceTests {
    let directory = TestPaths.conformance + "/oci-image-spec-schema/vectors"

    @Test func schemaVectorsAreClassifiedAsUpstreamDoes() throws {
        let rows = try TSV.rows(at: directory + "/schema-tests/index.tsv")
        print("oci-image-spec-schema/schema-tests: \(rows.count) vectors")
        #expect(rows.count >= 71, "the schema-test corpus shrank")
        var checked = 0
        for row in rows {
            let file = row[0]
            let mediaType = MediaType(row[1])
            let expectValid = row[2] == "valid"
            let raw = try Data(contentsOf: URL(fileURLWithPath: directory + "/schema-tests/" + file))
            if !row[3].isEmpty {
                // Backwards-compatibility rows: the raw bytes are a digest test vector.
                #expect(SHA256Hasher.digest(of: raw).description == row[3], "sha256 of \(file)")
            }
            let validated =
                row[4].isEmpty ? raw : try Data(contentsOf: URL(fileURLWithPath: directory + "/schema-tests/" + row[4]))
            let outcome = Result { try OCIDocument.decode(validated, as: mediaType) }
            switch (outcome, expectValid) {
            case (.success(let value), true):
                let reencoded = try OCIDocument.encode(value)
                let again = try OCIDocument.decode(Data(reencoded), as: mediaType)
                #expect(again == value, "\(file) does not round-trip")
            case (.failure, false):
                break
            case (.success, false):
                Issue.record("\(file) was accepted but upstream rejects it: \(row[6])")
            case (.failure(let error), true):
                Issue.record("\(file) was rejected but upstream accepts it: \(error)")
            }
            checked += 1
        }
        #expect(checked == rows.count)
    }

    @Test func specExamplesDecodeAndValidate() throws {
        let rows = try TSV.rows(at: directory + "/spec-examples/index.tsv")
        print("oci-image-spec-schema/spec-examples: \(rows.count) examples")
        #expect(rows.count >= 13, "the spec-example corpus shrank")
        for row in rows {
            let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/spec-examples/" + row[0]))
            #expect(throws: Never.self, "\(row[0]) (\(row[3]))") {
                _ = try OCIDocument.decode(data, as: MediaType(row[1]))
            }
        }
    }

    @Test func rejectionsSayWhatIsWrong() throws {
        let missingSize = Data(#"{"mediaType":"a/b","digest":"sha256:\#(String(repeating: "a", count: 64))"}"#.utf8)
        #expect(
            throws: OCIImageError.invalidDocument(
                "not a valid application/vnd.oci.descriptor.v1+json: document: missing field 'size'")
        ) {
            _ = try OCIDocument.decode(missingSize, as: .ociDescriptor)
        }
    }
}
