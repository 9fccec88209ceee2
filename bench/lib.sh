# shellcheck shell=bash
# bench/lib.sh: what the benchmark scripts share. Sourced, not run:
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   bench_init NAME          # messages say "bench/NAME: ..."
# The scripts set `set -u -o pipefail` and LC_ALL=C themselves.
#
# Globals it sets: T (temporary directory), D (the mail servers' state
# directory, "" until bench_servers_up), PY (python3), MAILSERVERS,
# FAILURES and FAILNOTES (fail), SEED_SECS (bench_seed). Every function
# below either prints, sets one of those, or dies.

# `make bench` runs bench/*.sh, this file too: run, not sourced, it does nothing.
[[ ${BASH_SOURCE[0]} != "$0" ]] || exit 0

BENCH_NAME=bench
BENCH_PREFIX=""
BENCH_SERVERS_UP=0
BENCH_ATEXIT=()
T=""
D=""
MAILSERVERS=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/servers/mailservers

# bench_init NAME: the name in messages and in the host line.
bench_init() { BENCH_NAME=$1; }

say() { printf '%s\n' "$*"; }
die() { say "bench/$BENCH_NAME: $*" >&2; exit 1; }

# ------------------------------------------------------------ prerequisites

# bench_need TOOL...: die unless every TOOL is a command.
bench_need() {
    local t
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 || die "$t not found (make bench installs the peer tools)"
    done
}

bench_need_mailservers() { [[ -x $MAILSERVERS ]] || die "$MAILSERVERS not found"; }

# bench_python: sets PY. Debian's interpreter: a pyenv shim on PATH costs
# ~0.15 s per start.
bench_python() {
    if [[ -x /usr/bin/python3 ]]; then PY=/usr/bin/python3; else PY=$(command -v python3) || die "python3 not found"; fi
}

# ---------------------------------------------------- temporary files, exit

# bench_tmpdir PREFIX: T=${TMPDIR:-/tmp}/PREFIX.XXXXXX, removed on exit
# together with everything bench_cleanup knows of. Functions named in
# BENCH_ATEXIT run first (the script's own servers).
bench_tmpdir() {
    BENCH_PREFIX=$1
    T=$(mktemp -d "${TMPDIR:-/tmp}/$BENCH_PREFIX.XXXXXX") || die "mktemp failed"
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM HUP
}
# shellcheck disable=SC2317  # called from the trap
bench_cleanup() {
    local f
    for f in "${BENCH_ATEXIT[@]}"; do "$f"; done
    if ((BENCH_SERVERS_UP)); then
        "$MAILSERVERS" down "$D" >/dev/null 2>&1
    fi
    rm -rf "$T"
    [[ -n $D ]] && rm -rf "$D"
}

# ------------------------------------------------------------- mail servers

# bench_servers_up FIRST_BASE: the private Dovecot + Postfix
# (tests/servers/mailservers) in D=/tmp/PREFIX-srv.XXXXXX, on the first
# free MP_PORT_BASE of FIRST_BASE, FIRST_BASE + 40, ..., FIRST_BASE + 360;
# then DIR/env is sourced (MP_*_PORT, MP_CACERT, ...). D is a directory of
# its own (the daemons run as other users and must reach it, which a 0700
# parent would forbid) and at most 64 characters.
bench_servers_up() {
    local first=$1 base
    D=$(mktemp -d "/tmp/$BENCH_PREFIX-srv.XXXXXX") || die "mktemp failed"
    # `up` refuses a base whose ports are taken (netcheck.py free): try the next.
    for ((base = first; base <= first + 360; base += 40)); do
        BENCH_SERVERS_UP=1   # a half-started `up` is taken down by the trap too
        if MP_PORT_BASE=$base timeout 120 "$MAILSERVERS" up "$D" >"$T/up.log" 2>&1; then
            break
        fi
        "$MAILSERVERS" down "$D" >/dev/null 2>&1
        BENCH_SERVERS_UP=0
    done
    ((BENCH_SERVERS_UP)) || die "mailservers up failed on every port base: $(tail -3 "$T/up.log")"
    # shellcheck disable=SC1091
    source "$D/env" || die "no $D/env"
}

# bench_seed USER COUNT MAILBOX: COUNT generated messages into USER's
# MAILBOX. Sets SEED_SECS.
bench_seed() {
    local t0 t1
    t0=$(now)
    timeout 600 "$MAILSERVERS" seed "$D" "$1" "$2" "$3" >"$T/seed.log" 2>&1 ||
        die "mailservers seed $1 $2 $3 failed: $(tail -3 "$T/seed.log")"
    t1=$(now)
    # shellcheck disable=SC2034  # read by the script
    SEED_SECS=$(calc '%.2f' "$t1 - $t0")
}

# bench_mbox_name PREFIX COUNT: PREFIX20k for 20000, PREFIX2500 for 2500.
bench_mbox_name() { if (($2 % 1000 == 0)); then printf '%s%dk' "$1" $(($2 / 1000)); else printf '%s%d' "$1" "$2"; fi; }

# ------------------------------------------------------------------ numbers

now() { printf '%s' "${EPOCHREALTIME/[,]/.}"; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
fmax() { tr ' ' '\n' | grep . | sort -g | tail -1; }
kib_mb() { calc '%.1f' "$1 / 1024"; }
# ratio KEY BASEKEY: MED[KEY] / MED[BASEKEY] as "1.23x", "-" when one is
# missing (MED: the script's associative array of medians).
# shellcheck disable=SC2154  # MED is the caller's
ratio() {
    if [[ -n ${MED[$1]:-} && -n ${MED[$2]:-} ]]; then calc '%.2fx' "${MED[$1]} / ${MED[$2]}"; else printf -- '-'; fi
}
# verdict AWK-CONDITION: "met" or "NOT met".
verdict() { awk "BEGIN { exit !($1) }" && printf 'met' || printf 'NOT met'; }

# fail TEXT: one more problem for the summary (FAILURES, FAILNOTES).
FAILURES=0
FAILNOTES=()
fail() { FAILURES=$((FAILURES + 1)); FAILNOTES+=("$*"); }

# ------------------------------------------------------------------ header

# bench_host_line: "NAME benchmark: CPUs, kernel, machine".
bench_host_line() {
    say "$BENCH_NAME benchmark: $(nproc) CPUs, kernel $(uname -r), $(uname -m)$(grep -qs runsc /etc/hosts && printf ', gVisor sandbox')"
}

# bench_startup_floor COUNT: what starting python3 and /bin/true costs,
# COUNT starts each.
bench_startup_floor() {
    local n=$1 i
    TIMEFORMAT='%3R'
    { time for ((i = 0; i < n; i++)); do "$PY" -c pass; done; } 2>"$T/floor.py"
    { time for ((i = 0; i < n; i++)); do /bin/true; done; } 2>"$T/floor.true"
    say "start-up floor: python3 $(calc '%.1f' "$(cat "$T/floor.py") * 1000 / $n") ms, fork+exec /bin/true $(calc '%.2f' "$(cat "$T/floor.true") * 1000 / $n") ms"
}
