#!/bin/bash
#SBATCH --job-name=drover-3f2a9c.relax_all
#SBATCH --array=0-19%4
#SBATCH --partition=gpu-short
#SBATCH --nodes=1
#SBATCH --cpus-per-task=4
#SBATCH --mem=6144M
#SBATCH --gres=gpu:1
#SBATCH --time=2-00:30:00
#SBATCH --output=/scratch/alice/drover/logs/%a.out
#SBATCH --error=/scratch/alice/drover/logs/%a.err
#SBATCH --account=chem
# a comment line
set -euo pipefail
export DROVER_ARRAY_INDEX="$SLURM_ARRAY_TASK_ID"
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
