import Foundation

/// One result row, read by column index.
public struct SQLRow: Sendable {
    public let values: [SQLValue]

    public subscript(_ i: Int) -> SQLValue { values[i] }

    public func int(_ i: Int) -> Int64? {
        switch values[i] {
        case .int(let v): v
        case .double(let d): Int64(d)
        case .text(let s): Int64(s)
        default: nil
        }
    }

    public func double(_ i: Int) -> Double? {
        switch values[i] {
        case .double(let d): d
        case .int(let v): Double(v)
        case .text(let s): Double(s)
        default: nil
        }
    }

    public func string(_ i: Int) -> String? {
        switch values[i] {
        case .text(let s): s
        case .int(let v): String(v)
        case .double(let d): String(d)
        case .blob(let b): String(decoding: b, as: UTF8.self)
        case .null: nil
        }
    }

    public func data(_ i: Int) -> Data? {
        switch values[i] {
        case .blob(let b): b
        case .text(let s): Data(s.utf8)
        default: nil
        }
    }
}
