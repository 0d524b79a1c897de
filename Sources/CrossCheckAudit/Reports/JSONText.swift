import Foundation

/// Deterministic, diff-friendly JSON text for reports and baselines.
///
/// Values are encoded by `JSONEncoder` with sorted keys; the compact text is then re-laid out
/// without touching a single token (numbers keep every digit): a container of scalars only (a flat
/// record, a list of numbers) goes on one line, so does one of small containers when it fits in
/// `width` columns, arrays of such items are packed several to a line, and anything else is
/// indented two spaces per level.
public enum JSONText {
    /// `CodingUserInfoKey` telling encoders to leave out timings (for byte-identical reports).
    public static let omitTiming = CodingUserInfoKey(rawValue: "crosscheck.omitTiming")!

    /// The laid-out JSON text of `value`, ending with a newline.
    public static func render<T: Encodable>(_ value: T, omitTiming: Bool = false, width: Int = 132) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.userInfo[Self.omitTiming] = omitTiming
        let data = try encoder.encode(value)
        var layout = Layout(bytes: Array(data), width: width)
        return layout.value(indent: 0).text + "\n"
    }

    /// Decodes `data` as `T`, turning decoding errors into one readable line.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, what: String, kind: AuditError.Kind) throws(AuditError) -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            // A value of the right type but out of range (ours), or a number that fits no Swift type.
            let detail = context.underlyingError.map { "\($0)" } ?? context.debugDescription
            throw AuditError(kind, "\(what): field \"\(path(context.codingPath))\": \(oneLine(detail))")
        } catch let DecodingError.dataCorrupted(context) {
            let detail = context.underlyingError.map { "\($0)" } ?? context.debugDescription
            throw AuditError(kind, "\(what): not valid JSON (\(oneLine(detail)))")
        } catch let DecodingError.keyNotFound(key, context) {
            throw AuditError(kind, "\(what): missing field \"\(path(context.codingPath + [key]))\"")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            if context.codingPath.isEmpty { throw AuditError(kind, "\(what): expected a JSON object at the top level") }
            throw AuditError(kind, "\(what): field \"\(path(context.codingPath))\" has the wrong type (\(oneLine(context.debugDescription)))")
        } catch {
            throw AuditError(kind, "\(what): \(oneLine("\(error)"))")
        }
    }

    private static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }

    static func oneLine(_ s: String) -> String { String(s.map { $0.isNewline ? " " : $0 }) }

    /// A re-layout of compact JSON (as `JSONEncoder` writes it: no whitespace between tokens).
    private struct Layout {
        let bytes: [UInt8]
        let width: Int
        var at = 0

        /// A rendered value: its text, whether it is a single line that may be inlined, and whether
        /// it is a scalar.
        typealias Rendered = (text: String, inline: Bool, scalar: Bool)

        mutating func value(indent: Int) -> Rendered {
            switch bytes[at] {
            case UInt8(ascii: "{"): return container(close: UInt8(ascii: "}"), keyed: true, indent: indent)
            case UInt8(ascii: "["): return container(close: UInt8(ascii: "]"), keyed: false, indent: indent)
            default: return (scalar(), true, true)
            }
        }

        /// A string, number, true, false or null token, copied verbatim.
        mutating func scalar() -> String {
            let start = at
            if bytes[at] == UInt8(ascii: "\"") {
                at += 1
                while bytes[at] != UInt8(ascii: "\"") { at += bytes[at] == UInt8(ascii: "\\") ? 2 : 1 }
                at += 1
            } else {
                while at < bytes.count, !",]}:".utf8.contains(bytes[at]) { at += 1 }
            }
            return String(decoding: bytes[start..<at], as: UTF8.self)
        }

        mutating func container(close: UInt8, keyed: Bool, indent: Int) -> Rendered {
            let open = keyed ? "{" : "[", end = keyed ? "}" : "]"
            at += 1
            var items: [Rendered] = []
            while bytes[at] != close {
                var prefix = ""
                if keyed {
                    prefix = scalar() + ": "
                    at += 1  // ':'
                }
                let v = value(indent: indent + 1)
                items.append((prefix + v.text, v.inline, v.scalar))
                if bytes[at] == UInt8(ascii: ",") { at += 1 }
            }
            at += 1
            if items.isEmpty { return (open + end, true, false) }
            let pad = String(repeating: "  ", count: indent + 1), closePad = String(repeating: "  ", count: indent)
            if items.allSatisfy(\.inline) {
                let oneLine = open + items.map(\.text).joined(separator: ", ") + end
                if oneLine.count + indent * 2 <= width || items.allSatisfy(\.scalar) {
                    return (oneLine, oneLine.count <= width, false)
                }
                if !keyed {  // pack inline items several to a line
                    var lines: [String] = [], line = ""
                    for item in items {
                        if !line.isEmpty && pad.count + line.count + item.text.count + 2 > width {
                            lines.append(line + ",")
                            line = ""
                        }
                        line += (line.isEmpty ? "" : ", ") + item.text
                    }
                    lines.append(line)
                    return (open + "\n" + lines.map { pad + $0 }.joined(separator: "\n") + "\n" + closePad + end, false, false)
                }
            }
            return (open + "\n" + items.map { pad + $0.text }.joined(separator: ",\n") + "\n" + closePad + end, false, false)
        }
    }
}
