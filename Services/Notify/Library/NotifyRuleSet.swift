import Foundation
import PosySchema

/// The rules and templates `posy-notify` runs on: ``defaults`` unless the operator gives a file
/// (`--rules`, the same JSON: `{"rules": [...], "templates": {"id": {"en": {...}, "zh-CN": {...}}}}`).
/// Loading checks that every rule's template exists in every language and uses only known
/// placeholders, so a bad file stops the service at start, not at the first send.
public struct NotifyRuleSet: Codable, Sendable, Equatable {
    public var rules: [NotifyRule]
    public var templates: [String: [String: NotifyTemplate]]

    public init(rules: [NotifyRule], templates: [String: [String: NotifyTemplate]]) throws {
        self.rules = rules
        self.templates = templates
        try validate()
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            rules: c.decode([NotifyRule].self, forKey: .rules),
            templates: c.decode([String: [String: NotifyTemplate]].self, forKey: .templates))
    }

    /// Reads a rule file.
    public static func load(path: String) throws -> NotifyRuleSet {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NotifyError.rules("cannot read the rules file \(path)")
        }
        do {
            return try JSON.decode(NotifyRuleSet.self, from: data)
        } catch let e as NotifyError {
            throw e
        } catch {
            throw NotifyError.rules("\(path): \(error)")
        }
    }

    /// What rules may be about: the events of an order's life and messages nobody's device took.
    public static let events = OrderEventCatalog.all.union([MessagingEvents.unheard.topic])

    public func validate() throws {
        for rule in rules {
            guard Self.events.contains(rule.event) else {
                throw NotifyError.rules(
                    "rule for \(rule.event): no such event (events: \(Self.events.sorted().joined(separator: ", ")))")
            }
            guard let byLocale = templates[rule.template] else {
                throw NotifyError.rules("rule for \(rule.event): no template \(rule.template)")
            }
            guard !rule.audience.isEmpty, !rule.channels.isEmpty else {
                throw NotifyError.rules("rule for \(rule.event): audience and channels must not be empty")
            }
            switch rule.condition {
            case .unanswered?:
                guard rule.event == OrdersEvents.state(.assigned).topic, rule.audience == [.courier], !rule.channels.contains(.inApp) else {
                    throw NotifyError.rules(
                        "rule for \(rule.event): condition unanswered is for order.assigned to the courier, on channels other than inApp")
                }
            case .withoutPush?:
                guard !rule.channels.contains(.webPush), !rule.channels.contains(.inApp) else {
                    throw NotifyError.rules("rule for \(rule.event): condition withoutPush stands in for Web Push, on channels like sms")
                }
            case nil: break
            }
            for locale in NotifyTemplate.locales {
                guard let t = byLocale[locale] else { throw NotifyError.rules("template \(rule.template): no \(locale) text") }
                for name in NotifyTemplate.placeholders(t.title) + NotifyTemplate.placeholders(t.body)
                where !NotifyFacts.names.contains(name) {
                    throw NotifyError.rules("template \(rule.template) (\(locale)): unknown placeholder {\(name)}")
                }
            }
        }
    }

    /// The rules for an event type, in file order.
    public func rules(for event: String) -> [NotifyRule] { rules.filter { $0.event == event } }

    /// The template text for `locale`, falling back to English.
    public func template(_ id: String, locale: String) -> NotifyTemplate? {
        templates[id]?[locale] ?? templates[id]?["en"]
    }

    /// The rules and templates Posy ships with (``NotifyDefaults``).
    public static let defaults: NotifyRuleSet = {
        do {
            return try JSON.decode(NotifyRuleSet.self, from: Data(NotifyDefaults.json.utf8))
        } catch {
            fatalError("the built-in notify rules do not load: \(error)")
        }
    }()
}
