#!/usr/bin/env bash
# bench/mailsend.sh: mailsend against curl, msmtp and swaks (issue 3,
# "Performance"). Run by `make bench` with B=build; by hand:
#   B=build bash bench/mailsend.sh
#
# 1. 500 x 2 KB messages, one process per message (how cron uses it), to
#    Postfix's smtp-sink, plain and over implicit TLS (socat terminates
#    TLS in front of the sink). Wall and CPU (user+sys of the client
#    processes, from bash's `time`) per tool, 3 rounds interleaved, median.
# 2. One 50 MB message, plain and TLS: wall, CPU and peak RSS from
#    /usr/bin/time, median of 3; mailsend's RSS for 5 MB as well.
#
# A benchmark, not a test: it prints measurements and ratios against the
# peer tools measured in the same run and never fails on a number. It
# exits non-zero only when something could not run (a missing tool, a
# server that would not start, a delivery that failed).
#
# Everything listens on 127.0.0.1, on ports found free at start-up. All
# processes and temporary files are removed on exit.
#
# Knobs (environment): MAILSEND_BENCH_N (500 messages per loop),
# MAILSEND_BENCH_N_MSMTP (100: msmtp stalls ~40 ms per message, its
# loop is scaled to N), MAILSEND_BENCH_ROUNDS (3), MAILSEND_BENCH_BIG_MB
# (50), MAILSEND_BENCH_SLOW (20: a big-message run slower than this many
# seconds is not repeated).
set -u -o pipefail
export LC_ALL=C

B=${B:-build}
MS=$B/mailsend
N=${MAILSEND_BENCH_N:-500}
N_MSMTP=${MAILSEND_BENCH_N_MSMTP:-100}
ROUNDS=${MAILSEND_BENCH_ROUNDS:-3}
BIG_MB=${MAILSEND_BENCH_BIG_MB:-50}
MID_MB=5
MSG_BYTES=2048
SLOW=${MAILSEND_BENCH_SLOW:-20}
FROM=a@example.test
RCPT=rcpt@example.test
(( N_MSMTP > N )) && N_MSMTP=$N

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 1
bench_init mailsend

# ------------------------------------------------------------ prerequisites

[[ -x $MS ]] || die "$MS is not built (run make, or set B)"
SINK=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)
[[ -x $SINK ]] || die "smtp-sink (postfix) not found"
bench_need curl msmtp swaks socat openssl ss awk /usr/bin/time timeout setsid

bench_tmpdir mailsend-bench
SERVER_PIDS=()
# shellcheck disable=SC2317  # called from the trap (bench_cleanup)
stop_servers() {
    local p
    for p in "${SERVER_PIDS[@]}"; do
        # Each server runs in its own process group (setsid): this also
        # ends socat's per-connection children.
        kill -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null
    done
    for p in "${SERVER_PIDS[@]}"; do wait "$p" 2>/dev/null; done
}
BENCH_ATEXIT+=(stop_servers)

FAILURES=0   # deliveries that did not happen, over the whole run
NOTES=()

# ------------------------------------------------------------------ servers

# port_in_use PORT: any socket (any state, any address) has this local port.
port_in_use() {
    ss -Htan 2>/dev/null | awk -v p=":$1" \
        '{ n = length($4); if (substr($4, n - length(p) + 1) == p) f = 1 } END { exit !f }'
}
listening() {
    ss -Hltn 2>/dev/null | awk -v a="127.0.0.1:$1" '$4 == a { f = 1 } END { exit !f }'
}

# start_server NAME CMD... (the word @PORT@ in CMD is replaced): pick a
# free port outside the ephemeral range, start CMD in its own session and
# wait until it listens; retry elsewhere when the bind lost a race.
# Sets PORT.
start_server() {
    local name=$1 try pid i
    shift
    for ((try = 0; try < 20; try++)); do
        PORT=$((20000 + RANDOM % 12000))
        port_in_use "$PORT" && continue
        setsid "${@//@PORT@/$PORT}" >"$T/$name.out" 2>"$T/$name.err" </dev/null &
        pid=$!
        SERVER_PIDS+=("$pid")
        for ((i = 0; i < 100; i++)); do
            listening "$PORT" && return 0
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
        kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    die "could not start $name: $(tail -3 "$T/$name.err" 2>/dev/null)"
}

# Messages the sink has counted so far (smtp-sink -c writes
# "sess=N quit=N mesg=N" separated by CR after every message and session).
sink_count() {
    tr '\r' '\n' <"$T/sink.out" | sed -n 's/.*mesg=\([0-9]*\).*/\1/p' | tail -1 | grep . || echo 0
}
# sink_wait BEFORE EXPECTED: echo how many arrived since BEFORE, waiting
# up to ~2 s for the counter to catch up with EXPECTED.
sink_wait() {
    local c i
    for ((i = 0; i < 40; i++)); do
        c=$(sink_count)
        ((c - $1 >= $2)) && break
        sleep 0.05
    done
    echo $((c - $1))
}

# ----------------------------------------------------------- TLS material

# A throwaway CA and a certificate for "localhost" signed by it, EC P-256
# (the same curve the test servers use); every tool gets the same.
KEYTYPE="EC P-256 (ECDSA), CA and leaf"
(
    cd "$T" || exit 1
    ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc)
    openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.pem -days 2 \
        -subj "/CN=mailsend bench CA" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" &&
        openssl req -new "${ec[@]}" -keyout localhost.key -out localhost.csr \
            -subj "/CN=localhost" &&
        printf '%s\n' "subjectAltName=DNS:localhost" "basicConstraints=CA:FALSE" \
            "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >leaf.ext &&
        openssl x509 -req -in localhost.csr -CA ca.pem -CAkey ca.key -set_serial 1 \
            -days 2 -extfile leaf.ext -out localhost.pem
) >"$T/openssl.log" 2>&1 || die "openssl could not make the certificates: $(tail -3 "$T/openssl.log")"
CA=$T/ca.pem

# ----------------------------------------------------------------- messages

# make_msg FILE BYTES: headers and a body of 76-column base64-looking lines
# (AES-CTR of zeros: deterministic, incompressible), LF line ends, exactly
# BYTES long. No line starts with '.', so nobody dot-stuffs.
make_msg() {
    local f=$1 bytes=$2 hdr need
    hdr=$(printf 'From: Bench Sender <%s>\nTo: <%s>\nSubject: mailsend benchmark, %s octets\nDate: Thu, 01 Jan 2026 00:00:00 +0000\nMessage-ID: <bench-%s@example.test>\n\n_' \
        "$FROM" "$RCPT" "$bytes" "$bytes")
    hdr=${hdr%_}
    need=$((bytes - ${#hdr} - 1))
    {
        printf '%s' "$hdr"
        head -c $((need * 57 / 77 + 114)) /dev/zero |
            openssl enc -aes-128-ctr -K 00000000000000000000000000000000 \
                -iv 00000000000000000000000000000000 -nosalt |
            base64 -w 76 | head -c "$need"
        printf '\n'
    } >"$f"
    [[ $(wc -c <"$f") -eq $bytes ]] || die "could not make a $bytes-octet message"
}
MSG_SMALL=$T/small.eml
MSG_MID=$T/mid.eml
MSG_BIG=$T/big.eml
make_msg "$MSG_SMALL" "$MSG_BYTES"
make_msg "$MSG_MID" $((MID_MB * 1048576))
make_msg "$MSG_BIG" $((BIG_MB * 1048576))

# ------------------------------------------------------------ start servers

sink_args=(-a -c -h localhost)
[[ $EUID -eq 0 ]] && sink_args=(-u nobody "${sink_args[@]}")
start_server sink "$SINK" "${sink_args[@]}" "127.0.0.1:@PORT@" 1000
SINKPORT=$PORT
start_server socat socat \
    "OPENSSL-LISTEN:@PORT@,bind=127.0.0.1,reuseaddr,fork,cert=$T/localhost.pem,key=$T/localhost.key,verify=0,nodelay" \
    "TCP:127.0.0.1:$SINKPORT,nodelay"
TLSPORT=$PORT

# ------------------------------------------------------------ the commands

# cmd_TOOL_MODE: an array, the message comes on stdin (curl reads -T FILE,
# set by the caller in MSGFILE).
# shellcheck disable=SC2034  # read through get_cmd's nameref
set_cmds() {
    local m=$1
    cmd_mailsend_plain=("$MS" --insecure --url "smtp://127.0.0.1:$SINKPORT" -f "$FROM" "$RCPT")
    cmd_mailsend_tls=("$MS" --cacert "$CA" --url "smtps://localhost:$TLSPORT" -f "$FROM" "$RCPT")
    cmd_curl_plain=(curl -s "smtp://127.0.0.1:$SINKPORT" --mail-from "$FROM" --mail-rcpt "$RCPT" -T "$m")
    cmd_curl_tls=(curl -s "smtps://localhost:$TLSPORT" --cacert "$CA" --mail-from "$FROM" --mail-rcpt "$RCPT" -T "$m")
    cmd_curlcrlf_plain=("${cmd_curl_plain[@]}" --crlf)
    cmd_curlcrlf_tls=("${cmd_curl_tls[@]}" --crlf)
    cmd_msmtp_plain=(msmtp --host=127.0.0.1 "--port=$SINKPORT" "--from=$FROM" --auth=off --tls=off "$RCPT")
    cmd_msmtp_tls=(msmtp --host=localhost "--port=$TLSPORT" "--from=$FROM" --auth=off --tls=on
        --tls-starttls=off "--tls-trust-file=$CA" "$RCPT")
    # --suppress-data: swaks would otherwise print every line it sends.
    cmd_swaks_plain=(swaks --server "127.0.0.1:$SINKPORT" --from "$FROM" --to "$RCPT" --data "@$m" --suppress-data)
    cmd_swaks_tls=(swaks --server "localhost:$TLSPORT" --tls-on-connect --from "$FROM" --to "$RCPT"
        --data "@$m" --suppress-data)
}
# get_cmd TOOL MODE: copy cmd_TOOL_MODE into CMD.
get_cmd() { local -n ref="cmd_${1//-/}_$2"; CMD=("${ref[@]}"); }

# Sanity: every tool delivers one message in each mode before we time it.
set_cmds "$MSG_SMALL"
for mode in plain tls; do
    for tool in mailsend curl msmtp; do
        get_cmd "$tool" "$mode"
        before=$(sink_count)
        if ! timeout 30 "${CMD[@]}" <"$MSG_SMALL" >"$T/probe.out" 2>"$T/probe.err" ||
            [[ $(sink_wait "$before" 1) -lt 1 ]]; then
            die "$tool ($mode) could not deliver a test message: $(tail -3 "$T/probe.err")"
        fi
    done
done
SWAKS_TLS=1
if ! perl -MNet::SSLeay -e 1 2>/dev/null; then
    SWAKS_TLS=0
    NOTES+=("swaks over TLS skipped: Perl's Net::SSLeay is missing (Debian: libnet-ssleay-perl).")
fi

# ------------------------------------------------------------------ header

bench_host_line
say "peers: $(curl --version | head -1 | cut -d' ' -f1-2,4-5); msmtp $(msmtp --version | sed -n '1s/.*version //p') ($(msmtp --version | sed -n 's/^TLS\/SSL library: //p')); swaks $(swaks --version | sed -n '1s/.*version //p'); socat $(socat -V | sed -n 's/^socat version \([^ ]*\).*/\1/p')"
say "server: smtp-sink on 127.0.0.1:$SINKPORT (PIPELINING, 8BITMIME, DSN; AUTH not announced);"
say "        TLS: socat on 127.0.0.1:$TLSPORT in front of it, certificate for localhost, $KEYTYPE"
say "messages: $(wc -c <"$MSG_SMALL") octets (small), $(wc -c <"$MSG_MID") and $(wc -c <"$MSG_BIG") (large); LF line ends"

# Process start-up floor: what one fork+exec of /bin/true costs here.
TIMEFORMAT='%3R %3U %3S'
{ time for ((i = 0; i < 200; i++)); do /bin/true; done; } 2>"$T/floor.time"
read -r fw _ <"$T/floor.time"
say "process start floor: $(calc '%.2f' "$fw * 1000 / 200") ms per fork+exec of /bin/true"

# Round trips, from each tool's own transcript of one plain message:
# server waits = blocks of server lines (greeting included), client
# batches = blocks of client lines.
blocks() { # CLIENT-REGEX SERVER-REGEX < transcript
    awk -v c="$1" -v s="$2" '$0 ~ s { if (st != "S") w++; st = "S" }
        $0 ~ c { if (st != "C") b++; st = "C" } END { printf "%d waits for the server, %d client batches", w, b }'
}
"${cmd_mailsend_plain[@]}" -v <"$MSG_SMALL" 2>"$T/rt.mailsend" >/dev/null
"${cmd_curl_plain[@]}" -v <"$MSG_SMALL" 2>"$T/rt.curl" >/dev/null
"${cmd_msmtp_plain[@]}" --debug <"$MSG_SMALL" >"$T/rt.msmtp" 2>&1
say "round trips per message (plain, from -v/--debug transcripts, greeting included):"
say "  mailsend: $(blocks '^C: ' '^S: ' <"$T/rt.mailsend")  ($(grep -c '^C: ' "$T/rt.mailsend") command lines shown)"
say "  curl:     $(blocks '^(> |[}] [[])' '^< ' <"$T/rt.curl")  (+1 for QUIT, which its -v does not show)"
say "  msmtp:    $(blocks '^--> ' '^<-- ' <"$T/rt.msmtp")"
sed 's/^/    | /' "$T/rt.mailsend"

# ------------------------------------------------- 1. 500 small messages

# loop N MSG TOOL MODE: N processes one after another, each with the
# message on stdin. Sets LOOP_WALL, LOOP_CPU (user+sys of the children),
# LOOP_FAIL (non-zero exits + messages the sink did not count).
loop() {
    local n=$1 msg=$2 tool=$3 mode=$4 i f=0 before got w u s
    get_cmd "$tool" "$mode"
    before=$(sink_count)
    TIMEFORMAT='%3R %3U %3S'
    {
        time for ((i = 0; i < n; i++)); do
            "${CMD[@]}" <"$msg" >/dev/null 2>>"$T/err.$tool.$mode" || f=$((f + 1))
        done
    } 2>"$T/loop.time"
    read -r w u s <"$T/loop.time"
    got=$(sink_wait "$before" "$n")
    LOOP_WALL=$w
    LOOP_CPU=$(calc '%.3f' "$u + $s")
    LOOP_FAIL=$((f > n - got ? f : n - got))
}

small_tools=(mailsend curl msmtp)
declare -A WALLS CPUS FAILS NS
set_cmds "$MSG_SMALL"
for mode in plain tls; do
    for ((r = 1; r <= ROUNDS; r++)); do
        for tool in "${small_tools[@]}"; do
            n=$N
            [[ $tool == msmtp ]] && n=$N_MSMTP
            loop "$n" "$MSG_SMALL" "$tool" "$mode"
            k=$tool/$mode
            NS[$k]=$n
            WALLS[$k]+=" $LOOP_WALL"
            CPUS[$k]+=" $LOOP_CPU"
            FAILS[$k]=$((${FAILS[$k]:-0} + LOOP_FAIL))
        done
    done
done

declare -A PERMSG
say ""
for mode in plain tls; do
    say "== 1. $N x $MSG_BYTES-octet messages, one process per message, $mode$([[ $mode == tls ]] && printf ' (implicit TLS via socat)'); median of $ROUNDS interleaved rounds"
    printf '%-10s %9s %12s %10s %12s %10s %9s %6s\n' tool N "wall for $N" per-msg "CPU for $N" CPU/msg "x curl" failed
    for tool in "${small_tools[@]}"; do
        k=$tool/$mode
        n=${NS[$k]}
        w=$(median <<<"${WALLS[$k]}")
        c=$(median <<<"${CPUS[$k]}")
        PERMSG[$k]=$(calc '%.6f' "$w / $n")
    done
    for tool in "${small_tools[@]}"; do
        k=$tool/$mode
        n=${NS[$k]}
        w=$(median <<<"${WALLS[$k]}")
        c=$(median <<<"${CPUS[$k]}")
        scale=$(calc '%.6f' "$N / $n")
        nlabel=$n
        [[ $n != "$N" ]] && nlabel="$n(x$(calc '%g' "$scale"))"
        printf '%-10s %9s %11.2fs %8.2fms %11.2fs %8.2fms %8.2fx %6s\n' "$tool" "$nlabel" \
            "$(calc '%.4f' "$w * $scale")" "$(calc '%.4f' "$w * 1000 / $n")" \
            "$(calc '%.4f' "$c * $scale")" "$(calc '%.4f' "$c * 1000 / $n")" \
            "$(calc '%.4f' "${PERMSG[$k]} / ${PERMSG[curl/$mode]}")" "${FAILS[$k]}"
        FAILURES=$((FAILURES + FAILS[$k]))
    done
    say "   mailsend/curl $(calc '%.2f' "${PERMSG[mailsend/$mode]} / ${PERMSG[curl/$mode]}"), mailsend/msmtp $(calc '%.2f' "${PERMSG[mailsend/$mode]} / ${PERMSG[msmtp/$mode]}")  (per message)"
    say "   runs (wall s): $(for tool in "${small_tools[@]}"; do printf '%s:%s ' "$tool" "$(tr ' ' ',' <<<"${WALLS[$tool/$mode]# }")"; done)"
    [[ $N_MSMTP != "$N" ]] && say "   msmtp sent $N_MSMTP messages per round, its totals are scaled to $N."
    say ""
done

# ------------------------------------------------- 2. one big message

# one_run TOOL MODE FILE: one process under /usr/bin/time. Sets RUN_WALL,
# RUN_RSS (KiB), RUN_CPU; RUN_OK=0 when it failed.
one_run() {
    local tool=$1 mode=$2 file=$3 before rc e m u s
    get_cmd "$tool" "$mode"
    before=$(sink_count)
    timeout 300 /usr/bin/time -f '%e %M %U %S' -o "$T/run.time" "${CMD[@]}" <"$file" \
        >/dev/null 2>>"$T/err.$tool.$mode"
    rc=$?
    read -r e m u s < <(tail -1 "$T/run.time")
    RUN_WALL=$e RUN_RSS=$m RUN_CPU=$(calc '%.2f' "$u + $s")
    RUN_OK=1
    if ((rc != 0)) || [[ $(sink_wait "$before" 1) -lt 1 ]]; then
        RUN_OK=0
        say "   ! $tool ($mode) failed on $(wc -c <"$file") octets: exit $rc; $(tail -2 "$T/err.$tool.$mode" | tr '\n' ' ')" >&2
    fi
}

big_tools=(mailsend curl curlcrlf msmtp swaks)
declare -A BW BR BC BF BSKIP
set_cmds "$MSG_BIG"
for mode in plain tls; do
    for ((r = 1; r <= ROUNDS; r++)); do
        for tool in "${big_tools[@]}"; do
            k=$tool/$mode
            [[ -n ${BSKIP[$k]:-} ]] && continue
            if [[ $tool == swaks && $mode == tls && $SWAKS_TLS == 0 ]]; then
                BSKIP[$k]="skipped, no Net::SSLeay"
                continue
            fi
            one_run "$tool" "$mode" "$MSG_BIG"
            if ((RUN_OK)); then
                BW[$k]+=" $RUN_WALL"
                BR[$k]+=" $RUN_RSS"
                BC[$k]+=" $RUN_CPU"
            else
                BF[$k]=$((${BF[$k]:-0} + 1))
                FAILURES=$((FAILURES + 1))
            fi
            if [[ $r == 1 ]] && awk "BEGIN { exit !($RUN_WALL > $SLOW) }"; then
                BSKIP[$k]="ran once: over ${SLOW}s"
            fi
        done
    done
done
# mailsend with a 5 MB message: does RSS grow with the size?
set_cmds "$MSG_MID"
for mode in plain tls; do
    for ((r = 1; r <= ROUNDS; r++)); do
        one_run mailsend "$mode" "$MSG_MID"
        if ((RUN_OK)); then
            BW[mid/$mode]+=" $RUN_WALL"
            BR[mid/$mode]+=" $RUN_RSS"
            BC[mid/$mode]+=" $RUN_CPU"
        else
            BF[mid/$mode]=$((${BF[mid/$mode]:-0} + 1))
            FAILURES=$((FAILURES + 1))
        fi
    done
done

declare -A BIGMED
bigsize=$(wc -c <"$MSG_BIG")
for mode in plain tls; do
    say "== 2. one $BIG_MB MB message ($bigsize octets), $mode; median of $ROUNDS interleaved runs, peak RSS the highest"
    printf '%-13s %4s %9s %9s %10s %9s %9s %6s\n' tool N wall MB/s "peak RSS" CPU "x curl" failed
    for tool in "${big_tools[@]}" mid; do
        k=$tool/$mode
        [[ -n ${BW[$k]:-} ]] && BIGMED[$k]=$(median <<<"${BW[$k]}")
    done
    for tool in "${big_tools[@]}" mid; do
        k=$tool/$mode
        label=$tool
        [[ $tool == curlcrlf ]] && label="curl --crlf"
        [[ $tool == mid ]] && label="mailsend ${MID_MB}MB"
        n=$(wc -w <<<"${BW[$k]:-}")
        if ((n == 0)); then
            printf '%-13s %4s %s\n' "$label" 0 "${BSKIP[$k]:-failed}"
            continue
        fi
        size=$bigsize
        [[ $tool == mid ]] && size=$(wc -c <"$MSG_MID")
        ratio=$(calc '%.2fx' "${BIGMED[$k]} / ${BIGMED[curl/$mode]:-0}")
        [[ $tool == mid ]] && ratio="-"
        printf '%-13s %4s %8.2fs %9.1f %7.1f MB %8.2fs %9s %6s%s\n' "$label" "$n" "${BIGMED[$k]}" \
            "$(calc '%.4f' "$size / 1048576 / (${BIGMED[$k]} > 0 ? ${BIGMED[$k]} : 0.01)")" \
            "$(calc '%.4f' "$(fmax <<<"${BR[$k]}") / 1024")" "$(median <<<"${BC[$k]}")" \
            "$ratio" "${BF[$k]:-0}" "${BSKIP[$k]:+  (${BSKIP[$k]})}"
    done
    say "   runs (wall s): $(for tool in "${big_tools[@]}"; do [[ -n ${BW[$tool/$mode]:-} ]] && printf '%s:%s ' "$tool" "$(tr ' ' ',' <<<"${BW[$tool/$mode]# }")"; done)"
    say ""
done
say "   curl sends LF line ends as they are (curl --crlf converts, as mailsend and msmtp do);"
say "   swaks runs with --suppress-data (it would print every line); wall has 10 ms resolution."
for n in "${NOTES[@]}"; do say "   $n"; done

# ------------------------------------------------------------------ summary

rss_mb() { calc '%.1f' "$(fmax <<<"${BR[$1]:-0}") / 1024"; }
say ""
say "== summary (targets from issue 3, this run)"
for mode in plain tls; do
    r=$(calc '%.2f' "${PERMSG[mailsend/$mode]} / ${PERMSG[curl/$mode]}")
    say "   $N small messages, $mode: mailsend = ${r} x curl (target <= 0.7): $(verdict "$r <= 0.7")"
done
for mode in plain tls; do
    if [[ -n ${BIGMED[mailsend/$mode]:-} && -n ${BIGMED[curl/$mode]:-} ]]; then
        r=$(calc '%.2f' "${BIGMED[mailsend/$mode]} / ${BIGMED[curl/$mode]}")
        say "   $BIG_MB MB, $mode: wall = ${r} x curl (target <= 1.1): $(verdict "$r <= 1.1");" \
            "peak RSS $(rss_mb "mailsend/$mode") MB, $(rss_mb "mid/$mode") MB at $MID_MB MB (target <= 8 MB): $(verdict "$(rss_mb "mailsend/$mode") <= 8 && $(rss_mb "mid/$mode") <= 8")"
    else
        say "   $BIG_MB MB, $mode: not measured (failed runs)"
    fi
done
if ((FAILURES > 0)); then
    say "   $FAILURES failed deliveries (see above): these numbers are not valid"
    for f in "$T"/err.*; do
        [[ -s $f ]] && say "   ${f##*/err.}: $(tail -2 "$f" | tr '\n' ' ')"
    done
    exit 1
fi
say "   all deliveries confirmed (exit status 0 and counted by smtp-sink)"
exit 0
