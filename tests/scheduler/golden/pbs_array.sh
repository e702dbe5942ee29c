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
export DROVER_STAGE='/scratch/alice/drover/stage'
export EVIL=$'$(touch /tmp/pwned) `id` ${HOME} \'quoted\' "double"\nnext line'
export EMPTY=''
cd -- '/scratch/alice/my project'"'"'s dir/$(whoami)'
module load gcc/12
source /opt/venv/bin/activate
'/opt/deno/bin/deno' 'run' '-A' '/scratch/alice/drover/bundle 1.js'
