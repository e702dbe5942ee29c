#!/bin/bash
#$ -N drover-setup
#$ -S /bin/bash
#$ -o /tmp/drover/0.out
set -euo pipefail
export DROVER_ARRAY_INDEX=0
echo ready
