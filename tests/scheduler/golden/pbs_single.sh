#!/bin/bash
#PBS -N drover-setup
#PBS -S /bin/bash
#PBS -o /tmp/drover/0.out
set -euo pipefail
export DROVER_ARRAY_INDEX=0
echo ready
