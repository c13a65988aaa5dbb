# The whole test suite: `make test`. See README.md for what it needs.
.PHONY: test check interop build release-check

build:
	go build -o authkit ./cmd/authkit

interop:
	cd interop && npm ci --no-audit --no-fund --loglevel=error
	cd interop/nextjs && npm ci --no-audit --no-fund --loglevel=error

check:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt would change:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	go vet ./...

test: interop check
	go test -race -count=1 ./...

# goreleaser check and a snapshot release of linux/amd64 (CI runs it after
# `make test`; it installs goreleaser, pinned, into a temporary GOBIN).
release-check:
	bash .ci/release-check
