# shellcheck shell=bash
# bench/lib.sh: what the benchmark scripts share. Sourced, not run:
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   bench_init NAME          # messages say "bench/NAME: ..."
# The scripts set `set -u -o pipefail` and LC_ALL=C themselves.
#
# Globals it sets: BENCH_USER (carol: the servers' user whose mail the
# benchmarks read and write), T (temporary directory), D (the mail
# servers' state directory, "" until bench_servers_up), CA, PWFILE and
# DOVEADM (bench_servers_up), PY (python3), MAILSERVERS, FAILURES and
# FAILNOTES (fail), SEED_SECS (bench_seed), GMDIR and GMOUT
# (bench_getmail_setup), RUN_WALL, RUN_RSS and RUN_CPU (timed_run). Every
# function below either prints, writes the file it is given, sets one of
# those or fills the tables below, or dies; bench_getmail_setup also sets
# the script's GETMAIL_SKIP.
#
# The tables of a script's runs, which it fills and the report functions
# read, are declared here (associative arrays, by key): WALLS, RSS and
# CPUS (space-separated values, record_run), MED (medians: medians,
# extrapolate), LASTCHECK (the check of the key's last run). row and
# row_extrapolated lay their tables out by ROW_LABEL, ROW_FMT, ROW_PER,
# ROW_RATIO and ROW_NONE (set below), which a script may change.

# `make bench` runs bench/*.sh, this file too: run, not sourced, it does nothing.
[[ ${BASH_SOURCE[0]} != "$0" ]] || exit 0

BENCH_NAME=bench
BENCH_PREFIX=""
BENCH_SERVERS_UP=0
BENCH_ATEXIT=()
BENCH_USER=carol
T=""
D=""
declare -A WALLS RSS CPUS MED LASTCHECK
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
# free MP_PORT_BASE of FIRST, FIRST + 40, ..., FIRST + 360, where FIRST is
# the environment's MP_PORT_BASE when set (as tests/run takes it), else
# FIRST_BASE; then DIR/env is sourced (MP_*_PORT, MP_CACERT, ...), and
# CA (the servers' private CA), PWFILE (D/BENCH_USER.pw, the password)
# and DOVEADM (doveadm on these servers, an array) are set. D is a
# directory of its own (the daemons run as other users and must reach it,
# which a 0700 parent would forbid) and at most 64 characters.
bench_servers_up() {
    local first=${MP_PORT_BASE:-$1} base
    [[ $first =~ ^[0-9]+$ ]] || die "MP_PORT_BASE must be a number (got '$first')"
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
    CA=$MP_CACERT
    PWFILE=$D/$BENCH_USER.pw
    DOVEADM=(doveadm -c "$MP_DOVECOT_CONF")
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

# bench_count USER MAILBOX [KEY...]: how many of the messages of USER's
# MAILBOX match the doveadm search KEY (without one: all of them, from
# doveadm mailbox status), as the server sees them; -1 when doveadm
# failed (a mailbox that does not exist, too).
bench_count() {
    local out user=$1 box=$2
    shift 2
    if (($# == 0)); then
        bench_mailbox_status "$user" "$box" messages
    elif out=$("${DOVEADM[@]}" search -u "$user" mailbox "$box" "$@" 2>"$T/doveadm.err"); then
        grep -c . <<<"$out"
    else
        printf -- '-1'
    fi
}

# bench_mailbox_status USER MAILBOX FIELD: the doveadm mailbox status
# FIELD (messages, vsize, ...) of USER's MAILBOX; -1 when doveadm failed.
bench_mailbox_status() {
    local out
    if out=$("${DOVEADM[@]}" -f tab mailbox status -u "$1" "$3" "$2" 2>"$T/doveadm.err"); then
        tail -1 <<<"$out" | cut -f2
    else
        printf -- '-1'
    fi
}

# bench_huge_message MB FILE: one message of about MB million octets into
# FILE: headers, then lines of 75 digits and letters (LF line ends).
bench_huge_message() {
    "$PY" - "$1" >"$2" <<'EOF' || die "cannot write the huge message $2"
import sys
size = int(sys.argv[1]) * 1000000
hdr = ("From: big@example.test\nTo: carol@example.test\nSubject: huge\n"
       "Message-ID: <huge@example.test>\nDate: Mon, 01 Jan 2024 00:00:00 +0000\n\n")
line = "0123456789" * 7 + "abcd\n"
sys.stdout.write(hdr)
sys.stdout.write(line * ((size - len(hdr)) // len(line)))
EOF
}

# bench_mbsyncrc FILE USER MAILBOX NEARDIR SYNC FSYNC: an mbsync (isync)
# config, mode 0600, with one channel "bench" between USER's MAILBOX on
# the servers' IMAPS port (Host localhost: mbsync checks the
# certificate's DNS names only, which the servers' carry; localhost is
# 127.0.0.1 here; CertificateFile = the private CA, PassCmd cat
# D/USER.pw) as Far and the maildir NEARDIR/MAILBOX as Near: Sync SYNC
# (Pull or Push), Create on the receiving side, Expunge None, Remove
# None, SyncState * (the state lives in the near maildir), FSync FSYNC
# (yes or no).
bench_mbsyncrc() {
    local create=Near
    [[ $5 == Push ]] && create=Far
    (
        umask 077
        cat >"$1" <<EOF
FSync $6

IMAPAccount bench
Host localhost
Port $MP_IMAPS_PORT
User $2
PassCmd "cat $D/$2.pw"
SSLType IMAPS
CertificateFile $MP_CACERT
Timeout 120

IMAPStore far
Account bench

MaildirStore near
Path $4/
SubFolders Verbatim

Channel bench
Far :far:$3
Near :near:$3
Sync $5
Create $create
Expunge None
Remove None
SyncState *
EOF
    )
}

# bench_getmail_setup TYPE PORT DELETE [RETRIEVER_LINES [OPTION_LINES]]:
# getmail6's rcfile GMDIR/rc for BENCH_USER on 127.0.0.1:PORT (retriever
# TYPE, delete DELETE, extra lines for [retriever] and [options]) and its
# Mboxrd destination GMOUT/mbox. As root getmail6 delivers only as
# another user: GMOUT is nobody's then, T made 0711 for nobody to reach
# it. With the script's GETMAIL_SKIP set it only sets GMDIR and GMOUT; it
# sets GETMAIL_SKIP when GMOUT cannot be handed to nobody.
bench_getmail_setup() {
    GMDIR=$T/getmail
    GMOUT=$T/getmail-out
    [[ -z $GETMAIL_SKIP ]] || return 0
    mkdir -m 0700 "$GMDIR"
    mkdir "$GMOUT"
    if ((EUID == 0)); then
        chmod 0711 "$T"
        chown nobody: "$GMOUT" 2>/dev/null || GETMAIL_SKIP="cannot hand $GMOUT to nobody (getmail6 will not deliver as root)"
    fi
    (
        umask 077
        cat >"$GMDIR/rc" <<EOF
[retriever]
type = $1
server = 127.0.0.1
port = $2
username = $BENCH_USER
password_command = ("/bin/cat", "$PWFILE")
ca_certs = $CA
${4:-}

[destination]
type = Mboxrd
path = $GMOUT/mbox
$( ((EUID == 0)) && printf 'user = nobody')

[options]
delete = $3
read_all = true
verbose = 0
received = false
delivered_to = false
${5:-}
EOF
    )
}

# bench_getmail_mbox: an empty GMOUT/mbox, as getmail6's Mboxrd
# destination wants it; nobody's as root.
bench_getmail_mbox() {
    : >"$GMOUT/mbox"
    if ((EUID == 0)); then chown nobody: "$GMOUT/mbox"; fi
}

# bench_pypeer: T/benchpeer.py, what the python peers share, compiled;
# a peer script in T imports it (python looks in the script's directory).
bench_pypeer() {
    cat >"$T/benchpeer.py" <<'EOF'
"""What the benchmarks' python peers share (written by bench/lib.sh)."""
import socket, ssl, sys


def password(pwfile):
    """The password file's text, without its line end."""
    with open(pwfile) as f:
        return f.read().rstrip("\n")


def quote(s):
    """S as an IMAP quoted string."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def tls_socket(port, cafile):
    """TLS to 127.0.0.1:PORT, the certificate verified with CAFILE; TCP_NODELAY."""
    ctx = ssl.create_default_context(cafile=cafile)
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="127.0.0.1")
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def imaplib_open(port, cafile, user, pwfile, mailbox=None, readonly=False):
    """python3 imaplib's IMAP4_SSL to 127.0.0.1:PORT (CAFILE), logged in
    as USER; MAILBOX selected, or examined when READONLY (exits when that
    fails)."""
    import imaplib  # only here: the raw peers do not load it
    M = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=ssl.create_default_context(cafile=cafile))
    M.login(user, password(pwfile))
    if mailbox is not None:
        typ, _ = M.select('"%s"' % mailbox, readonly=readonly)
        if typ != "OK":
            sys.exit("imaplib: %s %s failed" % ("EXAMINE" if readonly else "SELECT", mailbox))
    return M
EOF
    "$PY" -m py_compile "$T/benchpeer.py" || die "cannot compile $T/benchpeer.py"
}

# bench_mbox_name PREFIX COUNT: PREFIX20k for 20000, PREFIX2500 for 2500.
bench_mbox_name() { if (($2 % 1000 == 0)); then printf '%s%dk' "$1" $(($2 / 1000)); else printf '%s%d' "$1" "$2"; fi; }

# -------------------------------------------------------------------- a run

# timed_run SECS IN OUT ERR CMD...: CMD under timeout SECS and
# /usr/bin/time, standard input from IN, output to OUT, errors to ERR.
# Sets RUN_WALL (s, the shell's clock: the whole process, start-up
# included), RUN_RSS (peak, KiB) and RUN_CPU (user+sys, s); returns CMD's
# status.
timed_run() {
    local secs=$1 input=$2 out=$3 err=$4 t0 t1 rc m u s
    shift 4
    t0=$(now)
    timeout "$secs" /usr/bin/time -f '%e %M %U %S' -o "$T/run.time" "$@" <"$input" >"$out" 2>"$err"
    rc=$?
    t1=$(now)
    read -r _ m u s < <(tail -1 "$T/run.time")
    RUN_WALL=$(calc '%.4f' "$t1 - $t0")
    RUN_RSS=${m:-0}
    RUN_CPU=$(calc '%.2f' "${u:-0} + ${s:-0}")
    return "$rc"
}

# record_run KEY: the last timed_run's numbers added under KEY to WALLS,
# RSS and CPUS.
record_run() {
    WALLS[$1]+=" $RUN_WALL"
    RSS[$1]+=" $RUN_RSS"
    CPUS[$1]+=" $RUN_CPU"
}

# ------------------------------------------------------------------ numbers

now() { printf '%s' "${EPOCHREALTIME/[,]/.}"; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
fmax() { tr ' ' '\n' | grep . | sort -g | tail -1; }
kib_mb() { calc '%.1f' "$1 / 1024"; }
# medians: MED[KEY] = the median of WALLS[KEY], for every KEY.
medians() {
    local k
    for k in "${!WALLS[@]}"; do MED[$k]=$(median <<<"${WALLS[$k]}"); done
}
# extrapolate KEY XKEY FROM TO: MED[XKEY] = MED[KEY], measured on FROM
# messages, scaled to TO; nothing when KEY has no median.
extrapolate() { [[ -z ${MED[$1]:-} ]] || MED[$2]=$(calc '%.3f' "${MED[$1]} * $4 / $3"); }
# ratio KEY BASEKEY: MED[KEY] / MED[BASEKEY] as "1.23x", "-" when one is
# missing.
ratio() {
    if [[ -n ${MED[$1]:-} && -n ${MED[$2]:-} ]]; then calc '%.2fx' "${MED[$1]} / ${MED[$2]}"; else printf -- '-'; fi
}
# peak_mb KEY: the highest RSS[KEY] in MB, "-" when KEY has none.
peak_mb() { if [[ -n ${RSS[$1]:-} ]]; then kib_mb "$(fmax <<<"${RSS[$1]}")"; else printf -- '-'; fi; }

# The layout of row's tables. ROW_LABEL: the label column's width.
# ROW_FMT: the printf format of runs, median wall, time per ROW_PER
# messages (ms), median CPU and peak RSS. ROW_RATIO: the format of each
# ratio column in turn, the last one for the rest. ROW_NONE: what a key
# without runs shows.
ROW_LABEL=18
ROW_FMT='%5s %8.3fs %9.3f ms %7.2fs %7.1f MB'
ROW_PER=1
ROW_RATIO=(' %10s')
ROW_NONE='skipped or failed'
# row KEY LABEL COUNT [BASEKEY...]: one line of a table: runs, median
# wall, per ROW_PER of the COUNT messages, median CPU, peak RSS, then
# MED[KEY] / MED[BASEKEY] for each BASEKEY.
# shellcheck disable=SC2059  # the formats are ROW_FMT and ROW_LABEL's
row() {
    local k=$1 label=$2 n=$3 runs
    runs=$(wc -w <<<"${WALLS[$k]:-}")
    printf "%-${ROW_LABEL}s " "$label"
    if ((runs == 0)); then
        printf '%5s %s\n' 0 "$ROW_NONE"
        return
    fi
    printf "$ROW_FMT" "$runs" "${MED[$k]}" "$(calc '%.4f' "${MED[$k]} * $((1000 * ROW_PER)) / $n")" \
        "$(median <<<"${CPUS[$k]}")" "$(peak_mb "$k")"
    row_ratios "$k" "${@:4}"
    printf '\n'
}
# row_extrapolated KEY LABEL FROM TO [BASEKEY...]: the line of a wall
# extrapolated from FROM to TO messages (extrapolate): LABEL, MED[KEY],
# the ratios, "(extrapolated: x TO/FROM)"; in the widths of the default
# ROW_FMT.
# shellcheck disable=SC2059  # the label's width is ROW_LABEL
row_extrapolated() {
    printf "%-${ROW_LABEL}s %5s %8.2fs %12s %8s %10s" "$2" - "${MED[$1]}" - - -
    row_ratios "$1" "${@:5}"
    printf '  (extrapolated: x %d/%d)\n' "$4" "$3"
}
# row_ratios KEY [BASEKEY...]: the ratio columns of a row, in ROW_RATIO.
# shellcheck disable=SC2059  # the formats are ROW_RATIO
row_ratios() {
    local k=$1 b i=0
    shift
    for b in "$@"; do
        printf "${ROW_RATIO[i]:-${ROW_RATIO[-1]}}" "$(ratio "$k" "$b")"
        i=$((i + 1))
    done
}
# runs_line KEY...: each KEY's walls, one line each.
runs_line() {
    local k
    for k in "$@"; do
        [[ -n ${WALLS[$k]:-} ]] && say "     $k:$(tr ' ' ',' <<<"${WALLS[$k]}" | sed 's/^,/ /')"
    done
    return 0
}
# checks_lines [KEY...]: each KEY's LASTCHECK, one line each, in that
# order (without KEYs: every key, sorted).
checks_lines() {
    local k keys
    if (($# == 0 && ${#LASTCHECK[@]} > 0)); then
        mapfile -t keys < <(printf '%s\n' "${!LASTCHECK[@]}" | sort)
        set -- "${keys[@]}"
    fi
    for k in "$@"; do
        [[ -n ${LASTCHECK[$k]:-} ]] && say "     $k: ${LASTCHECK[$k]}"
    done
    return 0
}
# median_list SUFFIX NAME...: "NAME MEDs" for each NAME, MED[NAME SUFFIX]
# ("NAME skipped" without one), joined with "; ".
median_list() {
    local sfx=$1 name
    shift
    for name in "$@"; do
        if [[ -n ${MED[$name$sfx]:-} ]]; then printf '%s %ss; ' "$name" "${MED[$name$sfx]}"; else printf '%s skipped; ' "$name"; fi
    done | sed 's/; $//'
}
# verdict AWK-CONDITION: "met" or "NOT met".
verdict() { awk "BEGIN { exit !($1) }" && printf 'met' || printf 'NOT met'; }
# target LABEL KEY BASEKEY LIMIT [WHY]: "LABEL = R (target <= LIMIT): met"
# for R = MED[KEY] / MED[BASEKEY], or "LABEL: not measured (WHY)".
target() {
    if [[ -n ${MED[$2]:-} && -n ${MED[$3]:-} ]]; then
        local a
        a=$(calc '%.2f' "${MED[$2]} / ${MED[$3]}")
        say "   $1 = $a (target <= $4): $(verdict "$a <= $4")"
    else
        say "   $1: not measured${5:+ ($5)}"
    fi
}

# fail TEXT: one more problem for the summary (FAILURES, FAILNOTES).
FAILURES=0
FAILNOTES=()
fail() { FAILURES=$((FAILURES + 1)); FAILNOTES+=("$*"); }
# bench_exit TEXT [WHAT]: "N WHAT: these numbers are not valid" (WHAT:
# "failed run(s)"), the failures and exit 1; or "   TEXT" and exit 0.
bench_exit() {
    local f
    if ((FAILURES > 0)); then
        say "   $FAILURES ${2:-failed run(s)}: these numbers are not valid"
        for f in "${FAILNOTES[@]}"; do say "   ! $f"; done
        exit 1
    fi
    say "   $1"
    exit 0
}

# ------------------------------------------------------------------ header

# bench_host_line: "NAME benchmark: CPUs, kernel, machine".
bench_host_line() {
    say "$BENCH_NAME benchmark: $(nproc) CPUs, kernel $(uname -r), $(uname -m)$(grep -qs runsc /etc/hosts && printf ', gVisor sandbox')"
}

# bench_python_version: "python VERSION (OPENSSL) (PY)", for the peers
# line.
bench_python_version() {
    printf '%s (%s)' "$("$PY" -c 'import sys, ssl; print("python", sys.version.split()[0], "(" + ssl.OPENSSL_VERSION + ")")')" "$PY"
}

# bench_server_line TEXT: "server: private Dovecot VERSION
# (tests/servers/mailservers), TEXT".
bench_server_line() {
    say "server: private Dovecot $(dovecot --version 2>/dev/null | cut -d' ' -f1) (tests/servers/mailservers), $*"
}

# bench_load_before, bench_load_after: the load average before the runs
# (a header line), after them (an indented report line).
bench_load_before() {
    say "load before the runs: $(cut -d' ' -f1-3 /proc/loadavg) (2-core machines: another job's load shows in the numbers)"
}
bench_load_after() { say "   load after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"; }

# bench_startup_floor COUNT: what starting python3 and /bin/true costs,
# COUNT starts each.
bench_startup_floor() {
    local n=$1 i
    TIMEFORMAT='%3R'
    { time for ((i = 0; i < n; i++)); do "$PY" -c pass; done; } 2>"$T/floor.py"
    { time for ((i = 0; i < n; i++)); do /bin/true; done; } 2>"$T/floor.true"
    say "start-up floor: python3 $(calc '%.1f' "$(cat "$T/floor.py") * 1000 / $n") ms, fork+exec /bin/true $(calc '%.2f' "$(cat "$T/floor.true") * 1000 / $n") ms"
}
