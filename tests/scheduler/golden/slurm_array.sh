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
export DROVER_STAGE='/scratch/alice/drover/stage'
export EVIL=$'$(touch /tmp/pwned) `id` ${HOME} \'quoted\' "double"\nnext line'
export EMPTY=''
cd -- '/scratch/alice/my project'"'"'s dir/$(whoami)'
module load gcc/12
source /opt/venv/bin/activate
'/opt/deno/bin/deno' 'run' '-A' '/scratch/alice/drover/bundle 1.js'
