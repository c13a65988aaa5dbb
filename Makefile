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
	$(MAKE) release-check

# goreleaser check and a snapshot release of linux/amd64, the last step of
# `make test`: it installs goreleaser v2.15.1 with `go install` into a
# temporary GOBIN (about 6 minutes of compiling on a machine with empty Go
# caches, seconds with warm ones) and checks the archive, the deb and rpm
# packages, the checksums and the packaged `authkit version`.
release-check:
	bash .ci/release-check
