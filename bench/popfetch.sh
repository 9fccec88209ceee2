#!/usr/bin/env bash
# bench/popfetch.sh: popfetch against mpop, fetchmail, getmail6 and a raw
# pipelined POP3 session (issue "popfetch"). Run by `make bench` with
# B=build; by hand:
#   B=build bash bench/popfetch.sh
#
# User carol's INBOX on the project's private Dovecot, POP3S (implicit
# TLS) on 127.0.0.1, certificate verified. Every timed run starts from the
# same maildrop: in delete mode the maildrop is rebuilt before each run
# (untimed: the Maildir's cur/ and new/ files removed, doveadm force-resync,
# mailservers seed), in keep mode each run gets a fresh mbox and a fresh
# state (popfetch --state-dir, mpop uidls_file). The peers:
#   - popfetch: -o MBOX (-k), --state-dir, --cacert, --password-cmd, -q;
#   - mpop: a temporary config (tls on, tls_starttls off, tls_trust_file,
#     passwordeval, delivery mbox, keep on/off, uidls_file, pipelining
#     auto; its default Received header left on);
#   - raw: python3 ssl socket, USER/PASS/STAT, then RETR 1..N pipelined in
#     windows of 100, every byte read and thrown away up to the N-th
#     terminating "." line, QUIT: the floor (what the server and TLS cost;
#     it neither writes nor deletes anything);
#   - fetchmail: an rcfile (ssl, sslcertck, sslcommonname localhost: it
#     checks the certificate's CN only), fetchall nokeep, an mda that
#     writes the "From " line and quotes ">*From " lines (mboxrd) with sed,
#     one sh per message (fetchmail's way into an mbox);
#   - getmail: getmail6, SimplePOP3SSLRetriever, an Mboxrd destination,
#     delete, read_all. As root getmail6 refuses to deliver unless the
#     destination names another user: its mbox is nobody's, in a
#     subdirectory of the temporary directory (made 0711 for that).
# fetchmail and getmail are slow: they fetch POPFETCH_BENCH_SLOW (500)
# messages and their time is extrapolated to N.
#
# 1. N x 4 KB (POPFETCH_BENCH_N, 5000) into an mbox, delete mode and keep
#    mode: popfetch, mpop, raw; fetchmail and getmail (delete, SLOW
#    messages, extrapolated).
# 2. BIG_N x 1 MB (POPFETCH_BENCH_BIG_N, 200), delete mode: popfetch, mpop.
# 3. One HUGE_MB (100) MB message, delete mode: peak RSS of popfetch (and
#    of mpop, for scale).
# 4. 50 ms round trip: a python3 asyncio proxy on 127.0.0.1 in front of
#    the POP3S port holds every chunk 25 ms in each direction (order
#    kept); SLOW x 4 KB, delete mode: popfetch, mpop, mpop with pipelining
#    off, raw, fetchmail (POPFETCH_BENCH_LAT_SLOW, 100 messages,
#    extrapolated to SLOW: about three round trips per message). One
#    untimed popfetch -v run through the proxy shows the commands, and the
#    proxy counts the client's writes and turns (a client write after
#    server data: the client waited for an answer, one round trip).
# After every timed run (untimed): the mbox holds exactly the expected
# number of messages (grep -c '^From ': the seeded bodies' "From " lines
# are quoted, so every such line is a separator) and the server holds 0
# (delete) or all (keep, raw) of them (doveadm search). Wall is the whole
# process, start-up included, from the shell's clock; median of
# POPFETCH_BENCH_ROUNDS interleaved rounds; CPU and peak RSS from
# /usr/bin/time.
#
# A benchmark, not a test: it prints measurements and ratios against the
# peers measured in the same run and never fails on a number. It exits
# non-zero only when something could not run (a missing tool, a server
# that would not start, a run that failed or left the wrong mail behind).
# popfetch not built: its rows are skipped. fetchmail or getmail missing
# or not working: that row is skipped, with the reason.
#
# Passwords: popfetch and mpop run `cat DIR/carol.pw`, getmail too
# (password_command); fetchmail reads it from its 0600 rcfile; raw from
# the file. The servers, the proxy and all temporary files are removed on
# exit.
#
# Knobs (environment): POPFETCH_BENCH_N (5000), POPFETCH_BENCH_BIG_N
# (200), POPFETCH_BENCH_ROUNDS (3), POPFETCH_BENCH_HUGE_MB (100),
# POPFETCH_BENCH_SLOW (500: fetchmail, getmail and the latency runs),
# POPFETCH_BENCH_LAT_SLOW (100: fetchmail through the proxy), MP_PORT_BASE
# (the first port base tried for the servers, 31900).
set -u -o pipefail
export LC_ALL=C

B=${B:-build}
PF=$B/popfetch
N=${POPFETCH_BENCH_N:-5000}
BIG_N=${POPFETCH_BENCH_BIG_N:-200}
ROUNDS=${POPFETCH_BENCH_ROUNDS:-3}
HUGE_MB=${POPFETCH_BENCH_HUGE_MB:-100}
SLOW=${POPFETCH_BENCH_SLOW:-500}
LAT_SLOW=${POPFETCH_BENCH_LAT_SLOW:-100}
SMALL_SIZE=4000
BIG_SIZE=1000000
DELAY_MS=25

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 1
bench_init popfetch

# ------------------------------------------------------------ prerequisites

for k in "$N" "$BIG_N" "$ROUNDS" "$HUGE_MB" "$SLOW" "$LAT_SLOW"; do
    [[ $k =~ ^[0-9]+$ && $k -gt 0 ]] || die "the knobs must be positive numbers"
done
((SLOW <= N)) || SLOW=$N
((LAT_SLOW <= SLOW)) || LAT_SLOW=$SLOW
bench_need_mailservers
bench_python
bench_need /usr/bin/time awk timeout doveadm mpop sed

HAVE_PF=1
[[ -x $PF ]] || HAVE_PF=0
FETCHMAIL=$(command -v fetchmail || true)
FETCHMAIL_SKIP=""
[[ -n $FETCHMAIL ]] || FETCHMAIL_SKIP="not installed (Debian: fetchmail, in install-deps bench)"
GETMAIL=$(command -v getmail || true)
GETMAIL_SKIP=""
[[ -n $GETMAIL ]] || GETMAIL_SKIP="not installed (Debian: getmail6, in install-deps bench)"

bench_tmpdir popfetchbench

# ------------------------------------------------------------------ servers

bench_servers_up 31900
P=$MP_POP3S_PORT
MAILDIR=$MP_MAIL_DIR/$BENCH_USER/Maildir

# count: the messages in the user's INBOX, as the server sees them; -1
# when doveadm failed.
count() { bench_count "$BENCH_USER" INBOX ALL; }

# reseed COUNT SIZE: the INBOX emptied (files removed, force-resync), then
# COUNT messages of about SIZE bytes; dies when the server does not see
# exactly COUNT. Sets SEED_SECS.
reseed() {
    find "$MAILDIR/cur" "$MAILDIR/new" -type f -delete 2>/dev/null
    "${DOVEADM[@]}" force-resync -u "$BENCH_USER" INBOX >"$T/resync.log" 2>&1 ||
        die "doveadm force-resync failed: $(tail -3 "$T/resync.log")"
    MP_SEED_SIZE=$2 bench_seed "$BENCH_USER" "$1" INBOX
    local c
    c=$(count)
    [[ $c == "$1" ]] || die "after seeding, INBOX holds $c messages, not $1"
}

# ------------------------------------------------------------ the helpers

bench_pypeer

# raw.py PORT CAFILE USER PWFILE: USER, PASS, STAT, then RETR 1..n in
# windows of 100 (the next 50 sent when half are answered), everything
# read and thrown away; prints "retr=N bytes=N".
cat >"$T/raw.py" <<'EOF'
import sys
from benchpeer import password, tls_socket

port, cafile, user, pwfile = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
pw = password(pwfile)
s = tls_socket(port, cafile)
buf = b""


def line():
    global buf
    while b"\r\n" not in buf:
        d = s.recv(1 << 16)
        if not d:
            sys.exit("raw: connection closed")
        buf += d
    i = buf.index(b"\r\n")
    ln, buf = buf[:i], buf[i + 2:]
    if not ln.startswith(b"+OK"):
        sys.exit("raw: %s" % ln.decode("ascii", "replace"))
    return ln


line()  # greeting
s.sendall(("USER %s\r\nPASS %s\r\nSTAT\r\n" % (user, pw)).encode())
line()
line()
n = int(line().split()[1])
WINDOW = 100
sent = min(WINDOW, n)
s.sendall(b"".join(b"RETR %d\r\n" % i for i in range(1, sent + 1)))
done = 0
total = len(buf)
tail = buf[-4:]
END = b"\r\n.\r\n"
done += buf.count(END)
while done < n:
    d = s.recv(1 << 18)
    if not d:
        sys.exit("raw: connection closed after %d of %d messages" % (done, n))
    total += len(d)
    # The tail is shorter than END: no terminator is counted twice.
    done += (tail + d).count(END)
    tail = (tail + d)[-4:]
    if sent < n and sent - done <= WINDOW // 2:
        upto = min(n, done + WINDOW)
        s.sendall(b"".join(b"RETR %d\r\n" % i for i in range(sent + 1, upto + 1)))
        sent = upto
s.sendall(b"QUIT\r\n")
while s.recv(1 << 16):
    pass
s.close()
print("retr=%d bytes=%d" % (done, total))
EOF

# proxy.py TARGET_PORT DELAY_MS LOG PORTFILE: listens on 127.0.0.1 (port
# written to PORTFILE), forwards to TARGET_PORT, every chunk held DELAY_MS
# in each direction, order kept. At each connection's end it appends
# "c2s=N s2c=N turns=N" to LOG: the client's chunks, the server's, and
# the client chunks that came after server data (round trips).
cat >"$T/proxy.py" <<'EOF'
import asyncio, sys

target, delay, logfile, portfile = int(sys.argv[1]), int(sys.argv[2]) / 1000.0, sys.argv[3], sys.argv[4]


async def pump(reader, writer, conn, key):
    loop = asyncio.get_running_loop()
    q = asyncio.Queue()

    async def drain():
        while True:
            when, d = await q.get()
            wait = when - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not d:
                try:
                    writer.close()
                except Exception:
                    pass
                return
            writer.write(d)
            await writer.drain()

    task = asyncio.ensure_future(drain())
    while True:
        try:
            d = await reader.read(1 << 16)
        except Exception:
            d = b""
        if d:
            conn[key] += 1
            if key == "c2s":
                if conn["answered"]:
                    conn["turns"] += 1
                conn["answered"] = False
            else:
                conn["answered"] = True
        q.put_nowait((loop.time() + delay, d))
        if not d:
            break
    try:
        await task
    except Exception:
        pass


async def handle(creader, cwriter):
    sreader, swriter = await asyncio.open_connection("127.0.0.1", target)
    conn = {"c2s": 0, "s2c": 0, "turns": 0, "answered": False}
    await asyncio.gather(pump(creader, swriter, conn, "c2s"), pump(sreader, cwriter, conn, "s2c"))
    with open(logfile, "a") as f:
        f.write("c2s=%d s2c=%d turns=%d\n" % (conn["c2s"], conn["s2c"], conn["turns"]))


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % server.sockets[0].getsockname()[1])
    import os
    os.rename(portfile + ".tmp", portfile)
    async with server:
        await server.serve_forever()


asyncio.run(main())
EOF

PROXY_PID=""
# shellcheck disable=SC2317  # called from the trap (bench_cleanup)
stop_proxy() {
    if [[ -n $PROXY_PID ]]; then
        kill "$PROXY_PID" 2>/dev/null
        wait "$PROXY_PID" 2>/dev/null
        PROXY_PID=""
    fi
}
BENCH_ATEXIT+=(stop_proxy)

# mpoprc FILE PORT KEEP PIPELINING MBOX
mpoprc() {
    (
        umask 077
        cat >"$1" <<EOF
defaults
tls on
tls_starttls off
tls_trust_file $CA
timeout 120
account bench
host 127.0.0.1
port $2
user $BENCH_USER
passwordeval cat $PWFILE
auth user
delivery mbox $5
keep $3
uidls_file $T/mpop.uidls
pipelining $4
EOF
    )
}

# fetchmailrc FILE PORT MBOX
FMHOME=$T/fetchmail
mkdir -m 0700 "$FMHOME"
fetchmailrc() {
    (
        umask 077
        cat >"$1" <<EOF
set no bouncemail
set no syslog
poll localhost via 127.0.0.1 protocol POP3 port $2 timeout 120
  user $BENCH_USER there with password "$(cat "$PWFILE")"
  ssl sslcertck sslcertfile $CA sslcommonname localhost
  fetchall nokeep
  mda "{ echo 'From fetchmail Thu Jan  1 00:00:00 1970'; sed 's/^>*From />&/'; echo; } >> $3"
EOF
    )
}

# getmail: GMDIR/rc, its mbox GMOUT/mbox (nobody's as root).
bench_getmail_setup SimplePOP3SSLRetriever "$P" true

# ------------------------------------------------------------------ a run

# cmd PEER MODE PORT MBOX: the command in CMD (MODE: delete or keep);
# PEER mpop-nopipe is mpop with pipelining off.
cmd() {
    local peer=$1 mode=$2 port=$3 mbox=$4 keep=()
    [[ $mode == keep ]] && keep=(-k)
    case $peer in
    popfetch)
        CMD=("$PF" "pop3s://$BENCH_USER@127.0.0.1:$port" -o "$mbox" --state-dir "$T/state"
            --cacert "$CA" --password-cmd "cat $PWFILE" -q "${keep[@]}")
        ;;
    mpop | mpop-nopipe)
        mpoprc "$T/mpoprc" "$port" "$([[ $mode == keep ]] && echo on || echo off)" \
            "$([[ $peer == mpop ]] && echo auto || echo off)" "$mbox"
        CMD=(mpop -C "$T/mpoprc" -q bench)
        ;;
    raw) CMD=("$PY" "$T/raw.py" "$port" "$CA" "$BENCH_USER" "$PWFILE") ;;
    fetchmail)
        fetchmailrc "$FMHOME/rc" "$port" "$mbox"
        CMD=(env "FETCHMAILHOME=$FMHOME" "$FETCHMAIL" -f "$FMHOME/rc" --idfile "$FMHOME/ids"
            --pidfile "$FMHOME/pid" -s)
        ;;
    getmail) CMD=("$GETMAIL" --getmaildir "$GMDIR" --rcfile "$GMDIR/rc") ;;
    esac
}

# run PEER MODE PORT COUNT: one process under /usr/bin/time, from a clean
# client side (no mbox, no state); the maildrop is the caller's. Then the
# checks: the mbox holds COUNT messages (raw: it read COUNT), the server
# 0 (delete) or COUNT (keep, raw). Sets RUN_WALL (shell clock), RUN_RSS
# (KiB), RUN_CPU (user+sys), RUN_CHECK; returns non-zero when the
# run failed or a check did not hold.
run() {
    local peer=$1 mode=$2 port=$3 n=$4 mbox rc got left want
    mbox=$T/out.mbox
    [[ $peer == getmail ]] && mbox=$GMOUT/mbox
    rm -rf "$mbox" "$T/state" "$T/mpop.uidls" "$FMHOME/ids" "$GMDIR"/oldmail-*
    [[ $peer == getmail ]] && bench_getmail_mbox
    cmd "$peer" "$mode" "$port" "$mbox"
    timed_run 900 /dev/null "$T/out.$peer" "$T/err.$peer" "${CMD[@]}"
    rc=$?
    if [[ $peer == raw ]]; then
        got=$(sed -n 's/^retr=\([0-9]*\) .*/\1/p' "$T/out.raw")
        want=$n
    else
        got=$(grep -c '^From ' "$mbox" 2>/dev/null)
        want=0
        [[ $mode == keep ]] && want=$n
    fi
    left=$(count)
    RUN_CHECK="exit $rc, $got of $n in the mbox, $left left on the server"
    [[ $peer == raw ]] && RUN_CHECK="exit $rc, read $got of $n, $left left on the server"
    rm -f "$mbox"
    ((rc == 0)) && [[ $got == "$n" && $left == "$want" ]]
}

# measure KEY PEER MODE PORT COUNT: run, its numbers under KEY; a failure
# of fetchmail or getmail skips that peer (the reason kept), any other is
# counted (fail).
measure() {
    local key=$1 peer=$2
    if run "${@:2}"; then
        record_run "$key"
        LASTCHECK[$key]=$RUN_CHECK
        return 0
    fi
    local msg
    msg="$key: $RUN_CHECK; $(tail -2 "$T/err.$peer" | tr '\n' ' ' | cut -c1-300)"
    case $peer in
    fetchmail) FETCHMAIL_SKIP="did not fetch the mail ($msg)" ;;
    getmail) GETMAIL_SKIP="did not fetch the mail ($msg)" ;;
    *) fail "$msg" ;;
    esac
    return 1
}

# ------------------------------------------------------------------ header

bench_host_line
peers="$(mpop --version | head -1)"
[[ -n $FETCHMAIL ]] && peers+="; fetchmail $("$FETCHMAIL" --version 2>/dev/null | sed -n 's/.*release \([^ +,]*\).*/\1/p' | head -1)"
[[ -n $GETMAIL ]] && peers+="; $("$GETMAIL" --version 2>&1 | head -1)"
peers+="; $(bench_python_version)"
say "peers: $peers"
bench_server_line "POP3S 127.0.0.1:$P, implicit TLS, certificate verified; user $BENCH_USER, INBOX"
bench_load_before
bench_startup_floor 10
((HAVE_PF)) || say "popfetch: not built ($PF), its rows skipped"

PFS=()
((HAVE_PF)) && PFS=(popfetch)

# ----------------------------------------- 1. N x 4 KB, delete and keep mode

# Per round: one seeding for raw and the keep-mode runs (which leave the
# maildrop as it was) and popfetch in delete mode, one for mpop in delete
# mode; fetchmail and getmail on SLOW messages, each from a fresh seeding.
for ((r = 1; r <= ROUNDS; r++)); do
    reseed "$N" "$SMALL_SIZE"
    ((r == 1)) && SEED_SMALL=$SEED_SECS
    measure raw/small raw keep "$P" "$N"
    for peer in "${PFS[@]}" mpop; do
        measure "$peer/keep" "$peer" keep "$P" "$N"
    done
    for peer in "${PFS[@]}" mpop; do
        [[ $peer == mpop ]] && reseed "$N" "$SMALL_SIZE"
        measure "$peer/delete" "$peer" delete "$P" "$N"
    done
    for peer in fetchmail getmail; do
        if [[ $peer == fetchmail && -n $FETCHMAIL_SKIP ]] || [[ $peer == getmail && -n $GETMAIL_SKIP ]]; then
            continue
        fi
        reseed "$SLOW" "$SMALL_SIZE"
        measure "$peer/slow" "$peer" delete "$P" "$SLOW"
    done
done

# ------------------------------------------------------ 2. BIG_N x 1 MB

for ((r = 1; r <= ROUNDS; r++)); do
    for peer in "${PFS[@]}" mpop; do
        reseed "$BIG_N" "$BIG_SIZE"
        [[ -z ${SEED_BIG:-} ]] && SEED_BIG=$SEED_SECS
        measure "$peer/big" "$peer" delete "$P" "$BIG_N"
    done
done

# ------------------------------------------------ 3. one HUGE_MB message

for ((r = 1; r <= ROUNDS; r++)); do
    for peer in "${PFS[@]}" mpop; do
        reseed 1 $((HUGE_MB * 1000000))
        [[ -z ${SEED_HUGE:-} ]] && SEED_HUGE=$SEED_SECS
        measure "$peer/huge" "$peer" delete "$P" 1
    done
done

# -------------------------------------------------- 4. 50 ms round trip

"$PY" "$T/proxy.py" "$P" "$DELAY_MS" "$T/proxy.log" "$T/proxy.port" 2>"$T/proxy.err" &
PROXY_PID=$!
for ((i = 0; i < 100; i++)); do [[ -s $T/proxy.port ]] && break; sleep 0.05; done
[[ -s $T/proxy.port ]] || die "the delay proxy did not start: $(tail -2 "$T/proxy.err")"
PX=$(cat "$T/proxy.port")

for ((r = 1; r <= ROUNDS; r++)); do
    reseed "$SLOW" "$SMALL_SIZE"
    measure raw/lat raw keep "$PX" "$SLOW"
    for peer in "${PFS[@]}" mpop mpop-nopipe; do
        [[ $peer == popfetch ]] || reseed "$SLOW" "$SMALL_SIZE"
        measure "$peer/lat" "$peer" delete "$PX" "$SLOW"
    done
    if [[ -z $FETCHMAIL_SKIP ]]; then
        reseed "$LAT_SLOW" "$SMALL_SIZE"
        measure fetchmail/lat fetchmail delete "$PX" "$LAT_SLOW"
    fi
done

# popfetch through the proxy, -v (untimed): its commands and the proxy's
# count of its writes and turns.
WIRE=""
if ((HAVE_PF)); then
    reseed "$SLOW" "$SMALL_SIZE"
    rm -rf "$T/state" "$T/out.mbox"
    : >"$T/proxy.log"
    cmd popfetch delete "$PX" "$T/out.mbox"
    t0=$(now)
    "${CMD[@]}" -v </dev/null >/dev/null 2>"$T/wire.err" || die "popfetch -v failed: $(tail -2 "$T/wire.err")"
    t1=$(now)
    WIRE_WALL=$(calc '%.3f' "$t1 - $t0")
    rm -f "$T/out.mbox"
    for ((i = 0; i < 40; i++)); do [[ -s $T/proxy.log ]] && break; sleep 0.05; done
    WIRE=$(grep -c '^C: ' "$T/wire.err")
    WIRE_PROXY=$(tail -1 "$T/proxy.log")
fi
stop_proxy

# ------------------------------------------------------------------ report

medians
# The tables' labels are narrower, the time per message has 2 decimals.
ROW_LABEL=14
ROW_FMT='%5s %8.3fs %9.2f ms %7.2fs %7.1f MB'

say ""
say "== 1. $N x 4 KB into an mbox, POP3S; median of $ROUNDS interleaved rounds (wall of the whole process)"
say "   maildrop seeded in ${SEED_SMALL}s (untimed, before each delete-mode run)"
printf '%-14s %5s %9s %12s %8s %10s %10s %10s\n' tool runs wall "per msg" CPU "peak RSS" "x mpop" "x raw"
row popfetch/delete "popfetch" "$N" mpop/delete raw/small
row mpop/delete "mpop" "$N" mpop/delete raw/small
row popfetch/keep "popfetch -k" "$N" mpop/keep raw/small
row mpop/keep "mpop keep" "$N" mpop/keep raw/small
row raw/small "raw" "$N" mpop/delete raw/small
for peer in fetchmail getmail; do
    if [[ -n ${MED[$peer/slow]:-} ]]; then
        extrapolate "$peer/slow" "$peer/small" "$SLOW" "$N"
        row "$peer/slow" "$peer $SLOW" "$SLOW"
        row_extrapolated "$peer/small" "$peer $N" "$SLOW" "$N" mpop/delete raw/small
    fi
done
say "   runs (wall s):"
runs_line popfetch/delete mpop/delete popfetch/keep mpop/keep raw/small fetchmail/slow getmail/slow

say ""
say "== 2. $BIG_N x 1 MB into an mbox, delete mode; median of $ROUNDS rounds (seeded in ${SEED_BIG:-?}s)"
printf '%-14s %5s %9s %12s %8s %10s %10s\n' tool runs wall "per msg" CPU "peak RSS" "x mpop"
row popfetch/big popfetch "$BIG_N" mpop/big
row mpop/big mpop "$BIG_N" mpop/big
say "   runs (wall s):"
runs_line popfetch/big mpop/big

say ""
say "== 3. one $HUGE_MB MB message, delete mode; median of $ROUNDS rounds (seeded in ${SEED_HUGE:-?}s)"
printf '%-14s %5s %9s %12s %8s %10s %10s\n' tool runs wall "per msg" CPU "peak RSS" "x mpop"
row popfetch/huge popfetch 1 mpop/huge
row mpop/huge mpop 1 mpop/huge
say "   peak RSS per run (KiB): popfetch:${RSS[popfetch/huge]:- -}; mpop:${RSS[mpop/huge]:- -}"

say ""
say "== 4. $SLOW x 4 KB through a ${DELAY_MS} ms + ${DELAY_MS} ms delay proxy (50 ms round trip), delete mode; median of $ROUNDS rounds"
printf '%-14s %5s %9s %12s %8s %10s %10s %10s %10s\n' tool runs wall "per msg" CPU "peak RSS" "x mpop" "x nopipe" "x raw"
row popfetch/lat popfetch "$SLOW" mpop/lat mpop-nopipe/lat raw/lat
row mpop/lat mpop "$SLOW" mpop/lat mpop-nopipe/lat raw/lat
row mpop-nopipe/lat "mpop nopipe" "$SLOW" mpop/lat mpop-nopipe/lat raw/lat
row raw/lat raw "$SLOW" mpop/lat mpop-nopipe/lat raw/lat
if [[ -n ${MED[fetchmail/lat]:-} ]]; then
    extrapolate fetchmail/lat fetchmail/latx "$LAT_SLOW" "$SLOW"
    row fetchmail/lat "fetchmail $LAT_SLOW" "$LAT_SLOW"
    row_extrapolated fetchmail/latx "fetchmail $SLOW" "$LAT_SLOW" "$SLOW" mpop/lat mpop-nopipe/lat raw/lat
fi
say "   runs (wall s):"
runs_line popfetch/lat mpop/lat mpop-nopipe/lat raw/lat fetchmail/lat
if [[ -n $WIRE ]]; then
    say ""
    say "   popfetch -v through the proxy (untimed, ${WIRE_WALL}s): $WIRE command lines for $SLOW messages;"
    say "   the proxy saw: ${WIRE_PROXY:-nothing} (c2s: client writes as read, TLS handshake included;"
    say "   turns: client writes after server data, i.e. round trips)"
    grep '^C: ' "$T/wire.err" | sed 's/^C: //' | awk '
        function flush() { if (cnt == 1) print "   | " first; else if (cnt > 1) print "   | " first " .. " last "  (" cnt " lines)" }
        { v = $1; if (v == verb && NF == 2 && $2 ~ /^[0-9]+$/) { last = $0; cnt++; next }
          flush(); verb = (NF == 2 && $2 ~ /^[0-9]+$/) ? v : ""; first = $0; last = $0; cnt = 1 }
        END { flush() }'
fi

say ""
say "   checks (the last timed run of each; every timed run was checked the same way):"
checks_lines
[[ -n $FETCHMAIL_SKIP ]] && say "   fetchmail: $FETCHMAIL_SKIP, skipped"
[[ -n $GETMAIL_SKIP ]] && say "   getmail: $GETMAIL_SKIP, skipped"
bench_load_after

# ------------------------------------------------------------------ summary

say ""
say "== summary (targets from the issue, this run)"
if ((HAVE_PF)); then
    target "1. popfetch/mpop, $N x 4 KB, delete" popfetch/delete mpop/delete 0.5
    target "1. popfetch/mpop, $N x 4 KB, keep" popfetch/keep mpop/keep 0.5
    target "1. popfetch/raw, $N x 4 KB, delete" popfetch/delete raw/small 2
    target "1. popfetch/raw, $N x 4 KB, keep" popfetch/keep raw/small 2
    say "   1. fetchmail (extrapolated) $(ratio fetchmail/small popfetch/delete), getmail (extrapolated)" \
        "$(ratio getmail/small popfetch/delete) popfetch's time"
    target "2. popfetch/mpop, $BIG_N x 1 MB" popfetch/big mpop/big 1.0
    if [[ -n ${RSS[popfetch/huge]:-} ]]; then
        mb=$(peak_mb popfetch/huge)
        say "   3. popfetch peak RSS, one $HUGE_MB MB message = $mb MB (target <= 8): $(verdict "$mb <= 8")"
    else
        say "   3. popfetch peak RSS: not measured"
    fi
    target "4. popfetch/mpop, 50 ms RTT" popfetch/lat mpop/lat 0.7
    if [[ -n ${MED[fetchmail/latx]:-} && -n ${MED[popfetch/lat]:-} ]]; then
        a=$(calc '%.1f' "${MED[fetchmail/latx]} / ${MED[popfetch/lat]}")
        say "   4. fetchmail (extrapolated)/popfetch, 50 ms RTT = $a (target >= 30): $(verdict "$a >= 30")"
    else
        say "   4. fetchmail, 50 ms RTT: not measured${FETCHMAIL_SKIP:+ ($FETCHMAIL_SKIP)}"
    fi
    say "   4. popfetch/mpop-nopipe $(ratio popfetch/lat mpop-nopipe/lat), popfetch/raw $(ratio popfetch/lat raw/lat);" \
        "popfetch through the proxy: ${WIRE_PROXY:-?}"
else
    say "   popfetch: not built, skipped (no ratios)"
fi
bench_exit "all runs exited 0 and left the expected mbox and maildrop"
