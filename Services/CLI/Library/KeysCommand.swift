import ArgumentParser
import Foundation
import PosyAccess
import PosyCore
import PosySchema
import PosySettings
import PosyStore
import PosyWebPush

/// `posy keys`: the suite's CURVE keys (docs/operations.md, "Keys"). `create` makes a key pair for
/// each identity that has none, and with `--read` sets what an identity of the operator's may read;
/// `list` prints every identity's public key, to copy to other hosts.
public struct KeysCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "The suite's CURVE keys: create them, list the public ones.", subcommands: [Create.self, List.self])

    public init() {}

    struct Location: ParsableArguments {
        @Option(name: service.keysDir.name, help: service.keysDir.help) var keysDir: String?
        @Option(name: service.dataDir.name, help: service.dataDir.help) var dataDir: String?

        /// `--keys-dir`, else `POSY_KEYS_DIR`, else `<data-dir>/keys`.
        func directory(_ from: Settings = .process) throws -> String {
            return try from.optional(service.keysDir, flag: keysDir)
                ?? (try from.value(service.dataDir, flag: dataDir) as NSString).appendingPathComponent("keys")
        }
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key pair for each identity without one (default: every service and cli); existing keys are kept.")
        @OptionGroup var location: Location
        @Argument(help: "Identities (1…40 lower-case letters and digits).")
        var identities: [String] = []
        @Option(
            name: .customLong("read"),
            help: """
                A topic prefix these identities may read (repeat for more; replaces what they had). A new \
                identity reads nothing until granted; the suite's own read what they consume.
                """)
        var read: [String] = []

        func run() throws {
            PrivateFiles.restrictUmask()
            let names = identities.isEmpty ? SuiteKeyring.suiteIdentities : identities
            let directory = try location.directory()
            do {
                if !read.isEmpty {
                    // Checked for every name before any key is made: a refused grant leaves nothing behind.
                    for name in names { try SuiteKeyring.checkGrant(identity: name, read: read) }
                }
                let created = try SuiteKeyring.create(directory: directory, identities: names)
                for name in names {
                    print("\(name): \(created.contains(name) ? "created" : "kept") \(directory)/\(name).key (secret), \(name).pub")
                    if !read.isEmpty {
                        try SuiteKeyring.grant(directory: directory, identity: name, read: read)
                        print("\(name): may read \(read.joined(separator: " ")) (\(name).read)")
                    } else if created.contains(name) && EventReaders.suite[name] == nil {
                        print("\(name): may read nothing yet; grant with `posy keys create \(name) --read PREFIX`")
                    }
                }
            } catch {
                print(error.description)
                throw ExitCode(2)
            }
            if identities.isEmpty {
                // The suite's whole set includes the key Web Push subscriptions are bound to
                // (docs/operations.md, "Web Push"), so a deployment that never runs `posy up` has it too.
                let vapid = VAPIDKeyFile.path(in: directory)
                let had = FileManager.default.fileExists(atPath: vapid)
                do throws(VAPIDKeyFile.Failure) {
                    _ = try VAPIDKeyFile.loadOrCreate(in: directory)
                } catch {
                    print(error.description)
                    throw ExitCode(2)
                }
                print("vapid: \(had ? "kept" : "created") \(vapid) (secret)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print every identity's public key.")
        @OptionGroup var location: Location

        func run() throws {
            let directory = try location.directory()
            do {
                for (identity, key) in try SuiteKeyring.publicKeys(directory: directory).sorted(by: { $0.key < $1.key }) {
                    print("\(identity)\t\(key)")
                }
            } catch {
                print(error.description)
                throw ExitCode(2)
            }
        }
    }
}

private let service = ServiceSettings()
