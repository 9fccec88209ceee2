#!/usr/bin/env bash
# bench/smtpverify.sh: smtpverify against python3 smtplib, a raw pipelined
# session and swaks (issue "smtpverify performance"). Run by `make bench`
# with B=build; by hand:
#   B=build bash bench/smtpverify.sh
#
# 500 addresses checked against the project's private Postfix (the MX
# port: STARTTLS optional, VRFY enabled, error limits raised), plain
# (smtpverify --insecure), one session each:
#   - smtpverify --method vrfy and --method rcpt (sessions counted from -v);
#   - raw: python3 socket, EHLO, then all commands in one write and all
#     replies read back (the floor: what the server itself costs);
#   - python3 smtplib, one session, s.verify() / one s.mail('') then s.rcpt() each;
#   - swaks, one session with 500 --to (one MAIL, 500 RCPT, no RSET), and
#     swaks started once per address for SMTPVERIFY_BENCH_N_SWAKS addresses,
#     scaled to 500.
# Half of the addresses are real (alice/bob/carol/dave with +tags), half
# unknown users (550). Wall is the whole process, start-up included, median
# of SMTPVERIFY_BENCH_ROUNDS interleaved rounds.
#
# A benchmark, not a test: it prints measurements and ratios against the
# peers measured in the same run and never fails on a number. It exits
# non-zero only when something could not run (a missing tool, a server that
# would not start, a tool that failed or gave wrong answers).
#
# Everything talks to 127.0.0.1. The servers and all temporary files are
# removed on exit.
#
# Knobs (environment): SMTPVERIFY_BENCH_N (500 addresses),
# SMTPVERIFY_BENCH_N_SWAKS (20: swaks per-address loop, scaled to N),
# SMTPVERIFY_BENCH_ROUNDS (3), MP_PORT_BASE (the first port base tried for
# the servers, 32400).
set -u -o pipefail
export LC_ALL=C

B=${B:-build}
SV=$B/smtpverify
N=${SMTPVERIFY_BENCH_N:-500}
N_SWAKS=${SMTPVERIFY_BENCH_N_SWAKS:-20}
ROUNDS=${SMTPVERIFY_BENCH_ROUNDS:-3}
(( N_SWAKS > N )) && N_SWAKS=$N

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 1
bench_init smtpverify

# ------------------------------------------------------------ prerequisites

[[ -x $SV ]] || die "$SV is not built (run make, or set B)"
bench_need_mailservers
bench_python
bench_need swaks awk timeout

bench_tmpdir svbench

# ------------------------------------------------------------------ servers

bench_servers_up 32400
P=$MP_MX_PORT

# ---------------------------------------------------------------- addresses

# Odd i: u<i>@example.test, unknown (550). Even i: a real user with a +tag.
users=(alice bob carol dave)
ADDRS=$T/addrs
for ((i = 1; i <= N; i++)); do
    if ((i % 2)); then
        printf 'u%d@example.test\n' "$i"
    else
        printf '%s+%d@example.test\n' "${users[(i / 2) % 4]}" "$i"
    fi
done >"$ADDRS"
N_REAL=$((N / 2))
N_UNKNOWN=$((N - N_REAL))
ADDRS_SWAKS=$T/addrs.swaks
head -n "$N_SWAKS" "$ADDRS" >"$ADDRS_SWAKS"
TO_LIST=$(paste -sd, "$ADDRS")

# ------------------------------------------------------------ python peers

# client.py MODE PORT ADDRFILE: MODE raw-vrfy, raw-rcpt, lib-vrfy, lib-rcpt.
# Prints "ok=N bad=N other=N t=SECONDS" (2xx, 5xx, other replies to the
# VRFY or RCPT commands; t is the session time without interpreter start).
cat >"$T/client.py" <<'EOF'
import socket, smtplib, sys, threading, time

mode, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
addrs = [l.strip() for l in open(path) if l.strip()]
codes = []
t0 = time.perf_counter()

if mode.startswith("raw-"):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    f = s.makefile("rb")

    def reply():
        while True:
            line = f.readline()
            if len(line) < 4:
                raise SystemExit("connection closed")
            if line[3:4] != b"-":
                return int(line[:3])

    reply()
    s.sendall(b"EHLO bench.example.test\r\n")
    reply()
    if mode == "raw-vrfy":
        cmds = "".join("VRFY %s\r\n" % a for a in addrs)
        per = 1
    else:
        # One transaction: MAIL, every RCPT, RSET (as smtpverify does
        # in windows of 32, and as the issue's raw session did).
        cmds = "MAIL FROM:<>\r\n" + "".join("RCPT TO:<%s>\r\n" % a for a in addrs) + "RSET\r\n"
        per = 0
    # All commands in one write; a thread, so a full socket buffer cannot
    # deadlock against the replies.
    w = threading.Thread(target=s.sendall, args=(cmds.encode(),))
    w.start()
    if per == 1:
        for i in range(len(addrs)):
            codes.append(reply())
    else:
        reply()
        for i in range(len(addrs)):
            codes.append(reply())
        reply()
    w.join()
    s.sendall(b"QUIT\r\n")
    reply()
    s.close()
else:
    s = smtplib.SMTP("127.0.0.1", port)
    s.ehlo("bench.example.test")
    for a in addrs:
        if mode == "lib-vrfy":
            codes.append(s.verify(a)[0])
        else:
            if not codes:
                s.mail("")
            codes.append(s.rcpt(a)[0])
    if mode != "lib-vrfy":
        s.rset()
    s.quit()

t = time.perf_counter() - t0
ok = sum(1 for c in codes if 200 <= c < 300)
bad = sum(1 for c in codes if 500 <= c < 600)
print("ok=%d bad=%d other=%d t=%.4f" % (ok, bad, len(codes) - ok - bad, t))
EOF

# --------------------------------------------------------------- helpers

# Measurements, by key. Per key: the command, how many addresses one run
# covers, and a checker for its output.
KEYS=(sv-vrfy sv-rcpt raw-vrfy raw-rcpt lib-vrfy lib-rcpt swaks-1 swaks-each)
declare -A LABEL METHOD SESS NRUN WALLS INPROC
LABEL=([sv-vrfy]=smtpverify [sv-rcpt]=smtpverify [raw-vrfy]="raw pipelined" [raw-rcpt]="raw pipelined"
    [lib-vrfy]="python smtplib" [lib-rcpt]="python smtplib" [swaks-1]="swaks, 1 session"
    [swaks-each]="swaks per address")
METHOD=([sv-vrfy]=vrfy [sv-rcpt]=rcpt [raw-vrfy]=vrfy [raw-rcpt]=rcpt [lib-vrfy]=vrfy [lib-rcpt]=rcpt
    [swaks-1]=rcpt [swaks-each]=rcpt)
for k in "${KEYS[@]}"; do NRUN[$k]=$N; SESS[$k]=1; done
NRUN[swaks-each]=$N_SWAKS
SESS[swaks-each]=$N

# check_sv METHOD OUT RC: smtpverify's TSV rows (address, status, code, ...).
check_sv() {
    local m=$1 out=$2 rc=$3 rows del und unk
    rows=$(grep -c . "$out")
    read -r del und unk < <(awk -F'\t' '{ c[$2]++ } END { printf "%d %d %d\n", c["deliverable"], c["undeliverable"], c["unknown"] }' "$out")
    CHECK="$rows rows: $del deliverable, $und undeliverable, $unk unknown, exit $rc"
    # Exit 1: some undeliverable (expected); anything else did not run.
    ((rc == 1)) || return 1
    ((rows == N && und == N_UNKNOWN)) || return 1
    if [[ $m == rcpt ]]; then
        ((del == N_REAL))
    else
        # Postfix answers VRFY for a virtual mailbox with 252 (cannot VRFY
        # but will accept): smtpverify reports those as unknown.
        ((del + unk == N_REAL))
    fi
}
# check_py OUT RC: "ok=N bad=N other=N t=S" from client.py.
check_py() {
    local ok bad
    ok=$(sed -n 's/.*ok=\([0-9]*\).*/\1/p' "$1")
    bad=$(sed -n 's/.*bad=\([0-9]*\).*/\1/p' "$1")
    CHECK="$(cat "$1"), exit $2"
    (($2 == 0)) && [[ $ok == "$N_REAL" && $bad == "$N_UNKNOWN" ]]
}
# check_swaks OUT N: swaks transcripts; RCPT accepted 250 2.1.5, rejected <** 5xx.
check_swaks() {
    local ok bad n=$2 real
    ok=$(grep -c '^<-  250 2\.1\.5' "$1")
    bad=$(grep -c '^<\*\* 5' "$1")
    real=$((n / 2))
    CHECK="$ok RCPT accepted, $bad rejected"
    ((ok == real && bad == n - real))
}

# run KEY: one timed run. Adds to WALLS[KEY]; checks the output.
run() {
    local k=$1 t0 t1 rc=0 a out=$T/out.$1
    : >"$out"
    t0=$(now)
    case $k in
    sv-vrfy | sv-rcpt)
        timeout 120 "$SV" --url "smtp://localhost:$P" --cacert "$CA" --insecure \
            --method "${METHOD[$k]}" <"$ADDRS" >"$out" 2>"$T/err.$k" || rc=$?
        ;;
    raw-* | lib-*)
        timeout 120 "$PY" "$T/client.py" "$k" "$P" "$ADDRS" >"$out" 2>"$T/err.$k" || rc=$?
        ;;
    swaks-1)
        timeout 120 swaks --server "127.0.0.1:$P" --quit-after RCPT --from '<>' \
            --to "$TO_LIST" --suppress-data >"$out" 2>"$T/err.$k" || rc=$?
        ;;
    swaks-each)
        while read -r a; do
            timeout 60 swaks --server "127.0.0.1:$P" --quit-after RCPT --from '<>' \
                --to "$a" --suppress-data >>"$out" 2>>"$T/err.$k"
            e=$?
            # exit 24: the only recipient was rejected (expected for u*).
            case $e in 0 | 24) ;; *) rc=$e ;; esac
        done <"$ADDRS_SWAKS"
        ;;
    esac
    t1=$(now)
    WALLS[$k]+=" $(calc '%.4f' "$t1 - $t0")"
    local good=1
    case $k in
    sv-*) check_sv "${METHOD[$k]}" "$out" "$rc" || good=0 ;;
    raw-* | lib-*)
        check_py "$out" "$rc" || good=0
        INPROC[$k]+=" $(sed -n 's/.*t=\([0-9.]*\).*/\1/p' "$out")"
        ;;
    swaks-1) { ((rc == 0)) && check_swaks "$out" "$N"; } || good=0 ;;
    swaks-each) { ((rc == 0)) && check_swaks "$out" "$N_SWAKS"; } || good=0 ;;
    esac
    LASTCHECK[$k]=$CHECK
    if ((!good)); then
        fail "$k: $CHECK; $(tail -2 "$T/err.$k" 2>/dev/null | tr '\n' ' ')"
    fi
}
declare -A LASTCHECK

# ------------------------------------------------------------------ header

bench_host_line
say "peers: $("$PY" -c 'import sys; print("python", sys.version.split()[0])') ($PY); swaks $(swaks --version | sed -n '1s/.*version //p')"
say "server: private Postfix (tests/servers/mailservers), MX port 127.0.0.1:$P, plain (no STARTTLS; smtpverify --insecure)"
say "addresses: $N, one session each: $N_REAL real (alice/bob/carol/dave +tag), $N_UNKNOWN unknown users (550)"

# Start-up floors: the python rows include the interpreter's start.
bench_startup_floor 20

# Sessions and round trips, from smtpverify's own -v transcript.
say "smtpverify sessions (from -v over all $N addresses):"
for m in vrfy rcpt; do
    "$SV" --url "smtp://localhost:$P" --cacert "$CA" --insecure --method "$m" -v \
        <"$ADDRS" >/dev/null 2>"$T/v.$m"
    conns=$(grep -c '^-- connecting' "$T/v.$m")
    ehlos=$(grep -c '^C: EHLO' "$T/v.$m")
    waits=$(awk '/^S: / { if (st != "S") w++; st = "S" } /^C: / { st = "C" } END { print w + 0 }' "$T/v.$m")
    say "  --method $m: $conns connection(s), $ehlos EHLO, $waits waits for the server (greeting included)"
    SESS[sv-$m]=$conns
    ((conns == 1 && ehlos == 1)) || fail "smtpverify --method $m used $conns sessions ($ehlos EHLO), expected 1"
done

# ------------------------------------------------------------------ measure

for ((r = 1; r <= ROUNDS; r++)); do
    for k in "${KEYS[@]}"; do
        run "$k"
    done
done

# ------------------------------------------------------------------ report

declare -A MED PER
for k in "${KEYS[@]}"; do
    MED[$k]=$(median <<<"${WALLS[$k]}")
    PER[$k]=$(calc '%.8f' "${MED[$k]} / ${NRUN[$k]}")
done
say ""
say "== $N addresses, plain, median of $ROUNDS interleaved rounds (wall of the whole process)"
printf '%-19s %-6s %8s %10s %12s %11s %9s\n' tool method sessions "wall/$N" "per address" "x smtplib" "x raw"
for k in "${KEYS[@]}"; do
    m=${METHOD[$k]}
    wall=$(calc '%.4f' "${PER[$k]} * $N")
    sess=${SESS[$k]}
    note=""
    [[ $k == swaks-each ]] && note="  ($N_SWAKS run, scaled x$(calc '%g' "$N / $N_SWAKS"))"
    printf '%-19s %-6s %8s %9.3fs %9.3f ms %10.2fx %8.2fx%s\n' "${LABEL[$k]}" "$m" "$sess" "$wall" \
        "$(calc '%.6f' "${PER[$k]} * 1000")" \
        "$(calc '%.4f' "${PER[$k]} / ${PER[lib-$m]}")" "$(calc '%.4f' "${PER[$k]} / ${PER[raw-$m]}")" "$note"
done
say "   runs (wall s):"
runs_line "${KEYS[@]}"
say "   python in-process session time (no interpreter start), median: raw vrfy $(median <<<"${INPROC[raw-vrfy]}")s," \
    "raw rcpt $(median <<<"${INPROC[raw-rcpt]}")s, smtplib vrfy $(median <<<"${INPROC[lib-vrfy]}")s, smtplib rcpt $(median <<<"${INPROC[lib-rcpt]}")s"
say "   checks (last round):"
checks_lines "${KEYS[@]}"
say "   swaks, 1 session: one MAIL FROM:<> and $N RCPT TO in one transaction, no RSET, not pipelined;"
say "   swaks per address: one process and session per address (--quit-after RCPT)."
say "   x smtplib / x raw compare with the python session of the same method (rcpt for swaks)."

# ------------------------------------------------------------------ summary

say ""
say "== summary (targets from the issue, this run)"
for m in vrfy rcpt; do
    a=$(calc '%.2f' "${PER[sv-$m]} / ${PER[lib-$m]}")
    b=$(calc '%.2f' "${PER[sv-$m]} / ${PER[raw-$m]}")
    say "   --method $m: smtpverify = $a x python smtplib (target <= 0.8): $(verdict "$a <= 0.8");" \
        "$b x raw pipelined (target <= 1.5): $(verdict "$b <= 1.5")"
done
bench_exit "all runs checked: $N rows each, $N_REAL real / $N_UNKNOWN unknown as expected, smtpverify used 1 session per method" "problem(s)"
