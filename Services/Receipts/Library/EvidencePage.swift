import Foundation
import PosySchema

/// `GET /v1/orders/{id}/evidence.html`: the evidence bundle as one self-contained page — photos
/// inlined as `data:` URIs, no scripts, no external resources — to send to a marketplace or an insurer.
public enum EvidencePage {
    public static func render(_ b: EvidenceBundle, images: [String: (contentType: String, bytes: Data)]) -> String {
        var h = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Delivery evidence — order \(esc(b.orderId))</title>
            <style>
            body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}
            h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
            table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
            .ok{color:#176b2c;font-weight:600}.bad{color:#a11;font-weight:600}.na{color:#777;font-style:italic}
            img{max-width:100%;max-height:28rem;border:1px solid #ccc;margin:.3rem 0}code{font-size:.8rem;word-break:break-all}
            </style></head><body>
            <h1>Delivery evidence — order <code>\(esc(b.orderId))</code></h1>
            <p>Generated \(esc(b.generatedAt)) by Posy.</p>

            """
        let v = b.chain
        h += "<h2>Evidence chain</h2>"
        if v.ok {
            h += "<p class=\"ok\">Verified: \(v.records) record(s), every hash matches. Head <code>\(esc(v.head ?? "—"))</code></p>"
        } else if let m = v.firstMismatch {
            h += "<p class=\"bad\">NOT VERIFIED: record \(m.n) (\(esc(m.kind))) does not match — \(esc(m.reason)).</p>"
        }
        // Erased personal fields: the records commit to them, so the chain verifies without them.
        let erased = v.erased ?? []
        if !erased.isEmpty {
            h += "<p>\(erased.count) personal field(s) erased on request; the records still verify without them.</p>"
        }
        func erasedNote(_ kinds: Set<String>, _ field: String) -> String? {
            erased.first { kinds.contains($0.kind ?? "") && $0.field == field }.map { "Erased on \($0.at) (request \($0.requestId))" }
        }
        h += "<h2>Proof of delivery</h2>"
        if b.proofs.isEmpty { h += "<p class=\"na\">No proof of delivery.</p>" }
        for p in b.proofs {
            h += "<table>"
            h += row("Submitted", p.submittedAt)
            h += row(
                "Handed to",
                p.handedTo.kind.rawValue + [p.handedTo.name, p.handedTo.description].compactMap { $0 }.map { " — " + $0 }.joined())
            if let n = p.recipientName ?? erasedNote(["proof"], "/recipientName") { h += row("Recipient name", n) }
            if let lat = p.lat, let lon = p.lon {
                h += row("Courier position", "\(lat), \(lon) (±\(Int(p.accuracy ?? 0)) m)")
            } else if let e = erasedNote(["proof"], "/lat") {
                h += row("Courier position", e)
            }
            if let c = p.checks {
                h += row("Distance to address", c.distanceMeters.map { "\(Int($0)) m" } ?? "unknown")
                h += row("Late", c.late ? "\(c.lateMinutes) min after the window" : "no")
                h += row("Flags", c.flags.isEmpty ? "none" : c.flags.joined(separator: ", "))
            }
            if let note = p.note ?? erasedNote(["proof"], "/note") { h += row("Note", note) }
            h += "</table>"
            for m in p.photos + (p.signature.map { [$0] } ?? []) { h += media(m, images: images) }
        }
        // What the customer said after looking at the flowers on a video call, with the frame they saw.
        if !b.looks.isEmpty {
            h += "<h2>Looked at before the hand-over (video call)</h2>"
            for l in b.looks {
                h += "<table>"
                h += row(l.ok ? "Looks good" : "Please fix", l.at)
                if let n = l.note, !n.isEmpty { h += row("Note", n) }
                h += "</table>"
                if let m = l.snapshot { h += media(m, images: images) }
            }
        }
        h += "<h2>Customer's answer</h2>"
        if b.confirmations.isEmpty { h += "<p class=\"na\">No confirmation or dispute.</p>" }
        for c in b.confirmations {
            h += "<table>"
            h += row(c.ok ? "Confirmed" : "Disputed", c.at + (c.by == "deadline" ? " (no answer before the deadline)" : ""))
            if let r = c.reason { h += row("Reason", r.rawValue) }
            if let n = c.note ?? erasedNote(["confirmation", "dispute"], "/note") { h += row("Note", n) }
            h += "</table>"
            for m in c.media { h += media(m, images: images) }
        }
        h +=
            "<h2>Order timeline</h2>"
            + section(b.timeline) { data in
                guard case .array(let entries) = data else { return "" }
                var t = "<table><tr><th>#</th><th>State</th><th>By</th><th>At</th><th>Detail</th></tr>"
                for e in entries {
                    guard case .object(let o) = e else { continue }
                    t += "<tr>" + ["n", "state", "actor", "at", "detail"].map { "<td>\(esc(text(o[$0])))</td>" }.joined() + "</tr>"
                }
                return t + "</table>"
            }
        h += "<h2>Chat transcript</h2>" + section(b.chat) { data in "<pre>\(esc(text(data)))</pre>" }
        h += "<h2>Courier track near delivery</h2>" + section(b.track) { data in "<pre>\(esc(text(data)))</pre>" }
        h += "<h2>All media of the order</h2><table><tr><th>Id</th><th>Type</th><th>Bytes</th><th>SHA-256</th><th>Stored</th></tr>"
        for m in b.media {
            h +=
                "<tr><td>\(esc(m.id))</td><td>\(esc(m.contentType))</td><td>\(m.size)</td><td><code>\(esc(m.sha256))</code></td><td>"
                + (m.purgedAt.map { "purged \(esc($0))" } ?? esc(m.createdAt)) + "</td></tr>"
        }
        h += "</table>"
        if let records = b.records {
            h += "<h2>Chain records</h2><table><tr><th>#</th><th>Kind</th><th>At</th><th>Hash</th></tr>"
            for r in records {
                h += "<tr><td>\(r.n)</td><td>\(esc(r.kind))</td><td>\(esc(r.at))</td><td><code>\(esc(r.hash))</code></td></tr>"
            }
            h += "</table>"
        }
        return h + "</body></html>\n"
    }

    static func row(_ k: String, _ v: String) -> String { "<tr><th>\(esc(k))</th><td>\(esc(v))</td></tr>" }

    static func media(_ m: ProofMedia, images: [String: (contentType: String, bytes: Data)]) -> String {
        var out = "<figure>"
        if let (type, bytes) = images[m.id] {
            out += "<img alt=\"media \(esc(m.id))\" src=\"data:\(esc(type));base64,\(bytes.base64EncodedString())\">"
        } else {
            out +=
                "<p class=\"na\">Media \(esc(m.id)) is not shown here (purged by retention, or past the page's size budget); its hash is below.</p>"
        }
        var caption = "\(m.id) · SHA-256 \(m.sha256)"
        if let t = m.photo?.capturedAt { caption += " · taken \(t)" }
        if let lat = m.photo?.lat, let lon = m.photo?.lon { caption += " · at \(lat), \(lon)" }
        return out + "<figcaption><code>\(esc(caption))</code></figcaption></figure>"
    }

    static func section(_ s: EvidenceSection, _ body: (JSONValue) -> String) -> String {
        guard s.available, let data = s.data else {
            return "<p class=\"na\">Unavailable from \(esc(s.source)): \(esc(s.reason ?? "no data"))</p>"
        }
        return body(data)
    }

    static func text(_ v: JSONValue?) -> String {
        switch v {
        case nil, .null?: return ""
        case .string(let s)?: return s
        case .bool(let b)?: return b ? "true" : "false"
        case .number(let d)?: return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
        case let other?: return (try? String(decoding: JSON.encode(other), as: UTF8.self)) ?? ""
        }
    }

    static func esc(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
