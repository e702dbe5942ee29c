#!/bin/bash
#PBS -N drover-3f2a9c.relax_all
#PBS -S /bin/bash
#PBS -J 0-19%4
#PBS -q gpu-short
#PBS -l select=1:ncpus=4:mem=6144mb:ngpus=1
#PBS -l walltime=48:30:00
#PBS -o /scratch/alice/drover/logs/^array_index^.out
#PBS -e /scratch/alice/drover/logs/^array_index^.err
#PBS -A chem
# a comment line
set -euo pipefail
export DROVER_ARRAY_INDEX="$PBS_ARRAY_INDEX"
export DROVER_NODES=1
export DROVER_CORES_PER_NODE=4
export DROVER_CORES=4
export DROVER_MEMORY_MB=6144
export DROVER_GPUS=1
export DROVER_TIME_S=174600
export DROVER_STAGE='/scratch/alice/drover/stage'
export EVIL=$'$(touch /tmp/pwned) `id` ${HOME} \'quoted\' "double"\nnext line'
export EMPTY=''
export WFL_NUM_PYTHON_SUBPROCESSES="${DROVER_CORES_PER_NODE}"
export MPI_ARGS='-np '"${DROVER_CORES}"' --mem '"${DROVER_MEMORY_MB}"'M ${HOME} $(id) ${DROVER_CORES'
cd -- '/scratch/alice/my project'"'"'s dir/$(whoami)'
module load gcc/12
source /opt/venv/bin/activate
'/opt/deno/bin/deno' 'run' '-A' '/scratch/alice/drover/bundle 1.js'
