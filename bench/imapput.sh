#!/usr/bin/env bash
# bench/imapput.sh: imapput against python3 imaplib, mbsync (isync) and a
# raw pipelined APPEND session. Run by `make bench` with B=build; by hand:
#   B=build bash bench/imapput.sh
#
# User carol on the project's private Dovecot, IMAPS (implicit TLS) on
# 127.0.0.1, certificate verified with the servers' private CA. The input
# is made once: N generated messages of about 4 KB (mailservers seed,
# MP_SEED_SIZE=4096, into bench-put-src), whose files are written in
# their order as an mboxrd (a "From " line before each, "From " and
# ">From " lines of the bodies quoted with one more ">", a blank line
# after each) and copied into a maildir (cur/, names without Dovecot's
# S= and W= fields, no flags); and one HUGE_MB message (the headers, then
# lines of 75 digits and letters). Every timed run starts from an empty
# destination: bench-put (or bench-put-huge) is deleted and created again
# with doveadm, untimed, before it. The peers:
#   - imapput: --mbox FILE (and, for scale, --maildir DIR on the same
#     messages), --cacert, --password-cmd; the huge message on standard
#     input (a file, so no temporary copy). It sends MULTIAPPEND commands
#     of 16 messages, up to 16 in flight with LITERAL+, and prints one
#     UID line per message;
#   - imaplib: python3 imaplib, IMAP4_SSL with the private CA, LOGIN,
#     then one APPEND per message (imaplib.append: it waits for the "+"
#     before each literal and for the reply before the next command, the
#     common script way), LOGOUT; its messages come from the same mboxrd,
#     split on "From " lines and unquoted as imapput does (the stdlib's
#     mailbox.mbox would leave the ">From " quoting in);
#   - mbsync: bench_mbsyncrc (bench/lib.sh): Far = the IMAPS store's
#     bench-put, Near = a copy (cp -al, new for every run) of the maildir,
#     Sync Push, Create Far, Expunge None, Remove None, SyncState * (in
#     the new copy, so a fresh state every run), FSync yes (its default).
#     It SELECTs the mailbox and pipelines APPENDs with LITERAL+, one
#     message each, and adds an X-TUID header to each message (22 octets
#     on the wire), so its mailbox is that much bigger;
#   - raw: python3 ssl socket, LOGIN + CAPABILITY, then (when the server
#     offers LITERAL+, which Dovecot does) every APPEND with a {n+}
#     literal, one message each, written in one stream as fast as the
#     socket takes it while every reply is read, LOGOUT: the floor for
#     one APPEND per message. Its commands are made once, untimed, from
#     the mboxrd (CRLF line ends), so it costs the client almost nothing;
#   - raw16: the same with MULTIAPPEND commands of 16 messages (when the
#     server offers MULTIAPPEND too): the floor for imapput's own shape.
#
# 1. N x 4 KB (IMAPPUT_BENCH_N, 5000) into bench-put: imapput --mbox,
#    imaplib, mbsync, raw, raw16; imapput --maildir for scale.
# 2. One HUGE_MB (100) MB message into bench-put-huge: peak RSS of
#    imapput, and of imaplib, mbsync and raw for scale.
# One untimed, checked run of every peer first. After every run
# (untimed): the mailbox holds exactly the expected number of messages
# (doveadm mailbox status messages) and their size on the wire (vsize)
# is that of the input (mbsync: plus its X-TUID headers); imapput printed
# a UID for each. Wall is the whole process, start-up included, from the
# shell's clock; median of IMAPPUT_BENCH_ROUNDS interleaved rounds; CPU
# and peak RSS from /usr/bin/time.
#
# A benchmark, not a test: it prints measurements and ratios against the
# peers measured in the same run and never fails on a number. It exits
# non-zero only when something could not run (a missing tool, a server
# that would not start, a run that failed or left the wrong messages).
# imapput not built: its rows are skipped. mbsync missing (Debian:
# apt-get install -y isync; `make bench` installs it) or not working, or
# a server without LITERAL+ (raw) or MULTIAPPEND (raw16): that row is
# skipped, with the reason.
#
# Passwords: imapput and mbsync run `cat DIR/carol.pw`, imaplib and raw
# read the file. The servers and all temporary files are removed on exit.
#
# Knobs (environment): IMAPPUT_BENCH_N (5000), IMAPPUT_BENCH_ROUNDS (5),
# IMAPPUT_BENCH_HUGE_MB (100), MP_PORT_BASE (the first port base tried
# for the servers, 32400).
set -u -o pipefail
export LC_ALL=C

B=${B:-build}
IP=$B/imapput
N=${IMAPPUT_BENCH_N:-5000}
ROUNDS=${IMAPPUT_BENCH_ROUNDS:-5}
HUGE_MB=${IMAPPUT_BENCH_HUGE_MB:-100}
SMALL_SIZE=4096
BATCH=16   # raw16: messages per MULTIAPPEND, as imapput's APPEND_BATCH
SRC_BOX=bench-put-src
BOX=bench-put
HUGE_BOX=bench-put-huge

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 1
bench_init imapput

# ------------------------------------------------------------ prerequisites

for k in "$N" "$ROUNDS" "$HUGE_MB"; do
    [[ $k =~ ^[0-9]+$ && $k -gt 0 ]] || die "the knobs must be positive numbers"
done
bench_need_mailservers
bench_python
bench_need /usr/bin/time awk timeout doveadm cp ln

HAVE_IP=1
[[ -x $IP ]] || HAVE_IP=0
MBSYNC=$(command -v mbsync || true)
declare -A SKIP
[[ -n $MBSYNC ]] || SKIP[mbsync]="not installed (Debian: apt-get install -y isync; in install-deps bench)"

bench_tmpdir imapputbench

# ------------------------------------------------------------------ servers

bench_servers_up 32400
P=$MP_IMAPS_PORT

# count MAILBOX: its messages, as the server sees them; -1 when doveadm
# failed.
count() { bench_count "$BENCH_USER" "$1"; }
# vsize MAILBOX: the octets of its messages on the wire (CRLF line ends);
# -1 when doveadm failed.
vsize() { bench_mailbox_status "$BENCH_USER" "$1" vsize; }

# ------------------------------------------------------------------- input

MP_SEED_SIZE=$SMALL_SIZE bench_seed "$BENCH_USER" "$N" "$SRC_BOX"
SEED_SMALL=$SEED_SECS
c=$(count "$SRC_BOX")
[[ $c == "$N" ]] || die "after seeding, $SRC_BOX holds $c messages, not $N"

# make.py SRC MBOX MAILDIR: the seeded files of SRC (their cur/), in
# their order (the names begin with the Date), into an mboxrd and a
# maildir. Prints the messages and their octets on the wire.
cat >"$T/make.py" <<'EOF'
import os, re, sys, time

src, mbox, maildir = sys.argv[1:4]
names = sorted(os.listdir(src))
for sub in ("cur", "new", "tmp"):
    os.makedirs(os.path.join(maildir, sub))
quote = re.compile(rb"^(>*From )", re.M)
wire = 0
with open(mbox, "wb") as out:
    for name in names:
        path = os.path.join(src, name)
        with open(path, "rb") as f:
            data = f.read()
        when = time.asctime(time.gmtime(os.stat(path).st_mtime)).encode()
        out.write(b"From sender@example.test " + when + b"\n" + quote.sub(rb">\1", data) + b"\n")
        with open(os.path.join(maildir, "cur", name.split(",")[0] + ":2,"), "wb") as f:
            f.write(data)
        wire += len(data) + data.count(b"\n")
print(len(names), wire)
EOF
t0=$(now)
# Maildir++: the folder NAME is the directory .NAME.
read -r c SMALL_WIRE < <("$PY" "$T/make.py" "$MP_MAIL_DIR/$BENCH_USER/Maildir/.$SRC_BOX/cur" "$T/src.mbox" "$T/small.maildir")
[[ $c == "$N" && -s $T/src.mbox ]] || die "cannot make the mbox and maildir from the $N seeded messages (made ${c:-none})"
MBOX_BYTES=$(stat -c %s "$T/src.mbox")

bench_huge_message "$HUGE_MB" "$T/huge.eml"
HUGE_BYTES=$(stat -c %s "$T/huge.eml")
HUGE_WIRE=$((HUGE_BYTES + $(wc -l <"$T/huge.eml")))
mkdir -p "$T/huge.maildir/cur" "$T/huge.maildir/new" "$T/huge.maildir/tmp"
ln "$T/huge.eml" "$T/huge.maildir/cur/1704067200.huge:2," || die "cannot link the huge message into a maildir"
t1=$(now)
MAKE_SECS=$(calc '%.2f' "$t1 - $t0")

# ------------------------------------------------------------ the helpers

bench_pypeer

# put_imaplib.py PORT CAFILE USER PWFILE MAILBOX mbox|one FILE: imaplib,
# LOGIN, one APPEND per message of the mboxrd FILE (or of the one message
# FILE), LOGOUT. Prints "appended=N".
cat >"$T/put_imaplib.py" <<'EOF'
import re, sys
from benchpeer import imaplib_open

port, cafile, user, pwfile, mailbox, mode, path = sys.argv[1:8]

def messages():
    if mode == "one":
        with open(path, "rb") as f:
            yield f.read()
        return
    # A "From " line starts a message, the blank line before it ends the
    # one before, ">From " loses one ">" (mboxrd), as imapput reads it.
    quoted = re.compile(rb">+From ")
    msg = None
    with open(path, "rb") as f:
        for line in f:
            if line.startswith(b"From "):
                if msg:
                    yield b"".join(msg[:-1] if msg[-1] == b"\n" else msg)
                msg = []
                continue
            if quoted.match(line):
                line = line[1:]
            msg.append(line)
    if msg:
        yield b"".join(msg[:-1] if msg[-1] == b"\n" else msg)


M = imaplib_open(int(port), cafile, user, pwfile)
n = 0
for msg in messages():
    typ, data = M.append(mailbox, None, None, msg)
    if typ != "OK":
        sys.exit("imaplib: APPEND: %s %s" % (typ, data))
    n += 1
M.logout()
print("appended=%d" % n)
EOF

# raw.py caps PORT CAFILE USER PWFILE: LOGIN and CAPABILITY, prints the
#   capabilities.
# raw.py prep mbox|one FILE MAILBOX BATCH WIRE: every APPEND of the
#   messages of the mboxrd FILE (or of the one message FILE), BATCH
#   messages to a command (MULTIAPPEND when BATCH > 1), literals {n+} in
#   CRLF form, into WIRE; prints "COMMANDS MESSAGES".
# raw.py run PORT CAFILE USER PWFILE WIRE COMMANDS MESSAGES: LOGIN and
#   CAPABILITY; exit 3 without LITERAL+ (or MULTIAPPEND when the commands
#   hold more than one message); WIRE written as fast as the socket takes
#   it while every reply is read (a server that cannot write its replies
#   stops reading), until COMMANDS tagged OKs; LOGOUT. Prints
#   "appended=MESSAGES".
cat >"$T/raw.py" <<'EOF'
import re, select, ssl, sys
from benchpeer import password, quote, tls_socket


def login(port, cafile, user, pwfile):
    s = tls_socket(port, cafile)
    r = s.makefile("rb")
    s.sendall(("a LOGIN %s %s\r\nb CAPABILITY\r\n" % (quote(user), quote(password(pwfile)))).encode())
    caps = set()
    while True:
        ln = r.readline()
        if not ln.endswith(b"\r\n"):
            sys.exit("raw: connection closed")
        if ln.upper().startswith(b"* CAPABILITY "):
            caps.update(ln[13:].upper().split())
        if ln[:2] in (b"a ", b"b ") and not ln[2:].startswith(b"OK"):
            sys.exit("raw: %s" % ln.decode("ascii", "replace").rstrip())
        if ln.startswith(b"b "):
            return s, r, caps


def logout(s, r):
    s.sendall(b"z LOGOUT\r\n")
    while r.read(1 << 16):
        pass
    s.close()


def prep(mode, path, mailbox, batch, wire):
    with open(path, "rb") as f:
        data = f.read()
    if mode == "one":
        msgs = [data]
    else:
        quoted = re.compile(rb"^>(>*From )", re.M)
        msgs = []
        for part in re.split(rb"(?m)^From [^\n]*\n", data)[1:]:
            if part.endswith(b"\n\n"):
                part = part[:-1]
            msgs.append(quoted.sub(rb"\1", part))
    del data
    cmds = 0
    with open(wire, "wb") as out:
        for i in range(0, len(msgs), batch):
            cmds += 1
            out.write(b"p%d APPEND %s" % (cmds, quote(mailbox).encode()))
            for m in msgs[i:i + batch]:
                lit = m.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
                out.write(b" {%d+}\r\n" % len(lit))
                out.write(lit)
            out.write(b"\r\n")
    print(cmds, len(msgs))


def run(port, cafile, user, pwfile, wire, cmds, msgs):
    s, r, caps = login(port, cafile, user, pwfile)
    for need, why in ((b"LITERAL+", True), (b"MULTIAPPEND", msgs > cmds)):
        if why and need not in caps:
            logout(s, r)
            print("the server does not offer %s" % need.decode())
            sys.exit(3)
    s.setblocking(False)
    f = open(wire, "rb", buffering=0)
    out, off, eof, rbuf, ok = memoryview(b""), 0, False, b"", 0
    while ok < cmds:
        if off == len(out) and not eof:
            out, off = memoryview(f.read(1 << 18)), 0
            eof = len(out) == 0
        rd, wr, _ = select.select([s], [s] if off < len(out) else [], [], 120)
        if not rd and not wr:
            sys.exit("raw: no reply for 120 s after %d of %d" % (ok, cmds))
        if wr:
            try:
                off += s.send(out[off:off + (1 << 16)])
            except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                pass
        if rd:
            while True:
                try:
                    d = s.recv(1 << 16)
                except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                    break
                if not d:
                    sys.exit("raw: connection closed after %d of %d replies" % (ok, cmds))
                rbuf += d
            *lines, rbuf = rbuf.split(b"\r\n")
            for ln in lines:
                if ln.startswith(b"p"):
                    if ln.split(b" ", 2)[1:2] != [b"OK"]:
                        sys.exit("raw: %s" % ln.decode("ascii", "replace"))
                    ok += 1
    s.setblocking(True)
    logout(s, r)
    print("appended=%d" % msgs)


a = sys.argv
if a[1] == "caps":
    s, r, caps = login(int(a[2]), a[3], a[4], a[5])
    logout(s, r)
    print(" ".join(sorted(c.decode() for c in caps)))
elif a[1] == "prep":
    prep(a[2], a[3], a[4], int(a[5]), a[6])
else:
    run(int(a[2]), a[3], a[4], a[5], a[6], int(a[7]), int(a[8]))
EOF

CAPS=$("$PY" "$T/raw.py" caps "$P" "$CA" "$BENCH_USER" "$PWFILE" 2>"$T/caps.err") ||
    die "cannot log in to read the capabilities: $(tail -1 "$T/caps.err")"
OFFERS=""
for c in LITERAL+ LITERAL- MULTIAPPEND UIDPLUS; do [[ " $CAPS " == *" $c "* ]] && OFFERS+=" $c"; done

# The raw peers' commands, once: wire.PEER.SECTION and their counts.
for w in "raw small mbox $T/src.mbox $BOX 1" "raw16 small mbox $T/src.mbox $BOX $BATCH" \
    "raw huge one $T/huge.eml $HUGE_BOX 1"; do
    read -r peer sec mode file box batch <<<"$w"
    "$PY" "$T/raw.py" prep "$mode" "$file" "$box" "$batch" "$T/wire.$peer.$sec" >"$T/wire.$peer.$sec.n" 2>"$T/prep.err" ||
        die "cannot write the raw commands: $(tail -1 "$T/prep.err")"
done

# ------------------------------------------------------------------ a run

# cmd PEER SECTION: the command in CMD, its standard input in IN, the
# mailbox it fills in MBOX.
cmd() {
    local peer=$1 sec=$2 src=mbox
    MBOX=$BOX
    [[ $sec == huge ]] && MBOX=$HUGE_BOX
    IN=/dev/null
    case $peer in
    imapput)
        CMD=("$IP" "imaps://$BENCH_USER@127.0.0.1:$P" "$MBOX" --cacert "$CA" --password-cmd "cat $PWFILE")
        if [[ $sec == small ]]; then CMD+=(--mbox "$T/src.mbox"); else IN=$T/huge.eml; fi
        ;;
    imapput-maildir)
        CMD=("$IP" "imaps://$BENCH_USER@127.0.0.1:$P" "$MBOX" --cacert "$CA" --password-cmd "cat $PWFILE"
            --maildir "$T/$sec.maildir")
        ;;
    imaplib)
        [[ $sec == huge ]] && src=one
        CMD=("$PY" "$T/put_imaplib.py" "$P" "$CA" "$BENCH_USER" "$PWFILE" "$MBOX" "$src"
            "$([[ $sec == huge ]] && echo "$T/huge.eml" || echo "$T/src.mbox")")
        ;;
    mbsync)
        bench_mbsyncrc "$T/mbsyncrc" "$BENCH_USER" "$MBOX" "$T/near" Push yes
        CMD=("$MBSYNC" -c "$T/mbsyncrc" -q bench)
        ;;
    raw | raw16)
        local counts
        read -r -a counts <"$T/wire.$peer.$sec.n"   # COMMANDS MESSAGES
        CMD=("$PY" "$T/raw.py" run "$P" "$CA" "$BENCH_USER" "$PWFILE" "$T/wire.$peer.$sec" "${counts[@]}")
        ;;
    esac
}

# run PEER SECTION COUNT VSIZE: the mailbox emptied (deleted and created
# again), mbsync's maildir copied (all untimed), one process under
# /usr/bin/time, then the check that the mailbox holds COUNT messages of
# VSIZE octets on the wire (mbsync: at least that, its X-TUID headers
# added) and that imapput printed COUNT UIDs. Sets RUN_WALL (shell clock),
# RUN_RSS (KiB), RUN_CPU (user+sys), RUN_CHECK, RUN_RC; returns non-zero
# when the run failed or the check did not hold.
run() {
    local peer=$1 sec=$2 n=$3 want=$4 got vs uids ok=1
    cmd "$peer" "$sec"
    "${DOVEADM[@]}" mailbox delete -u "$BENCH_USER" "$MBOX" >/dev/null 2>&1
    if ! "${DOVEADM[@]}" mailbox create -u "$BENCH_USER" "$MBOX" >"$T/create.log" 2>&1 || [[ $(count "$MBOX") != 0 ]]; then
        RUN_RC=-1
        RUN_CHECK="cannot empty $MBOX: $(tail -1 "$T/create.log")"
        return 1
    fi
    if [[ $peer == mbsync ]]; then
        rm -rf "$T/near"
        mkdir "$T/near"
        cp -al "$T/$sec.maildir" "$T/near/$MBOX" || die "cannot copy the maildir for mbsync"
    fi
    timed_run 900 "$IN" "$T/out.$peer" "$T/err.$peer" "${CMD[@]}"
    RUN_RC=$?
    got=$(count "$MBOX")
    vs=$(vsize "$MBOX")
    RUN_CHECK="exit $RUN_RC, $got of $n messages in $MBOX, vsize $vs"
    ((RUN_RC == 0)) && [[ $got == "$n" ]] || ok=0
    if [[ $peer == mbsync ]]; then
        RUN_CHECK+=" = input + $((vs - want))"
        ((vs >= want)) || ok=0
    else
        [[ $vs == "$want" ]] || { RUN_CHECK+=", NOT the input's $want"; ok=0; }
    fi
    case $peer in
    imapput*)
        uids=$(grep -c . "$T/out.$peer")
        RUN_CHECK+=", $uids UIDs printed"
        [[ $uids == "$n" ]] || ok=0
        ;;
    imaplib | raw*) RUN_CHECK+=", $(tail -1 "$T/out.$peer")" ;;
    esac
    rm -rf "$T/near"
    ((ok))
}

# measure PEER SECTION COUNT VSIZE [untimed]: run, its numbers under
# PEER/SECTION (not kept with "untimed"); mbsync failing, or raw
# exiting 3 (a capability missing), skips that peer (the reason kept);
# any other failure is counted (fail).
measure() {
    local peer=$1 key=$1/$2 msg
    if run "${@:1:4}"; then
        [[ ${5:-} == untimed ]] || record_run "$key"
        LASTCHECK[$key]=$RUN_CHECK
        return 0
    fi
    msg="$key: $RUN_CHECK; $(tail -2 "$T/err.$peer" 2>/dev/null | tr '\n' ' ' | cut -c1-300)"
    if [[ $peer == mbsync ]]; then
        SKIP[mbsync]="did not upload the mail ($msg)"
    elif [[ $peer == raw* && $RUN_RC == 3 ]]; then
        SKIP[$peer]=$(tail -1 "$T/out.$peer")
    else
        fail "$msg"
    fi
    return 1
}

# ------------------------------------------------------------------ header

bench_host_line
peers=""
[[ -n $MBSYNC ]] && peers+="$("$MBSYNC" --version 2>&1 | head -1); "
peers+="$(bench_python_version)"
say "peers: $peers"
bench_server_line "IMAPS 127.0.0.1:$P, implicit TLS, certificate verified (private CA); offers:${OFFERS:- none of LITERAL+ MULTIAPPEND UIDPLUS}"
say "input: $N messages of ~4 KB (seeded into $BENCH_USER/$SRC_BOX in ${SEED_SMALL}s), as an mboxrd of $MBOX_BYTES octets and a maildir, $SMALL_WIRE octets on the wire; one message of $HUGE_BYTES octets ($HUGE_WIRE on the wire); made in ${MAKE_SECS}s"
bench_load_before
bench_startup_floor 10
((HAVE_IP)) || say "imapput: not built ($IP), its rows skipped"

IP_PEERS=()
((HAVE_IP)) && IP_PEERS=(imapput imapput-maildir)
SMALL_PEERS=("${IP_PEERS[@]}" imaplib mbsync raw raw16)
HUGE_PEERS=("${IP_PEERS[@]:0:1}" imaplib mbsync raw)

# one PEER SECTION [untimed]: one run of section 1 (small) or 2 (huge).
one() {
    [[ -z ${SKIP[$1]:-} ]] || return 0
    if [[ $2 == small ]]; then
        measure "$1" small "$N" "$SMALL_WIRE" "${3:-}"
    else
        measure "$1" huge 1 "$HUGE_WIRE" "${3:-}"
    fi
}

# One untimed, checked run of each.
for peer in "${SMALL_PEERS[@]}"; do one "$peer" small untimed; done
for peer in "${HUGE_PEERS[@]}"; do one "$peer" huge untimed; done

# ----------------------------------------------------------- 1. N x 4 KB

for ((r = 1; r <= ROUNDS; r++)); do
    for peer in "${SMALL_PEERS[@]}"; do one "$peer" small; done
done

# ------------------------------------------------ 2. one HUGE_MB message

for ((r = 1; r <= ROUNDS; r++)); do
    for peer in "${HUGE_PEERS[@]}"; do one "$peer" huge; done
done

# ------------------------------------------------------------------ report

medians

say ""
say "== 1. $N x 4 KB into $BENCH_USER/$BOX (empty before each run), IMAPS; median of $ROUNDS interleaved rounds (wall of the whole process)"
printf '%-18s %5s %9s %12s %8s %10s %10s %10s %10s %10s\n' tool runs wall "per msg" CPU "peak RSS" "x imaplib" "x mbsync" "x raw" "x raw16"
BASES=(imaplib/small mbsync/small raw/small raw16/small)
row imapput/small "imapput --mbox" "$N" "${BASES[@]}"
row imapput-maildir/small "imapput --maildir" "$N" "${BASES[@]}"
row imaplib/small "imaplib" "$N" "${BASES[@]}"
row mbsync/small "mbsync" "$N" "${BASES[@]}"
row raw/small "raw" "$N" "${BASES[@]}"
row raw16/small "raw16" "$N" "${BASES[@]}"
say "   runs (wall s):"
runs_line imapput/small imapput-maildir/small imaplib/small mbsync/small raw/small raw16/small

say ""
say "== 2. one $HUGE_MB MB message into $BENCH_USER/$HUGE_BOX ($HUGE_BYTES octets, $HUGE_WIRE on the wire); median of $ROUNDS rounds"
printf '%-18s %5s %9s %12s %8s %10s %10s %10s %10s\n' tool runs wall "per msg" CPU "peak RSS" "x imaplib" "x mbsync" "x raw"
BASES=(imaplib/huge mbsync/huge raw/huge)
row imapput/huge "imapput <file" 1 "${BASES[@]}"
row imaplib/huge imaplib 1 "${BASES[@]}"
row mbsync/huge mbsync 1 "${BASES[@]}"
row raw/huge raw 1 "${BASES[@]}"
say "   peak RSS per run (KiB): imapput:${RSS[imapput/huge]:- -}; imaplib:${RSS[imaplib/huge]:- -}; mbsync:${RSS[mbsync/huge]:- -}; raw:${RSS[raw/huge]:- -}"
say "   runs (wall s):"
runs_line imapput/huge imaplib/huge mbsync/huge raw/huge

say ""
say "   checks (the last run of each; every run, the untimed first one too, was checked the same way):"
checks_lines
for k in $(printf '%s\n' "${!SKIP[@]}" | sort); do say "   $k: ${SKIP[$k]}, skipped"; done
bench_load_after

# ------------------------------------------------------------------ summary

say ""
say "== summary (this run; no targets: ratios of the medians, below 1 is faster than the peer)"
if ((HAVE_IP)); then
    say "   1. imapput --mbox, $N x 4 KB: x imaplib $(ratio imapput/small imaplib/small), x mbsync $(ratio imapput/small mbsync/small)," \
        "x raw $(ratio imapput/small raw/small), x raw16 $(ratio imapput/small raw16/small);" \
        "imapput --maildir x mbsync $(ratio imapput-maildir/small mbsync/small), x imapput --mbox $(ratio imapput-maildir/small imapput/small)"
    say "   2. imapput peak RSS, one $HUGE_MB MB message = $(peak_mb imapput/huge) MB" \
        "(imaplib $(peak_mb imaplib/huge) MB, mbsync $(peak_mb mbsync/huge) MB, raw $(peak_mb raw/huge) MB); wall x imaplib $(ratio imapput/huge imaplib/huge)," \
        "x mbsync $(ratio imapput/huge mbsync/huge), x raw $(ratio imapput/huge raw/huge)"
else
    say "   imapput: not built, skipped (no ratios)"
fi
bench_exit "all runs exited 0 and left the expected messages"
