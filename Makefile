# dypose: the two quick-start targets are `make demo` and `make test`.
GO ?= go
BIN := bin/keypoints

.PHONY: setup build demo test lint gofmt-check bench fixtures

setup:
	scripts/setup.sh

build: setup
	$(GO) build -o $(BIN) ./cmd/keypoints

# demo sets up and runs the main job: pose estimation with the bundled model on
# the bundled (synthetic) images, drawn into out/ with a COCO results JSON.
demo: build
	$(BIN) version
	$(BIN) predict --boxes testdata/coco/detections_tiny.json --out-dir out --json out/predictions.json testdata/coco/images

# test sets up and runs every test (no Python needed: fixtures are committed).
test: setup gofmt-check
	$(GO) vet ./...
	$(GO) test -count=1 ./...

# gofmt-check fails listing the files gofmt would change.
gofmt-check:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi

# lint adds staticcheck (fetched through the Go module proxy on first use) to test's gofmt and vet checks.
lint: setup gofmt-check
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

bench: setup
	$(GO) test -run '^$$' -bench . -benchmem ./...

# fixtures regenerates testdata/ from the PyTorch references (needs scripts/setup.sh --torch).
# The evaluator's fixtures need a local pycocotools: see notes/eval.md.
fixtures:
	scripts/setup.sh --torch
	set -e; for f in scripts/fixtures_nn_*.py scripts/fixtures_dyrelu.py scripts/fixtures_twin.py; do echo "== $$f"; /usr/bin/python3 $$f; done
