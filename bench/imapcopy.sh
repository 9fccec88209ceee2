#!/usr/bin/env bash
# bench/imapcopy.sh: imapcopy --move against python3 imaplib, moving every
# message of a 10,000-message mailbox to another one (issue "imapcopy").
# Run by `make bench` with B=build; by hand:
#   B=build bash bench/imapcopy.sh
#
# Two mailboxes of user carol on the project's private Dovecot, IMAPS
# (implicit TLS) on 127.0.0.1, certificate verified: one seeded with
# IMAPCOPY_BENCH_N (10,000) messages, one empty. Every run moves all the
# messages from the full one to the empty one, so the runs go back and
# forth and each starts from the same state (checked with doveadm after
# every run: the source empty, the destination holding all N):
#   - imapcopy: --move --search ALL (SELECT, UID SEARCH, one UID MOVE of
#     the whole range, the COPYUID pairs printed: N lines);
#   - imaplib: python3 imaplib, LOGIN, SELECT, one uid('MOVE', '1:*', DST),
#     LOGOUT (the same UID MOVE, without the SEARCH; the N EXPUNGE
#     responses are collected by imaplib).
# One untimed, checked run of each first; one untimed imapcopy -v run shows
# the commands on the wire. Wall is the whole process, start-up included,
# from the shell's clock; median of IMAPCOPY_BENCH_ROUNDS interleaved
# rounds; CPU and peak RSS from /usr/bin/time.
#
# A benchmark, not a test: it prints measurements and the ratio of the
# medians and never fails on a number. It exits non-zero only when
# something could not run (a missing tool, a server that would not start,
# a run that failed or did not move every message). imapcopy not built
# yet: only imaplib is measured.
#
# Passwords: both read carol's from DIR/carol.pw (imapcopy through
# --password-cmd). The servers and all temporary files are removed on exit.
#
# Knobs (environment): IMAPCOPY_BENCH_N (10000 messages),
# IMAPCOPY_BENCH_ROUNDS (3), MP_PORT_BASE (the first port base tried for
# the servers, 31820).
set -u -o pipefail
export LC_ALL=C

B=${B:-build}
IC=$B/imapcopy
N=${IMAPCOPY_BENCH_N:-10000}
ROUNDS=${IMAPCOPY_BENCH_ROUNDS:-3}

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 1
bench_init imapcopy

BOX_A=$(bench_mbox_name cpbench "$N")
BOX_B=$BOX_A-moved

[[ $N =~ ^[0-9]+$ && $ROUNDS =~ ^[0-9]+$ ]] || die "the knobs must be numbers"
((N > 0 && ROUNDS > 0)) || die "the knobs must be positive"
bench_need_mailservers
bench_python
bench_need /usr/bin/time awk timeout doveadm

HAVE_IMAPCOPY=1
[[ -x $IC ]] || HAVE_IMAPCOPY=0

bench_tmpdir imapcopybench

# ------------------------------------------------------------------ servers

bench_servers_up 31820
P=$MP_IMAPS_PORT

bench_seed "$BENCH_USER" "$N" "$BOX_A"
"${DOVEADM[@]}" mailbox create -u "$BENCH_USER" "$BOX_B" >"$T/create.log" 2>&1 ||
    die "doveadm mailbox create $BOX_B failed: $(tail -2 "$T/create.log")"

# count MAILBOX: its messages as the server sees them; -1 when doveadm failed.
count() { bench_count "$BENCH_USER" "$1"; }
[[ $(count "$BOX_A") == "$N" && $(count "$BOX_B") == 0 ]] || die "$BOX_A does not hold $N messages after seeding"

# The full mailbox moves to the empty one: FROM and TO for the next run.
FROM=$BOX_A
TO=$BOX_B
swap() { local t=$FROM; FROM=$TO; TO=$t; }

bench_pypeer

# lib.py PORT CAFILE USER PWFILE SRC DST: python3 imaplib, SELECT SRC, one
# UID MOVE 1:* to DST.
cat >"$T/lib.py" <<'XEOF'
import sys
from benchpeer import imaplib_open

port, cafile, user, pwfile, src, dst = (int(sys.argv[1]), sys.argv[2], sys.argv[3],
                                        sys.argv[4], sys.argv[5], sys.argv[6])
M = imaplib_open(port, cafile, user, pwfile, src)
typ, data = M.uid("MOVE", "1:*", '"%s"' % dst)
if typ != "OK":
    sys.exit("imaplib: UID MOVE failed: %r" % data)
print("UID MOVE: %s" % typ)
M.logout()
XEOF

PEERS=()
((HAVE_IMAPCOPY)) && PEERS+=(imapcopy)
PEERS+=(imaplib)

# cmd PEER: the command moving FROM to TO, in CMD.
cmd() {
    case $1 in
    imapcopy) CMD=("$IC" "imaps://$BENCH_USER@127.0.0.1:$P" "$FROM" "$TO" --move --search ALL
        --cacert "$CA" --password-cmd "cat $PWFILE") ;;
    imaplib) CMD=("$PY" "$T/lib.py" "$P" "$CA" "$BENCH_USER" "$PWFILE" "$FROM" "$TO") ;;
    esac
}

# run PEER: one process under /usr/bin/time, then the check (FROM empty,
# TO holding N), then FROM and TO swap. Sets RUN_WALL, RUN_RSS (KiB),
# RUN_CPU, RUN_RC, RUN_LEFT, RUN_THERE; non-zero when it failed.
run() {
    local peer=$1 rc
    cmd "$peer"
    timed_run 600 /dev/null "$T/out.$peer" "$T/err.$peer" "${CMD[@]}"
    rc=$?
    RUN_RC=$rc
    RUN_LEFT=$(count "$FROM")
    RUN_THERE=$(count "$TO")
    [[ $RUN_LEFT == 0 && $RUN_THERE == "$N" ]] && swap
    ((rc == 0)) && [[ $RUN_LEFT == 0 && $RUN_THERE == "$N" ]]
}

for peer in "${PEERS[@]}"; do
    run "$peer" || die "$peer: exit $RUN_RC, $RUN_LEFT left in the source, $RUN_THERE in the destination; $(tail -2 "$T/err.$peer" | tr '\n' ' ')"
    LASTCHECK[$peer]="exit 0, all $N moved; stdout $(wc -l <"$T/out.$peer") lines, last: $(tail -1 "$T/out.$peer" | cut -c1-80)"
done

WIRE=""
if ((HAVE_IMAPCOPY)); then
    cmd imapcopy
    "${CMD[@]}" -v </dev/null >/dev/null 2>"$T/wire.err" || die "imapcopy -v failed: $(tail -2 "$T/wire.err")"
    [[ $(count "$FROM") == 0 ]] || die "imapcopy -v left messages in $FROM"
    swap
    WIRE=$(grep -c '^C: ' "$T/wire.err")
fi

# ------------------------------------------------------------------ header

bench_host_line
say "peers: $(bench_python_version)"
bench_server_line "IMAPS 127.0.0.1:$P, implicit TLS, certificate verified"
say "mailboxes: $BENCH_USER/$BOX_A and $BOX_B, $N messages (seeded in ${SEED_SECS}s); every run moves all $N from the full one to the empty one"
bench_startup_floor 10
((HAVE_IMAPCOPY)) || say "imapcopy: not built ($IC), skipped"
if ((HAVE_IMAPCOPY)); then
    say ""
    say "== imapcopy on the wire: $WIRE commands to move $N messages (imapcopy -v, untimed)"
    grep '^C: ' "$T/wire.err" | cut -c1-110 | sed 's/^/   | /'
fi

# ------------------------------------------------------------------ measure

for ((r = 1; r <= ROUNDS; r++)); do
    for peer in "${PEERS[@]}"; do
        if run "$peer"; then
            record_run "$peer"
        else
            fail "$peer, round $r: exit $RUN_RC, $RUN_LEFT left in the source, $RUN_THERE in the destination; $(tail -2 "$T/err.$peer" | tr '\n' ' ')"
            # Put the state right for the next run.
            [[ $RUN_LEFT == 0 ]] || die "cannot go on: $FROM still holds $RUN_LEFT messages"
        fi
    done
done

# ------------------------------------------------------------------ report

medians
ROW_LABEL=10 ROW_FMT='%5s %8.3fs %8.2f ms %8.2fs %7.1f MB' ROW_PER=1000 ROW_NONE=failed

say ""
say "== moving $N messages ($BENCH_USER), IMAPS; median of $ROUNDS interleaved rounds (wall of the whole process)"
printf '%-10s %5s %9s %11s %9s %10s %10s\n' tool runs wall "per 1000" CPU "peak RSS" "x imaplib"
for peer in "${PEERS[@]}"; do row "$peer" "$peer" "$N" imaplib; done
say "   runs (wall s):"
runs_line "${PEERS[@]}"
say "   checks (untimed first run; doveadm after every run: source empty, destination $N):"
checks_lines "${PEERS[@]}"
say "   imapcopy: --move --search ALL (UID SEARCH, then UID MOVE; N COPYUID lines on stdout);"
say "   imaplib: uid('MOVE', '1:*', DST) after SELECT (no SEARCH); wall includes start-up."

say ""
say "== summary (this run)"
say "   medians, $N messages: $(median_list "" imapcopy imaplib)"
if [[ -n ${MED[imapcopy]:-} && -n ${MED[imaplib]:-} ]]; then
    say "   imapcopy = $(ratio imapcopy imaplib) imaplib (ratio of the medians); on the wire: $WIRE commands"
fi
bench_exit "all runs exited 0 and moved all $N messages"
