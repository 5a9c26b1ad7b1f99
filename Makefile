# Every command a person needs. Tools are pinned and installed by these targets themselves.

GO        ?= go
BIN       := $(CURDIR)/bin
OCB_VER   := v0.165.0
OCB       := $(BIN)/ocb-$(OCB_VER)
GOLANGCI  := github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0
GOFUMPT   := mvdan.cc/gofumpt@v0.12.0
COMPONENTS := receiver/sophosreceiver exporter/sentinelexporter
COLLECTOR  := dist/otelcol-sophos
GO_FILES      = $(shell git ls-files '*.go' | grep -v '/generated_')
COMPONENT_SRC := $(shell find receiver exporter internal -name '*.go' -not -name '*_test.go' 2>/dev/null)

.PHONY: all build test unit e2e run generate lint fmt bench clean FORCE

all: build

## unit: every package's tests, with the race detector.
unit:
	$(GO) test -race -count=1 ./...

## test: what CI runs: the unit tests, then the end-to-end tests.
test: unit e2e

## e2e: end-to-end tests: the built collector between the emulators, as real processes
## (delivery, crashes with SIGKILL, outages, a stale position, bad configurations).
e2e: build
	cd e2e && $(GO) test -tags e2e -count=1 -timeout 20m -v -run '^Test' .

## generate: regenerate mdatagen code from each component's metadata.yaml.
generate:
	@for c in $(COMPONENTS); do \
		if [ -f $$c/metadata.yaml ]; then \
			echo "mdatagen $$c"; (cd $$c && $(GO) tool mdatagen metadata.yaml) || exit 1; \
		fi; \
	done

## lint: go vet, golangci-lint and gofumpt (pinned, fetched through the module proxy).
lint:
	$(GO) vet ./...
	$(GO) run $(GOLANGCI) run ./...
	@out=$$($(GO) run $(GOFUMPT) -l $(GO_FILES)); if [ -n "$$out" ]; then echo "gofumpt would change:"; echo "$$out"; exit 1; fi

## fmt: gofumpt on the module's Go files (not ocb's output in ./dist).
fmt:
	$(GO) run $(GOFUMPT) -w $(GO_FILES)

## bench: Go benchmarks of the receiver and the exporter, then 200,000 events drained through
## the built collector from emulator to emulator.
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./...
	cd e2e && $(GO) test -tags e2e -run '^$$' -bench BenchmarkCollectorDrain -benchtime 1x -timeout 20m .

## build: the otelcol-sophos collector (./dist/otelcol-sophos) and the emulator (./bin/emulator).
build: $(COLLECTOR) $(BIN)/emulator

# ocb regenerates and recompiles the distribution only when a component or the manifest changed.
$(COLLECTOR): $(OCB) builder-config.yaml go.mod go.sum $(COMPONENT_SRC)
	$(OCB) --config builder-config.yaml

$(OCB):
	@mkdir -p $(BIN)
	GOBIN=$(BIN) $(GO) install go.opentelemetry.io/collector/cmd/builder@$(OCB_VER)
	mv $(BIN)/builder $(OCB)

# The emulator is rebuilt whenever a Go file changed; go's build cache keeps that cheap.
$(BIN)/emulator: FORCE
	$(GO) build -o $(BIN)/emulator ./cmd/emulator

FORCE:

clean:
	rm -rf $(BIN) dist

## run: the demo: build, start the emulators, run the collector with config/demo.yaml until Ctrl-C.
run: build
	./scripts/demo.sh
