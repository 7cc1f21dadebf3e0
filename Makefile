# gopline: two commands do all the set-up on Debian 12.
#   make run    installs what is missing, builds, runs the demo
#   make test   installs what is missing, runs the whole test suite

GO        ?= go
BIN       ?= bin/gopline
# The benchmark video lives outside the repository (make testdata).
TESTDATA  ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/gopline/testdata
BENCHTIME ?= 1s

export GOPLINE_TESTDATA := $(TESTDATA)

.PHONY: all deps build run test test-short bench lint fuzz testdata proto clean

all: build

deps:
	@./scripts/deps.sh

build: deps
	$(GO) build -o $(BIN) ./cmd/gopline

run: build
	./$(BIN) demo

# The race detector runs on everything: actors and topics are concurrent.
# internal/testprogress says what the suite is doing while it runs (each
# package as it starts, the tests still running every half minute, the
# output of failed tests, and of tests still running when their package
# failed) and closes with a count. -timeout: a package's tests take a few
# minutes, more on a slow or busy machine than go test's 10-minute default.
# go test runs TEST_PACKAGES packages at once, in the order given: the
# three that take minutes go first, so that the last of them does not start
# when the others are done (it set the suite's end). Their tests wait on
# processes, browsers and real-time pacing far more than they compute (15
# to 80% of a core each), and go test counts building a package's test
# binary and running it against the same limit: at go test's default of
# one package per core the rest of the suite would wait, unbuilt and
# untested, while they wait; one more than the cores lets it go on beside
# them.
LONG_TESTS = ./web ./cmd/gopline ./transport/remote
TEST_PACKAGES ?= $(shell echo $$(( $$(nproc) + 1 )))
# The viewer's tests need chromium, firefox-esr, WebKitGTK's WebDriver,
# GStreamer's libav plugin and Xvfb (deps.sh --test) and the Foxglove
# client for Node.js (viewer-deps.sh, into a cache outside the repository);
# under make test they fail, rather than skip, when either is missing; so
# do the tests that send RTP from gst-launch-1.0 (GOPLINE_REQUIRE_TOOLS).
test:
	@./scripts/deps.sh --test
	@./scripts/viewer-deps.sh
	@echo "go vet ./..."
	@$(GO) vet ./...
	@echo "building the test binaries with the race detector (a few minutes on 2 cores), then testing"
	@GOPLINE_REQUIRE_BROWSER=1 GOPLINE_REQUIRE_TOOLS=1 bash -o pipefail -c '$(GO) test -race -count=1 -p $(TEST_PACKAGES) -timeout 30m -json $(LONG_TESTS) ./... | $(GO) run ./internal/testprogress'

test-short: deps
	$(GO) test -short ./...

# Benchmarks also compare against gst-launch-1.0 (GStreamer with x264enc).
bench: testdata
	@./scripts/deps.sh --bench
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) ./...

lint: deps
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "not gofmt-formatted:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# Runs every fuzz target for FUZZTIME each (go test runs only one at a time).
# FUZZMINIMIZE bounds the shrinking of each new input to a number of runs:
# go test's default, up to a minute of runs each, left a target whose
# inputs are whole files (a bag of 10 KB) a few hundred runs in 30 s.
FUZZTIME ?= 30s
FUZZMINIMIZE ?= 100x
fuzz: deps
	@for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "fuzz $$pkg $$f"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) $$pkg || exit 1; \
		done; \
	done

testdata:
	@./scripts/testdata.sh

# Regenerates transport/wire/wire.pb.go (committed) with pinned tools.
proto:
	@./scripts/proto.sh

clean:
	rm -rf bin
