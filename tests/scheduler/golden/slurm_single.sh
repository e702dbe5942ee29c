#!/bin/bash
#SBATCH --job-name=drover-setup
#SBATCH --output=/tmp/drover/0.out
set -euo pipefail
export DROVER_ARRAY_INDEX=0
echo ready
