#!/usr/bin/env bats
# imapfetch against the private Dovecot, and against scripted dialogs for
# what a real server will not do.
#
# Only alice's mailboxes named "ft-*" are used (created here); other
# suites use alice's INBOX and "pt-*".

dadm() { doveadm -c "$MP_DOVECOT_CONF" "$@"; }

seed() { "$MP_ROOT/tests/servers/mailservers" seed "$MP_STATE_DIR" "$@" >/dev/null; }

setup_file() {
	load helpers
	# ft-big: 10,000 messages, read by several tests (never changed).
	seed alice 10000 ft-big
}

setup() {
	load helpers
	FT="$MP_BIN/imapfetch"
	LS="$MP_BIN/imapls"
	URL="imaps://alice@127.0.0.1:$MP_IMAPS_PORT"
	# imapfetch on alice over IMAPS, with a state directory of the test's.
	ST="$BATS_TEST_TMPDIR/state"
	A=(--cacert "$MP_CACERT" --password-cmd "$(pwcmd alice)")
	OUT="$BATS_TEST_TMPDIR/out"
	mkdir -p "$OUT"
}

teardown() {
	dialog_stop
}

# The messages of an mboxrd file checked against the maildir files the
# seed wrote for a mailbox: prints how many there are and fails unless
# each is a file's exact bytes (">From " unquoted), each exactly once.
mbox_matches() {
	python3 - "$1" "$MP_MAIL_DIR/alice/Maildir/.$2/cur" <<-'PYEOF'
	import os, re, sys
	data = open(sys.argv[1], "rb").read()
	msgs, cur = [], None
	prev_blank = True
	for line in data.split(b"\n")[:-1]:
	    if prev_blank and line.startswith(b"From "):
	        if cur is not None:
	            msgs.append(cur)
	        cur = []
	    else:
	        cur.append(re.sub(rb"^>(>*From )", rb"\1", line))
	    prev_blank = line == b""
	if cur is not None:
	    msgs.append(cur)
	bodies = [b"\n".join(m[:-1]) + b"\n" for m in msgs]   # the blank line after
	files = {}
	for name in os.listdir(sys.argv[2]):
	    files[open(os.path.join(sys.argv[2], name), "rb").read()] = name
	seen = set()
	for b in bodies:
	    if b not in files:
	        sys.exit("a message that is no seeded file: %r" % b[:200])
	    if b in seen:
	        sys.exit("a message twice: %r" % b[:200])
	    seen.add(b)
	print(len(bodies))
	PYEOF
}

# The messages of maildir $1 (new/ and cur/) are each a file of mailbox
# $2 on the server, none twice: prints how many.
maildir_matches() {
	python3 - "$1" "$MP_MAIL_DIR/alice/Maildir/.$2/cur" <<-'PYEOF'
	import os, sys
	want = {open(os.path.join(sys.argv[2], n), "rb").read() for n in os.listdir(sys.argv[2])}
	seen, n = set(), 0
	for sub in ("new", "cur"):
	    d = os.path.join(sys.argv[1], sub)
	    for name in os.listdir(d):
	        b = open(os.path.join(d, name), "rb").read()
	        if b not in want:
	            sys.exit("%s/%s is no seeded file" % (sub, name))
	        if b in seen:
	            sys.exit("%s/%s: a message twice" % (sub, name))
	        seen.add(b)
	        n += 1
	print(n)
	PYEOF
}

from_lines() { grep -c '^From ' "$1"; }

# ---------------------------------------------------------------- Dovecot

@test "incremental: new messages only, exact bodies, INTERNALDATE in the From line, nothing flagged \\Seen" {
	seed alice 3 ft-inc
	run --separate-stderr "$FT" "${A[@]}" --state-dir "$ST" "$URL" ft-inc -o "$OUT/inc.mbox"
	assert_success
	assert_output ''
	assert_equal "$stderr" "imapfetch: ft-inc: 3 new messages, 0.0 MB"
	run mbox_matches "$OUT/inc.mbox" ft-inc
	assert_success
	assert_output 3
	# The seed's INTERNALDATE: 2024-01-01 00:00 UTC + n minutes.
	run grep '^From ' "$OUT/inc.mbox"
	assert_output - <<-'EOF'
	From sender1@example.test Mon Jan  1 00:01:00 2024
	From sender2@example.test Mon Jan  1 00:02:00 2024
	From sender3@example.test Mon Jan  1 00:03:00 2024
	EOF
	[ "$(stat -c %a "$OUT/inc.mbox")" = 600 ]
	# BODY.PEEK: still unseen.
	run "$LS" -o uid,flags "${A[@]}" "$URL" ft-inc
	assert_success
	assert_equal "${#lines[@]}" 3
	refute_output --partial 'Seen'
	# Nothing new: nothing written.
	sum=$(sha256sum <"$OUT/inc.mbox")
	run --separate-stderr "$FT" "${A[@]}" --state-dir "$ST" "$URL" ft-inc -o "$OUT/inc.mbox"
	assert_success
	assert_equal "$stderr" "imapfetch: ft-inc: 0 new messages, 0.0 MB"
	[ "$(sha256sum <"$OUT/inc.mbox")" = "$sum" ]
	# Two more arrive: only they are fetched.
	MP_SEED_START=4 seed alice 2 ft-inc
	run --separate-stderr "$FT" "${A[@]}" --state-dir "$ST" "$URL" ft-inc -o "$OUT/inc.mbox" --json
	assert_success
	uv=$(dadm -f tab mailbox status -u alice uidvalidity ft-inc | tail -1 | cut -f2)
	assert_output --regexp '^\{"mailbox":"ft-inc","uidvalidity":'"$uv"',"found":2,"messages":2,"octets":[0-9]+,"vanished":0,"deleted":0,"highest_uid":5,"ok":true\}$'
	[ -z "$stderr" ]
	run mbox_matches "$OUT/inc.mbox" ft-inc
	assert_output 5
	# The state: the mailbox's own directory, mode 0600 files, the marker.
	[ "$(cat "$ST/ft-inc/seen")" = "top:$uv:5" ]
	[ "$(stat -c %a "$ST/ft-inc/seen")" = 600 ]
}

@test "maildir and MDA targets: one file per message, flags in cur/ names; the MDA sees IMAPFETCH_ID and IMAPFETCH_MAILBOX" {
	seed alice 4 ft-targets
	dadm flags add -u alice '\Seen \Flagged' mailbox ft-targets uid 2
	dadm flags add -u alice '\Answered \Draft' mailbox ft-targets uid 3
	run --separate-stderr "$FT" "${A[@]}" -q --state-dir "$ST/m" "$URL" ft-targets --maildir "$OUT/md"
	assert_success
	[ -z "$stderr" ]
	# Unflagged in new/; flagged in cur/ with the maildir info letters.
	[ "$(ls "$OUT/md/new" | wc -l)" -eq 2 ]
	run ls "$OUT/md/cur"
	assert_equal "${#lines[@]}" 2
	assert_line --regexp ':2,FS$'
	assert_line --regexp ':2,DR$'
	grep -q '^Subject: Test message 2$' "$OUT"/md/cur/*:2,FS
	for f in "$OUT"/md/new/* "$OUT"/md/cur/*; do
		cmp -s "$f" "$(grep -rl "$(grep -m1 '^Message-ID:' "$f")" "$MP_MAIL_DIR/alice/Maildir/.ft-targets/cur")"
	done
	uv=$(dadm -f tab mailbox status -u alice uidvalidity ft-targets | tail -1 | cut -f2)
	run --separate-stderr "$FT" "${A[@]}" -q --state-dir "$ST/mda" "$URL" ft-targets \
		--mda "echo \"\$IMAPFETCH_MAILBOX \$IMAPFETCH_ID \$(grep -c '' )\" >>'$OUT/mda.log'"
	assert_success
	run cat "$OUT/mda.log"
	assert_line --index 0 --regexp "^ft-targets $uv:1 [0-9]+$"
	assert_line --index 3 --regexp "^ft-targets $uv:4 [0-9]+$"
	assert_equal "${#lines[@]}" 4
}

@test "--delete removes exactly the messages stored, --mark-seen flags them; not before they are durable" {
	seed alice 3 ft-del
	# Another client's \Deleted message that must survive (UID EXPUNGE).
	dadm flags add -u alice '\Deleted' mailbox ft-del uid 2
	run --separate-stderr "$FT" "${A[@]}" --state-dir "$ST" "$URL" ft-del -o "$OUT/del.mbox" \
		--since 2024-01-01 -s 'NOT DELETED' --delete
	assert_success
	assert_equal "$stderr" "imapfetch: ft-del: 2 new messages, 0.0 MB, 2 removed from the server"
	run "$LS" -o uid,flags "${A[@]}" "$URL" ft-del
	assert_output "$(printf '2\t\\\\Deleted')"
	[ "$(from_lines "$OUT/del.mbox")" -eq 2 ]
	seed alice 2 ft-seen
	run --separate-stderr "$FT" "${A[@]}" --state-dir "$ST" "$URL" ft-seen -o "$OUT/seen.mbox" --mark-seen
	assert_success
	run "$LS" -o uid,flags "${A[@]}" "$URL" ft-seen
	assert_output "$(printf '1\t\\\\Seen\n2\t\\\\Seen')"
}

@test "UIDVALIDITY changed: exit 65 naming both, nothing fetched; refetch fetches it all" {
	seed alice 2 ft-uv
	run "$FT" "${A[@]}" -q --state-dir "$ST" "$URL" ft-uv -o "$OUT/uv.mbox"
	assert_success
	old=$(dadm -f tab mailbox status -u alice uidvalidity ft-uv | tail -1 | cut -f2)
	dadm mailbox delete -u alice ft-uv
	sleep 1	# a new UIDVALIDITY is the time in seconds
	seed alice 3 ft-uv
	new=$(dadm -f tab mailbox status -u alice uidvalidity ft-uv | tail -1 | cut -f2)
	[ "$old" != "$new" ]
	run --separate-stderr "$FT" "${A[@]}" --state-dir "$ST" "$URL" ft-uv -o "$OUT/uv.mbox"
	assert_failure 65
	assert_equal "$stderr" "imapfetch: ft-uv: UIDVALIDITY of ft-uv is now $new, was $old: its UIDs name other messages now; --on-uidvalidity-change=refetch fetches it all again"
	[ "$(from_lines "$OUT/uv.mbox")" -eq 2 ]
	run --separate-stderr "$FT" "${A[@]}" --state-dir "$ST" "$URL" ft-uv -o "$OUT/uv.mbox" \
		--on-uidvalidity-change=refetch
	assert_success
	assert_equal "$stderr" "imapfetch: ft-uv: 3 new messages, 0.0 MB"
	[ "$(cat "$ST/ft-uv/seen")" = "top:$new:3" ]
}

@test "--search and --since choose; -n prints the UIDs and changes nothing" {
	seed alice 6 ft-search
	dadm flags add -u alice '\Flagged' mailbox ft-search uid 2,5
	run --separate-stderr "$FT" "${A[@]}" --state-dir "$ST" "$URL" ft-search -n
	assert_success
	assert_output "$(seq 1 6)"
	[ ! -e "$ST/ft-search/seen" ] || [ ! -s "$ST/ft-search/seen" ]
	run --separate-stderr "$FT" "${A[@]}" --state-dir "$ST" "$URL" ft-search -n -s FLAGGED
	assert_output "$(printf '2\n5')"
	# The seed's dates: message n at 00:0n on 2024-01-01; SINCE is by day.
	run --separate-stderr "$FT" "${A[@]}" --state-dir "$ST" "$URL" ft-search -n --since 2024-01-02
	assert_success
	assert_output ''
	run --separate-stderr "$FT" "${A[@]}" --state-dir "$ST" "$URL" ft-search -n --since 1-jan-2024 -s FLAGGED
	assert_output "$(printf '2\n5')"
	run --separate-stderr "$FT" "${A[@]}" --state-dir "$ST" "$URL" ft-search -o "$OUT/s.mbox" -s FLAGGED
	assert_success
	[ "$(from_lines "$OUT/s.mbox")" -eq 2 ]
	# The state is the highest UID delivered: 6 is looked at again, 1 to 4 not.
	run "$FT" "${A[@]}" --state-dir "$ST" "$URL" ft-search -n
	assert_output 6
	run --separate-stderr "$FT" "${A[@]}" --state-dir "$ST" "$URL" ft-search -n -s '(FLAGGED'
	assert_failure 64
	[ "$(lines_of "$stderr")" -eq 1 ]
}

@test "--all-mailboxes with %m: one target per mailbox, hierarchy as directories, non-ASCII names" {
	seed alice 1 ft-all/Sub
	# (The seed writes Maildir folders by name: a non-ASCII one goes through
	# doveadm.)
	dadm mailbox create -u alice 'ft-all/Входящие'
	for i in 1 2; do
		printf 'From: x@example.test\nSubject: Grüße %s\n\nbody\n' "$i" | dadm save -u alice -m 'ft-all/Входящие'
	done
	run --separate-stderr "$FT" "${A[@]}" --state-dir "$ST" "$URL" ft-all/Sub 'ft-all/Входящие' -o "$OUT/%m.mbox"
	assert_success
	assert_equal "$stderr" "imapfetch: ft-all/Sub: 1 new message, 0.0 MB"$'\n'"imapfetch: ft-all/Входящие: 2 new messages, 0.0 MB"
	[ "$(from_lines "$OUT/ft-all/Sub.mbox")" -eq 1 ]
	run grep '^Subject' "$OUT/ft-all/Входящие.mbox"
	assert_output "$(printf 'Subject: Grüße 1\nSubject: Grüße 2')"
	[ -d "$ST/ft-all%2FSub" ] && [ -d "$ST/ft-all%2F%D0%92%D1%85%D0%BE%D0%B4%D1%8F%D1%89%D0%B8%D0%B5" ]
	# Every mailbox: maildirs named after them (INBOX and others too).
	run --separate-stderr "$FT" "${A[@]}" -q --state-dir "$ST/all" "$URL" --all-mailboxes --maildir "$OUT/all/%m" -n
	assert_success
	run --separate-stderr "$FT" "${A[@]}" --json --state-dir "$ST/all2" "$URL" --all-mailboxes --maildir "$OUT/all/%m"
	assert_success
	[[ "$output" == *'{"mailbox":"ft-all/Входящие",'*'"messages":2,'* ]]
	[ "$(ls "$OUT/all/ft-all/Входящие/new" | wc -l)" -eq 2 ]
	[ "$(ls "$OUT/all/ft-big/new" | wc -l)" -eq 10000 ]
}

@test "10,000 messages into an mbox: every one exactly, in 100 FETCH commands" {
	run --separate-stderr "$FT" -v "${A[@]}" --state-dir "$ST" "$URL" ft-big -o "$OUT/big.mbox"
	assert_success
	[ "$(grep -c '^C: A[0-9]* UID FETCH [0-9:,]* (UID FLAGS INTERNALDATE BODY.PEEK\[\])$' <<<"$stderr")" -eq 100 ]
	[ "$(grep -c '^C: ' <<<"$stderr")" -le 105 ]
	run mbox_matches "$OUT/big.mbox" ft-big
	assert_success
	assert_output 10000
}

@test "kill -9 in the middle, then again: every message exactly once" {
	"$FT" "${A[@]}" -q --state-dir "$ST" "$URL" ft-big -o "$OUT/k.mbox" --batch 50 &
	pid=$!
	for _ in $(seq 500); do
		[ "$(stat -c %s "$OUT/k.mbox" 2>/dev/null || echo 0)" -gt 200000 ] && break
		sleep 0.01
	done
	kill -9 "$pid"
	wait "$pid" || true
	n=$(from_lines "$OUT/k.mbox")
	[ "$n" -gt 0 ] && [ "$n" -lt 10000 ]
	run --separate-stderr "$FT" "${A[@]}" --state-dir "$ST" "$URL" ft-big -o "$OUT/k.mbox"
	assert_success
	[[ "$stderr" == *"new messages"* ]]
	run mbox_matches "$OUT/k.mbox" ft-big
	assert_success
	assert_output 10000
}

@test "--maildir: kill -9 in the middle, then again: every message exactly once, none left in tmp/" {
	"$FT" "${A[@]}" -q --state-dir "$ST" "$URL" ft-big --maildir "$OUT/k" --batch 50 &
	pid=$!
	for _ in $(seq 500); do
		[ "$(ls "$OUT/k/new" 2>/dev/null | wc -l)" -gt 200 ] && break
		sleep 0.01
	done
	kill -9 "$pid"
	wait "$pid" || true
	n=$(ls "$OUT/k/new" | wc -l)
	echo "after the kill: $n in new/, $(ls "$OUT/k/tmp" | wc -l) in tmp/"
	[ "$n" -gt 0 ] && [ "$n" -lt 10000 ]
	run --separate-stderr "$FT" "${A[@]}" --state-dir "$ST" "$URL" ft-big --maildir "$OUT/k"
	assert_success
	run maildir_matches "$OUT/k" ft-big
	assert_success
	assert_output 10000
	# What the killed run had journaled in tmp/ the next one removed;
	# what it had not yet journaled waits for the 36-hour clean-up.
	[ "$(ls "$OUT/k/tmp" | wc -l)" -le 50 ]
}

@test "a full disk (ulimit -f): exit 74, only whole messages kept; the next run completes exactly once" {
	run --separate-stderr bash -c 'ulimit -f 300; exec "$@"' sh "$FT" "${A[@]}" --state-dir "$ST" "$URL" ft-big -o "$OUT/full.mbox"
	assert_failure 74
	[ "$(lines_of "$stderr")" -eq 1 ]
	[[ "$stderr" == "imapfetch: ft-big: "* ]]
	n=$(from_lines "$OUT/full.mbox")
	[ "$n" -gt 0 ] && [ "$n" -lt 10000 ]
	run mbox_matches "$OUT/full.mbox" ft-big
	assert_success
	run --separate-stderr "$FT" "${A[@]}" -q --state-dir "$ST" "$URL" ft-big -o "$OUT/full.mbox"
	assert_success
	run mbox_matches "$OUT/full.mbox" ft-big
	assert_output 10000
}

@test "a 20 MB message: streamed, peak RSS under 8 MB, bytes intact" {
	dadm mailbox create -u alice ft-huge
	python3 -c '
import sys
sys.stdout.write("From: big@example.test\nSubject: huge\nMessage-ID: <huge@example.test>\n\n")
sys.stdout.write(("0123456789" * 7 + "abcd\n") * 280000)' >"$OUT/huge.eml"
	dadm save -u alice -m ft-huge <"$OUT/huge.eml"
	run --separate-stderr /usr/bin/time -f 'rss %M' "$FT" "${A[@]}" --state-dir "$ST" "$URL" ft-huge -o "$OUT/huge.mbox"
	assert_success
	tail -n +2 "$OUT/huge.mbox" | head -c "$(stat -c %s "$OUT/huge.eml")" | cmp - "$OUT/huge.eml"
	rss=$(sed -n 's/^rss //p' <<<"$stderr")
	if rss_limit_applies; then
		[ "$rss" -lt 8192 ] || fail "peak RSS $rss KB"
	fi
}

@test "--flags-headers: Status and X-Status as mutt writes them, old ones replaced" {
	dadm mailbox create -u alice ft-flags
	printf 'From: a@example.test\nStatus: O\nX-Status: F\n  continued\nSubject: one\n\nbody\n' |
		dadm save -u alice -m ft-flags
	printf 'From: b@example.test\nSubject: two\n\nbody\n' | dadm save -u alice -m ft-flags
	dadm flags add -u alice '\Seen \Answered \Flagged' mailbox ft-flags uid 1
	run "$FT" "${A[@]}" -q --state-dir "$ST" "$URL" ft-flags -o "$OUT/f.mbox" --flags-headers
	assert_success
	run grep -v '^From ' "$OUT/f.mbox"
	assert_output - <<-'EOF'
	From: a@example.test
	Subject: one
	Status: RO
	X-Status: AF

	body

	From: b@example.test
	Subject: two
	Status: O

	body

	EOF
}

@test "a missing mailbox: exit 66, the others still fetched; a locked state: exit 75" {
	seed alice 1 ft-one
	run --separate-stderr "$FT" "${A[@]}" --state-dir "$ST" "$URL" ft-nonesuch ft-one -o "$OUT/one.mbox"
	assert_failure 66
	[[ "$stderr" == "imapfetch: ft-nonesuch: EXAMINE ft-nonesuch: NO "*"exist"*$'\n'"imapfetch: ft-one: 1 new message, 0.0 MB" ]]
	[ "$(from_lines "$OUT/one.mbox")" -eq 1 ]
	MP_SEED_START=2 seed alice 1 ft-one
	mkdir -p "$ST/ft-one"
	flock "$ST/ft-one/lock" sleep 5 &
	sleep 0.3
	run --separate-stderr "$FT" "${A[@]}" --state-dir "$ST" "$URL" ft-one -o "$OUT/one.mbox"
	assert_failure 75
	[ "$(lines_of "$stderr")" -eq 1 ]
	kill %1 2>/dev/null || true
	[ "$(from_lines "$OUT/one.mbox")" -eq 1 ]
}

@test "read-only mailbox with --delete: exit 77, nothing fetched" {
	seed alice 1 ft-ro
	d="$MP_MAIL_DIR/alice/Maildir/.ft-ro"
	chmod a-w "$d" "$d/cur" "$d/new" "$d/tmp"
	run --separate-stderr "$FT" "${A[@]}" --state-dir "$ST" "$URL" ft-ro -o "$OUT/ro.mbox" --delete
	chmod u+w "$d" "$d/cur" "$d/new" "$d/tmp"
	assert_failure 77
	assert_equal "$stderr" "imapfetch: ft-ro: ft-ro is read-only for this user"
	[ ! -s "$OUT/ro.mbox" ]
}

@test "a progress line on a terminal, cleared before the summary; none with -q" {
	seed alice 3 ft-progress
	run script -qfec "$(printf '%q ' "$FT" "${A[@]}" --state-dir "$ST" "$URL" ft-progress -o "$OUT/p.mbox") 2>&1" /dev/null
	assert_success
	[[ "$output" == *$'\rimapfetch: 3/3 messages, 0.0 MB\r\033[Kimapfetch: ft-progress: 3 new messages'* ]]
	MP_SEED_START=4 seed alice 1 ft-progress
	run script -qfec "$(printf '%q ' "$FT" -q "${A[@]}" --state-dir "$ST" "$URL" ft-progress -o "$OUT/p.mbox") 2>&1" /dev/null
	assert_success
	assert_output ''
	[ "$(from_lines "$OUT/p.mbox")" -eq 4 ]
}

@test "usage errors: 64 before connecting" {
	u="imap://127.0.0.1:$(closed_port)"
	for args in "" "-o a --maildir b" "-o a --since yesterday" "-o a --delete --mark-seen" \
		"-o a --on-uidvalidity-change=maybe" "-o a --batch 0x" "-o a --all-mailboxes INBOX" \
		"-o - --json" "-o a --batch 5000"; do
		# shellcheck disable=SC2086
		run --separate-stderr "$FT" "$u" $args
		assert_failure 64
		[ "$(lines_of "$stderr")" -eq 1 ] || fail "args '$args': $stderr"
	done
}

# ---------------------------------------------------------------- dialogs

dfetch() {
	"$FT" --insecure --timeout 5 --state-dir "$ST" "imap://127.0.0.1:$DIALOG_PORT" "$@"
}

@test "dialog: --delete without UIDPLUS: exit 69 before anything is fetched" {
	dialog_start imapfetch-no-uidplus
	run --separate-stderr dfetch INBOX -o "$OUT/x.mbox" --delete
	assert_failure 69
	assert_equal "$stderr" "imapfetch: INBOX: the server has no UIDPLUS: --delete could not expunge exactly the messages fetched"
	dialog_finish
}

@test "dialog: BYE in the middle of a FETCH: exit 75, the messages that came whole are kept, once" {
	dialog_start imapfetch-bye-mid-fetch
	run --separate-stderr dfetch INBOX -o "$OUT/bye.mbox"
	assert_failure 75
	assert_equal "$stderr" "imapfetch: INBOX: server closed the connection"
	run cat "$OUT/bye.mbox"
	assert_output - <<-'EOF'
	From a@example.test Wed Jul 17 09:44:25 1996
	Return-Path: <a@example.test>
	Subject: one
	>From here

	EOF
	dialog_finish
	[ "$(cat "$ST/INBOX/seen")" = "top:42:1" ]
}

@test "dialog: a literal announced as 2^62 octets is never allocated: the cut connection is exit 75" {
	dialog_start imapfetch-huge-literal
	run --separate-stderr dfetch INBOX -o "$OUT/h.mbox"
	assert_failure 75
	[ "$(lines_of "$stderr")" -eq 1 ]
	[ ! -s "$OUT/h.mbox" ]
	dialog_finish
}

@test "dialog: NO on EXAMINE, BAD on SEARCH, NO on FETCH, a malformed FETCH" {
	dialog_start imapfetch-errors
	run --separate-stderr dfetch Gone -o "$OUT/e.mbox"
	assert_failure 66
	assert_equal "$stderr" "imapfetch: Gone: EXAMINE Gone: NO [NONEXISTENT] Mailbox doesn't exist"
	run --separate-stderr dfetch INBOX -o "$OUT/e.mbox" -s 'FOO'
	assert_failure 64
	[ "$(lines_of "$stderr")" -eq 1 ]
	run --separate-stderr dfetch INBOX -o "$OUT/e.mbox"
	assert_failure 69
	[[ "$stderr" == "imapfetch: INBOX: "*"NO Fetch failed"* ]]
	run --separate-stderr dfetch INBOX -o "$OUT/e.mbox"
	assert_failure 76
	[ "$(lines_of "$stderr")" -eq 1 ]
	[ ! -s "$OUT/e.mbox" ]
	dialog_finish
}

@test "round trip: imapfetch a mailbox, imapput the mbox into another, imapfetch that: the same mbox" {
	seed alice 40 ft-rt
	run "$FT" "${A[@]}" -q --state-dir "$ST" "$URL" ft-rt -o "$OUT/rt1.mbox"
	assert_success
	# (seeded bodies have "From " and ">From " lines, dot lines, 8-bit text)
	run --separate-stderr "$MP_BIN/imapput" "${A[@]}" "$URL" ft-rt-copy --create --date --mbox "$OUT/rt1.mbox"
	assert_success
	assert_equal "${#lines[@]}" 40
	run "$FT" "${A[@]}" -q --state-dir "$ST" "$URL" ft-rt-copy -o "$OUT/rt2.mbox"
	assert_success
	cmp "$OUT/rt1.mbox" "$OUT/rt2.mbox"
	run mbox_matches "$OUT/rt2.mbox" ft-rt
	assert_output 40
}

@test "dialog: UID EXPUNGE refused after --delete: exit 69; the next run removes it without fetching it again" {
	dialog_start imapfetch-delete-resumed
	run --separate-stderr dfetch INBOX -o "$OUT/d.mbox" --delete
	assert_failure 69
	assert_equal "$stderr" "imapfetch: INBOX: UID EXPUNGE: NO Expunge failed"
	grep -qx '42:1' "$ST/INBOX/seen"
	run --separate-stderr dfetch INBOX -o "$OUT/d.mbox" --delete
	assert_success
	assert_equal "$stderr" "imapfetch: INBOX: 0 new messages, 0.0 MB, 1 removed from the server"
	dialog_finish
	[ "$(from_lines "$OUT/d.mbox")" -eq 1 ]
	[ "$(cat "$ST/INBOX/seen")" = "top:42:1" ]
}
