#!/usr/bin/env bats
# imapput against the private Dovecot (alice's mailboxes named pt-*, this
# file's alone) and scripted dialogs for what Dovecot will not do.

setup() {
	load helpers
	PUT="$MP_BIN/imapput"
	LS="$MP_BIN/imapls"
	FL="$MP_BIN/imapflag"
	ALICE=(--cacert "$MP_CACERT" --password-cmd "$(pwcmd alice)")
	URL="imaps://alice@localhost:$MP_IMAPS_PORT"
	T=$BATS_TEST_TMPDIR
}

teardown() {
	dialog_stop
}

dadm() { doveadm -c "$MP_DOVECOT_CONF" "$@"; }

# The octets of message UID in MAILBOX of alice's as IMAP serves them
# (BODY.PEEK[], CRLF line ends), on stdout.
raw_of() {
	/usr/bin/python3 - "$MP_IMAPS_PORT" "$MP_CACERT" "$MP_STATE_DIR/alice.pw" "$1" "$2" <<'XEOF2'
import imaplib, ssl, sys
port, ca, pwfile, box, uid = sys.argv[1:]
ctx = ssl.create_default_context(cafile=ca)
m = imaplib.IMAP4_SSL("localhost", int(port), ssl_context=ctx)
m.login("alice", open(pwfile).read().strip())
m.select(imaplib.IMAP4._quote(m, box) if False else '"%s"' % box, readonly=True)
typ, data = m.uid("FETCH", uid, "(BODY.PEEK[])")
sys.stdout.buffer.write(data[0][1])
m.logout()
XEOF2
}

# mbox text: one message per argument "SUBJECT|BODY LINE" with a From line.
mbox_of() {
	local a
	for a in "$@"; do
		printf 'From sender@example.test Thu Nov 27 12:11:00 2026\nSubject: %s\n\n%s\n\n' "${a%%|*}" "${a#*|}"
	done
}

count_of() { "$LS" "${ALICE[@]}" "$URL" "$1" -o uid | grep -c '' || true; }

# ---------------------------------------------------------------- Dovecot

@test "one message from stdin: LF to CRLF, CRLF kept, 8-bit as is; its UID on stdout, --json" {
	printf 'From: Alice <alice@example.test>\nSubject: K\xc3\xb6ln\r\n\nGr\xc3\xbc\xc3\x9fe \xe9\xe8 latin-1\nlast line\n' >"$T/m"
	run --separate-stderr "$PUT" "${ALICE[@]}" "$URL" pt-one --create <"$T/m"
	assert_success
	[ -z "$stderr" ]
	uid=$output
	[[ $uid =~ ^[0-9]+$ ]]
	raw_of pt-one "$uid" >"$T/got"
	printf 'From: Alice <alice@example.test>\r\nSubject: K\xc3\xb6ln\r\n\r\nGr\xc3\xbc\xc3\x9fe \xe9\xe8 latin-1\r\nlast line\r\n' >"$T/want"
	cmp "$T/got" "$T/want"
	# doveadm sees the same text (it stores LF) and the size on the wire.
	dadm fetch -u alice text mailbox pt-one uid "$uid" | tail -c +7 | cmp - <(tr -d '\r' <"$T/want")
	run "$LS" "${ALICE[@]}" "$URL" pt-one -o uid,size
	assert_output "$uid"$'\t'"$(stat -c %s "$T/want")"
	# --json names the mailbox and its UIDVALIDITY; piped from a pipe too.
	uv=$(dadm -f tab mailbox status -u alice uidvalidity pt-one | tail -1 | cut -f2)
	run --separate-stderr bash -c 'cat "$1" | "${@:2}"' _ "$T/m" "$PUT" "${ALICE[@]}" "$URL" pt-one --json
	assert_success
	assert_output "{\"uid\":$((uid + 1)),\"uidvalidity\":$uv,\"mailbox\":\"pt-one\"}"
	raw_of pt-one "$((uid + 1))" | cmp - "$T/want"
}

@test "--flags and --date from the Date field: INTERNALDATE and flags as given; bad flags 64" {
	printf 'Subject: dated\nDate: Tue, 1 Jul 2003 10:52:37 +0200 (CEST)\n\nbody\n' >"$T/m"
	run --separate-stderr "$PUT" -v "${ALICE[@]}" "$URL" pt-flags --create --date --flags '\seen $Label  \Flagged' <"$T/m"
	assert_success
	grep -q '^C: A[0-9]* APPEND "pt-flags" (\\Seen $Label \\Flagged) "01-Jul-2003 10:52:37 +0200" {[0-9]*+}$' <<<"$stderr"
	# Dovecot keeps the instant, not the offset: imapls shows it in UTC.
	run "$LS" "${ALICE[@]}" "$URL" pt-flags -o flags,date,subject
	assert_output $'\\\\Flagged \\\\Seen \\\\Recent $Label\t2003-07-01T08:52:37+00:00\tdated'
	# Without --date the server's clock decides; an unusable Date is left out.
	printf 'Subject: undated\nDate: yesterday-ish\n\nbody\n' | "$PUT" "${ALICE[@]}" "$URL" pt-flags --date >/dev/null
	run "$LS" "${ALICE[@]}" "$URL" pt-flags -o date,subject
	assert_line --index 1 --regexp "^$(date -u +%Y)-.*"$'\tundated$'
	local url="imaps://alice@127.0.0.1:$(closed_port)"
	run --separate-stderr "$PUT" --password-cmd 'echo x' "$url" pt-flags --flags '\Recent' </dev/null
	assert_failure 64
	assert_equal "$stderr" 'imapput: --flags: \Recent cannot be set or cleared: only the server sets it'
	run --separate-stderr "$PUT" --password-cmd 'echo x' "$url" pt-flags --flags 'a(b' </dev/null
	assert_failure 64
}

@test "--mbox: mboxrd >From unquoted, mboxo too, --date from the From line, uid<TAB>message, -H" {
	{
		printf 'From alice@example.test Mon Jan  6 08:05:09 2025\nSubject: one\nDate: Tue, 1 Jul 2003 10:52:37 +0200\n\n'
		printf 'From the start\n>From quoted once\n>>From quoted twice\n>Frog stays\n\n'
		printf 'From bob@example.test Tue Feb 11 23:59:01 2025\nSubject: two\n\nno blank line before the next\n'
		printf 'From carol Wed Mar 12 00:00:00 +0100 2025\nSubject: three\n\n>From mboxo\n'
	} | sed '2,$s/^From the start$/>From the start/' >"$T/box"
	run --separate-stderr "$PUT" "${ALICE[@]}" "$URL" pt-mbox --create --date --mbox "$T/box" -H
	assert_success
	[ -z "$stderr" ]
	assert_line --index 0 $'uid\tmessage'
	assert_line --index 1 --regexp $'^[0-9]+\t1$'
	assert_line --index 3 --regexp $'^[0-9]+\t3$'
	[ "$(lines_of "$output")" -eq 4 ]
	uid1=$(sed -n 2p <<<"$output" | cut -f1)
	raw_of pt-mbox "$uid1" >"$T/got"
	printf 'Subject: one\r\nDate: Tue, 1 Jul 2003 10:52:37 +0200\r\n\r\nFrom the start\r\nFrom quoted once\r\n>From quoted twice\r\n>Frog stays\r\n' | cmp - "$T/got"
	raw_of pt-mbox "$((uid1 + 1))" | cmp - <(printf 'Subject: two\r\n\r\nno blank line before the next\r\n')
	raw_of pt-mbox "$((uid1 + 2))" | cmp - <(printf 'Subject: three\r\n\r\nFrom mboxo\r\n')
	# The From line's date wins over the Date field; its offset is kept.
	run "$LS" "${ALICE[@]}" "$URL" pt-mbox -o date,subject
	assert_output - <<-XEOF
	$(printf '2025-01-06T08:05:09+00:00\tone')
	$(printf '2025-02-11T23:59:01+00:00\ttwo')
	$(printf '2025-03-11T23:00:00+00:00\tthree')
	XEOF
	# Not an mbox: 65 before connecting.
	printf 'Subject: x\n\n' >"$T/notmbox"
	run --separate-stderr "$PUT" "${ALICE[@]}" "$URL" pt-mbox --mbox "$T/notmbox"
	assert_failure 65
	assert_equal "$stderr" "imapput: $T/notmbox is not an mbox: it does not begin with \"From \""
}

@test "--maildir: new/ and cur/ in name order, flags from ':2,' info, --flags overrides; --json names the file" {
	local md=$T/Maildir
	mkdir -p "$md/new" "$md/cur" "$md/tmp"
	printf 'Subject: new\n\nA\n' >"$md/new/1700000002.M1P1.host"
	printf 'Subject: seen\n\nB\n' >"$md/cur/1700000001.M2P1.host:2,FRS"
	printf 'Subject: draft\n\nC\n' >"$md/cur/1700000003.M3P1.host:2,DPTab"
	printf 'Subject: tmp\n\nD\n' >"$md/tmp/1700000004.M4P1.host"
	run --separate-stderr "$PUT" "${ALICE[@]}" "$URL" pt-maildir --create --maildir "$md" --json
	assert_success
	[ "$(lines_of "$output")" -eq 3 ]
	assert_line --index 0 --regexp '^\{"uid":[0-9]+,"uidvalidity":[0-9]+,"mailbox":"pt-maildir","file":"cur/1700000001.M2P1.host:2,FRS"\}$'
	assert_line --index 1 --regexp '"file":"new/1700000002.M1P1.host"\}$'
	assert_line --index 2 --regexp '"file":"cur/1700000003.M3P1.host:2,DPTab"\}$'
	run "$LS" "${ALICE[@]}" "$URL" pt-maildir -o flags,subject
	assert_output - <<-XEOF
	$(printf '\\\\Answered \\\\Flagged \\\\Seen \\\\Recent\tseen')
	$(printf '\\\\Recent\tnew')
	$(printf '\\\\Deleted \\\\Draft \\\\Recent\tdraft')
	XEOF
	run --separate-stderr "$PUT" "${ALICE[@]}" "$URL" pt-maildir --maildir "$md" --flags '$Imported'
	assert_success
	assert_line --index 0 --regexp $'^[0-9]+\tcur/1700000001.M2P1.host:2,FRS$'
	run "$LS" "${ALICE[@]}" "$URL" pt-maildir -o flags
	assert_line --index 3 '\\Recent $Imported'
	assert_line --index 5 '\\Recent $Imported'
	run --separate-stderr "$PUT" "${ALICE[@]}" "$URL" pt-maildir --maildir "$T/nosuch"
	assert_failure 66
	run --separate-stderr "$PUT" "${ALICE[@]}" "$URL" pt-maildir --maildir "$md/tmp"
	assert_failure 65
}

@test "TRYCREATE: without --create exit 66 naming it; with it the mailbox is made; a non-ASCII name" {
	printf 'Subject: x\n\nx\n' >"$T/m"
	run --separate-stderr "$PUT" "${ALICE[@]}" "$URL" pt-missing <"$T/m"
	assert_failure 66
	assert_output ''
	assert_equal "$stderr" "imapput: pt-missing does not exist: add --create to create it (0 messages stored before)"
	run "$LS" "${ALICE[@]}" "$URL" -p 'pt-missing'
	assert_output ''
	run --separate-stderr "$PUT" -v "${ALICE[@]}" "$URL" 'pt-Входящие' --create <"$T/m"
	assert_success
	assert_output '1'
	grep -q '^S: A[0-9]* NO \[TRYCREATE\]' <<<"$stderr"
	grep -q '^C: A[0-9]* CREATE "pt-&BBIERQQ+BDQETwRJBDgENQ-"$' <<<"$stderr"
	run "$LS" "${ALICE[@]}" "$URL" 'pt-Входящие' -o uid,subject
	assert_output $'1\tx'
}

@test "10,000 messages from an mbox: MULTIAPPEND batches, pipelined; --skip-existing then stores nothing" {
	/usr/bin/python3 -c '
import sys
w = sys.stdout.write
for i in range(1, 10001):
    w("From seed@example.test Thu Nov 27 12:11:00 2026\nSubject: m %d\nMessage-ID: <m%d@put.test>\n\nbody %d\n\n" % (i, i, i))
' >"$T/big.mbox"
	"$PUT" -v "${ALICE[@]}" "$URL" pt-many --create --mbox "$T/big.mbox" >"$T/out" 2>"$T/err"
	[ "$(grep -c '' "$T/out")" -eq 10000 ]
	# uid<TAB>message number, in order, UIDs 1..10000.
	cmp <(cut -f2 "$T/out") <(seq 1 10000)
	cmp <(cut -f1 "$T/out") <(seq 1 10000)
	[ "$(count_of pt-many)" -eq 10000 ]
	# 16 messages per APPEND: 625, and the first once more after CREATE.
	[ "$(grep -c '^C: A[0-9]* APPEND "pt-many"' "$T/err")" -eq 626 ]
	# Pipelined: more than one APPEND in flight at some point.
	max=$(awk '/^C: A[0-9]+ APPEND/ { n++; if (n > m) m = n } /^S: A[0-9]+ (OK|NO)/ { if (n > 0) n-- } END { print m }' "$T/err")
	[ "$max" -gt 1 ]
	[ "$max" -le 16 ]
	# Again with --skip-existing: one FETCH of the Message-IDs, no APPEND.
	run --separate-stderr "$PUT" -v "${ALICE[@]}" "$URL" pt-many --skip-existing --mbox "$T/big.mbox"
	assert_success
	assert_output ''
	grep -q '^imapput: 10000 of 10000 messages skipped: their Message-ID is in pt-many already$' <<<"$stderr"
	! grep -q '^C: A[0-9]* APPEND' <<<"$stderr"
	[ "$(grep -c '^C: A[0-9]* UID FETCH 1:\* (UID BODY.PEEK\[HEADER.FIELDS (MESSAGE-ID)\])$' <<<"$stderr")" -eq 1 ]
	[ "$(count_of pt-many)" -eq 10000 ]
}

@test "--skip-existing resumes: only the messages not there yet are stored" {
	for i in 1 2 3 4 5; do
		printf 'From x Thu Nov 27 12:11:00 2026\nSubject: r%d\nMessage-ID:\n <r%d@put.test>\n\nbody\n\n' "$i" "$i"
	done >"$T/all"
	head -n 18 "$T/all" >"$T/first3"
	run --separate-stderr "$PUT" "${ALICE[@]}" "$URL" pt-resume --create --skip-existing --mbox "$T/first3"
	assert_success
	[ "$(lines_of "$output")" -eq 3 ]
	run --separate-stderr "$PUT" "${ALICE[@]}" "$URL" pt-resume --skip-existing --mbox "$T/all"
	assert_success
	assert_output $'4\t4\n5\t5'
	assert_equal "$stderr" 'imapput: 3 of 5 messages skipped: their Message-ID is in pt-resume already'
	run "$LS" "${ALICE[@]}" "$URL" pt-resume -o subject
	assert_output $'r1\nr2\nr3\nr4\nr5'
}

@test "a 20 MB message: streamed, peak RSS under 8 MB, size on the wire with CRLF" {
	/usr/bin/python3 -c '
import sys
sys.stdout.write("Subject: big\n\n" + ("x" * 76 + "\n") * 272000)' >"$T/big"
	/usr/bin/time -f %M -o "$T/rss" "$PUT" "${ALICE[@]}" "$URL" pt-big --create <"$T/big" >"$T/out"
	[ "$(cat "$T/out")" = 1 ]
	run "$LS" "${ALICE[@]}" "$URL" pt-big -o size
	assert_output "$(( $(stat -c %s "$T/big") + 272002 ))"
	if rss_limit_applies; then
		[ "$(tail -1 "$T/rss")" -lt 8192 ] || { echo "RSS $(tail -1 "$T/rss") KB"; false; }
	fi
	# From a pipe (spooled to a temporary file first): the same.
	cat "$T/big" | /usr/bin/time -f %M -o "$T/rss" "$PUT" "${ALICE[@]}" "$URL" pt-big >"$T/out"
	[ "$(cat "$T/out")" = 2 ]
	if rss_limit_applies; then
		[ "$(tail -1 "$T/rss")" -lt 8192 ]
	fi
	raw_of pt-big 2 | cmp - <(sed 's/$/\r/' "$T/big")
}

@test "a bare CR or a NUL refuses that message only: the others stored, exit 1; one message alone: 65" {
	{
		mbox_of 'ok1|fine'
		printf 'From x Thu Nov 27 12:11:00 2026\nSubject: cr\n\nbare\rCR\n\n'
		printf 'From x Thu Nov 27 12:11:00 2026\nSubject: nul\n\nA\0B\n\n'
		printf 'From x Thu Nov 27 12:11:00 2026\n\n'
		mbox_of 'ok2|fine'
		printf 'From x Thu Nov 27 12:11:00 2026\nSubject: crlast\n\nends in CR\r'
	} >"$T/box"
	run --separate-stderr "$PUT" "${ALICE[@]}" "$URL" pt-bad --create --mbox "$T/box"
	assert_failure 1
	assert_output $'1\t1\n2\t5'
	assert_equal "$stderr" "imapput: $T/box: message 2 (octet 70): line 3: bare CR: not stored
imapput: $T/box: message 3 (octet 124): line 3: NUL byte: not stored
imapput: $T/box: message 4 (octet 175): empty message: not stored
imapput: $T/box: message 6 (octet 278): line 3: bare CR: not stored"
	run "$LS" "${ALICE[@]}" "$URL" pt-bad -o subject
	assert_output $'ok1\nok2'
	run --separate-stderr "$PUT" "${ALICE[@]}" "$URL" pt-bad < <(printf 'Subject: x\n\na\rb\n')
	assert_failure 65
	assert_equal "$stderr" 'imapput: standard input: line 3: bare CR: not stored'
	[ "$(count_of pt-bad)" -eq 2 ]
}

@test "composition: imapput's TSV and --json piped into imapflag" {
	mbox_of 'a|1' 'b|2' 'c|3' >"$T/box"
	"$PUT" "${ALICE[@]}" "$URL" pt-pipe --create --mbox "$T/box" | "$FL" "${ALICE[@]}" "$URL" pt-pipe --add '$Uploaded'
	mbox_of 'd|4' | "$PUT" "${ALICE[@]}" "$URL" pt-pipe --mbox - --json | "$FL" "${ALICE[@]}" "$URL" pt-pipe --add '\Flagged'
	run "$LS" "${ALICE[@]}" "$URL" pt-pipe -o uid,flags,subject
	assert_output - <<-XEOF
	$(printf '1\t$Uploaded\ta')
	$(printf '2\t$Uploaded\tb')
	$(printf '3\t$Uploaded\tc')
	$(printf '4\t\\\\Flagged\td')
	XEOF
}

@test "a progress line on a terminal, cleared at the end; none with -q or when stderr is not a terminal" {
	mbox_of 'one|1' 'two|2' 'three|3' >"$T/p.mbox"
	run script -qfec "$(printf '%q ' "$PUT" "${ALICE[@]}" "$URL" pt-progress --create --mbox "$T/p.mbox") 2>&1 >/dev/null" /dev/null
	assert_success
	# (Rewritten at most ten times a second: the first count at least.)
	[[ "$output" == *$'\rimapput: 1 message, 0.0 MB'* ]]
	[[ "$output" == *$'\r\033[K'* ]]
	run script -qfec "$(printf '%q ' "$PUT" -q "${ALICE[@]}" "$URL" pt-progress --mbox "$T/p.mbox") 2>&1 >/dev/null" /dev/null
	assert_success
	[[ "$output" != *message* ]]
	run --separate-stderr "$PUT" "${ALICE[@]}" "$URL" pt-progress --mbox "$T/p.mbox"
	assert_success
	[ -z "$stderr" ]
}

@test "usage errors: exit 64 before connecting; a missing input 66" {
	local url="imaps://alice@127.0.0.1:$(closed_port)" P=(--password-cmd 'echo x')
	run --separate-stderr "$PUT" "${P[@]}" "$url" </dev/null
	assert_failure 64
	assert_equal "$stderr" 'imapput: no MAILBOX'
	run --separate-stderr "$PUT" "${P[@]}" "$url" pt-x extra </dev/null
	assert_failure 64
	run --separate-stderr "$PUT" "${P[@]}" "$url" pt-x --mbox a --maildir b
	assert_failure 64
	run --separate-stderr "$PUT" "${P[@]}" "$url" pt-x --json -H </dev/null
	assert_failure 64
	run --separate-stderr "$PUT" "${P[@]}" "$url" pt-x --mbox "$T/nosuch"
	assert_failure 66
	assert_equal "$stderr" "imapput: cannot open $T/nosuch: No such file or directory"
}

# ---------------------------------------------------------------- dialogs

DLG=(--insecure --timeout 5)

@test "dialog: no LITERAL+: each literal waits for '+', each APPEND for its reply" {
	mbox_of '1|body' '2|body' >"$T/box"
	dialog_start imapput-no-literalplus
	run --separate-stderr "$PUT" -v "${DLG[@]}" "imap://127.0.0.1:$DIALOG_PORT" pt-x --mbox "$T/box"
	assert_success
	assert_output $'5\t1\n6\t2'
	# The literal went after the "+", not before.
	grep -A1 '^S: + Ready for literal data$' <<<"$stderr" | grep -q '^-- literal of 20 bytes$'
	dialog_finish
}

@test "dialog: '+' refused by a tagged NO: that message only (exit 1); by BAD: stop, exit 76" {
	mbox_of '1|body' '2|body' >"$T/box"
	dialog_start imapput-plus-refused --connections 2
	run --separate-stderr "$PUT" "${DLG[@]}" "imap://127.0.0.1:$DIALOG_PORT" pt-x --mbox "$T/box"
	assert_failure 1
	assert_output $'9\t2'
	assert_equal "$stderr" "imapput: $T/box: message 1 (octet 0): not stored: NO Message too large for this mailbox"
	run --separate-stderr "$PUT" "${DLG[@]}" "imap://127.0.0.1:$DIALOG_PORT" pt-x < <(printf 'Subject: 1\n\nbody\n')
	assert_failure 76
	assert_output ''
	assert_equal "$stderr" 'imapput: APPEND to pt-x: BAD Invalid arguments (0 messages stored before)'
	dialog_finish
}

@test "dialog: MULTIAPPEND: one command, APPENDUID set in order; refused: each message again alone" {
	mbox_of '1|body' '2|body' '3|body' >"$T/box"
	dialog_start imapput-multiappend --connections 2
	run --separate-stderr "$PUT" "${DLG[@]}" "imap://127.0.0.1:$DIALOG_PORT" pt-x --mbox "$T/box"
	assert_success
	assert_output $'20\t1\n21\t2\n22\t3'
	[ -z "$stderr" ]
	run --separate-stderr "$PUT" "${DLG[@]}" "imap://127.0.0.1:$DIALOG_PORT" pt-x --mbox "$T/box"
	assert_failure 1
	assert_output $'30\t1\n31\t3'
	assert_equal "$stderr" "imapput: $T/box: message 2 (octet 68): not stored: NO Forbidden header"
	dialog_finish
}

@test "dialog: NO [TRYCREATE]: 66 without --create; CREATE then APPEND again; CREATE refused: 73" {
	dialog_start imapput-trycreate --connections 3
	run --separate-stderr "$PUT" "${DLG[@]}" "imap://127.0.0.1:$DIALOG_PORT" pt-x < <(printf 'Subject: a\n\nA\n')
	assert_failure 66
	[[ $stderr == *'add --create to create it'* ]]
	run --separate-stderr "$PUT" "${DLG[@]}" "imap://127.0.0.1:$DIALOG_PORT" pt-x --create < <(printf 'Subject: a\n\nA\n')
	assert_success
	assert_output '1'
	run --separate-stderr "$PUT" "${DLG[@]}" "imap://127.0.0.1:$DIALOG_PORT" pt-x --create < <(printf 'Subject: a\n\nA\n')
	assert_failure 73
	assert_equal "$stderr" 'imapput: CREATE pt-x: NO [NOPERM] Permission denied (0 messages stored before)'
	dialog_finish
}

@test "dialog: NO [OVERQUOTA] on pipelined APPENDs: exit 75 naming how many were stored" {
	mbox_of '1|body' '2|body' '3|body' '4|body' >"$T/box"
	dialog_start imapput-overquota
	run --separate-stderr "$PUT" "${DLG[@]}" "imap://127.0.0.1:$DIALOG_PORT" pt-x --mbox "$T/box"
	assert_failure 75
	assert_output $'1\t1\n2\t2'
	assert_equal "$stderr" 'imapput: APPEND to pt-x: NO [OVERQUOTA] Quota exceeded (mailbox for user is full) (2 messages stored before)'
	dialog_finish
}

@test "dialog: BYE mid-upload: exit 75 saying how many were confirmed stored, no LOGOUT" {
	mbox_of '1|body' '2|body' '3|body' >"$T/box"
	dialog_start imapput-bye
	run --separate-stderr "$PUT" "${DLG[@]}" "imap://127.0.0.1:$DIALOG_PORT" pt-x --mbox "$T/box"
	assert_failure 75
	assert_output $'1\t1\n2\t2'
	assert_equal "$stderr" 'imapput: server closed the session: Server shutting down (2 messages stored before; the others are not confirmed: run again with --skip-existing)'
	dialog_finish
}

@test "dialog: --skip-existing by EXAMINE and one FETCH; no UIDPLUS: no UID lines, exit 0; EXAMINE NO 77, BYE 75" {
	{
		printf 'From x Thu Nov 27 12:11:00 2026\nMessage-ID: <a@b>\n\nhi\n\n'
		printf 'From x Thu Nov 27 12:11:00 2026\nMessage-ID: <new@b>\n\nhi\n\n'
	} >"$T/box"
	dialog_start imapput-examine --connections 3
	run --separate-stderr "$PUT" -v "${DLG[@]}" "imap://127.0.0.1:$DIALOG_PORT" pt-x --skip-existing --mbox "$T/box"
	assert_success
	assert_output ''
	grep -q '^imapput: the server has no UIDPLUS: it tells no UIDs, so none are printed$' <<<"$stderr"
	grep -q "^imapput: $T/box: message 1 (octet 0): skipped: Message-ID <a@b> is in pt-x$" <<<"$stderr"
	grep -q '^imapput: 1 of 2 messages skipped' <<<"$stderr"
	run --separate-stderr "$PUT" "${DLG[@]}" "imap://127.0.0.1:$DIALOG_PORT" pt-x --skip-existing --mbox "$T/box"
	assert_failure 77
	assert_equal "$stderr" 'imapput: EXAMINE pt-x: NO [NOPERM] Permission denied'
	run --separate-stderr "$PUT" "${DLG[@]}" "imap://127.0.0.1:$DIALOG_PORT" pt-x --skip-existing --mbox "$T/box"
	assert_failure 75
	dialog_finish
}
