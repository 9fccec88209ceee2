#!/usr/bin/env bats
# popfetch against the private Dovecot (POP3 reads INBOX only), and
# against scripted dialogs for what a real server will not do.
#
# The POP3 user: erin, whose INBOX is this file's alone (see
# tests/servers/README); every Dovecot test empties it and seeds it again.
POPUSER=${POPUSER:-erin}

dadm() { doveadm -c "$MP_DOVECOT_CONF" "$@"; }

seed() { "$MP_ROOT/tests/servers/mailservers" seed "$MP_STATE_DIR" "$POPUSER" "$@" >/dev/null; }

setup_file() {
	load helpers
	# mbox.py: mboxrd parsing and comparisons.
	cat >"$BATS_FILE_TMPDIR/mbox.py" <<-'EOF'
	import os, re, sys
	QUOTED = re.compile(rb">+From ")

	def parse(path):
	    """The messages of an mboxrd file, un-quoted; fails unless valid."""
	    data = open(path, "rb").read()
	    if not data:
	        return []
	    assert data.startswith(b"From "), "no From line at the start"
	    assert data.endswith(b"\n"), "no newline at the end"
	    lines = data[:-1].split(b"\n")
	    msgs, cur = [], None
	    for i, l in enumerate(lines):
	        if l.startswith(b"From "):
	            assert i == 0 or lines[i - 1] == b"", "From line %d not after a blank line" % (i + 1)
	            assert re.match(rb"From \S+ \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$", l), l
	            if cur is not None:
	                msgs.append(cur)
	            cur = []
	        else:
	            cur.append(l[1:] if QUOTED.match(l) else l)
	    msgs.append(cur)
	    out = []
	    for m in msgs:
	        assert m and m[-1] == b"", "a message not followed by a blank line"
	        body = b"".join(x + b"\n" for x in m[:-1])
	        assert b"\n\n" in body or body.endswith(b"\n"), "no header"
	        assert re.search(rb"^[\x21-\x39\x3b-\x7e]+:", body), "no header field"
	        out.append(body)
	    return out

	def files(d):
	    r = []
	    for root, _, names in os.walk(d):
	        r += [open(os.path.join(root, n), "rb").read() for n in names]
	    return r

	def same(got, want):
	    if sorted(got) == sorted(want):
	        return 0
	    print("got %d messages, want %d; %d distinct got" % (len(got), len(want), len(set(got))))
	    missing = set(want) - set(got)
	    extra = set(got) - set(want)
	    print("missing %d, unexpected %d" % (len(missing), len(extra)))
	    for m in list(extra)[:1]:
	        print("an unexpected one:", m[:300])
	    return 1

	cmd = sys.argv[1]
	if cmd == "mbox":      # mbox FILE ORIGDIR: the same messages as ORIGDIR's files
	    sys.exit(same(parse(sys.argv[2]), files(sys.argv[3])))
	if cmd == "dir":       # dir DIR ORIGDIR
	    sys.exit(same(files(sys.argv[2]), files(sys.argv[3])))
	if cmd == "ids":       # ids FILE N: seed-1..N exactly once each, a valid mbox
	    msgs = parse(sys.argv[2])
	    ids = [re.search(rb"^Message-ID: <seed-(\d+)@", m, re.M) for m in msgs]
	    ids = sorted(int(i.group(1)) for i in ids if i)
	    n = int(sys.argv[3])
	    if len(msgs) == n and ids == list(range(1, n + 1)):
	        sys.exit(0)
	    print("%d messages, %d ids, %d distinct" % (len(msgs), len(ids), len(set(ids))))
	    sys.exit(1)
	if cmd == "count":     # count FILE: the number of messages of a valid mbox
	    print(len(parse(sys.argv[2])))
	    sys.exit(0)
	sys.exit(2)
	EOF
}

setup() {
	load helpers
	PF="$MP_BIN/popfetch"
	MBOXPY=(/usr/bin/python3 "$BATS_FILE_TMPDIR/mbox.py")
	T=$BATS_TEST_TMPDIR
	SD="$T/state"
	MD="$MP_MAIL_DIR/$POPUSER/Maildir"
	POP=(--cacert "$MP_CACERT" --password-cmd "$(pwcmd "$POPUSER")"
		"pop3s://$POPUSER@127.0.0.1:$MP_POP3S_PORT")
}

teardown() {
	dialog_stop
}

# An empty INBOX for $POPUSER, then N seeded messages ($@ to seed).
fresh_inbox() {
	rm -f "$MD"/cur/* "$MD"/new/*
	dadm force-resync -u "$POPUSER" INBOX
	if [ $# -gt 0 ]; then seed "$@"; fi
}

# The seeded originals (LF files), before popfetch takes them away.
snapshot() {
	mkdir "$T/orig"
	cp "$MD"/cur/* "$T/orig/"
}

# grep that must not match (a plain "! grep" never fails a bats test).
nogrep() { ! grep "$@"; }

# The number of messages on the server.
on_server() { "$PF" -q --stat "${POP[@]}" | grep -c ''; }

# ---------------------------------------------------------------- Dovecot

@test "2,000 messages into an mbox over POP3S: each byte for byte, once; the server empty" {
	fresh_inbox 2000
	snapshot
	run --separate-stderr "$PF" --state-dir "$SD" -o "$T/in.mbox" "${POP[@]}"
	assert_success
	assert_output ''
	assert_equal "$stderr" "popfetch: 2000 messages, $(awk -v n="$(cat "$T"/orig/* | wc -c)" -v l="$(cat "$T"/orig/* | wc -l)" 'BEGIN{printf "%.1f", (n+l)/1e6}') MB, 0 skipped"
	run "${MBOXPY[@]}" mbox "$T/in.mbox" "$T/orig"
	assert_success
	# The quoting really happened: seed 4 has "From " and ">From " lines.
	grep -qx '>From the desk of sender 4' "$T/in.mbox"
	grep -qx '>>From an already quoted line' "$T/in.mbox"
	nogrep -q '^From MAILER-DAEMON' "$T/in.mbox"
	[ "$(grep -c '^From sender[0-9]*@example.test ' "$T/in.mbox")" -eq 2000 ]
	run --separate-stderr "$PF" --stat "${POP[@]}"
	assert_success
	assert_output ''
	assert_equal "$stderr" "popfetch: 0 messages, 0 octets on the server"
	# The seen-list keeps only what is still on the server: nothing.
	[ ! -s "$SD/seen" ]
}

@test "2,000 messages into a maildir and into an MDA: byte for byte, once each" {
	fresh_inbox 2000
	snapshot
	run --separate-stderr "$PF" -q --state-dir "$SD" --maildir "$T/md" "${POP[@]}"
	assert_success
	[ -z "$stderr" ]
	[ -d "$T/md/tmp" ]
	[ -z "$(ls -A "$T/md/tmp")" ]
	run "${MBOXPY[@]}" dir "$T/md" "$T/orig"
	assert_success
	[ "$(on_server)" -eq 0 ]

	fresh_inbox 2000
	mkdir "$T/mda"
	export OUT="$T/mda"
	run --separate-stderr "$PF" --state-dir "$T/state2" \
		--mda 'cat >"$OUT/$POPFETCH_UIDL.eml"' "${POP[@]}"
	assert_success
	[[ "$stderr" =~ ^popfetch:\ 2000\ messages,\ [0-9]\.[0-9]\ MB,\ 0\ skipped$ ]]
	local eml=("$T"/mda/*.eml)
	[ "${#eml[@]}" -eq 2000 ]
	run "${MBOXPY[@]}" dir "$T/mda" "$T/orig"
	assert_success
	[ "$(on_server)" -eq 0 ]
}

@test "--keep: the server untouched; a second --keep fetches nothing; then the default run deletes, fetching nothing again" {
	fresh_inbox 20
	snapshot
	run --separate-stderr "$PF" -k --state-dir "$SD" -o "$T/k.mbox" "${POP[@]}"
	assert_success
	assert_equal "$stderr" "popfetch: 20 messages, 0.0 MB, 0 skipped"
	[ "$(on_server)" -eq 20 ]
	cp "$T/k.mbox" "$T/k.copy"
	run "${MBOXPY[@]}" mbox "$T/k.mbox" "$T/orig"
	assert_success
	run --separate-stderr "$PF" --keep --state-dir "$SD" -o "$T/k.mbox" "${POP[@]}"
	assert_success
	assert_equal "$stderr" "popfetch: 0 messages, 0.0 MB, 0 skipped"
	cmp "$T/k.mbox" "$T/k.copy"
	[ "$(on_server)" -eq 20 ]
	# Two new messages: only they.
	MP_SEED_START=21 seed 2
	run --separate-stderr "$PF" -k -q --json --state-dir "$SD" -o "$T/k.mbox" "${POP[@]}"
	assert_success
	assert_output '{"messages":2,"octets":'"$(( $(cat "$MD"/cur/*M21P* "$MD"/cur/*M22P* | wc -c) + $(cat "$MD"/cur/*M21P* "$MD"/cur/*M22P* | wc -l) ))"',"skipped":0,"deleted":0,"sessions":1,"ok":true}'
	[ "$(on_server)" -eq 22 ]
	run "${MBOXPY[@]}" ids "$T/k.mbox" 22
	assert_success
	# The default (delete) run: everything fetched before is deleted, not
	# fetched again.
	run --separate-stderr "$PF" --state-dir "$SD" -o "$T/k.mbox" "${POP[@]}"
	assert_success
	assert_equal "$stderr" "popfetch: 0 messages, 0.0 MB, 0 skipped"
	[ "$(on_server)" -eq 0 ]
	run "${MBOXPY[@]}" ids "$T/k.mbox" 22
	assert_success
}

@test "a 10 MB message arrives intact; popfetch stays under 16 MB of RSS" {
	fresh_inbox
	MP_SEED_SIZE=10000000 seed 1
	snapshot
	[ "$(stat -c %s "$T"/orig/*)" -gt 9900000 ]
	run --separate-stderr /usr/bin/time -f %M -o "$T/rss" "$PF" -q --state-dir "$SD" \
		-o "$T/big.mbox" "${POP[@]}"
	assert_success
	run "${MBOXPY[@]}" mbox "$T/big.mbox" "$T/orig"
	assert_success
	[ "$(on_server)" -eq 0 ]
	if rss_limit_applies; then
		rss=$(tail -1 "$T/rss")
		echo "peak RSS ${rss} kB"
		[ "$rss" -lt 16384 ]
	fi
}

# $1 runs of popfetch into the target $2... (batches of 10), each killed
# with -9 at a random moment; when one finishes first, 300 more messages
# are seeded so that the next has something to be killed in. Sets total
# (messages seeded, starting with 300) and killed.
kill_at_random() {
	local runs=$1 i pid rc finished=0
	shift
	fresh_inbox
	MP_SEED_SIZE=5000 seed 300
	total=300 killed=0
	for i in $(seq "$runs"); do
		"$PF" --batch 10 --state-dir "$SD" "$@" "${POP[@]}" 2>>"$T/c.err" 3>&- &
		pid=$!
		# A whole run of 300 takes about 0.15 s here: kill within 0.005-0.15 s.
		sleep "0.$(printf '%03d' $((RANDOM % 145 + 5)))"
		kill -9 "$pid" 2>/dev/null || true
		rc=0
		wait "$pid" || rc=$?
		if [ "$rc" -eq 137 ]; then
			killed=$((killed + 1))
		else
			assert_equal "$rc" 0
			finished=$((finished + 1))
			MP_SEED_START=$((total + 1)) MP_SEED_SIZE=5000 seed 300
			total=$((total + 300))
		fi
		# A killed popfetch leaves its dot-lock behind: the next run sees
		# that the PID in it is gone and takes it (tested below).
	done
	echo "killed $killed, finished $finished; recovered: $(grep -c 'recovered an interrupted run' "$T/c.err"); $total messages"
	[ "$killed" -gt 0 ]
	# Then a full run.
	run --separate-stderr "$PF" --state-dir "$SD" "$@" "${POP[@]}"
	assert_success
	[ "$(on_server)" -eq 0 ]
}

@test "kill -9 at random moments, 30 times, then a full run: each message exactly once" {
	local total killed
	kill_at_random 30 -o "$T/c.mbox"
	run "${MBOXPY[@]}" ids "$T/c.mbox" "$total"
	assert_success
	[ "$(grep -c '^Message-ID: <seed-' "$T/c.mbox")" -eq "$total" ]
	[ "$(grep '^Message-ID: <seed-' "$T/c.mbox" | sort -u | grep -c '')" -eq "$total" ]
}

@test "--maildir: kill -9 at random moments, 20 times, then a full run: each message exactly once" {
	local total killed
	kill_at_random 20 --maildir "$T/cm"
	[ "$(ls "$T/cm/new" | wc -l)" -eq "$total" ]
	[ "$(cat "$T"/cm/new/* | grep '^Message-ID: <seed-' | sort -u | grep -c '')" -eq "$total" ]
}

@test "a run right after a kill -9 is not locked out by the killed run's dot-lock" {
	fresh_inbox
	MP_SEED_SIZE=20000 seed 300
	"$PF" -q --batch 10 --state-dir "$SD" -o "$T/c.mbox" "${POP[@]}" 3>&- &
	local pid=$!
	for _ in $(seq 100); do [ -e "$T/c.mbox.lock" ] && break; sleep 0.01; done
	kill -9 "$pid"
	wait "$pid" || true
	[ -e "$T/c.mbox.lock" ] || skip "the run ended before the kill"
	SECONDS=0
	run --separate-stderr "$PF" -q --state-dir "$SD" -o "$T/c.mbox" "${POP[@]}"
	assert_success
	[ "$SECONDS" -lt 5 ]
	run "${MBOXPY[@]}" ids "$T/c.mbox" 300
	assert_success
}

@test "disk full (ulimit -f): exit 74, not killed by SIGXFSZ; nothing deleted, the mbox intact; a rerun completes" {
	fresh_inbox 3
	"$PF" -q --state-dir "$SD" -o "$T/f.mbox" "${POP[@]}"
	cp "$T/f.mbox" "$T/f.copy"
	MP_SEED_START=4 MP_SEED_SIZE=10000 seed 50
	# 200 KiB: the 3 messages fit, the 50 of about 10 kB do not. SIGXFSZ
	# keeps its default action (kill) here: popfetch must handle it.
	run --separate-stderr bash -c 'ulimit -f 200; exec "$@"' sh \
		"$PF" -q --state-dir "$SD" -o "$T/f.mbox" "${POP[@]}"
	assert_failure 74
	assert_output ''
	[[ "$stderr" == *"cannot write to $T/f.mbox: File too large"* ]]
	[ "$(on_server)" -eq 50 ]
	# What was there before is untouched; anything after it is complete
	# messages only.
	cmp -n "$(stat -c %s "$T/f.copy")" "$T/f.mbox" "$T/f.copy"
	"${MBOXPY[@]}" count "$T/f.mbox"
	[ ! -e "$T/f.mbox.lock" ]
	run --separate-stderr "$PF" -q --state-dir "$SD" -o "$T/f.mbox" "${POP[@]}"
	assert_success
	run "${MBOXPY[@]}" ids "$T/f.mbox" 53
	assert_success
	[ "$(on_server)" -eq 0 ]
}

@test "a target that cannot be created: exit 73, nothing deleted" {
	fresh_inbox 2
	run --separate-stderr "$PF" --state-dir "$SD" -o /proc/nope "${POP[@]}"
	assert_failure 73
	[[ "$stderr" == *"/proc/nope"* ]]
	run --separate-stderr "$PF" --state-dir "$SD" --maildir /proc/nope/md "${POP[@]}"
	assert_failure 73
	[[ "$stderr" == *"/proc/nope"* ]]
	[ "$(on_server)" -eq 2 ]
}

@test "the state directory is locked: a second popfetch exits 75 at once" {
	fresh_inbox 2
	mkdir "$SD"
	flock -n "$SD/lock" sleep 5 3>&- &
	local holder=$!
	for _ in $(seq 50); do flock -n "$SD/lock" true || break; sleep 0.02; done
	SECONDS=0
	run --separate-stderr "$PF" --state-dir "$SD" -o "$T/l.mbox" "${POP[@]}"
	kill "$holder"
	assert_failure 75
	[ "$SECONDS" -lt 3 ]
	[[ "$stderr" == *"$SD/lock is locked"* ]]
	[ ! -s "$T/l.mbox" ]
	[ "$(on_server)" -eq 2 ]
	# Two popfetch at once, one against a server that stalls.
	dialog_start popfetch-never-ending
	"$PF" -q --insecure --password-cmd 'echo pw' --state-dir "$T/s2" -o "$T/s2.mbox" \
		"pop3://mrose@127.0.0.1:$DIALOG_PORT" 3>&- &
	local first=$!
	for _ in $(seq 100); do [ -e "$T/s2.mbox" ] && break; sleep 0.02; done
	run --separate-stderr "$PF" --state-dir "$T/s2" -o "$T/s2.mbox" "${POP[@]}"
	assert_failure 75
	[[ "$stderr" == *"$T/s2/lock is locked"* ]]
	kill "$first"
	wait "$first" || true
}

@test "--dry-run changes nothing; --stat, --stat --json, -H" {
	fresh_inbox 4
	MP_SEED_START=5 MP_SEED_SIZE=5000 seed 1
	run --separate-stderr "$PF" --stat "${POP[@]}"
	assert_success
	assert_equal "$(lines_of "$output")" 5
	mapfile -t stat_rows <<<"$output"
	assert_equal "$stderr" "popfetch: 5 messages, $(awk -F'\t' '{s+=$3} END{print s}' <<<"$output") octets on the server"
	# Message 1's size with CRLF line ends, as POP3 counts it.
	local f1 s1
	f1=$(grep -l '^Message-ID: <seed-1@' "$MP_MAIL_DIR/$POPUSER/Maildir/"{new,cur}/* 2>/dev/null | head -1)
	s1=$(($(wc -c <"$f1") + $(wc -l <"$f1")))
	assert_line --index 0 --regexp $'^1\t[^\t]+\t'"$s1"'$'
	run --separate-stderr "$PF" -H -q --stat "${POP[@]}"
	assert_line --index 0 $'num\tuidl\tsize'
	assert_equal "$(lines_of "$output")" 6
	[ -z "$stderr" ]
	run --separate-stderr "$PF" -q --stat --json "${POP[@]}"
	assert_success
	run /usr/bin/python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert [r["num"] for r in rows] == [1, 2, 3, 4, 5], rows
assert all(isinstance(r["uidl"], str) and r["uidl"] for r in rows)
assert rows[0]["size"] == int(sys.argv[1]) and rows[4]["size"] > 5000
print(len(rows))' "$s1" <<<"$output"
	assert_success
	assert_output 5
	# Dry run: the plan, nothing delivered, nothing deleted.
	run --separate-stderr "$PF" -n --max-size 2k --state-dir "$SD" -o "$T/d.mbox" "${POP[@]}"
	assert_success
	[ -z "$stderr" ]
	assert_equal "$(lines_of "$output")" 5
	for i in 1 2 3 4; do
		assert_line --index $((i - 1)) --regexp "^$i"$'\tretrieve\t[0-9]+\t'"$(cut -f2 <<<"${stat_rows[i - 1]}")\$"
	done
	assert_line --index 4 --regexp $'^5\tskip\t[0-9]{4,}\t'
	[ ! -s "$T/d.mbox" ]
	[ "$(on_server)" -eq 5 ]
	run --separate-stderr "$PF" -n --max-size 2k --delete-oversized --state-dir "$SD" "${POP[@]}"
	assert_line --index 4 --regexp $'^5\tdelete-oversized\t'
	[ "$(on_server)" -eq 5 ]
	# --max-size skips: the big one stays.
	run --separate-stderr "$PF" --max-size 2k --state-dir "$SD" -o "$T/d.mbox" "${POP[@]}"
	assert_success
	assert_equal "$stderr" "popfetch: 4 messages, 0.0 MB, 1 skipped"
	[ "$(on_server)" -eq 1 ]
	run "${MBOXPY[@]}" ids "$T/d.mbox" 4
	assert_success
	# --delete-oversized deletes it, unread.
	run --separate-stderr "$PF" -q --json --max-size 2k --delete-oversized --state-dir "$SD" -o "$T/d.mbox" "${POP[@]}"
	assert_success
	assert_output '{"messages":0,"octets":0,"skipped":1,"deleted":1,"sessions":1,"ok":true}'
	[ "$(on_server)" -eq 0 ]
	run "${MBOXPY[@]}" ids "$T/d.mbox" 4
	assert_success
}

@test "--headers-only 0: headers only, nothing deleted; --exit-empty 3 on an empty maildrop" {
	fresh_inbox 3
	run --separate-stderr "$PF" -q --headers-only 0 --state-dir "$SD" -o "$T/h.mbox" "${POP[@]}"
	assert_success
	[ "$(on_server)" -eq 3 ]
	run "${MBOXPY[@]}" count "$T/h.mbox"
	assert_output 3
	grep -q '^Message-ID: <seed-3@example.test>$' "$T/h.mbox"
	nogrep -q 'This is test message' "$T/h.mbox"
	nogrep -q 'Regards' "$T/h.mbox"
	fresh_inbox
	run --separate-stderr "$PF" --exit-empty 3 --state-dir "$T/e" -o "$T/e.mbox" "${POP[@]}"
	assert_failure 3
	assert_equal "$stderr" "popfetch: 0 messages, 0.0 MB, 0 skipped"
	run --separate-stderr "$PF" --exit-empty 3 --state-dir "$T/e" -o - "${POP[@]}"
	assert_failure 3
	assert_output ''
}

# ---------------------------------------------------------------- dialogs

# popfetch against the running dialog: USER mrose, PASS pw, pop3://.
dialog_fetch() {
	"$PF" --insecure --password-cmd 'echo pw' --timeout 2 "$@" \
		"pop3://mrose@127.0.0.1:$DIALOG_PORT"
}

# The lecture's two messages as popfetch's mbox holds them (From lines
# without their date).
LECTURE_MBOX='From mrose@dbc.mtview.ca.us
Return-Path: <mrose@dbc.mtview.ca.us>
Subject: hello

.a line that starts with a dot
>From the lecture, 120 octets.

From MAILER-DAEMON
From: mrose@dbc.mtview.ca.us
Subject: the second message

>>From here on, quoted once.
..two dots

This line pads the second message to exactly two hundred octets on the wire, CRLF included :-)'

# The mbox with the From lines' dates cut off; fails on a malformed date.
undated() {
	sed -E 's/^(From [^ ]+) [A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}$/\1/' "$1"
}

@test "dialog: the lecture's maildrop: RETR 1, RETR 2, DELE 1, DELE 2, QUIT; the mbox exact" {
	dialog_start popfetch-lecture
	run --separate-stderr dialog_fetch --state-dir "$SD" -o "$T/l.mbox"
	assert_success
	assert_equal "$stderr" "popfetch: 2 messages, 0.0 MB, 0 skipped"
	dialog_finish
	assert_equal "$(undated "$T/l.mbox")" "$LECTURE_MBOX"
	# The dates are there, and the file ends with the blank line.
	[ "$(grep -cE '^From [^ ]+ [A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} [0-9]{4}$' "$T/l.mbox")" -eq 2 ]
	[ "$(tail -c 2 "$T/l.mbox" | od -An -c | tr -d ' ')" = '\n\n' ]
}

@test "dialog: -o - writes the mbox to standard output" {
	dialog_start popfetch-lecture
	run --separate-stderr dialog_fetch -q --state-dir "$SD" -o -
	assert_success
	[ -z "$stderr" ]
	dialog_finish
	printf '%s\n' "$output" >"$T/out.mbox"
	assert_equal "$(undated "$T/out.mbox")" "$LECTURE_MBOX"
}

@test "dialog: DELE answered -ERR already deleted: exit 0, delivered once" {
	dialog_start popfetch-dele-already
	run --separate-stderr dialog_fetch --state-dir "$SD" -o "$T/l.mbox"
	assert_success
	dialog_finish
	assert_equal "$(undated "$T/l.mbox")" "$LECTURE_MBOX"
}

@test "dialog: the connection drops mid-RETR: 75, nothing partial; the rerun DELEs 1 without RETR" {
	dialog_start popfetch-drop-mid-retr
	run --separate-stderr dialog_fetch --state-dir "$SD" -o "$T/l.mbox"
	assert_failure 75
	[[ "$stderr" == *"connection lost"* ]]
	# Only the complete message 1.
	assert_equal "$(undated "$T/l.mbox")" "$(sed -n 1,7p <<<"$LECTURE_MBOX")"
	nogrep -q 'the second message' "$T/l.mbox"
	run --separate-stderr dialog_fetch -v --state-dir "$SD" -o "$T/l.mbox"
	assert_success
	dialog_finish
	assert_equal "$(grep -E '^C: (RETR|DELE|QUIT)' <<<"$stderr")" "C: DELE 1
C: RETR 2
C: DELE 2
C: QUIT"
	assert_equal "$(undated "$T/l.mbox")" "$LECTURE_MBOX"
}

@test "dialog: a message announced as 2^62 octets: nothing allocated by that size, delivered as it came" {
	dialog_start popfetch-huge-size
	run --separate-stderr /usr/bin/time -f 'rss %M' "$MP_BIN/popfetch" --insecure --timeout 5 \
		--password-cmd 'echo pw' --state-dir "$SD" -o "$T/h.mbox" "pop3://mrose@127.0.0.1:$DIALOG_PORT"
	assert_success
	dialog_finish
	grep -q '^Subject: not that big$' "$T/h.mbox"
	rss=$(sed -n 's/^rss //p' <<<"$stderr")
	if rss_limit_applies; then
		[ "$rss" -lt 16384 ] || fail "peak RSS $rss KB"
	fi
}

@test "dialog: QUIT answered -ERR: 75, nothing was deleted; the rerun DELEs without RETR" {
	dialog_start popfetch-quit-err
	run --separate-stderr dialog_fetch --state-dir "$SD" -o "$T/l.mbox"
	assert_failure 75
	[[ "$stderr" == *"nothing was deleted"* ]]
	assert_equal "$(undated "$T/l.mbox")" "$LECTURE_MBOX"
	run --separate-stderr dialog_fetch -v --state-dir "$SD" -o "$T/l.mbox"
	assert_success
	dialog_finish
	nogrep -q '^C: RETR' <<<"$stderr"
	grep -qx 'popfetch: 0 messages, 0.0 MB, 0 skipped' <<<"$stderr"
	assert_equal "$(undated "$T/l.mbox")" "$LECTURE_MBOX"
}

@test "dialog: no PIPELINING: lock-step, each command after the previous reply" {
	dialog_start popfetch-no-pipelining
	run --separate-stderr dialog_fetch -v --state-dir "$SD" -o "$T/l.mbox"
	assert_success
	dialog_finish
	# In the transcript every command is followed by its reply before the
	# next command.
	assert_equal "$(grep -E '^C: (STAT|LIST|UIDL|RETR|DELE|QUIT)|^S: [+-]' <<<"$stderr" | sed -n '/^C: STAT/,$p' | cut -c1-2 | tr -d '\n')" \
		"C:S:C:S:C:S:C:S:C:S:C:S:C:S:C:S:"
	assert_equal "$(undated "$T/l.mbox")" "$LECTURE_MBOX"
}

@test "dialog: garbage instead of +OK: 76" {
	dialog_start popfetch-garbage
	run --separate-stderr dialog_fetch --state-dir "$SD" -o "$T/g.mbox"
	assert_failure 76
	[[ "$stderr" == *"HTTP/1.1 400 Bad Request"* ]]
	dialog_finish
	[ ! -s "$T/g.mbox" ]
}

@test "dialog: a 100,000-octet line arrives intact" {
	dialog_start popfetch-long-line
	run --separate-stderr dialog_fetch -q --state-dir "$SD" -o "$T/long.mbox"
	assert_success
	dialog_finish
	[ "$(sed -n 4p "$T/long.mbox")" = "start:$(head -c 100000 /dev/zero | tr '\0' y):end" ]
	assert_equal "$(sed -n '1d;4d;p' "$T/long.mbox")" 'Subject: a long line

after'
}

@test "dialog: a message that never ends: timeout, 75, nothing of it kept" {
	dialog_start popfetch-never-ending
	SECONDS=0
	run --separate-stderr dialog_fetch --state-dir "$SD" -o "$T/n.mbox"
	assert_failure 75
	[ "$SECONDS" -lt 6 ]
	[[ "$stderr" == *"did not answer within 2 s"* ]]
	dialog_finish
	[ ! -s "$T/n.mbox" ]
	[ ! -e "$T/n.mbox.lock" ]
}

@test "dialog: no UIDL: delete mode delivers each message once; --keep exits 69" {
	dialog_start popfetch-no-uidl
	run --separate-stderr dialog_fetch --state-dir "$SD" -o "$T/u.mbox"
	assert_success
	assert_equal "$(undated "$T/u.mbox")" "$LECTURE_MBOX"
	run --separate-stderr dialog_fetch -q --keep --state-dir "$SD" -o "$T/u.mbox"
	assert_failure 69
	[[ "$stderr" == *"--keep needs UIDL"* ]]
	dialog_finish
	assert_equal "$(undated "$T/u.mbox")" "$LECTURE_MBOX"
}

@test "usage errors: 64" {
	run --separate-stderr "$PF" "${POP[@]}"
	assert_failure 64
	run --separate-stderr "$PF" -o a --maildir b "${POP[@]}"
	assert_failure 64
	run --separate-stderr "$PF" -k --all -o a "${POP[@]}"
	assert_failure 64
	run --separate-stderr "$PF" --delete-oversized -o a "${POP[@]}"
	assert_failure 64
	run --separate-stderr "$PF" --json -o - "${POP[@]}"
	assert_failure 64
}
