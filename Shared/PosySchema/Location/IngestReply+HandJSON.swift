/// posy-location's answer to every batch, written by hand as `JSON.encode` would write it
/// (docs/performance.md, "Posy's own JSON for positions").
extension IngestReply: HandEncodable {
    func write(to w: inout HandJSONWriter) throws {
        w.openObject()
        w.key("accepted")
        w.integer(accepted)
        w.key("dropped")
        w.openArray()
        for fix in dropped {
            w.openObject()
            w.key("index")
            w.integer(fix.index)
            w.key("reason")
            w.string(fix.reason.rawValue)
            w.closeObject()
        }
        w.closeArray()
        w.closeObject()
    }
}
