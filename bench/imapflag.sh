#!/usr/bin/env bash
# bench/imapflag.sh: imapflag against curl, python3 imaplib and imapfilter,
# setting \Seen on every message of a 20,000-message mailbox (issue
# "imapflag"). Run by `make bench` with B=build; by hand:
#   B=build bash bench/imapflag.sh
#
# One mailbox of IMAPFLAG_BENCH_N (20,000) seeded messages, user carol on
# the project's private Dovecot, IMAPS (implicit TLS) on 127.0.0.1,
# certificate verified. Every timed run starts from the same state: \Seen
# cleared on all messages (doveadm flags remove, untimed, checked), then
# one process sets \Seen on all of them:
#   - imapflag: the UIDs 1..N one per line on standard input (a file, so
#     that seq is not timed), --add '\Seen';
#   - curl: one custom request, UID STORE 1:N +FLAGS.SILENT (\Seen). With
#     plain +FLAGS the server answers with one FETCH line per message, more
#     than curl keeps of untagged responses (300 KB in curl 7.88: exit 56
#     though the server did store); an untimed probe shows what this curl
#     does;
#   - imaplib: python3 imaplib, LOGIN, SELECT, one
#     uid('STORE', '1:N', '+FLAGS', '(\Seen)'), LOGOUT: the N FETCH
#     responses come back and imaplib collects them;
#   - imaplib-silent: the same with +FLAGS.SILENT, which is what imapflag,
#     curl above and imapfilter send: the same work for the server;
#   - imapfilter, if installed: a Lua config,
#     acct.MAILBOX:select_all():mark_seen() (UID SEARCH ALL, then one
#     UID STORE ... +FLAGS.SILENT);
#   - curl per message: one curl process per message, UID STORE n
#     +FLAGS.SILENT (\Seen), for the first IMAPFLAG_BENCH_PERMSG (500) UIDs,
#     one round only; measured and extrapolated to N.
# After every timed run (untimed): no message of the mailbox is UNSEEN
# (doveadm search, the server's own view). One untimed, checked run of every
# peer first; one untimed imapflag -v run shows the commands on the wire.
# Wall is the whole process, start-up included, from the shell's clock;
# median of IMAPFLAG_BENCH_ROUNDS interleaved rounds; CPU and peak RSS from
# /usr/bin/time.
#
# A benchmark, not a test: it prints measurements and ratios against the
# peers measured in the same run and never fails on a number. It exits
# non-zero only when something could not run (a missing tool, a server that
# would not start, a peer that failed or left messages unseen). imapflag
# not built yet, or imapfilter missing or not working: that row is skipped.
#
# Passwords: imapflag reads carol's from DIR/carol.pw (--password-cmd),
# curl from a netrc file and imapfilter from its config, both 0600 in the
# temporary directory; the python peers from the file. The servers and all
# temporary files are removed on exit.
#
# Knobs (environment): IMAPFLAG_BENCH_N (20000 messages),
# IMAPFLAG_BENCH_ROUNDS (3), IMAPFLAG_BENCH_PERMSG (500: the curl
# per-message run), MP_PORT_BASE (the first port base tried for the
# servers, 31800).
set -u -o pipefail
export LC_ALL=C

B=${B:-build}
IF=$B/imapflag
N=${IMAPFLAG_BENCH_N:-20000}
ROUNDS=${IMAPFLAG_BENCH_ROUNDS:-3}
PERMSG=${IMAPFLAG_BENCH_PERMSG:-500}

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 1
bench_init imapflag

# flbench20k for 20000, flbench2500 for 2500.
MBOX=$(bench_mbox_name flbench "$N")

# ------------------------------------------------------------ prerequisites

[[ $N =~ ^[0-9]+$ && $ROUNDS =~ ^[0-9]+$ && $PERMSG =~ ^[0-9]+$ ]] || die "the knobs must be numbers"
((N > 0 && ROUNDS > 0 && PERMSG > 0)) || die "the knobs must be positive"
((PERMSG <= N)) || PERMSG=$N
bench_need_mailservers
bench_python
bench_need /usr/bin/time awk timeout curl doveadm

HAVE_IMAPFLAG=1
[[ -x $IF ]] || HAVE_IMAPFLAG=0
IMAPFILTER=$(command -v imapfilter || true)
IMAPFILTER_SKIP=""
[[ -n $IMAPFILTER ]] || IMAPFILTER_SKIP="not installed (Debian: imapfilter, in install-deps bench)"

bench_tmpdir imapflagbench

# ------------------------------------------------------------------ servers

bench_servers_up 31800
P=$MP_IMAPS_PORT

# ------------------------------------------------------------------ mailbox

bench_seed "$BENCH_USER" "$N" "$MBOX"

# count KEY: how many messages of the mailbox match the search key (SEEN,
# UNSEEN, ALL), as the server sees them. Prints -1 when doveadm failed.
count() { bench_count "$BENCH_USER" "$MBOX" "$@"; }
# reset: \Seen off on every message; dies when it did not take.
reset() {
    "${DOVEADM[@]}" flags remove -u "$BENCH_USER" '\Seen' mailbox "$MBOX" ALL >"$T/reset.log" 2>&1 ||
        die "doveadm flags remove failed: $(tail -3 "$T/reset.log")"
    local s
    s=$(count SEEN)
    [[ $s == 0 ]] || die "after the reset $s messages are still \\Seen ($(tail -1 "$T/doveadm.err"))"
}
[[ $(count ALL) == "$N" ]] || die "$MBOX does not hold $N messages after seeding"

# ---------------------------------------------------------------- the peers

seq 1 "$N" >"$T/uids"
(
    umask 077
    printf 'machine 127.0.0.1 login %s password %s\n' "$BENCH_USER" "$(cat "$PWFILE")" >"$T/netrc"
)

bench_pypeer

# lib.py PORT CAFILE USER PWFILE MAILBOX N ITEM: python3 imaplib, one
# UID STORE 1:N ITEM (\Seen); prints the number of FETCH responses it got.
cat >"$T/lib.py" <<'EOF'
import sys
from benchpeer import imaplib_open

port, cafile, user, pwfile, mailbox, n, item = (int(sys.argv[1]), sys.argv[2], sys.argv[3],
                                                 sys.argv[4], sys.argv[5], int(sys.argv[6]), sys.argv[7])
M = imaplib_open(port, cafile, user, pwfile, mailbox)
typ, data = M.uid("STORE", "1:%d" % n, item, "(\\Seen)")
if typ != "OK":
    sys.exit("imaplib: UID STORE failed: %r" % data)
print("fetch responses: %d" % len([d for d in data if d]))
M.logout()
EOF

# imapfilter reads the password from its config, not argv; its HOME is
# ours so that nothing is written to ~/.imapfilter.
if [[ -z $IMAPFILTER_SKIP ]]; then
    mkdir -p "$T/ifhome"
    (
        umask 077
        cat >"$T/imapfilter.lua" <<EOF
options.info = false
options.certificates = false
options.timeout = 120
acct = IMAP {
    server = '127.0.0.1',
    port = $P,
    username = '$BENCH_USER',
    password = '$(cat "$PWFILE")',
    ssl = 'auto',
}
acct['$MBOX']:select_all():mark_seen()
EOF
    )
fi

PEERS=()
((HAVE_IMAPFLAG)) && PEERS+=(imapflag)
PEERS+=(curl imaplib imaplib-silent)
[[ -z $IMAPFILTER_SKIP ]] && PEERS+=(imapfilter)

# cmd PEER: the command in CMD, its standard input in CMD_IN.
cmd() {
    CMD_IN=/dev/null
    case $1 in
    imapflag)
        CMD=("$IF" "imaps://$BENCH_USER@127.0.0.1:$P" "$MBOX" --add '\Seen'
            --cacert "$CA" --password-cmd "cat $PWFILE")
        CMD_IN=$T/uids
        ;;
    curl) CMD=(curl -sS --url "imaps://127.0.0.1:$P/$MBOX" --cacert "$CA" --netrc-file "$T/netrc"
        -X "UID STORE 1:$N +FLAGS.SILENT (\\Seen)") ;;
    imaplib) CMD=("$PY" "$T/lib.py" "$P" "$CA" "$BENCH_USER" "$PWFILE" "$MBOX" "$N" "+FLAGS") ;;
    imaplib-silent) CMD=("$PY" "$T/lib.py" "$P" "$CA" "$BENCH_USER" "$PWFILE" "$MBOX" "$N" "+FLAGS.SILENT") ;;
    imapfilter) CMD=(env "HOME=$T/ifhome" "$IMAPFILTER" -c "$T/imapfilter.lua" -t "$CA") ;;
    esac
}

# run PEER: reset, then one process under /usr/bin/time, then the check.
# Sets RUN_WALL (from the shell's clock), RUN_RSS (KiB), RUN_CPU
# (user+sys), RUN_RC, RUN_UNSEEN; returns non-zero when it failed or left
# messages unseen.
run() {
    local peer=$1 rc
    reset
    cmd "$peer"
    timed_run 600 "$CMD_IN" "$T/out.$peer" "$T/err.$peer" "${CMD[@]}"
    rc=$?
    RUN_RC=$rc
    RUN_UNSEEN=$(count UNSEEN)
    ((rc == 0)) && [[ $RUN_UNSEEN == 0 ]]
}

# Untimed, checked runs of every peer.
for peer in "${PEERS[@]}"; do
    if ! run "$peer"; then
        msg="$peer: exit $RUN_RC, $RUN_UNSEEN of $N messages left unseen; $(tail -2 "$T/err.$peer" | tr '\n' ' ')"
        if [[ $peer == imapfilter ]]; then
            # An optional peer: a failure skips it instead of the run.
            IMAPFILTER_SKIP="did not flag the mailbox ($msg)"
            continue
        fi
        die "$msg"
    fi
    LASTCHECK[$peer]="exit 0, 0 of $N unseen$([[ -s $T/out.$peer ]] && printf '; %s' "$(tail -1 "$T/out.$peer")")"
done
if [[ -n $IMAPFILTER_SKIP && -n $IMAPFILTER ]]; then
    PEERS=()
    ((HAVE_IMAPFLAG)) && PEERS+=(imapflag)
    PEERS+=(curl imaplib imaplib-silent)
fi

# What this curl does with the plain +FLAGS form (untimed, shown only).
reset
curl -sS --url "imaps://127.0.0.1:$P/$MBOX" --cacert "$CA" --netrc-file "$T/netrc" \
    -X "UID STORE 1:$N +FLAGS (\\Seen)" >/dev/null 2>"$T/err.curlplain"
CURL_PLAIN="exit $?, $(count UNSEEN) of $N left unseen; $(tail -1 "$T/err.curlplain")"

# The commands imapflag sends (untimed).
WIRE=""
if ((HAVE_IMAPFLAG)); then
    reset
    cmd imapflag
    "${CMD[@]}" -v <"$CMD_IN" >/dev/null 2>"$T/wire.err" || die "imapflag -v failed: $(tail -2 "$T/wire.err")"
    WIRE=$(grep -c '^C: ' "$T/wire.err")
fi

# ------------------------------------------------------------------ header

bench_host_line
peers="$(curl --version | head -1 | cut -d' ' -f1-2,4-5); $(bench_python_version)"
[[ -n $IMAPFILTER ]] && peers+="; $("$IMAPFILTER" -V 2>&1 | head -1 | awk '{ print $1, $2 }')"
say "peers: $peers"
bench_server_line "IMAPS 127.0.0.1:$P, implicit TLS, certificate verified"
say "mailbox: $BENCH_USER/$MBOX, $N messages (seeded in ${SEED_SECS}s); every run sets \\Seen on all $N, from all unseen"
bench_startup_floor 10
((HAVE_IMAPFLAG)) || say "imapflag: not built ($IF), skipped"
[[ -n $IMAPFILTER_SKIP ]] && say "imapfilter: $IMAPFILTER_SKIP, skipped"
if ((HAVE_IMAPFLAG)); then
    say ""
    say "== imapflag on the wire: $WIRE commands for $N UIDs, one per line on stdin (imapflag -v, untimed)"
    grep '^C: ' "$T/wire.err" | cut -c1-110 | sed 's/^/   | /'
fi

# ------------------------------------------------------------------ measure

for ((r = 1; r <= ROUNDS; r++)); do
    for peer in "${PEERS[@]}"; do
        if run "$peer"; then
            record_run "$peer"
        else
            fail "$peer, round $r: exit $RUN_RC, $RUN_UNSEEN of $N left unseen; $(tail -2 "$T/err.$peer" | tr '\n' ' ')"
        fi
    done
done

# curl per message: PERMSG processes, one round.
reset
TIMEFORMAT='%3R %3U %3S'
pm_fail=0
{
    time for ((i = 1; i <= PERMSG; i++)); do
        curl -sS --url "imaps://127.0.0.1:$P/$MBOX" --cacert "$CA" --netrc-file "$T/netrc" \
            -X "UID STORE $i +FLAGS.SILENT (\\Seen)" >/dev/null 2>>"$T/err.permsg" || pm_fail=$((pm_fail + 1))
    done
} 2>"$T/permsg.time"
read -r PM_WALL pm_u pm_s <"$T/permsg.time"
PM_CPU=$(calc '%.2f' "$pm_u + $pm_s")
pm_seen=$(count SEEN)
pm_low=$(count SEEN UID "1:$PERMSG")
if ((pm_fail > 0)) || [[ $pm_seen != "$PERMSG" || $pm_low != "$PERMSG" ]]; then
    fail "curl per message: $pm_fail failed processes, $pm_seen messages \\Seen (UIDs 1:$PERMSG: $pm_low), expected $PERMSG; $(tail -2 "$T/err.permsg" 2>/dev/null | tr '\n' ' ')"
fi
PM_EXTRA=$(calc '%.2f' "$PM_WALL * $N / $PERMSG")

# ------------------------------------------------------------------ report

medians
ROW_LABEL=15 ROW_FMT='%5s %8.3fs %8.2f ms %8.2fs %7.1f MB' ROW_PER=1000 ROW_RATIO=(' %9s') ROW_NONE=failed

say ""
say "== \\Seen on $N messages ($BENCH_USER/$MBOX), IMAPS; median of $ROUNDS interleaved rounds (wall of the whole process)"
printf '%-15s %5s %9s %11s %9s %10s %9s\n' tool runs wall "per 1000" CPU "peak RSS" "x curl"
for peer in "${PEERS[@]}"; do row "$peer" "$peer" "$N" curl; done
printf '%-15s %5s %8.3fs %8.2f ms %8.2fs %10s %9s  (%d processes, one round)\n' "curl/msg $PERMSG" 1 "$PM_WALL" \
    "$(calc '%.4f' "$PM_WALL * 1000000 / $PERMSG")" "$PM_CPU" - \
    "$(if [[ -n ${MED[curl]:-} ]]; then calc '%.1fx' "$PM_WALL / ${MED[curl]}"; else printf -- '-'; fi)" "$PERMSG"
printf '%-15s %5s %8.2fs %11s %9s %10s %9s  (extrapolated: %s x %d/%d)\n' "curl/msg $N" - "$PM_EXTRA" \
    - - - "$(if [[ -n ${MED[curl]:-} ]]; then calc '%.0fx' "$PM_EXTRA / ${MED[curl]}"; else printf -- '-'; fi)" \
    "${PM_WALL}s" "$N" "$PERMSG"
say "   runs (wall s):"
runs_line "${PEERS[@]}"
say ""
say "   checks (untimed first run, doveadm search UNSEEN after it):"
checks_lines "${PEERS[@]}"
say "   every timed run too: 0 of $N left UNSEEN (else listed as failed below); curl per message:" \
    "$pm_seen \\Seen, UIDs 1:$PERMSG all of them: $pm_low"
say "   imapflag: UIDs 1..$N, one per line, on stdin from a file; curl: -X 'UID STORE 1:$N +FLAGS.SILENT (\\Seen)',"
say "   password from a netrc file; curl with plain +FLAGS (untimed probe): $CURL_PLAIN"
say "   imaplib: uid('STORE', '1:$N', '+FLAGS', '(\\Seen)'), $N FETCH responses back; imaplib-silent: +FLAGS.SILENT;"
say "   imapfilter: select_all():mark_seen() (UID SEARCH ALL, UID STORE ... +FLAGS.SILENT); wall includes start-up."

# ------------------------------------------------------------------ summary

say ""
say "== summary (targets from the issue, this run)"
say "   medians, $N messages: $(median_list "" imapflag curl imaplib imaplib-silent imapfilter)"
say "   curl, one process per message: ${PM_WALL}s for $PERMSG, ${PM_EXTRA}s extrapolated to $N"
if [[ -n ${MED[imapflag]:-} ]]; then
    if [[ -n ${MED[curl]:-} ]]; then
        a=$(calc '%.2f' "${MED[imapflag]} / ${MED[curl]}")
        say "   imapflag = $a x curl (target <= 1.2): $(verdict "$a <= 1.2")"
    fi
    say "   imapflag/imaplib $(ratio imapflag imaplib), imapflag/imaplib-silent $(ratio imapflag imaplib-silent)," \
        "imapflag/imapfilter $(ratio imapflag imapfilter); curl per message (extrapolated) takes" \
        "$(calc '%.0fx' "$PM_EXTRA / (${MED[imapflag]} > 0 ? ${MED[imapflag]} : 0.001)") imapflag's time"
    say "   imapflag on the wire: $WIRE commands for $N UIDs (listed above)"
elif ((HAVE_IMAPFLAG)); then
    say "   imapflag: failed runs, no ratios"
else
    say "   imapflag: not built, skipped (no ratios)"
fi
bench_exit "all runs exited 0 and left no message of $MBOX unseen"
