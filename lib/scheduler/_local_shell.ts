/**
 * The POSIX shell programs of the local scheduler (private to lib/scheduler). Each is fed
 * to `sh -s -- ARGS...` on standard input, so the login shell (bash, zsh, even csh over SSH)
 * only ever sees one plain command line.
 *
 * The registry of a system is `REG/jobs/<id>/` (REG defaults to `$HOME/.drover-local`):
 *
 * - `job.sh`      the copy of the script that the elements run
 * - `meta`        `size|host|name`, written by the manager when it starts
 * - `pgid`        the manager's process group (it is a session leader, started by `setsid`)
 * - `el.<i>`      element i: `RUNNING <pgid>`, `COMPLETED 0`, `FAILED <code>`,
 *                 `CANCELLED [<code>]`; no file while it is pending
 * - `cancel.<i>`  element i was cancelled; `cancelled`: the whole job was
 * - `done`        the manager has run every element
 *
 * @module
 */

/**
 * The manager: runs elements `0 .. size-1` with at most `cap` at once (`xargs -P`), each
 * through `element.sh`. Arguments: DIR SCRIPT SIZE CAP OUT ERR NAME.
 */
const MANAGER = `
dir=$1 script=$2 size=$3 cap=$4 out=$5 err=$6 name=$7
printf '%s|%s|%s\\n' "$size" "$(uname -n)" "$name" >"$dir/meta.tmp" &&
  mv -f "$dir/meta.tmp" "$dir/meta"
echo "$$" >"$dir/pgid.tmp" && mv -f "$dir/pgid.tmp" "$dir/pgid"
i=0
while [ "$i" -lt "$size" ]; do echo "$i"; i=$((i + 1)); done |
  xargs -n 1 -P "$cap" sh "$dir/element.sh" "$dir" "$script" "$out" "$err"
: >"$dir/done"
`;

/**
 * One element: skips it when cancelled, else runs the script in a session of its own (so
 * cancel can stop its whole process tree) with its output redirected, and records how it
 * ended. Always exits 0 (xargs stops at an exit code of 255). Arguments: DIR SCRIPT OUT ERR
 * INDEX.
 */
const ELEMENT = `
dir=$1 script=$2 out=$3 err=$4 i=$5
state=$dir/el.$i
put() { printf '%s\\n' "$1" >"$state.tmp" && mv -f "$state.tmp" "$state"; }
if [ -e "$dir/cancelled" ] || [ -e "$dir/cancel.$i" ]; then put CANCELLED; exit 0; fi
[ -n "$out" ] || out=$dir/out.{index}
[ -n "$err" ] || err=$out
o=$(printf '%s\\n' "$out" | sed "s/{index}/$i/g")
e=$(printf '%s\\n' "$err" | sed "s/{index}/$i/g")
DROVER_LOCAL_TASK_ID=$i
export DROVER_LOCAL_TASK_ID
(
  if [ "$o" = "$e" ]; then exec >"$o" 2>&1; else exec >"$o" 2>"$e"; fi
  exec sh -c '
    printf "RUNNING %s\\n" "$$" >"$1.tmp" && mv -f "$1.tmp" "$1" || exit 1
    [ ! -e "$2" ] || exit 143
    if command -v setsid >/dev/null 2>&1; then exec setsid bash "$3"; fi
    exec perl -MPOSIX -e "POSIX::setsid(); exec @ARGV or die" bash "$3"
  ' element "$state" "$dir/cancel.$i" "$script"
) </dev/null &
wait "$!"
code=$?
if [ "$code" -eq 0 ]; then put "COMPLETED 0"
elif [ -e "$dir/cancel.$i" ] || [ -e "$dir/cancelled" ]; then put "CANCELLED $code"
else put "FAILED $code"; fi
exit 0
`;

/**
 * Submission: reads the script's `#DROVER` directives, checks them, forgets jobs that ended
 * over a day ago, copies the script (as sbatch does, so later edits do not change the job)
 * and writes the manager and element programs into the job's directory, starts the manager
 * detached in its own session from the script's directory, waits until it runs and prints
 * the job id. Arguments: REG SCRIPT ID CAP (REG and CAP may be empty).
 */
export const LOCAL_SUBMIT = `
set -u
LC_ALL=C
export LC_ALL
reg=$1 script=$2 id=$3 cap=$4
[ -n "$reg" ] || reg=$HOME/.drover-local
fail() { printf 'drover-local: %s\\n' "$*" >&2; exit 2; }
case $script in /*) ;; *) script=$PWD/$script ;; esac
[ -f "$script" ] && [ -r "$script" ] || fail "cannot read the job script $script"
directive() { sed -n "s/^#DROVER --$1=//p" "$script" | head -n 1; }
name=$(directive job-name)
array=$(directive array)
out=$(directive output)
err=$(directive error)
case $name in '' | *[!A-Za-z0-9._-]*) fail "$script has no valid #DROVER --job-name line" ;; esac
[ -n "$cap" ] || cap=$(getconf _NPROCESSORS_ONLN 2>/dev/null) || cap=4
case $cap in '' | 0 | *[!0-9]*) cap=4 ;; esac
size=1
if [ -n "$array" ]; then
  last=\${array#0-}
  throttle=
  case $last in *%*) throttle=\${last#*%}; last=\${last%%%*} ;; esac
  case $array in 0-*) ;; *) fail "bad #DROVER --array=$array" ;; esac
  case $last in '' | *[!0-9]*) fail "bad #DROVER --array=$array" ;; esac
  case $throttle in 0 | *[!0-9]*) fail "bad #DROVER --array=$array" ;; esac
  size=$((last + 1))
  if [ -n "$throttle" ] && [ "$throttle" -lt "$cap" ]; then cap=$throttle; fi
fi
for p in "$out" "$err"; do
  case $p in *[!A-Za-z0-9_./+@=,{}-]*) fail "bad log path $p" ;; esac
done
jobs=$reg/jobs
mkdir -p "$jobs" || fail "cannot create $jobs"
find "$jobs" -mindepth 2 -maxdepth 2 \\( -name done -o -name cancelled \\) -mmin +1440 2>/dev/null |
  while IFS= read -r f; do rm -rf "\${f%/*}"; done
dir=$jobs/$id
mkdir "$dir" || fail "cannot create $dir"
cat >"$dir/manager.sh" <<'DROVER_EOF'${MANAGER}DROVER_EOF
cat >"$dir/element.sh" <<'DROVER_EOF'${ELEMENT}DROVER_EOF
cp "$script" "$dir/job.sh" || fail "cannot copy $script to $dir"
cd "$(dirname "$script")" || fail "cannot enter the directory of $script"
set -- sh "$dir/manager.sh" "$dir" "$dir/job.sh" "$size" "$cap" "$out" "$err" "$name"
if command -v setsid >/dev/null 2>&1; then
  setsid "$@" </dev/null >"$dir/manager.log" 2>&1 &
else
  perl -MPOSIX -e 'POSIX::setsid(); exec @ARGV or die' "$@" </dev/null >"$dir/manager.log" 2>&1 &
fi
n=0
until [ -s "$dir/pgid" ]; do
  n=$((n + 1))
  [ "$n" -le 400 ] || fail "the job manager did not start (see $dir/manager.log)"
  sleep 0.025 2>/dev/null || sleep 1
done
printf '%s\\n' "$id"
`;

/**
 * Status: one line per job `J|id|flags|size|host|name` (flags: `-` then `c`
 * cancelled, `d` done, `g` the manager is gone without finishing), then `E|./id/el.i|state`
 * and `C|./id/cancel.i` lines. Argument: REG (may be empty).
 */
export const LOCAL_STATUS = `
reg=$1
[ -n "$reg" ] || reg=$HOME/.drover-local
cd "$reg/jobs" 2>/dev/null || exit 0
host=$(uname -n)
for id in *; do
  # Builtins only for an ended job: the registry holds a day of jobs, read at every poll.
  meta=
  { IFS= read -r meta || :; } 2>/dev/null <"$id/meta"
  [ -n "$meta" ] || continue
  flags=-
  [ ! -e "$id/cancelled" ] || flags=\${flags}c
  if [ -e "$id/done" ]; then
    flags=\${flags}d
  else
    h=\${meta#*|}
    h=\${h%%|*}
    pgid=
    { read -r pgid || :; } 2>/dev/null <"$id/pgid"
    if [ "$h" = "$host" ] && [ -n "$pgid" ] && ! kill -s 0 -- "-$pgid" 2>/dev/null
    then
      [ -e "$id/done" ] || flags=\${flags}g
    fi
  fi
  printf 'J|%s|%s|%s\\n' "$id" "$flags" "$meta"
done
find . -mindepth 2 -maxdepth 2 -type f -name 'el.*' ! -name '*.tmp' \\
  -exec awk '{ print "E|" FILENAME "|" $0 }' {} +
find . -mindepth 2 -maxdepth 2 -type f -name 'cancel.*' -exec printf 'C|%s\\n' {} +
exit 0
`;

/**
 * Cancel: for a job id marks the job cancelled and stops its manager's process group and
 * every running element's; for `id_i` marks the element cancelled and stops it if it runs.
 * Unknown ids are skipped. Arguments: REG ID...
 */
export const LOCAL_CANCEL = `
reg=$1
shift
[ -n "$reg" ] || reg=$HOME/.drover-local
cd "$reg/jobs" 2>/dev/null || exit 0
stop() { kill -s TERM -- "-$1" 2>/dev/null || kill -s TERM "$1" 2>/dev/null || :; }
stop_element() {
  { read -r st pid <"$1"; } 2>/dev/null || return 0
  [ "$st" != RUNNING ] || stop "$pid"
}
for ref in "$@"; do
  id=\${ref%%_*}
  [ -d "$id" ] || continue
  if [ "$id" != "$ref" ]; then
    i=\${ref#*_}
    : >"$id/cancel.$i"
    stop_element "$id/el.$i"
  else
    : >"$id/cancelled"
    [ ! -s "$id/pgid" ] || stop "$(cat "$id/pgid")"
    for f in "$id"/el.*; do
      [ ! -f "$f" ] || stop_element "$f"
    done
  fi
done
exit 0
`;
