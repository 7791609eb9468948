# yuqing — build, run, test, benchmark.
GO       ?= go
BIN      := bin/yuqing
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
export CGO_ENABLED := 0

.PHONY: fuzz all build run test test-short bench soak lint cross clean

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/yuqing

# The main job on the embedded default: embedded broker, SQLite store and the
# demo web, everything in one process. Open http://127.0.0.1:8080/.
run: build
	./$(BIN) run

# Every test: unit, integration (embedded broker, SQLite; ClickHouse and kcat
# when present, or required through YUQING_TEST_REQUIRE) and the
# whole-binary test. The race detector needs cgo.
test: lint
	CGO_ENABLED=1 $(GO) test -race -timeout 30m -count=1 ./...
	$(MAKE) fuzz

# Every fuzz test of a parser that takes outside input, each for
# FUZZTIME (Go runs one fuzz target at a time), so a regression that
# panics fails CI. The seeds run in every plain `go test` too. A bare
# deadline race of Go's fuzz coordinator is run again, up to three attempts
# (scripts/fuzz.sh).
FUZZTIME ?= 10s
FUZZ_TARGETS = \
	crawler:FuzzExtract crawler:FuzzDecodeEncoding crawler:FuzzParseFeed \
	crawler:FuzzParseSitemap crawler:FuzzJSONAPI crawler:FuzzDates \
	responder:FuzzCasualties scheme:FuzzParse config:FuzzParse \
	console:FuzzRequestBodies analyzer:FuzzAnalyze
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		scripts/fuzz.sh $(GO) $${t%%:*} $${t#*:} $(FUZZTIME); \
	done

test-short:
	$(GO) test -short -count=1 ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 -timeout 60m ./... | tee bench.out

# The soak benchmark alone for SOAK (BenchmarkSoak, also part of bench
# at its short default of 30 s): the demo plus generated documents and API
# requests; it fails when a produced document is not stored.
SOAK ?= 10m
soak:
	YUQING_SOAK=$(SOAK) $(GO) test -run '^$$' -bench '^BenchmarkSoak$$' -benchtime 1x -timeout 60m ./cmd/yuqing

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed on:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

# The binary is CGO-free, so it cross-compiles to the domestic (信创)
# servers many government offices run.
cross:
	GOOS=linux GOARCH=arm64 $(GO) build -trimpath -o /dev/null ./cmd/yuqing
	GOOS=linux GOARCH=loong64 $(GO) build -trimpath -o /dev/null ./cmd/yuqing
	@echo "cross-compiled for linux/arm64 and linux/loong64"

clean:
	rm -rf bin data bench.out
