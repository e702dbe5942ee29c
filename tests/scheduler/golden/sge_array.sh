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
export DROVER_STAGE='/scratch/alice/drover/stage'
export EVIL=$'$(touch /tmp/pwned) `id` ${HOME} \'quoted\' "double"\nnext line'
export EMPTY=''
cd -- '/scratch/alice/my project'"'"'s dir/$(whoami)'
exec >'/scratch/alice/drover/logs/'"$DROVER_ARRAY_INDEX"'.out' 2>'/scratch/alice/drover/logs/'"$DROVER_ARRAY_INDEX"'.err'
module load gcc/12
source /opt/venv/bin/activate
'/opt/deno/bin/deno' 'run' '-A' '/scratch/alice/drover/bundle 1.js'
