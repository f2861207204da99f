import Foundation

extension Integration.SuiteTests.Suite {
    /// Runs `Tests/python/<script>` against this suite, its `config` written as JSON beside the
    /// suite's data: it passed when it exited 0 having printed OK. The report is its output and the
    /// tail of the suite's log, for the expectation's message.
    func runScript(_ script: String, config: [String: Any], timeout: Duration) async throws -> (passed: Bool, report: String) {
        let name = (script as NSString).deletingPathExtension
        let configPath = "\(dir)/\(name).json"
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
        let path = Harness.packageRoot.appendingPathComponent("Tests/python/\(script)").path
        let run = { try await Harness.run(path: "python3", [path, configPath], timeout: timeout) }
        let (status, output) = NetworkQuiet.drivesABrowser(script) ? try await NetworkQuiet.whileBrowsing(run) : try await run()
        return (status == 0 && output.contains("\nOK"), "\(output)\n\(up.log.suffix(2000))")
    }
}
