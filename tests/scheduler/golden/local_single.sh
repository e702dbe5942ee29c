#!/bin/bash
#DROVER --job-name=drover-setup
#DROVER --output=/tmp/drover/{index}.out
set -euo pipefail
export DROVER_ARRAY_INDEX=0
echo ready
