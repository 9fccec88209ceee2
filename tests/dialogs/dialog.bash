# dialog.bash - bats helpers around tests/dialogs/dialogd (scripted protocol server).
#
#   load ../dialogs/dialog            # path relative to the .bats file
#
#   setup()    { ...; }
#   teardown() { dialog_stop; }       # always: kills a dialogd a test left behind
#
#   @test "pop3: unknown user" {
#       dialog_start pop3-user-frated                 # scripts/pop3-user-frated.dialog
#       run mailpipe-pop3 --port "$DIALOG_PORT" ...
#       dialog_finish                                 # fails the test if the dialog differed
#   }
#
# dialog_start SCRIPT [dialogd options...]
#     Start dialogd in the background on a free 127.0.0.1 port.  SCRIPT is a path, or
#     a name under tests/dialogs/scripts/ (".dialog" may be left out).  Options are
#     passed on (--tls-cert/--tls-key/--implicit-tls/--connections/--timeout/--log).
#     Sets and exports DIALOG_PORT, DIALOG_PID and DIALOG_REPORT (file receiving
#     dialogd's stderr).  Returns non-zero (with dialogd's message) if it does not
#     come up within 5 s, e.g. for a bad script.  Do not call it through `run`.
#     Several servers may run at once; save $DIALOG_PORT/$DIALOG_PID after each start.
# dialog_finish [PID]
#     Wait for dialogd (default: the last one started) to finish - at most its
#     --timeout + 5 s (or $DIALOG_FINISH_WAIT s), then it is killed - and return
#     non-zero, printing its report to stderr, unless it exited 0.  Works through
#     `run` too (then $output holds the report), which is how to assert that a
#     dialog fails.  Sets DIALOG_STATUS (dialogd's exit status; not through `run`).
# dialog_stop [PID]
#     Kill dialogd (default: every one this test started) if still running.  Safe to
#     call at any time; put it in teardown.  Even without it, a dialogd exits by
#     itself within ~0.2 s once the shell that started it is gone (--watch-pid).
#
# DIALOG_PYTHON, if set, is the interpreter that runs dialogd (default: its #! line,
# python3 from PATH).  Setting it once in setup_file, e.g.
#     export DIALOG_PYTHON=$(python3 -c 'import sys; print(sys.executable)')
# skips a slow python3 wrapper such as a pyenv shim on every dialog_start.

DIALOG_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DIALOGD="${DIALOGD:-$DIALOG_HOME/dialogd}"

declare -gA _DIALOG_BASE=()      # pid -> path prefix of its port/status/report files
declare -gA _DIALOG_TIMEOUT=()   # pid -> its --timeout, rounded up to whole seconds
_DIALOG_COUNT=0

# True while PID is alive: it has not written its status file and is no zombie.
_dialog_running() {
    local pid=$1 base=${_DIALOG_BASE[$1]:-} state=
    kill -0 "$pid" 2>/dev/null || return 1
    [[ -n $base && -e $base.status ]] && return 1
    if [[ -r /proc/$pid/stat ]]; then
        read -r _ _ state _ <"/proc/$pid/stat" 2>/dev/null || true
        [[ $state != Z ]] || return 1
    fi
    return 0
}

dialog_start() {
    if [[ $# -lt 1 ]]; then
        echo "usage: dialog_start SCRIPT [dialogd options...]" >&2
        return 2
    fi
    local script=$1
    shift
    if [[ ! -f $script ]]; then
        if [[ -f $DIALOG_HOME/scripts/$script ]]; then
            script=$DIALOG_HOME/scripts/$script
        elif [[ -f $DIALOG_HOME/scripts/$script.dialog ]]; then
            script=$DIALOG_HOME/scripts/$script.dialog
        else
            echo "dialog_start: no such script: $script (nor in $DIALOG_HOME/scripts)" >&2
            return 1
        fi
    fi

    # --timeout decides how long dialog_finish may wait.
    local timeout=10 arg prev=
    for arg in "$@"; do
        [[ $prev == --timeout ]] && timeout=$arg
        [[ $arg == --timeout=* ]] && timeout=${arg#--timeout=}
        prev=$arg
    done
    timeout=${timeout%%.*}
    timeout=$(( ${timeout:-0} + 1 ))

    local dir=${BATS_TEST_TMPDIR:-}
    if [[ -z $dir ]]; then
        dir=$(mktemp -d "${TMPDIR:-/tmp}/dialog.XXXXXX") || return 1
    fi
    _DIALOG_COUNT=$(( _DIALOG_COUNT + 1 ))
    local base=$dir/dialogd.$$.$_DIALOG_COUNT
    rm -f "$base.port" "$base.status" "$base.report"

    # $BASHPID expands to the child's pid inside the `&` command itself.
    local shell_pid=$BASHPID
    # fd 3 closed: bats waits for every holder of fd 3 before it ends the test.
    ${DIALOG_PYTHON:+"$DIALOG_PYTHON"} "$DIALOGD" --port-file "$base.port" --status-file "$base.status" \
        --watch-pid "$shell_pid" "$@" "$script" </dev/null >"$base.report" 2>&1 3>&- &
    local pid=$!
    _DIALOG_BASE[$pid]=$base
    _DIALOG_TIMEOUT[$pid]=$timeout
    DIALOG_PID=$pid
    DIALOG_REPORT=$base.report
    export DIALOG_PID DIALOG_REPORT

    local i
    for (( i = 0; i < 100; i++ )); do
        if [[ -s $base.port ]]; then
            DIALOG_PORT=$(<"$base.port")
            export DIALOG_PORT
            return 0
        fi
        _dialog_running "$pid" || break
        sleep 0.05
    done
    if _dialog_running "$pid"; then
        echo "dialog_start: dialogd did not listen within 5 s" >&2
    else
        echo "dialog_start: dialogd failed to start:" >&2
    fi
    dialog_stop "$pid"
    cat "$base.report" >&2
    return 1
}

dialog_finish() {
    local pid=${1:-${DIALOG_PID:-}}
    if [[ -z $pid || -z ${_DIALOG_BASE[$pid]:-} ]]; then
        echo "dialog_finish: no dialogd was started${pid:+ with pid $pid}" >&2
        return 1
    fi
    local base=${_DIALOG_BASE[$pid]}
    local wait_max=${DIALOG_FINISH_WAIT:-$(( ${_DIALOG_TIMEOUT[$pid]} + 5 ))}
    local deadline=$(( SECONDS + wait_max ))
    while _dialog_running "$pid"; do
        if (( SECONDS >= deadline )); then
            echo "dialog_finish: dialogd (pid $pid) still running after" \
                 "$wait_max s; killed it. Its output:" >&2
            dialog_stop "$pid"
            cat "$base.report" >&2
            DIALOG_STATUS=124
            return 1
        fi
        sleep 0.05
    done
    wait "$pid" 2>/dev/null || true    # reap it (fails harmlessly inside `run`)

    DIALOG_STATUS=
    [[ -s $base.status ]] && DIALOG_STATUS=$(<"$base.status")
    if [[ $DIALOG_STATUS != 0 ]]; then
        echo "dialog_finish: dialogd exited with status ${DIALOG_STATUS:-unknown (killed?)}:" >&2
        cat "$base.report" >&2
        return 1
    fi
    return 0
}

dialog_stop() {
    local pids=("$@") pid i
    [[ $# -gt 0 ]] || pids=("${!_DIALOG_BASE[@]}")
    for pid in "${pids[@]}"; do
        if _dialog_running "$pid"; then
            kill -TERM "$pid" 2>/dev/null || true
            for (( i = 0; i < 40; i++ )); do
                _dialog_running "$pid" || break
                sleep 0.05
            done
            if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
        fi
        wait "$pid" 2>/dev/null || true
    done
    return 0
}
