# yuqing — build, run, test, benchmark.
GO       ?= go
BIN      := bin/yuqing
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
export CGO_ENABLED := 0

.PHONY: all build run test test-short bench lint cross clean

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

test-short:
	$(GO) test -short -count=1 ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 -timeout 60m ./... | tee bench.out

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
