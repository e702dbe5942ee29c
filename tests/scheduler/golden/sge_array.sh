#!/bin/bash
#$ -N drover-3f2a9c.relax_all
#$ -S /bin/bash
#$ -t 1-20
#$ -tc 4
#$ -q gpu-short
#$ -pe smp 4
#$ -l h_rt=48:30:00
#$ -l h_vmem=1536M
#$ -l gpu=1
#$ -o /scratch/alice/drover/logs/sge-task-$TASK_ID.out
#$ -e /scratch/alice/drover/logs/sge-task-$TASK_ID.err
#$ -P chem
# a comment line
set -euo pipefail
export DROVER_ARRAY_INDEX=$((SGE_TASK_ID - 1))
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
exec >'/scratch/alice/drover/logs/'"$DROVER_ARRAY_INDEX"'.out' 2>'/scratch/alice/drover/logs/'"$DROVER_ARRAY_INDEX"'.err'
module load gcc/12
source /opt/venv/bin/activate
'/opt/deno/bin/deno' 'run' '-A' '/scratch/alice/drover/bundle 1.js'
