#!/bin/bash
#SBATCH --job-name=drover-setup
#SBATCH --output=/tmp/drover/0.out
set -euo pipefail
export DROVER_ARRAY_INDEX=0
export DROVER_NODES=1
export DROVER_CORES_PER_NODE=1
export DROVER_CORES=1
export DROVER_MEMORY_MB=''
export DROVER_GPUS=0
export DROVER_TIME_S=''
echo ready
