#!/usr/bin/env bash
# bench/imapfetch.sh: imapfetch against mbsync (isync), getmail6 and a raw
# IMAP session (issue "imapfetch"). Run by `make bench` with B=build; by
# hand:
#   B=build bash bench/imapfetch.sh
#
# User carol on the project's private Dovecot, IMAPS (implicit TLS) on
# 127.0.0.1, certificate verified with the servers' private CA. The
# mailboxes are seeded once: bench-fetch with N generated messages of
# about 4 KB (mailservers seed, MP_SEED_SIZE=4096), bench-fetch-huge with
# one HUGE_MB message (doveadm save). Nothing fetches with a flag change
# (BODY.PEEK[] everywhere, nothing deleted): every run sees the same
# mailbox, and the end checks that the server still holds all of it,
# none \Seen. Every timed run starts clean on the client side: a new
# target and a new state, so each one copies the whole mailbox. The peers:
#   - imapfetch: -o MBOX (and, for scale, --maildir DIR), a new
#     --state-dir, --cacert, --password-cmd, -q; its batches of 100
#     messages, one fsync each;
#   - mbsync: a temporary config: an IMAPAccount (Host localhost: mbsync
#     checks the certificate's DNS names only, which the servers' carry;
#     localhost is 127.0.0.1 here), SSLType IMAPS, CertificateFile = the
#     private CA, PassCmd; Far = that IMAP store's bench-fetch, Near = a
#     MaildirStore in a new directory, one channel, Sync Pull, Create
#     Near, Expunge None, Remove None, SyncState * (the state lives in the
#     new maildir, so it is new too). Its default FSync yes (one fsync per
#     message) is the row the target compares with; "mbsync nofsync" (FSync
#     no) is there for scale;
#   - getmail: getmail6, SimpleIMAPSSLRetriever (ca_certs = the private
#     CA, mailboxes = bench-fetch), read_all, delete false, an Mboxrd
#     destination, a new oldmail file each run, no Received,
#     Delivered-To or X-getmail-retrieved-from-mailbox headers. As root
#     getmail6 refuses to deliver unless the destination names another
#     user: its mbox is nobody's, in a subdirectory of the temporary
#     directory (made 0711 for that). getmail6 forks one delivery child
#     per message and installs its SIGCHLD handler only after the fork: a
#     child that exits first is never noticed and getmail waits for its
#     `timeout` then fails (getmail6 issues #52, #226; unpinned, runs of
#     500 here failed after 18 to 129 messages). It is run pinned to one
#     CPU (taskset -c 0), where the parent mostly runs on until it waits,
#     its timeout is 30 s, and a run that fails that way anyway is run
#     once more (the count is printed). It is slow: it fetches SLOW (500) messages
#     (max_messages_per_session) and its time is extrapolated to N; it
#     still lists all N first (FETCH 1:N (UID RFC822.SIZE)), so the
#     extrapolation overstates it a little;
#   - raw: python3 ssl socket, LOGIN, EXAMINE, one UID FETCH 1:*
#     (BODY.PEEK[]) sent together, every byte read (literals by their
#     size) and thrown away until the tagged completion, LOGOUT: the floor
#     (what the server and TLS cost; it writes nothing).
#
# 1. N x 4 KB (IMAPFETCH_BENCH_N, 5000) into an mbox: imapfetch, mbsync,
#    getmail (SLOW messages, extrapolated), raw; imapfetch --maildir and
#    mbsync FSync no for scale.
# 2. One HUGE_MB (100) MB message: peak RSS of imapfetch (and of mbsync,
#    for scale).
# One untimed, checked run of every peer first (it also lets Dovecot build
# its index and cache). After every timed run (untimed): the target holds
# exactly the expected number of messages (an mbox: grep -c '^From ', the
# seeded bodies' "From " lines being quoted, every such line is a
# separator; a maildir: the files in new/ and cur/; raw: the FETCH
# responses with a literal it read). Wall is the whole process, start-up
# included, from the shell's clock; median of IMAPFETCH_BENCH_ROUNDS
# interleaved rounds; CPU and peak RSS from /usr/bin/time.
#
# A benchmark, not a test: it prints measurements and ratios against the
# peers measured in the same run and never fails on a number. It exits
# non-zero only when something could not run (a missing tool, a server
# that would not start, a run that failed or left the wrong number of
# messages). imapfetch not built: its rows are skipped. mbsync missing
# (Debian: apt-get install -y isync; `make bench` installs it) or getmail6
# missing or not working: that row is skipped, with the reason.
#
# Passwords: imapfetch and mbsync run `cat DIR/carol.pw`, getmail too
# (password_command), raw reads the file. The servers and all temporary
# files are removed on exit.
#
# Knobs (environment): IMAPFETCH_BENCH_N (5000), IMAPFETCH_BENCH_ROUNDS
# (5), IMAPFETCH_BENCH_HUGE_MB (100), IMAPFETCH_BENCH_SLOW (500: getmail),
# MP_PORT_BASE (the first port base tried for the servers, 32000).
set -u -o pipefail
export LC_ALL=C

B=${B:-build}
IF=$B/imapfetch
N=${IMAPFETCH_BENCH_N:-5000}
ROUNDS=${IMAPFETCH_BENCH_ROUNDS:-5}
HUGE_MB=${IMAPFETCH_BENCH_HUGE_MB:-100}
SLOW=${IMAPFETCH_BENCH_SLOW:-500}
SMALL_SIZE=4096
BOX=bench-fetch
HUGE_BOX=bench-fetch-huge

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 1
bench_init imapfetch

# ------------------------------------------------------------ prerequisites

for k in "$N" "$ROUNDS" "$HUGE_MB" "$SLOW"; do
    [[ $k =~ ^[0-9]+$ && $k -gt 0 ]] || die "the knobs must be positive numbers"
done
((SLOW <= N)) || SLOW=$N
bench_need_mailservers
bench_python
bench_need /usr/bin/time awk timeout doveadm find

HAVE_IF=1
[[ -x $IF ]] || HAVE_IF=0
MBSYNC=$(command -v mbsync || true)
MBSYNC_SKIP=""
[[ -n $MBSYNC ]] || MBSYNC_SKIP="not installed (Debian: apt-get install -y isync; in install-deps bench)"
GETMAIL=$(command -v getmail || true)
GETMAIL_SKIP=""
[[ -n $GETMAIL ]] || GETMAIL_SKIP="not installed (Debian: apt-get install -y getmail6; in install-deps bench)"
# getmail pinned to one CPU (see above), when taskset is there.
PIN=()
command -v taskset >/dev/null 2>&1 && taskset -c 0 true 2>/dev/null && PIN=(taskset -c 0)

bench_tmpdir imapfetchbench

# ------------------------------------------------------------------ servers

bench_servers_up 32000
P=$MP_IMAPS_PORT

# count MAILBOX [KEY...]: the messages of MAILBOX matching KEY (all of
# them without), as the server sees them; -1 when doveadm failed.
count() { bench_count "$BENCH_USER" "$@"; }

MP_SEED_SIZE=$SMALL_SIZE bench_seed "$BENCH_USER" "$N" "$BOX"
SEED_SMALL=$SEED_SECS
c=$(count "$BOX")
[[ $c == "$N" ]] || die "after seeding, $BOX holds $c messages, not $N"

t0=$(now)
bench_huge_message "$HUGE_MB" "$T/huge.eml"
"${DOVEADM[@]}" mailbox create -u "$BENCH_USER" "$HUGE_BOX" >"$T/save.log" 2>&1 ||
    die "doveadm mailbox create $HUGE_BOX failed: $(tail -2 "$T/save.log")"
"${DOVEADM[@]}" save -u "$BENCH_USER" -m "$HUGE_BOX" <"$T/huge.eml" >"$T/save.log" 2>&1 ||
    die "doveadm save failed: $(tail -2 "$T/save.log")"
t1=$(now)
SEED_HUGE=$(calc '%.2f' "$t1 - $t0")
HUGE_BYTES=$(stat -c %s "$T/huge.eml")
rm -f "$T/huge.eml"
c=$(count "$HUGE_BOX")
[[ $c == 1 ]] || die "after saving, $HUGE_BOX holds $c messages, not 1"

# ------------------------------------------------------------ the helpers

bench_pypeer

# raw.py PORT CAFILE USER PWFILE MAILBOX: LOGIN, EXAMINE and UID FETCH 1:*
# (BODY.PEEK[]) in one write, every literal read by its size and thrown
# away, until the FETCH's tagged completion; LOGOUT. Prints
# "fetched=N bytes=N" (FETCH responses with a literal, octets read).
cat >"$T/raw.py" <<'EOF'
import sys
from benchpeer import password, quote, tls_socket

port, cafile, user, pwfile, mailbox = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
s = tls_socket(port, cafile)
r = s.makefile("rb", buffering=1 << 18)
s.sendall(("a LOGIN %s %s\r\nb EXAMINE %s\r\nc UID FETCH 1:* (BODY.PEEK[])\r\n"
           % (quote(user), quote(password(pwfile)), quote(mailbox))).encode())
total = fetched = 0
CHUNK = 1 << 18


def line():
    global total
    ln = r.readline()
    if not ln.endswith(b"\r\n"):
        sys.exit("raw: connection closed")
    total += len(ln)
    return ln


while True:
    ln = line()
    # A line that ends in a literal {n}: n octets, then the line goes on.
    while ln.endswith(b"}\r\n") and b"{" in ln:
        if ln.startswith(b"* ") and b" FETCH (" in ln:
            fetched += 1
        left = int(ln[ln.rindex(b"{") + 1:-3])
        while left:
            d = r.read(min(left, CHUNK))
            if not d:
                sys.exit("raw: connection closed inside a literal")
            left -= len(d)
            total += len(d)
        ln = line()
    if ln[:2] in (b"a ", b"b ", b"c "):
        if not ln[2:].startswith(b"OK"):
            sys.exit("raw: %s" % ln.decode("ascii", "replace").rstrip())
        if ln.startswith(b"c "):
            break
s.sendall(b"d LOGOUT\r\n")
while r.read(1 << 16):
    pass
s.close()
print("fetched=%d bytes=%d" % (fetched, total))
EOF

# getmail: GMDIR/rc, its mbox GMOUT/mbox (nobody's as root); SLOW
# messages a run, its timeout 30 s (see above).
bench_getmail_setup SimpleIMAPSSLRetriever "$P" false "mailboxes = (\"$BOX\",)
timeout = 30" "max_messages_per_session = $SLOW
record_mailbox = false"

# ------------------------------------------------------------------ a run

# cmd PEER MAILBOX: the command in CMD and the target in TARGET (an mbox
# file or a maildir; the raw peer's output file).
cmd() {
    local peer=$1 box=$2
    case $peer in
    imapfetch)
        TARGET=$T/out.mbox
        CMD=("$IF" "imaps://$BENCH_USER@127.0.0.1:$P" "$box" -o "$TARGET" --state-dir "$T/state"
            --cacert "$CA" --password-cmd "cat $PWFILE" -q)
        ;;
    imapfetch-maildir)
        TARGET=$T/out.maildir
        CMD=("$IF" "imaps://$BENCH_USER@127.0.0.1:$P" "$box" --maildir "$TARGET" --state-dir "$T/state"
            --cacert "$CA" --password-cmd "cat $PWFILE" -q)
        ;;
    mbsync | mbsync-nofsync)
        TARGET=$T/near/$box
        bench_mbsyncrc "$T/mbsyncrc" "$BENCH_USER" "$box" "$T/near" Pull "$([[ $peer == mbsync ]] && echo yes || echo no)"
        CMD=("$MBSYNC" -c "$T/mbsyncrc" -q bench)
        ;;
    getmail)
        TARGET=$GMOUT/mbox
        CMD=("${PIN[@]}" "$GETMAIL" --getmaildir "$GMDIR" --rcfile "$GMDIR/rc")
        ;;
    raw)
        TARGET=$T/out.raw
        CMD=("$PY" "$T/raw.py" "$P" "$CA" "$BENCH_USER" "$PWFILE" "$box")
        ;;
    esac
}

# run PEER MAILBOX COUNT: one process under /usr/bin/time, from a clean
# client side (no target, no state), then the check that the target holds
# COUNT messages. Sets RUN_WALL (shell clock), RUN_RSS (KiB), RUN_CPU
# (user+sys), RUN_CHECK; returns non-zero when the run failed or the
# check did not hold.
run() {
    local peer=$1 box=$2 n=$3 out=$T/out.$1 rc got
    cmd "$peer" "$box"
    rm -rf "$T/out.mbox" "$T/out.maildir" "$T/near" "$T/state" "$GMOUT/mbox" "$GMDIR"/oldmail-*
    case $peer in
    getmail) bench_getmail_mbox ;;
    mbsync*) mkdir "$T/near" ;;   # mbsync creates the mailbox, not its store
    esac
    [[ $peer == raw ]] && out=$TARGET
    timed_run 900 /dev/null "$out" "$T/err.$peer" "${CMD[@]}"
    rc=$?
    case $peer in
    raw) got=$(sed -n 's/^fetched=\([0-9]*\) .*/\1/p' "$TARGET") ;;
    imapfetch-maildir | mbsync*) got=$(find "$TARGET/new" "$TARGET/cur" -type f 2>/dev/null | wc -l) ;;
    *) got=$(grep -c '^From ' "$TARGET" 2>/dev/null) ;;
    esac
    RUN_CHECK="exit $rc, ${got:-0} of $n in the target"
    [[ $peer == raw ]] && RUN_CHECK="exit $rc, read ${got:-0} of $n ($(sed -n 's/.* bytes=/bytes=/p' "$TARGET"))"
    rm -rf "$T/out.mbox" "$T/out.maildir" "$T/near" "$T/state" "$GMOUT/mbox"
    ((rc == 0)) && [[ $got == "$n" ]]
}

GETMAIL_RETRIES=0

# measure KEY PEER MAILBOX COUNT [untimed]: run, its numbers under KEY
# (not kept with "untimed"); a failure of getmail or mbsync skips that
# peer (the reason kept), any other is counted (fail). getmail's lost
# child (see above) gets one more try.
measure() {
    local key=$1 peer=$2 msg ok=0
    run "${@:2:3}" && ok=1
    if ((!ok)) && [[ $peer == getmail ]] && grep -qs 'waiting child pid .* timed out' "$T/err.getmail"; then
        GETMAIL_RETRIES=$((GETMAIL_RETRIES + 1))
        run "${@:2:3}" && ok=1
    fi
    if ((ok)); then
        [[ ${5:-} == untimed ]] || record_run "$key"
        LASTCHECK[$key]=$RUN_CHECK
        return 0
    fi
    msg="$key: $RUN_CHECK; $(tail -2 "$T/err.$peer" | tr '\n' ' ' | cut -c1-300)"
    case $peer in
    getmail) GETMAIL_SKIP="did not fetch the mail ($msg)" ;;
    mbsync*) MBSYNC_SKIP="did not fetch the mail ($msg)" ;;
    *) fail "$msg" ;;
    esac
    return 1
}

# ------------------------------------------------------------------ header

bench_host_line
peers=""
[[ -n $MBSYNC ]] && peers+="$("$MBSYNC" --version 2>&1 | head -1); "
[[ -n $GETMAIL ]] && peers+="$("$GETMAIL" --version 2>&1 | head -1)${PIN:+ (taskset -c 0)}; "
peers+="$(bench_python_version)"
say "peers: $peers"
bench_server_line "IMAPS 127.0.0.1:$P, implicit TLS, certificate verified (private CA)"
say "mailboxes: $BENCH_USER/$BOX, $N messages of ~4 KB (seeded in ${SEED_SMALL}s); $BENCH_USER/$HUGE_BOX, one message of $HUGE_BYTES octets (saved in ${SEED_HUGE}s)"
bench_load_before
bench_startup_floor 10
((HAVE_IF)) || say "imapfetch: not built ($IF), its rows skipped"

IF_PEERS=()
((HAVE_IF)) && IF_PEERS=(imapfetch imapfetch-maildir)

# small PEER [untimed]: one run of section 1.
small() {
    local peer=$1
    case $peer in
    mbsync*) [[ -z $MBSYNC_SKIP ]] || return 0 ;;
    getmail)
        [[ -z $GETMAIL_SKIP ]] || return 0
        measure getmail/slow getmail "$BOX" "$SLOW" "${2:-}"
        return
        ;;
    esac
    measure "$peer/small" "$peer" "$BOX" "$N" "${2:-}"
}
# huge PEER [untimed]: one run of section 2.
huge() {
    [[ $1 != mbsync || -z $MBSYNC_SKIP ]] || return 0
    measure "$1/huge" "$1" "$HUGE_BOX" 1 "${2:-}"
}

# One untimed, checked run of each.
for peer in "${IF_PEERS[@]}" mbsync mbsync-nofsync getmail raw; do small "$peer" untimed; done
for peer in "${IF_PEERS[@]:0:1}" mbsync; do huge "$peer" untimed; done

# ----------------------------------------------------------- 1. N x 4 KB

for ((r = 1; r <= ROUNDS; r++)); do
    for peer in "${IF_PEERS[@]}" mbsync mbsync-nofsync getmail raw; do small "$peer"; done
done

# ------------------------------------------------ 2. one HUGE_MB message

for ((r = 1; r <= ROUNDS; r++)); do
    for peer in "${IF_PEERS[@]:0:1}" mbsync; do huge "$peer"; done
done

# The server's side: every peer only read.
LEFT=$(count "$BOX")
SEEN=$(count "$BOX" SEEN)
LEFT_HUGE=$(count "$HUGE_BOX")
[[ $LEFT == "$N" && $SEEN == 0 && $LEFT_HUGE == 1 ]] ||
    fail "the server's mailboxes changed: $BOX holds $LEFT messages ($SEEN \\Seen), $HUGE_BOX $LEFT_HUGE"

# ------------------------------------------------------------------ report

medians
# getmail, extrapolated from SLOW to N messages.
extrapolate getmail/slow getmail/small "$SLOW" "$N"

say ""
say "== 1. $N x 4 KB from $BENCH_USER/$BOX, IMAPS; median of $ROUNDS interleaved rounds (wall of the whole process)"
printf '%-18s %5s %9s %12s %8s %10s %10s %10s %10s\n' tool runs wall "per msg" CPU "peak RSS" "x mbsync" "x getmail" "x raw"
BASES=(mbsync/small getmail/small raw/small)
row imapfetch/small "imapfetch -o" "$N" "${BASES[@]}"
row imapfetch-maildir/small "imapfetch maildir" "$N" "${BASES[@]}"
row mbsync/small "mbsync" "$N" "${BASES[@]}"
row mbsync-nofsync/small "mbsync nofsync" "$N" "${BASES[@]}"
row raw/small "raw" "$N" "${BASES[@]}"
if [[ -n ${MED[getmail/slow]:-} ]]; then
    row getmail/slow "getmail $SLOW" "$SLOW"
    row_extrapolated getmail/small "getmail $N" "$SLOW" "$N" "${BASES[@]}"
fi
say "   runs (wall s):"
runs_line imapfetch/small imapfetch-maildir/small mbsync/small mbsync-nofsync/small raw/small getmail/slow
((GETMAIL_RETRIES > 0)) && say "   getmail: $GETMAIL_RETRIES run(s) lost a delivery child (getmail6's SIGCHLD race) and were run again"

say ""
say "== 2. one $HUGE_MB MB message ($BENCH_USER/$HUGE_BOX, $HUGE_BYTES octets); median of $ROUNDS rounds"
printf '%-18s %5s %9s %12s %8s %10s %10s\n' tool runs wall "per msg" CPU "peak RSS" "x mbsync"
row imapfetch/huge "imapfetch -o" 1 mbsync/huge
row mbsync/huge mbsync 1 mbsync/huge
say "   peak RSS per run (KiB): imapfetch:${RSS[imapfetch/huge]:- -}; mbsync:${RSS[mbsync/huge]:- -}"

say ""
say "   checks (the last run of each; every run, the untimed first one too, was checked the same way):"
checks_lines
say "     server after the runs: $BOX holds $LEFT messages, $SEEN of them \\Seen; $HUGE_BOX holds $LEFT_HUGE"
[[ -n $MBSYNC_SKIP ]] && say "   mbsync: $MBSYNC_SKIP, skipped"
[[ -n $GETMAIL_SKIP ]] && say "   getmail: $GETMAIL_SKIP, skipped"
bench_load_after

# ------------------------------------------------------------------ summary

say ""
say "== summary (targets from the issue, this run)"
if ((HAVE_IF)); then
    target "1. imapfetch/mbsync, $N x 4 KB" imapfetch/small mbsync/small 0.5 "$MBSYNC_SKIP"
    target "1. imapfetch/getmail (extrapolated from $SLOW), $N x 4 KB" imapfetch/small getmail/small 0.5 "$GETMAIL_SKIP"
    say "   1. for scale: imapfetch/raw $(ratio imapfetch/small raw/small), imapfetch/mbsync-nofsync" \
        "$(ratio imapfetch/small mbsync-nofsync/small), imapfetch --maildir/mbsync $(ratio imapfetch-maildir/small mbsync/small)"
    if [[ -n ${RSS[imapfetch/huge]:-} ]]; then
        mb=$(peak_mb imapfetch/huge)
        say "   2. imapfetch peak RSS, one $HUGE_MB MB message = $mb MB (target <= 8): $(verdict "$mb <= 8")" \
            "(mbsync: $(peak_mb mbsync/huge) MB)"
    else
        say "   2. imapfetch peak RSS: not measured"
    fi
else
    say "   imapfetch: not built, skipped (no ratios)"
fi
bench_exit "all runs exited 0 and left the expected number of messages"
