#!/usr/bin/env bash
# All tests, as CI runs them: everything under the race detector, then the
# tests that only repeat already race-checked code on more backends and
# inputs (the CLI scripts on PostgreSQL and S3, the bad-input corpus)
# without it, where they run several times faster.
set -euo pipefail
cd "$(dirname "$0")/.."
go vet ./...
go test -race -timeout 15m ./...
go test -count=1 -timeout 10m -run 'TestScriptsPostgres|TestScriptsS3|TestBadInput' ./cli/
