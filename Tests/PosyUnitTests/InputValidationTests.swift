import Foundation
import PosySchema
import Testing

@testable import PosyNotify

/// Values Posy writes into other protocols (SMTP commands and headers, SMS requests) are checked
/// where they come in and again where they go out.
@Suite struct InputValidationTests {
    @Test(arguments: [
        "mei@example.com", "mei.li+flowers@mail.example.cn", "o'brien@example.ie", "x@localhost", "a_b-c@sub-1.example.org",
    ])
    func plainAddressesAreAccepted(_ address: String) {
        #expect(EmailAddress.isValid(address))
    }

    @Test(arguments: [
        "evil@example.com>\r\nRCPT TO:<victim@example.org", "evil@example.com\nBcc: x@y.z", "a b@example.com", "<a@example.com>",
        "\"quoted\"@example.com", "a@[127.0.0.1]", "a@example.com (comment)", "a..b@example.com", ".a@example.com", "a.@example.com",
        "@example.com", "a@", "a@-example.com", "a@example-.com", "a@exa_mple.com", "mei@例子.中国", "meï@example.com",
        String(repeating: "a", count: 65) + "@example.com", "a@" + String(repeating: "b", count: 250) + ".com", "", "no-at-sign",
    ])
    func addressesThatWouldLeaveTheirCommandAreRefused(_ address: String) {
        #expect(!EmailAddress.isValid(address))
    }

    @Test func phoneNumbers() {
        for ok in ["+86 138 0000 0001", "030-1234567", "(030) 123 45", "112"] { #expect(PhoneNumber.isValid(ok), "\(ok)") }
        for bad in ["1", "call me", "+86 1\r\n", "12+34", "١٢٣٤٥", "½12", "+" + String(repeating: "1", count: 21), "123\"}", ""] {
            #expect(!PhoneNumber.isValid(bad), "\(bad)")
        }
    }

    @Test func preferencesRefuseAnAddressWithLineBreaks() throws {
        #expect(throws: PosyError.self) {
            try NotifyService.validate(NotifyPreferences(email: "evil@example.com>\r\nRCPT TO:<victim@example.org"))
        }
        #expect(throws: PosyError.self) { try NotifyService.validate(NotifyPreferences(phone: "+49 30 1\r\nX: y")) }
        try NotifyService.validate(NotifyPreferences(phone: "+49 30 1234", email: "mei@example.com"))
    }

    /// Defence in depth: an address stored before the preference check existed never reaches the relay.
    @Test func smtpClientRefusesUnsafeValuesBeforeConnecting() throws {
        #expect(throws: SMTPClient.Refused.self) { try SMTPClient.check(to: "a@example.com>\r\nDATA", from: "posy@localhost", id: "d1") }
        #expect(throws: SMTPClient.Refused.self) { try SMTPClient.check(to: "a@example.com", from: "x\r\n@localhost", id: "d1") }
        #expect(throws: SMTPClient.Refused.self) { try SMTPClient.check(to: "a@example.com", from: "posy@localhost", id: "d1>\r\nBcc: x") }
        try SMTPClient.check(to: "a@example.com", from: "posy@localhost", id: "sd_0123abcd")
    }

    /// An email delivery to such an address is dead-lettered at its first attempt, with nothing sent
    /// (the relay here would accept anything: it is never dialled).
    @Test func anUnsafeStoredAddressIsDeadLetteredWithoutDialling() async throws {
        var config = NotifyConfig()
        config.smtp = SMTPClient(host: "127.0.0.1", port: 9, from: "posy@localhost")
        let sender = OutboundSender(config: config, logger: .init(label: "test"))
        let job = OutboundSender.Job(
            id: "sd_1", channel: "email", target: "evil@example.com>\r\nRCPT TO:<victim@example.org>", event: "x",
            body: Data("hi".utf8), subject: "s")
        await #expect(throws: OutboundFailure.unsafeValue("smtp: recipient is not a plain address")) {
            _ = try await sender.send(job, signedAt: Date())
        }
        #expect(OutboundFailure.unsafeValue("x").isPermanent)
        let sms = OutboundSender.Job(id: "ss_1", channel: "sms", target: "+49 1\",\"to\":\"+1 555", event: "x", body: Data("hi".utf8))
        var smsConfig = NotifyConfig()
        smsConfig.smsURL = "http://127.0.0.1:9/sms"
        await #expect(throws: OutboundFailure.unsafeValue("not a phone number")) {
            _ = try await OutboundSender(config: smsConfig, logger: .init(label: "test")).send(sms, signedAt: Date())
        }
    }
}
