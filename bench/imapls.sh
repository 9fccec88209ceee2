#!/usr/bin/env bash
# bench/imapls.sh: imapls against a raw pipelined IMAP session, python3
# imaplib and s-nail (issue "imapls performance"). Run by `make bench`
# with B=build; by hand:
#   B=build bash bench/imapls.sh
#
# One mailbox of IMAPLS_BENCH_N (20,000) seeded messages and one of
# IMAPLS_BENCH_SMALL (2,000), user carol on the project's private Dovecot,
# IMAPS (implicit TLS) on 127.0.0.1. Each peer lists the whole mailbox once
# per run, one process per run, output to /dev/null:
#   - raw: python3 ssl socket, LOGIN, EXAMINE and
#     UID FETCH 1:* (FLAGS ENVELOPE RFC822.SIZE) in one write, every byte
#     read and thrown away until the tagged completion, then LOGOUT (the
#     floor: what the server and TLS themselves cost);
#   - imaplib: python3 imaplib, EXAMINE, one
#     UID FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE), each
#     response parsed into uid, flags, size, date, from, subject (TSV);
#   - s-nail: its header summary (-H) of the mailbox, if installed;
#   - imapls: -o uid,flags,size,date,from,subject, if built.
# Wall is the whole process, start-up included, median of
# IMAPLS_BENCH_ROUNDS interleaved rounds; peak RSS from /usr/bin/time, the
# highest of the rounds. One untimed, checked run of every peer first (it
# also lets Dovecot build its index and cache for the fields asked for).
#
# A benchmark, not a test: it prints measurements and ratios against the
# peers measured in the same run and never fails on a number. It exits
# non-zero only when something could not run (a missing tool, a server that
# would not start, a peer that failed or listed the wrong number of
# messages). imapls not built yet, or s-nail missing: that row is skipped.
#
# Everything talks to 127.0.0.1 (s-nail names it "localhost": it checks the
# certificate's DNS names only). The servers and all temporary files are
# removed on exit.
#
# Knobs (environment): IMAPLS_BENCH_N (20000 messages), IMAPLS_BENCH_SMALL
# (2000: the second mailbox, for imapls's RSS against mailbox size),
# IMAPLS_BENCH_ROUNDS (3), MP_PORT_BASE (the first port base tried for the
# servers, 31700).
set -u -o pipefail
export LC_ALL=C

B=${B:-build}
IL=$B/imapls
N=${IMAPLS_BENCH_N:-20000}
SMALL=${IMAPLS_BENCH_SMALL:-2000}
ROUNDS=${IMAPLS_BENCH_ROUNDS:-3}

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 1
bench_init imapls

# bench20k for 20000, bench2500 for 2500.
MBOX_BIG=$(bench_mbox_name bench "$N")
MBOX_SMALL=$(bench_mbox_name bench "$SMALL")

# ------------------------------------------------------------ prerequisites

[[ $N =~ ^[0-9]+$ && $SMALL =~ ^[0-9]+$ && $ROUNDS =~ ^[0-9]+$ ]] || die "the knobs must be numbers"
((N > 0 && SMALL > 0 && ROUNDS > 0)) || die "the knobs must be positive"
[[ $MBOX_BIG != "$MBOX_SMALL" ]] || die "IMAPLS_BENCH_N and IMAPLS_BENCH_SMALL must differ"
bench_need_mailservers
bench_python
bench_need /usr/bin/time awk timeout

HAVE_IMAPLS=1
[[ -x $IL ]] || HAVE_IMAPLS=0
SNAIL=$(command -v s-nail || true)
SNAIL_SKIP=""
[[ -n $SNAIL ]] || SNAIL_SKIP="not installed"

bench_tmpdir imaplsbench

# ------------------------------------------------------------------ servers

bench_servers_up 31700
P=$MP_IMAPS_PORT

# ---------------------------------------------------------------- mailboxes

bench_seed "$BENCH_USER" "$N" "$MBOX_BIG"
SEED_BIG=$SEED_SECS
bench_seed "$BENCH_USER" "$SMALL" "$MBOX_SMALL"
SEED_SMALL=$SEED_SECS

# ------------------------------------------------------------ python peers

bench_pypeer

# raw.py PORT CAFILE USER PWFILE MAILBOX: prints "bytes=N fetched=N" (octets
# read, "* n FETCH (" responses seen). No parsing: the only thing looked
# for is the tagged completion line of the FETCH.
cat >"$T/raw.py" <<'EOF'
import sys
from benchpeer import password, quote, tls_socket

port, cafile, user, pwfile, mailbox = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
s = tls_socket(port, cafile)
s.sendall(("a LOGIN %s %s\r\nb EXAMINE %s\r\nc UID FETCH 1:* (FLAGS ENVELOPE RFC822.SIZE)\r\n"
           % (quote(user), quote(password(pwfile)), quote(mailbox))).encode())
out = open("/dev/null", "wb")
total = fetched = 0
tail = b"\r\n"  # responses start after a CRLF; the greeting comes first anyway
PAT = b" FETCH ("
while True:
    d = s.recv(1 << 18)
    if not d:
        sys.exit("raw: connection closed before the tagged completion")
    out.write(d)
    total += len(d)
    # Counting matches in tail + chunk: the tail is shorter than PAT, so
    # no match is counted twice.
    fetched += (tail[-(len(PAT) - 1):] + d).count(PAT)
    tail = (tail + d)[-256:]
    i = tail.rfind(b"\r\nc ")
    if i >= 0 and tail.find(b"\r\n", i + 2) >= 0:
        line = tail[i + 2:tail.find(b"\r\n", i + 2)]
        if not line.startswith(b"c OK"):
            sys.exit("raw: %s" % line.decode("ascii", "replace"))
        break
s.sendall(b"d LOGOUT\r\n")
while s.recv(1 << 16):
    pass
s.close()
print("bytes=%d fetched=%d" % (total, fetched))
EOF

# lib.py PORT CAFILE USER PWFILE MAILBOX: python3 imaplib, one TSV line per
# message: uid, flags, size, INTERNALDATE (ISO 8601), from, subject.
cat >"$T/lib.py" <<'EOF'
import datetime, email.header, re, sys
from benchpeer import imaplib_open

port, cafile, user, pwfile, mailbox = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]

# One IMAP token: ( ) "quoted" {literal-size} at the end of a piece, or an
# atom (NIL, numbers, \Flags, RFC822.SIZE, ...).
TOKEN = re.compile(rb'[ ]*(?:(\()|(\))|"((?:[^"\\]|\\.)*)"|\{(\d+)\}\Z|([^ ()"]+))')
SEQ = re.compile(rb"(\d+) ")
UNESCAPE = re.compile(rb"\\(.)")


def responses(data):
    """imaplib's FETCH data (bytes, or (text, literal) tuples, the text
    after a literal continuing in the next item) -> one nested list of
    attributes per response."""
    root = []
    stack = [root]
    for item in data:
        if isinstance(item, tuple):
            text, lit = item
        else:
            text, lit = item, None
        if text is None:
            continue
        pos = 0
        if len(stack) == 1:
            m = SEQ.match(text)
            if not m:
                raise ValueError("not a FETCH response: %r" % text[:60])
            pos = m.end()
        end = len(text)
        while pos < end:
            m = TOKEN.match(text, pos)
            if not m:
                if text[pos:].strip():
                    raise ValueError("cannot parse %r" % text[pos:pos + 60])
                break
            pos = m.end()
            op, cp, quoted, litsize, atom = m.groups()
            if op:
                new = []
                stack[-1].append(new)
                stack.append(new)
            elif cp:
                done = stack.pop()
                if len(stack) == 1:
                    root.clear()
                    yield done
            elif quoted is not None:
                stack[-1].append(UNESCAPE.sub(rb"\1", quoted) if b"\\" in quoted else quoted)
            elif litsize is not None:
                stack[-1].append(lit)
            else:
                stack[-1].append(None if atom == b"NIL" else atom)


def text(b):
    if b is None:
        return ""
    s = b.decode("utf-8", "replace")
    if "=?" in s:
        try:
            s = str(email.header.make_header(email.header.decode_header(s)))
        except Exception:
            pass
    return s.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def address(addrs):
    if not addrs:
        return ""
    name, _adl, mbox, host = addrs[0]
    a = text(mbox) + ("@" + text(host) if host else "")
    return "%s <%s>" % (text(name), a) if name else a


M = imaplib_open(port, cafile, user, pwfile, mailbox, readonly=True)
typ, data = M.uid("FETCH", "1:*", "(UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE)")
if typ != "OK":
    sys.exit("imaplib: UID FETCH failed")
out = sys.stdout
for attrs in responses(data):
    f = dict(zip(attrs[0::2], attrs[1::2]))
    env = f[b"ENVELOPE"]
    date = datetime.datetime.strptime(f[b"INTERNALDATE"].decode().strip(), "%d-%b-%Y %H:%M:%S %z")
    out.write("%s\t%s\t%s\t%s\t%s\t%s\n" % (
        f[b"UID"].decode(), " ".join(x.decode() for x in f[b"FLAGS"]), f[b"RFC822.SIZE"].decode(),
        date.isoformat(), address(env[2]), text(env[1])))
M.logout()
EOF

# s-nail reads its settings (and the password) from this file, not argv.
if [[ -z $SNAIL_SKIP ]]; then
    (
        umask 077
        {
            printf 'set v15-compat\n'
            printf "set tls-ca-file='%s'\n" "$CA"
            printf "set password-%s@localhost:%s='%s'\n" "$BENCH_USER" "$P" "$(cat "$PWFILE")"
            printf "set headline='%%U %%a %%o %%d %%f %%s'\n"
            printf 'set headline-plain\n'
        } >"$T/snailrc"
    )
fi

# --------------------------------------------------------------- the runs

PEERS=(raw imaplib)
[[ -z $SNAIL_SKIP ]] && PEERS+=(s-nail)
((HAVE_IMAPLS)) && PEERS+=(imapls)

# cmd PEER MAILBOX: the command in CMD.
cmd() {
    case $1 in
    raw) CMD=("$PY" "$T/raw.py" "$P" "$CA" "$BENCH_USER" "$PWFILE" "$2") ;;
    imaplib) CMD=("$PY" "$T/lib.py" "$P" "$CA" "$BENCH_USER" "$PWFILE" "$2") ;;
    s-nail) CMD=(env "MAILRC=$T/snailrc" "$SNAIL" -n -R -H -f "imaps://$BENCH_USER@localhost:$P/$2") ;;
    imapls) CMD=("$IL" "imaps://$BENCH_USER@127.0.0.1:$P" "$2" -o "uid,flags,size,date,from,subject"
        --cacert "$CA" --password-cmd "cat $PWFILE") ;;
    esac
}

# check PEER COUNT OUTFILE: the output lists COUNT messages. Sets CHECK.
check() {
    local peer=$1 n=$2 out=$3 got
    case $peer in
    raw)
        got=$(sed -n 's/.*fetched=\([0-9]*\).*/\1/p' "$out")
        CHECK="$(cat "$out")"
        ;;
    imaplib)
        got=$(grep -c . "$out")
        CHECK="$got lines; last: $(tail -1 "$out" | tr '\t' '|')"
        # The seeded messages are numbered 1..n in UID order.
        [[ $(tail -1 "$out" | cut -f1,6) == "$n"$'\t'"Test message $n" ]] || got=-1
        ;;
    s-nail | imapls)
        got=$(grep -c "Test message [0-9]" "$out")
        CHECK="$got lines with a seeded subject; last: $(tail -1 "$out" | tr '\t' '|' | tr -s ' ')"
        ;;
    esac
    [[ $got == "$n" ]]
}

# run PEER COUNT MAILBOX OUTFILE: one process under /usr/bin/time
# (timed_run), no standard input. Sets RUN_WALL (from the shell's clock),
# RUN_RSS (KiB), RUN_CPU (user+sys), RUN_RC; returns non-zero when it
# failed.
run() {
    cmd "$1" "$3"
    timed_run 600 /dev/null "$4" "$T/err.$1" "${CMD[@]}"
    RUN_RC=$?
    return "$RUN_RC"
}

# Untimed, checked runs of every peer on both mailboxes.
for peer in "${PEERS[@]}"; do
    for size in big small; do
        if [[ $size == big ]]; then n=$N mbox=$MBOX_BIG; else n=$SMALL mbox=$MBOX_SMALL; fi
        run "$peer" "$n" "$mbox" "$T/out.$peer"
        if ((RUN_RC != 0)) || ! check "$peer" "$n" "$T/out.$peer"; then
            msg="$peer on $mbox: exit $RUN_RC; ${CHECK:-}; $(tail -2 "$T/err.$peer" | tr '\n' ' ')"
            if [[ $peer == s-nail ]]; then
                # An optional peer: a failure skips it instead of the run.
                SNAIL_SKIP="did not list the mailbox ($msg)"
                continue 2
            fi
            die "$msg"
        fi
        LASTCHECK[$peer/$size]=$CHECK
    done
done
if [[ -n $SNAIL_SKIP && -n $SNAIL ]]; then
    PEERS=(raw imaplib)
    ((HAVE_IMAPLS)) && PEERS+=(imapls)
fi

# ------------------------------------------------------------------ header

bench_host_line
peers="$(bench_python_version)"
[[ -n $SNAIL ]] && peers+="; $("$SNAIL" -V 2>&1 | head -1 | cut -d, -f1)"
say "peers: $peers"
bench_server_line "IMAPS 127.0.0.1:$P, implicit TLS, certificate verified"
say "mailboxes: $BENCH_USER/$MBOX_BIG, $N messages (seeded in ${SEED_BIG}s); $BENCH_USER/$MBOX_SMALL, $SMALL messages (seeded in ${SEED_SMALL}s)"
bench_startup_floor 10
((HAVE_IMAPLS)) || say "imapls: not built, skipped"
[[ -n $SNAIL_SKIP ]] && say "s-nail: $SNAIL_SKIP, skipped"

# ------------------------------------------------------------------ measure

for ((r = 1; r <= ROUNDS; r++)); do
    for size in big small; do
        if [[ $size == big ]]; then n=$N mbox=$MBOX_BIG; else n=$SMALL mbox=$MBOX_SMALL; fi
        for peer in "${PEERS[@]}"; do
            k=$peer/$size
            if run "$peer" "$n" "$mbox" /dev/null; then
                record_run "$k"
            else
                fail "$k, round $r: exit $RUN_RC; $(tail -2 "$T/err.$peer" | tr '\n' ' ')"
            fi
        done
    done
done

# ------------------------------------------------------------------ report

medians
ROW_LABEL=9 ROW_FMT='%5s %8.3fs %8.2f ms %8.2fs %7.1f MB' ROW_PER=1000 ROW_RATIO=(' %9s' ' %10s') ROW_NONE=failed

say ""
for size in big small; do
    if [[ $size == big ]]; then n=$N mbox=$MBOX_BIG; else n=$SMALL mbox=$MBOX_SMALL; fi
    say "== $n messages ($BENCH_USER/$mbox), IMAPS; median of $ROUNDS interleaved rounds (wall of the whole process)"
    printf '%-9s %5s %9s %11s %9s %10s %9s %10s\n' tool runs wall "per 1000" CPU "peak RSS" "x raw" "x imaplib"
    for peer in "${PEERS[@]}"; do row "$peer/$size" "$peer" "$n" "raw/$size" "imaplib/$size"; done
    say "   runs (wall s):"
    for peer in "${PEERS[@]}"; do
        say "     $peer:$(tr ' ' ',' <<<"${WALLS[$peer/$size]:-}" | sed 's/^,/ /')"
    done
    say ""
done
say "   checks (untimed first run):"
keys=()
for peer in "${PEERS[@]}"; do keys+=("$peer/big" "$peer/small"); done
checks_lines "${keys[@]}"
say "   raw: LOGIN, EXAMINE, UID FETCH 1:* (FLAGS ENVELOPE RFC822.SIZE) in one write, the responses read"
say "   and discarded unparsed; imaplib: UID FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE),"
say "   parsed to TSV; s-nail: -R -H, headline '%U %a %o %d %f %s', connecting to \"localhost\"."
say "   peak RSS is the highest of the rounds; wall includes interpreter/process start-up."

# ------------------------------------------------------------------ summary

say ""
say "== summary (targets from the issue, this run)"
say "   medians, $N messages: $(median_list /big raw imaplib s-nail imapls)"
if [[ -n ${MED[imapls/big]:-} && -n ${MED[imapls/small]:-} ]]; then
    a=$(calc '%.2f' "${MED[imapls/big]} / ${MED[raw/big]}")
    b=$(calc '%.2f' "${MED[imapls/big]} / ${MED[imaplib/big]}")
    rb=$(fmax <<<"${RSS[imapls/big]}")
    rs=$(fmax <<<"${RSS[imapls/small]}")
    say "   $N messages: imapls = $a x raw (target <= 1.5): $(verdict "$a <= 1.5");" \
        "$b x imaplib (target <= 0.3): $(verdict "$b <= 0.3")"
    say "   imapls peak RSS: $(kib_mb "$rs") MB for $SMALL messages, $(kib_mb "$rb") MB for $N" \
        "(target <= 8 MB and about equal, within 1 MB): $(verdict "$rb <= 8192 && $rs <= 8192 && $rb - $rs <= 1024 && $rs - $rb <= 1024")"
elif ((HAVE_IMAPLS)); then
    say "   imapls: failed runs, no ratios"
else
    say "   imapls: not built, skipped (no ratios)"
fi
bench_exit "all runs exited 0; the checked first runs listed $N and $SMALL messages"
