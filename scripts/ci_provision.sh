#!/usr/bin/env bash
# Provision the real servers the integration tests talk to. Idempotent; safe on a developer machine.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "(nothing to provision yet)"
