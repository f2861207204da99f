import Foundation
import Testing

/// The Kubernetes manifests (compose/kubernetes), rendered as an operator would (`kubectl
/// kustomize` where kubectl exists, else the check script's own renderer) and every object
/// validated against the Kubernetes schema by PyPI's kubernetes-validate; then held to the design
/// (docs/operations.md, "Kubernetes"). No cluster runs here: the objects are checked as data.
@Suite struct KubernetesManifestTests {
    typealias Object = [String: Any]

    static func render(
        _ kustomization: String = "base", withoutKubectl: Bool = false
    ) async throws -> (
        renderer: String, objects: [Object], problems: [String]
    ) {
        let script = Harness.packageRoot.appendingPathComponent("Tests/python/k8s_check.py").path
        let dir = Harness.packageRoot.appendingPathComponent("compose/kubernetes/\(kustomization)").path
        let (status, out) = try await Harness.run(
            path: "python3", [script, dir] + (withoutKubectl ? ["--without-kubectl"] : []), timeout: .seconds(120))
        #expect(status == 0, "\(out.suffix(2000))")
        let report = try #require(Harness.report(out), "no report in:\n\(out.suffix(2000))")
        return (
            report["renderer"] as? String ?? "", report["objects"] as? [Object] ?? [], report["problems"] as? [String] ?? []
        )
    }

    static func named(_ objects: [Object], _ kind: String, _ name: String) -> Object? {
        objects.first { $0["kind"] as? String == kind && ($0["metadata"] as? Object)?["name"] as? String == name }
    }

    static func podSpec(_ workload: Object?) -> Object {
        var spec = workload?["spec"] as? Object
        if workload?["kind"] as? String == "CronJob" { spec = (spec?["jobTemplate"] as? Object)?["spec"] as? Object }
        return (spec?["template"] as? Object)?["spec"] as? Object ?? [:]
    }

    static func containers(_ workload: Object?) -> [Object] { podSpec(workload)["containers"] as? [Object] ?? [] }

    static func env(_ container: Object) -> [String: String] {
        var out: [String: String] = [:]
        for e in container["env"] as? [Object] ?? [] {
            if let name = e["name"] as? String { out[name] = e["value"] as? String ?? "<from>" }
        }
        return out
    }

    /// Secrets a workload mounts or reads into its environment.
    static func secrets(_ workload: Object?) -> Set<String> {
        let spec = podSpec(workload)
        var names = Set((spec["volumes"] as? [Object] ?? []).compactMap { ($0["secret"] as? Object)?["secretName"] as? String })
        for c in (spec["containers"] as? [Object] ?? []) + (spec["initContainers"] as? [Object] ?? []) {
            for e in c["env"] as? [Object] ?? [] {
                if let name = (((e["valueFrom"] as? Object)?["secretKeyRef"]) as? Object)?["name"] as? String { names.insert(name) }
            }
        }
        return names
    }

    @Test(.timeLimit(.minutes(3)))
    func theManifestsBuildValidateAndFollowTheDesign() async throws {
        let (renderer, objects, problems) = try await Self.render()
        #expect(problems.isEmpty, "\(problems)")
        #expect(objects.count >= 20, "\(renderer) rendered \(objects.count) objects")
        if renderer != "kubectl" { print("KubernetesManifestTests: kubectl not found; rendered by Tests/python/k8s_check.py alone") }
        // Without kubectl the same objects come out and validate: make test never depends on it.
        let (_, own, ownProblems) = try await Self.render(withoutKubectl: true)
        #expect(ownProblems.isEmpty && own.count == objects.count, "\(ownProblems)")

        // Every executable; a StatefulSet per store, replicas 1, on a ReadWriteOnce volume.
        let images = Set(objects.flatMap { Self.containers($0) }.compactMap { ($0["image"] as? String)?.split(separator: "/").last })
        for executable in ["posy-bus", "posy-orders", "posy-messaging", "posy-location", "posy-receipts", "posy-notify", "posy-gateway"] {
            #expect(images.contains { $0.hasPrefix(Substring(executable + ":")) }, "no \(executable) in \(images)")
        }
        for (service, port) in ClusterNames.stores {
            let set = try #require(Self.named(objects, "StatefulSet", service), "no StatefulSet \(service)")
            let spec = try #require(set["spec"] as? Object)
            #expect(spec["replicas"] as? Int == (service == "messaging" ? 2 : 1), "\(service)")
            let claims = spec["volumeClaimTemplates"] as? [Object] ?? []
            #expect(
                claims.count == 1 && ((claims[0]["spec"] as? Object)?["accessModes"] as? [String]) == ["ReadWriteOnce"],
                "\(service): \(claims)")
            // Its headless Service names each pod, and its heartbeat advertises that name.
            let headless = try #require(Self.named(objects, "Service", service))
            #expect((headless["spec"] as? Object)?["clusterIP"] as? String == "None" && spec["serviceName"] as? String == service)
            let env = Self.env(try #require(Self.containers(set).first))
            #expect(env["POSY_\(service.uppercased())_ADVERTISE"] == "tcp://$(POD_NAME).\(service):\(port)", "\(service): \(env)")
            #expect(env["POSY_\(service.uppercased())_RPC"] == "tcp://0.0.0.0:\(port)")
        }
        #expect(
            "tcp://$(POD_NAME).orders:7110".replacingOccurrences(of: "$(POD_NAME)", with: "orders-0") == "tcp://\(ClusterNames.orders):7110"
        )

        // The bus under a stable name, used by everyone.
        #expect(Self.named(objects, "Service", "bus") != nil)
        for workload in objects where ["StatefulSet", "Deployment"].contains(workload["kind"] as? String) {
            let name = (workload["metadata"] as? Object)?["name"] as? String ?? ""
            guard name != "bus" else { continue }
            let env = Self.env(try #require(Self.containers(workload).first))
            #expect(
                env["POSY_BUS_PUB"] == "tcp://\(ClusterNames.bus):7100" && env["POSY_BUS_SUB"] == "tcp://\(ClusterNames.bus):7101",
                "\(name)")
            // Every container asks for what it was measured to need, and has a memory limit.
            for c in Self.containers(workload) {
                let resources = c["resources"] as? Object ?? [:]
                #expect((resources["requests"] as? Object)?["cpu"] != nil && (resources["limits"] as? Object)?["memory"] != nil, "\(name)")
            }
        }

        // The messaging shard is the pod's ordinal + 1; orders spreads over as many shards as there are pods.
        let messaging = try #require(Self.named(objects, "StatefulSet", "messaging"))
        let command = (Self.containers(messaging).first?["command"] as? [String] ?? []).joined(separator: " ")
        #expect(command.contains("--shard $$(( $${POD_NAME##*-} + 1 ))"), "\(command)")
        let orders = Self.env(try #require(Self.containers(Self.named(objects, "StatefulSet", "orders")).first))
        #expect(orders["POSY_MESSAGING_SHARDS"] == "1,2")
        let gateway = try #require(Self.named(objects, "Deployment", "gateway"))
        let gatewayEnv = Self.env(try #require(Self.containers(gateway).first))
        #expect(gatewayEnv["POSY_EXPECT"]?.split(separator: ",").filter { $0.hasPrefix("messaging-") } == ["messaging-1", "messaging-2"])

        // Each identity's secret key is mounted only where that identity runs; the suite's secret
        // only where tokens, evidence seals and links are signed; the VAPID key only in notify.
        for workload in objects where ["StatefulSet", "Deployment"].contains(workload["kind"] as? String) {
            let name = (workload["metadata"] as? Object)?["name"] as? String ?? ""
            var expected: Set<String> = ["posy-key-\(name)"]
            if ["gateway", "receipts", "notify"].contains(name) { expected.insert("posy-secret") }
            if name == "notify" { expected.insert("posy-vapid") }
            #expect(Self.secrets(workload) == expected, "\(name) mounts \(Self.secrets(workload))")
        }

        // The gateway: probes on the operators' listener.
        let container = try #require(Self.containers(gateway).first)
        let opsPort = (container["ports"] as? [Object] ?? []).first { $0["name"] as? String == "ops" }?["containerPort"] as? Int
        #expect(opsPort == 9090 && gatewayEnv["POSY_OPS_PORT"] == "9090" && gatewayEnv["POSY_OPS_HOST"] == "0.0.0.0")
        for (probe, path) in [("livenessProbe", "/livez"), ("readinessProbe", "/readyz")] {
            let get = (container[probe] as? Object)?["httpGet"] as? Object
            #expect(get?["path"] as? String == path && get?["port"] as? String == "ops", "\(probe): \(String(describing: get))")
        }

        // Hourly backups by the operator's tool: its own key and the secret, a volume of its own, the schedule told.
        let backup = try #require(Self.named(objects, "CronJob", "backup"))
        let job = try #require(Self.containers(backup).first)
        #expect((job["image"] as? String)?.hasSuffix("posy-cli:0.1") == true)
        #expect((job["args"] as? [String]) == ["backup", "--to", "/backups", "--keep", "48", "--every", "1h"])
        #expect(Self.secrets(backup) == ["posy-key-cli", "posy-secret"], "\(Self.secrets(backup))")
        #expect(Self.env(job)["POSY_BUS_SUB"] == "tcp://\(ClusterNames.bus):7101")
        let claims = (Self.podSpec(backup)["volumes"] as? [Object] ?? []).compactMap {
            ($0["persistentVolumeClaim"] as? Object)?["claimName"] as? String
        }
        #expect(claims == ["posy-backups"] && Self.named(objects, "PersistentVolumeClaim", "posy-backups") != nil)
        #expect(((Self.podSpec(backup)["securityContext"] as? Object)?["runAsNonRoot"] as? Bool) == true)

        // Disruption budgets for the gateways and the shards; ingress denied but for the suite's paths.
        #expect(
            Self.named(objects, "PodDisruptionBudget", "gateway") != nil && Self.named(objects, "PodDisruptionBudget", "messaging") != nil)
        let deny = try #require(Self.named(objects, "NetworkPolicy", "default-deny-ingress"))
        #expect(((deny["spec"] as? Object)?["podSelector"] as? Object)?.isEmpty == true)
        for (service, port) in ClusterNames.stores {
            let policy = try #require(Self.named(objects, "NetworkPolicy", service), "no policy for \(service)")
            let ingress = (policy["spec"] as? Object)?["ingress"] as? [Object] ?? []
            let ports = ingress.flatMap { $0["ports"] as? [Object] ?? [] }.compactMap { $0["port"] as? Int }
            let from = ingress.flatMap { $0["from"] as? [Object] ?? [] }.compactMap {
                (($0["podSelector"] as? Object)?["matchLabels"] as? Object)?["app.kubernetes.io/name"] as? String
            }
            #expect(
                ports == [port] && from.contains("gateway") && from.contains("cli") && !from.contains(service), "\(service): \(ingress)")
        }
    }

    /// The optional Litestream component: every store gets a replicating sidecar and a restore before
    /// its process starts, on the store's own volume; nothing else changes.
    @Test(.timeLimit(.minutes(3)))
    func theLitestreamOverlayReplicatesAndRestoresEveryStore() async throws {
        let (_, base, _) = try await Self.render()
        for withoutKubectl in [false, true] {
            let (renderer, objects, problems) = try await Self.render("with-litestream", withoutKubectl: withoutKubectl)
            #expect(problems.isEmpty, "\(renderer): \(problems)")
            #expect(objects.count == base.count + 1, "\(renderer): the ConfigMap posy-litestream and nothing else is new")
            for (service, _) in ClusterNames.stores {
                let set = try #require(Self.named(objects, "StatefulSet", service))
                let spec = Self.podSpec(set)
                let sidecar = try #require(Self.containers(set).first { $0["name"] as? String == "litestream" }, "\(service)")
                #expect((sidecar["args"] as? [String]) == ["replicate", "-config", "/etc/litestream/litestream.yml"])
                #expect((sidecar["image"] as? String)?.hasPrefix("litestream/litestream:") == true)
                let restore = try #require(
                    (spec["initContainers"] as? [Object] ?? []).first { $0["name"] as? String == "litestream-restore" }, "\(service)")
                let script = (restore["command"] as? [String] ?? []).joined(separator: " ")
                #expect(script.contains("restore -if-db-not-exists -if-replica-exists") && script.contains("/data/$$STORE.db"), "\(script)")
                #expect(
                    script.contains(service == "messaging" ? "STORE=messaging-$$(( $${POD_NAME##*-} + 1 ))" : "STORE=\(service);"),
                    "\(service): \(script)")
                for container in [sidecar, restore] {
                    let mounts = (container["volumeMounts"] as? [Object] ?? []).compactMap { $0["name"] as? String }
                    #expect(Set(mounts) == ["data", "litestream-config"], "\(service): \(mounts)")
                }
                // The store's process is as in the base.
                #expect(
                    Self.env(Self.containers(set).first { $0["name"] as? String == service } ?? [:])
                        == Self.env(Self.containers(Self.named(base, "StatefulSet", service)).first ?? [:]))
            }
        }
    }
}
