#!/usr/bin/env bats
# mailsend end to end: through the private Postfix (submission with
# STARTTLS and AUTH) into Dovecot, where the delivered message must be the
# input byte for byte; against scripted dialogs for the protocol details
# and the failures real servers will not produce on demand; and bad input,
# which must be refused before any connection.

# Deliveries go to alice and bob only: carol's INBOX belongs to
# mailtalk.bats, which counts its messages.

setup() {
	load helpers
	MS="$MP_BIN/mailsend"
	FIX="$MP_ROOT/tests/fixtures/mailsend"
	T=$BATS_TEST_TMPDIR
	SUBMIT=(--url "smtp://alice@localhost:$MP_SUBMIT_PORT" --cacert "$MP_CACERT"
		--password-cmd "$(pwcmd alice)")
	# A port nobody listens on: the bad-input tests must fail before
	# connecting (a connection attempt would give 75 instead).
	NOWHERE=(--insecure --url "smtp://127.0.0.1:$(closed_port)")
}

teardown() {
	dialog_stop
}

# ------------------------------------------------------------------ helpers

# Fails when the command succeeds ("! cmd" does not fail a bats test).
none() {
	if "$@"; then
		echo "should have failed: $*"
		return 1
	fi
}

# A Message-ID no other test (or run) uses.
new_id() {
	printf '<mailsend-%s-%s-%s%s@example.test>' "$BATS_TEST_NUMBER" "$$" "$RANDOM" "$RANDOM"
}

# The header of a test message with its own Date and Message-ID, so that
# mailsend adds nothing: head_of ID SUBJECT [TO]
head_of() {
	printf 'From: Alice <alice@example.test>\nTo: %s\nSubject: %s\nDate: Mon, 1 Jan 2024 12:00:00 +0000\nMessage-ID: %s\n' \
		"${3:-Bob <bob@example.test>}" "$2" "$1"
}

# mailsend through the submission port as alice.
submit() {
	run --separate-stderr "$MS" "${SUBMIT[@]}" "$@"
}

# mailsend against the dialog server started last.
send_dialog() {
	run --separate-stderr "$MS" --insecure --timeout 5 --helo client.example \
		--url "smtp://127.0.0.1:$DIALOG_PORT" "$@"
}

# The path of the message with Message-ID $2 in user $1's maildir, once
# Dovecot has delivered it (at most ${3:-10} s).
delivered() {
	local dir=$MP_MAIL_DIR/$1/Maildir f i
	for ((i = 0; i < ${3:-10} * 20; i++)); do
		f=$(grep -lF -- "Message-ID: $2" "$dir"/new/* "$dir"/cur/* 2>/dev/null | head -n 1)
		if [ -n "$f" ]; then
			echo "$f"
			return 0
		fi
		sleep 0.05
	done
	echo "no message with Message-ID $2 for $1 within ${3:-10} s" >&2
	return 1
}

# A delivered file without the leading block of fields the servers put on
# top: Return-Path, Delivered-To and Received with their continuations.
strip_trace() {
	perl -0777 -pe 's/\A(?:(?:Return-Path|Delivered-To|Received):.*\n(?:[ \t].*\n)*)*//' "$1"
}

# The copy user $1 got of message $2 equals file $3 octet for octet.
assert_delivered_as() {
	local f
	f=$(delivered "$1" "$2" "${4:-10}")
	strip_trace "$f" >"$T/delivered.$1"
	if ! cmp "$3" "$T/delivered.$1"; then
		diff -u "$3" "$T/delivered.$1" | head -n 40
		return 1
	fi
}

# The lines between the envelope's first command and the first reply that
# follows it in a -v transcript ($stderr): one write when pipelined.
first_batch() {
	grep -E '^[CS]: ' <<<"$stderr" | sed -n '/^C: MAIL FROM:/,/^S: /p'
}

# ------------------------------------------ through Postfix into Dovecot

@test "Postfix: a plain ASCII message arrives byte for byte" {
	id=$(new_id)
	{
		head_of "$id" "plain ASCII"
		printf '\nHello Bob,\n\nplain text: ~!@#$%%^&*()_+{}|:"<>?`-=[]\\;'"'"',./\n\tindented\n -- \nAlice\n'
	} >"$T/msg"
	submit bob@example.test <"$T/msg"
	assert_success
	assert_equal "$stderr" ''
	assert_output ''
	assert_delivered_as bob "$id" "$T/msg"
}

@test "Postfix: an 8-bit UTF-8 body arrives unchanged" {
	id=$(new_id)
	{
		head_of "$id" "=?UTF-8?Q?Gr=C3=BC=C3=9Fe?="
		printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n'
		printf '\nGrüße aus Genf – naïve café.\nΕλληνικά, русский, 日本語, emoji 📨.\n\xc2\xa0non-breaking space line\n'
	} >"$T/msg"
	submit -v bob@example.test <"$T/msg"
	assert_success
	grep -q '^C: MAIL FROM:<alice@example.test> .*BODY=8BITMIME' <<<"$stderr"
	assert_delivered_as bob "$id" "$T/msg"
}

@test "Postfix: lines starting with '.' and '..' arrive unchanged" {
	id=$(new_id)
	{
		head_of "$id" "dots"
		printf '\n.one dot\n..two dots\n...three dots\n.\tdot and tab\n. dot and space\n..\n...\nend.\n'
	} >"$T/msg"
	submit alice@example.test <"$T/msg"
	assert_success
	assert_equal "$stderr" ''
	assert_delivered_as alice "$id" "$T/msg"
}

@test "Postfix: a lone '.' line is kept with -i and with -oi (other -o ignored)" {
	for opt in -i -oi; do
		id=$(new_id)
		{
			head_of "$id" "lone dot $opt"
			printf '\nbefore\n.\nafter the lone dot\n.\n'
		} >"$T/msg"
		submit "$opt" -oem -odb bob@example.test <"$T/msg"
		assert_success
		assert_equal "$stderr" ''
		assert_delivered_as bob "$id" "$T/msg"
	done
}

@test "Postfix: LF-only input arrives unchanged" {
	id=$(new_id)
	{
		head_of "$id" "LF only"
		printf '\nline one\nline two\n\n\nafter two empty lines\n'
	} >"$T/msg"
	none grep -q $'\r' "$T/msg"
	submit alice@example.test <"$T/msg"
	assert_success
	assert_equal "$stderr" ''
	assert_delivered_as alice "$id" "$T/msg"
}

@test "Postfix: CRLF input arrives as the same lines" {
	id=$(new_id)
	{
		head_of "$id" "CRLF"
		printf '\nline one\nline two\n\n.dot line\nlast\n'
	} >"$T/lf"
	sed 's/$/\r/' "$T/lf" >"$T/crlf"
	[ "$(grep -c $'\r$' "$T/crlf")" -eq "$(wc -l <"$T/lf")" ]
	submit bob@example.test <"$T/crlf"
	assert_success
	assert_equal "$stderr" ''
	# The maildir stores LF line ends.
	assert_delivered_as bob "$id" "$T/lf"
}

@test "Postfix: a message without a final newline arrives with one added" {
	id=$(new_id)
	{
		head_of "$id" "no final newline"
		printf '\nfirst line\nthe last line has no end'
	} >"$T/msg"
	[ "$(tail -c 1 "$T/msg")" = d ]
	submit alice@example.test <"$T/msg"
	assert_success
	assert_equal "$stderr" ''
	{ cat "$T/msg"; echo; } >"$T/expected"
	assert_delivered_as alice "$id" "$T/expected"
}

@test "Postfix: a 998-octet line is accepted and arrives whole" {
	id=$(new_id)
	{
		head_of "$id" "998 octets"
		printf '\n'
		head -c 998 /dev/zero | tr '\0' x
		printf '\n.'
		head -c 997 /dev/zero | tr '\0' y
		printf '\nend\n'
	} >"$T/msg"
	submit bob@example.test <"$T/msg"
	assert_success
	assert_equal "$stderr" ''
	assert_delivered_as bob "$id" "$T/msg"
}

@test "Postfix: a large file is checked as it is sent: a bad line near the end, exit 65, nothing delivered" {
	id=$(new_id)
	{
		head_of "$id" "bad at the end"
		printf '\n'
		awk 'BEGIN { for (i = 0; i < 40000; i++) printf "line %08d of a message that is larger than one MiB\n", i }'
		printf 'a bare\rCR\n'
	} >"$T/bad"
	[ "$(stat -c %s "$T/bad")" -gt 1100000 ]
	submit bob@example.test <"$T/bad"
	assert_failure 65
	[[ "$stderr" == "mailsend: line "*": bare CR" ]]
	# The transfer was abandoned without its final "." line: Postfix
	# throws the message away.
	run delivered bob "$id" 3
	assert_failure
}

@test "Postfix: a large file with a lone '.' line (no -i) ends there" {
	id=$(new_id)
	{
		head_of "$id" "large, dot-ended"
		printf '\n'
		awk 'BEGIN { for (i = 0; i < 40000; i++) printf "line %08d of a message that is larger than one MiB\n", i }'
	} >"$T/want"
	{ cat "$T/want"; printf '.\nnot part of the message\n'; } >"$T/in"
	submit bob@example.test <"$T/in"
	assert_success
	assert_delivered_as bob "$id" "$T/want"
}

@test "Postfix: a 20 MB message arrives whole (peak RSS printed)" {
	id=$(new_id)
	{
		head_of "$id" "20 MB"
		printf '\n'
		# 280000 lines of 75 octets; every 97th starts with a dot.
		awk 'BEGIN { for (i = 0; i < 280000; i++)
			printf "%s%08d the quick brown fox jumps over the lazy dog 0123456789 ABCDEFGHIJ\n",
			    (i % 97 == 0 ? "." : "x"), i }'
	} >"$T/big"
	size=$(stat -c %s "$T/big")
	[ "$size" -gt 20000000 ]
	if [ -x /usr/bin/time ]; then
		submit_rss() { /usr/bin/time -f %M -o "$T/rss" "$MS" "${SUBMIT[@]}" "$@"; }
		run --separate-stderr submit_rss bob@example.test <"$T/big"
	else
		submit bob@example.test <"$T/big"
	fi
	assert_success
	assert_equal "$stderr" ''
	f=$(delivered bob "$id" 30)
	strip_trace "$f" >"$T/delivered"
	[ "$(stat -c %s "$T/delivered")" -eq "$size" ]
	cmp "$T/big" "$T/delivered"
	rm -f "$f" # keep the other tests' maildir searches fast
	if [ -s "$T/rss" ]; then
		echo "# mailsend peak RSS for a $size-octet message from a file: $(cat "$T/rss") KiB" >&3
	else
		echo "# /usr/bin/time is missing: peak RSS not measured" >&3
	fi
}

# A message of exactly $2 octets once its line ends are CR LF, in file $3:
# a test header with Message-ID $1, then 76-octet lines.
sized_msg() {
	python3 - "$@" <<-'EOF'
	import sys
	msgid, size, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
	lines = ["From: Alice <alice@example.test>", "To: Bob <bob@example.test>",
	         "Subject: %d octets" % size, "Date: Mon, 1 Jan 2024 12:00:00 +0000",
	         "Message-ID: " + msgid, ""]
	total = sum(len(l) + 2 for l in lines)
	i = 0
	while total + 78 + 80 <= size:
	    lines.append(("." if i % 50 == 0 else "x") + "%075d" % i)
	    total += 78
	    i += 1
	lines.append("y" * (size - total - 2))
	assert sum(len(l) + 2 for l in lines) == size and len(lines[-1]) <= 998
	open(path, "w").write("".join(l + "\n" for l in lines))
	EOF
}

@test "Postfix: 1 MiB and 1 MiB + 1 from a pipe: BDAT LAST, then DATA; both arrive whole" {
	for size in 1048576 1048577; do
		id=$(new_id)
		sized_msg "$id" "$size" "$T/msg"
		[ "$(sed 's/$/\r/' "$T/msg" | wc -c)" -eq "$size" ]
		# < <(cat): stdin is a pipe, spooled by mailsend.
		submit -v bob@example.test < <(cat "$T/msg")
		assert_success
		grep -q "^C: MAIL FROM:<alice@example.test> SIZE=$size\$" <<<"$stderr"
		if [ "$size" -le 1048576 ]; then
			grep -q "^C: BDAT $size LAST\$" <<<"$stderr"
		else
			grep -q '^C: DATA$' <<<"$stderr"
			none grep -q '^C: BDAT' <<<"$stderr"
		fi
		assert_delivered_as bob "$id" "$T/msg"
	done
}

@test "Postfix: missing Date and Message-ID are added, From from -f and -F" {
	subject="generated $$-$RANDOM$RANDOM"
	printf 'To: alice@example.test\nSubject: %s\n\nno Date, no Message-ID, no From\n' "$subject" >"$T/msg"
	submit -f alice@example.test -F 'Alice Example' alice@example.test <"$T/msg"
	assert_success
	assert_equal "$stderr" ''
	f=""
	for _ in $(seq 200); do
		f=$(grep -lF -- "Subject: $subject" "$MP_MAIL_DIR"/alice/Maildir/{new,cur}/* 2>/dev/null | head -n 1) && [ -n "$f" ] && break
		sleep 0.05
	done
	[ -n "$f" ]
	strip_trace "$f" >"$T/delivered"
	hdr=$(sed '/^$/q' "$T/delivered")
	[ "$(grep -c '^Date: ' <<<"$hdr")" -eq 1 ]
	[ "$(grep -ci '^Message-ID: ' <<<"$hdr")" -eq 1 ]
	grep -qE '^Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}$' <<<"$hdr"
	grep -qE '^Message-ID: <[0-9a-f]{32}\.[0-9]+@example\.test>$' <<<"$hdr"
	grep -qx 'From: Alice Example <alice@example.test>' <<<"$hdr"
	# The input follows the added fields unchanged.
	tail -n 4 "$T/delivered" | cmp - "$T/msg"
}

@test "Postfix: --no-add-headers adds no Date or Message-ID of mailsend's" {
	subject="not generated $$-$RANDOM$RANDOM"
	printf 'From: alice@example.test\nTo: alice@example.test\nSubject: %s\n\nno Date, no Message-ID\n' "$subject" >"$T/msg"
	submit -v --no-add-headers alice@example.test <"$T/msg"
	assert_success
	# What went out is the input: SIZE counts its octets with CR LF.
	grep -q "^C: MAIL FROM:<alice@example.test> SIZE=$(sed 's/$/\r/' "$T/msg" | wc -c)\$" <<<"$stderr"
	f=""
	for _ in $(seq 200); do
		f=$(grep -lF -- "Subject: $subject" "$MP_MAIL_DIR"/alice/Maildir/{new,cur}/* 2>/dev/null | head -n 1) && [ -n "$f" ] && break
		sleep 0.05
	done
	[ -n "$f" ]
	# Postfix may add fields of its own, but not in mailsend's format.
	none grep -qE '^Message-ID: <[0-9a-f]{32}\.[0-9]+@example\.test>$' "$f"
	grep -qx 'no Date, no Message-ID' "$f"
}

@test "Postfix: -t sends to To, Cc and Bcc; no copy shows the Bcc field" {
	# alice gets two copies: as alice+cc (Cc) and as alice+bcc (Bcc).
	id=$(new_id)
	{
		printf 'From: Alice <alice@example.test>\nTo: Bob <bob@example.test>\nCc: alice+cc@example.test\n'
		printf 'Bcc: "Blind Alice"\n <alice+bcc@example.test>\n'
		printf 'Subject: -t\nDate: Mon, 1 Jan 2024 12:00:00 +0000\nMessage-ID: %s\n\nwho got this?\n' "$id"
	} >"$T/msg"
	submit -v -t <"$T/msg"
	assert_success
	[ "$(grep -c '^C: RCPT TO:' <<<"$stderr")" -eq 3 ]
	grep -qx 'C: RCPT TO:<alice+bcc@example.test>' <<<"$stderr"
	grep -v -e '^Bcc:' -e '^ <alice+bcc@' "$T/msg" >"$T/expected"
	[ "$(wc -l <"$T/expected")" -eq $(($(wc -l <"$T/msg") - 2)) ]
	assert_delivered_as bob "$id" "$T/expected"
	none grep -qi -e '^bcc:' -e 'Blind Alice' -e 'alice+bcc' "$T/delivered.bob"
	for _ in $(seq 200); do
		mapfile -t copies < <(grep -lF -- "Message-ID: $id" "$MP_MAIL_DIR"/alice/Maildir/{new,cur}/* 2>/dev/null)
		[ "${#copies[@]}" -ge 2 ] && break
		sleep 0.05
	done
	[ "${#copies[@]}" -eq 2 ] || { echo "alice got ${#copies[@]} copies, not 2"; false; }
	for f in "${copies[@]}"; do
		strip_trace "$f" >"$T/delivered"
		cmp "$T/expected" "$T/delivered"
		none grep -qi -e '^bcc:' -e 'Blind Alice' "$T/delivered"
	done
}

@test "Postfix: --partial with a refused recipient: exit 1, JSON report, two delivered" {
	id=$(new_id)
	{ head_of "$id" "partial"; printf '\nto two of three\n'; } >"$T/msg"
	submit --partial --report json bob@example.test nobody@example.test alice@example.test <"$T/msg"
	assert_failure 1
	assert_equal "$stderr" "mailsend: <nobody@example.test>: 550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown in virtual mailbox table"
	python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' <<<"$output"
	printf '%s\n' "$output" >"$T/report"
	python3 - "$T/report" "$(sed 's/$/\r/' "$T/msg" | wc -c)" <<-'EOF'
	import json, sys
	lines = [json.loads(l) for l in open(sys.argv[1])]
	assert len(lines) == 4, lines
	want = [("bob@example.test", True), ("nobody@example.test", False),
	        ("alice@example.test", True)]
	for got, (addr, ok) in zip(lines, want):
	    assert got["type"] == "recipient", got
	    assert got["address"] == addr, got
	    assert got["accepted"] is ok, got
	    assert got["code"] == (250 if ok else 550), got
	    assert got["enhanced"] == ("2.1.5" if ok else "5.1.1"), got
	    assert isinstance(got["text"], str) and got["text"], got
	m = lines[3]
	assert m["type"] == "message", m
	assert m["status"] == "partial", m
	assert m["exit"] == 1, m
	assert m["code"] == 250 and m["enhanced"] == "2.0.0", m
	assert "queued as" in m["text"], m
	assert m["recipients"] == 3 and m["accepted"] == 2, m
	assert m["size"] == int(sys.argv[2]), m
	EOF
	assert_delivered_as bob "$id" "$T/msg"
	assert_delivered_as alice "$id" "$T/msg"
}

@test "Postfix: a refused recipient by default: exit 67, nothing sent, --report-file" {
	id=$(new_id)
	{ head_of "$id" "all or nothing"; printf '\nto nobody at all\n'; } >"$T/msg"
	submit -v --report-file "$T/report" bob@example.test nobody@example.test <"$T/msg"
	assert_failure 67
	assert_output ''
	grep -q '^C: RSET$' <<<"$stderr"
	none grep -qE '^C: (DATA|BDAT)' <<<"$stderr"
	refused='<nobody@example.test>: 550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown in virtual mailbox table'
	msgs=$(grep '^mailsend: ' <<<"$stderr")
	assert_equal "$msgs" "mailsend: 1 of 2 recipients refused; $refused"
	python3 - "$T/report" <<-'EOF'
	import json, sys
	lines = [json.loads(l) for l in open(sys.argv[1])]
	assert [l["type"] for l in lines] == ["recipient", "recipient", "message"], lines
	assert [l["accepted"] for l in lines[:2]] == [True, False], lines
	m = lines[2]
	assert m["status"] == "failed" and m["exit"] == 67, m
	assert m["accepted"] == 1 and m["recipients"] == 2, m
	EOF
	# Nothing for bob: another message sent after it arrives first.
	id2=$(new_id)
	{ head_of "$id2" "after all or nothing"; printf '\nmarker\n'; } >"$T/msg2"
	submit bob@example.test <"$T/msg2"
	assert_success
	delivered bob "$id2" >/dev/null
	none grep -qF -- "Message-ID: $id" "$MP_MAIL_DIR"/bob/Maildir/{new,cur}/* 2>/dev/null
}

@test "Postfix: SMTPS with implicit TLS" {
	id=$(new_id)
	{ head_of "$id" "smtps"; printf '\nover implicit TLS\n'; } >"$T/msg"
	run --separate-stderr "$MS" --url "smtps://alice@localhost:$MP_SMTPS_PORT" \
		--cacert "$MP_CACERT" --password-cmd "$(pwcmd alice)" bob@example.test <"$T/msg"
	assert_success
	assert_equal "$stderr" ''
	assert_delivered_as bob "$id" "$T/msg"
}

@test "Postfix: port 25 style without TLS or login (--insecure), pipelined BDAT" {
	id=$(new_id)
	{ head_of "$id" "mx"; printf '\n.through the MX port\n'; } >"$T/msg"
	run --separate-stderr "$MS" -v --insecure --url "smtp://localhost:$MP_MX_PORT" alice@example.test <"$T/msg"
	assert_success
	n=$(sed 's/$/\r/' "$T/msg" | wc -c)
	assert_equal "$(first_batch)" "C: MAIL FROM:<alice@example.test> SIZE=$n
C: RCPT TO:<alice@example.test>
C: BDAT $n LAST
S: 250 2.1.0 Ok"
	assert_delivered_as alice "$id" "$T/msg"
}

@test "Postfix: the list alias reaches alice and bob" {
	id=$(new_id)
	{ head_of "$id" "list" "list@example.test"; printf '\nto the list\n'; } >"$T/msg"
	submit list@example.test <"$T/msg"
	assert_success
	assert_delivered_as alice "$id" "$T/msg"
	assert_delivered_as bob "$id" "$T/msg"
}

@test "Postfix: wrong password: exit 77, nothing sent" {
	printf 'From: alice@example.test\nSubject: x\n\nx\n' >"$T/msg"
	run --separate-stderr "$MS" --url "smtp://alice@localhost:$MP_SUBMIT_PORT" --cacert "$MP_CACERT" \
		--password-cmd 'echo wrong-password' bob@example.test <"$T/msg"
	assert_failure 77
	[ "$(lines_of "$stderr")" -eq 1 ]
	[[ "$stderr" == "mailsend: "*"alice"* ]]
}

# ----------------------------------------------------------------- dialogs

@test "dialog: the lecture's EHLO -> 500 -> HELO, MAIL FROM:<> with -f '' and -f '<>'" {
	dialog_start mailsend/lecture-helo
	for f in '' '<>'; do
		run --separate-stderr "$MS" --insecure --timeout 5 --helo crnvma.cern.ch \
			--url "smtp://127.0.0.1:$DIALOG_PORT" -i -f "$f" ysemenov@cernvm.cern.ch <"$FIX/lecture.eml"
		assert_success
		assert_equal "$stderr" ''
	done
	dialog_finish
}

@test "dialog: without -i a lone '.' line ends the input" {
	dialog_start mailsend/dot-ends-input
	send_dialog -f '' ysemenov@cernvm.cern.ch <"$FIX/lecture.eml"
	assert_success
	assert_equal "$stderr" ''
	dialog_finish
}

@test "dialog: PIPELINING: MAIL and three RCPTs in one batch, then DATA" {
	dialog_start mailsend/pipelining
	send_dialog -v a@example.test b@example.test c@example.test <"$FIX/plain.eml"
	assert_success
	assert_equal "$(first_batch)" "C: MAIL FROM:<alice@example.test>
C: RCPT TO:<a@example.test>
C: RCPT TO:<b@example.test>
C: RCPT TO:<c@example.test>
S: 250 2.1.0 Ok"
	none grep -v '^[CS]: \|^-- ' <<<"$stderr"
	dialog_finish
}

@test "dialog: RCPT 550 among three: RSET, QUIT, exit 67, the recipient named" {
	dialog_start mailsend/rcpt-550
	send_dialog a@example.test b@example.test c@example.test <"$FIX/plain.eml"
	assert_failure 67
	assert_output ''
	assert_equal "$stderr" "mailsend: 1 of 3 recipients refused; <b@example.test>: 550 5.1.1 <b@example.test>: Recipient address rejected: User unknown"
	dialog_finish
}

@test "dialog: RCPT 550 among three without PIPELINING: RSET, exit 67" {
	dialog_start mailsend/rcpt-550-lockstep
	send_dialog a@example.test b@example.test c@example.test <"$FIX/plain.eml"
	assert_failure 67
	assert_equal "$stderr" "mailsend: 1 of 3 recipients refused; <b@example.test>: 550 5.1.1 <b@example.test>: Recipient address rejected: User unknown"
	dialog_finish
}

@test "dialog: RCPT 550 among three with --partial: DATA sent, exit 1" {
	dialog_start mailsend/rcpt-550-partial
	send_dialog --partial --report json a@example.test b@example.test c@example.test <"$FIX/plain.eml"
	assert_failure 1
	assert_equal "$stderr" "mailsend: <b@example.test>: 550 5.1.1 <b@example.test>: Recipient address rejected: User unknown"
	[ "$(lines_of "$output")" -eq 4 ]
	assert_line --index 1 --partial '"address":"b@example.test"'
	assert_line --index 1 --partial '"accepted":false'
	assert_line --index 3 --partial '"status":"partial"'
	assert_line --index 3 --partial '"text":"2.0.0 Ok: queued as PART1"'
	dialog_finish
}

@test "dialog: 451 on RCPT: exit 75" {
	dialog_start mailsend/rcpt-451
	send_dialog --report json bob@example.test <"$FIX/plain.eml"
	assert_failure 75
	[ "$(lines_of "$stderr")" -eq 1 ]
	[[ "$stderr" == "mailsend: "*"<bob@example.test>: 451 4.7.1 <bob@example.test>: Recipient address rejected: Greylisted, try again later" ]]
	assert_line --index 1 --partial '"status":"failed"'
	assert_line --index 1 --partial '"exit":75'
	dialog_finish
}

@test "dialog: one RCPT 452, one 550, one 250: exit 67 (the permanent refusal decides)" {
	dialog_start mailsend/rcpt-mixed
	send_dialog a@example.test b@example.test c@example.test <"$FIX/plain.eml"
	assert_failure 67
	[ "$(lines_of "$stderr")" -eq 3 ]
	assert_equal "$(sed -n 1p <<<"$stderr")" "mailsend: <a@example.test>: 452 4.2.2 <a@example.test>: Mailbox full"
	assert_equal "$(sed -n 2p <<<"$stderr")" "mailsend: <b@example.test>: 550 5.1.1 <b@example.test>: User unknown"
	dialog_finish
}

@test "dialog: every recipient refused for now (452, 451): exit 75" {
	dialog_start mailsend/rcpt-all-4xx
	send_dialog a@example.test b@example.test <"$FIX/plain.eml"
	assert_failure 75
	[ "$(lines_of "$stderr")" -eq 3 ]
	assert_equal "$(sed -n 1p <<<"$stderr")" "mailsend: <a@example.test>: 452 4.2.2 <a@example.test>: Mailbox full"
	assert_equal "$(sed -n 2p <<<"$stderr")" "mailsend: <b@example.test>: 451 4.3.0 <b@example.test>: Temporary lookup failure"
	dialog_finish
}

@test "dialog: an unparsable reply to RCPT: exit 76" {
	dialog_start mailsend/rcpt-garbage
	send_dialog bob@example.test <"$FIX/plain.eml"
	assert_failure 76
	[ "$(lines_of "$stderr")" -eq 1 ]
	[[ "$stderr" == "mailsend: "*"2.1.5 Ok"* ]]
	dialog_finish
}

@test "dialog: 451 to MAIL: exit 75" {
	dialog_start mailsend/mail-451
	send_dialog bob@example.test <"$FIX/plain.eml"
	assert_failure 75
	[ "$(lines_of "$stderr")" -eq 1 ]
	[[ "$stderr" == "mailsend: "*"451 4.3.0 Temporary lookup failure"* ]]
	dialog_finish
}

@test "dialog: connection closed after greeting, EHLO, MAIL, RCPT or 354: exit 75 each" {
	dialog_start mailsend/drops
	for step in greeting EHLO MAIL RCPT 354; do
		send_dialog bob@example.test <"$FIX/plain.eml"
		[ "$status" -eq 75 ] || { echo "closed after $step: exit $status"; false; }
		[ "$(lines_of "$stderr")" -eq 1 ]
		[[ "$stderr" == "mailsend: "* ]]
	done
	dialog_finish
}

@test "dialog: 552 after the DATA body: exit 69" {
	dialog_start mailsend/data-552
	send_dialog bob@example.test <"$FIX/plain.eml"
	assert_failure 69
	[ "$(lines_of "$stderr")" -eq 1 ]
	[[ "$stderr" == "mailsend: "*"552 5.3.4 Message size exceeds fixed limit"* ]]
	dialog_finish
}

@test "dialog: 554 to MAIL: exit 69, no RCPT" {
	dialog_start mailsend/mail-554
	run --separate-stderr "$MS" --insecure --timeout 5 --url "smtp://127.0.0.1:$DIALOG_PORT" \
		-f spammer@example.test bob@example.test <"$FIX/plain.eml"
	assert_failure 69
	[ "$(lines_of "$stderr")" -eq 1 ]
	[[ "$stderr" == "mailsend: "*"spammer@example.test"*"554 5.7.1"* ]]
	dialog_finish
}

@test "dialog: 554 to a pipelined MAIL: exit 69" {
	dialog_start mailsend/mail-554-pipelined
	send_dialog -f spammer@example.test bob@example.test <"$FIX/plain.eml"
	assert_failure 69
	# The RCPT's own reply (503, for want of a MAIL) says nothing about
	# the recipient: one line, the sender's refusal.
	[ "$(lines_of "$stderr")" -eq 1 ]
	[[ "$stderr" == "mailsend: "*"spammer@example.test"*"554 5.7.1"* ]]
	dialog_finish
}

@test "dialog: connection closed after the DATA body, before the reply: exit 75" {
	dialog_start mailsend/drop-after-data
	send_dialog --report json bob@example.test <"$FIX/plain.eml"
	assert_failure 75
	[ "$(lines_of "$stderr")" -eq 1 ]
	[[ "$stderr" == "mailsend: "* ]]
	assert_line --index 1 --partial '"status":"failed"'
	assert_line --index 1 --partial '"exit":75'
	dialog_finish
}

@test "dialog: connection closed after BDAT LAST, before any reply: exit 75" {
	dialog_start mailsend/drop-after-bdat
	send_dialog bob@example.test <"$FIX/plain.eml"
	assert_failure 75
	[ "$(lines_of "$stderr")" -eq 1 ]
	dialog_finish
}

@test "dialog: a server silent after the DATA body: exit 75 within --timeout" {
	dialog_start mailsend/stall --timeout 4
	SECONDS=0
	run --separate-stderr "$MS" --insecure --timeout 1 --helo client.example \
		--url "smtp://127.0.0.1:$DIALOG_PORT" bob@example.test <"$FIX/plain.eml"
	assert_failure 75
	[ "$SECONDS" -le 3 ]
	[ "$(lines_of "$stderr")" -eq 1 ]
	[[ "$stderr" == "mailsend: "*"1 s"* ]]
}

@test "dialog: 421 greeting: exit 75" {
	dialog_start mailsend/greeting-421
	send_dialog bob@example.test <"$FIX/plain.eml"
	assert_failure 75
	[ "$(lines_of "$stderr")" -eq 1 ]
	[[ "$stderr" == "mailsend: "*"421"* ]]
	dialog_finish
}

@test "dialog: a reply that is not SMTP: exit 76" {
	dialog_start mailsend/garbage
	send_dialog bob@example.test <"$FIX/plain.eml"
	assert_failure 76
	[ "$(lines_of "$stderr")" -eq 1 ]
	[[ "$stderr" == "mailsend: "*"HTTP/1.1 400 Bad Request"* ]]
	dialog_finish
}

@test "dialog: --mode send, soml and saml: SEND/SOML/SAML FROM accepted" {
	dialog_start mailsend/modes
	for mode in send soml saml; do
		send_dialog --mode "$mode" bob@example.test <"$FIX/plain.eml"
		assert_success
		assert_equal "$stderr" ''
	done
	dialog_finish
}

@test "dialog: --mode send, soml and saml refused with 502: exit 69" {
	dialog_start mailsend/modes-502
	for mode in send soml saml; do
		send_dialog --mode "$mode" bob@example.test <"$FIX/plain.eml"
		assert_failure 69
		[ "$(lines_of "$stderr")" -le 2 ]
		verb=${mode^^}
		[[ "$(tail -n 1 <<<"$stderr")" == "mailsend: "*"$verb"*"502 5.5.2"* ]]
	done
	dialog_finish
}

@test "dialog: SIZE limit exceeded: only QUIT after EHLO, exit 69" {
	{ cat "$FIX/plain.eml"; for i in $(seq 20); do printf 'padding line %02d to pass the limit of one thousand octets\n' "$i"; done; } >"$T/msg"
	[ "$(stat -c %s "$T/msg")" -gt 1000 ]
	dialog_start mailsend/size-limit
	send_dialog bob@example.test <"$T/msg"
	assert_failure 69
	[ "$(lines_of "$stderr")" -eq 1 ]
	[[ "$stderr" == "mailsend: "*"1000"* ]]
	dialog_finish
}

@test "dialog: SIZE=n is the CRLF size, from a file and from a pipe" {
	[ "$(stat -c %s "$FIX/plain.crlf")" -eq 223 ]
	dialog_start mailsend/size-param
	send_dialog bob@example.test <"$FIX/plain.eml"
	assert_success
	send_dialog bob@example.test < <(cat "$FIX/plain.eml")
	assert_success
	dialog_finish
}

@test "dialog: DSN: RET, ENVID, NOTIFY and ORCPT (xtext)" {
	dialog_start mailsend/dsn
	send_dialog -N success,failure -R hdrs -V 'QQ 314+1' bob@example.test carol+dsn@example.test <"$FIX/plain.eml"
	assert_success
	assert_equal "$stderr" ''
	dialog_finish
}

@test "dialog: DSN: -N never" {
	dialog_start mailsend/dsn-never
	send_dialog -N never bob@example.test <"$FIX/plain.eml"
	assert_success
	dialog_finish
}

@test "dialog: DSN asked for, not offered: only QUIT after EHLO, exit 69" {
	dialog_start mailsend/dsn-not-offered
	send_dialog -N failure bob@example.test <"$FIX/plain.eml"
	assert_failure 69
	[ "$(lines_of "$stderr")" -eq 1 ]
	[[ "$stderr" == "mailsend: "*"DSN"* ]]
	dialog_finish
}

@test "dialog: 8-bit body and 8BITMIME offered: BODY=8BITMIME" {
	dialog_start mailsend/8bitmime
	send_dialog bob@example.test <"$FIX/eightbit.eml"
	assert_success
	assert_equal "$stderr" ''
	dialog_finish
}

@test "dialog: 8-bit body, no 8BITMIME (ESMTP, then HELO only): exit 65, nothing sent" {
	dialog_start mailsend/no-8bitmime
	for _ in 1 2; do
		send_dialog bob@example.test <"$FIX/eightbit.eml"
		assert_failure 65
		[ "$(lines_of "$stderr")" -eq 1 ]
		[[ "$stderr" == "mailsend: "*"8BITMIME"* ]]
	done
	dialog_finish
}

@test "dialog: UTF-8 recipient and SMTPUTF8 offered" {
	dialog_start mailsend/smtputf8
	send_dialog 'δοκιμή@example.test' <"$FIX/plain.eml"
	assert_success
	assert_equal "$stderr" ''
	dialog_finish
}

@test "dialog: UTF-8 recipient, no SMTPUTF8: exit 65, nothing sent" {
	dialog_start mailsend/no-smtputf8
	send_dialog 'δοκιμή@example.test' <"$FIX/plain.eml"
	assert_failure 65
	[ "$(lines_of "$stderr")" -eq 1 ]
	[[ "$stderr" == "mailsend: "*"SMTPUTF8"* ]]
	dialog_finish
}

@test "dialog: PIPELINING and CHUNKING: MAIL, RCPT, BDAT n LAST in one round trip" {
	n=$(sed 's/$/\r/' "$FIX/plain.eml" | wc -c)
	[ "$n" -eq 223 ] # the number in bdat.dialog
	dialog_start mailsend/bdat
	send_dialog -v bob@example.test <"$FIX/plain.eml"
	assert_success
	assert_equal "$(first_batch)" "C: MAIL FROM:<alice@example.test> SIZE=$n
C: RCPT TO:<bob@example.test>
C: BDAT $n LAST
S: 250 2.1.0 Ok"
	dialog_finish
}

@test "dialog: a source route is sent as given" {
	dialog_start mailsend/source-route
	send_dialog '@ONE,@TWO:VANJA@THREE' <"$FIX/plain.eml"
	assert_success
	assert_equal "$stderr" ''
	dialog_finish
}

@test "dialog: -t on a resent message: Resent-To/-Bcc plus arguments, both Bcc removed" {
	dialog_start mailsend/resent
	send_dialog -v -t -f carol@example.test heidi@example.test <"$FIX/resent.eml"
	assert_success
	rcpts=$(grep '^C: RCPT TO:' <<<"$stderr" | sort)
	assert_equal "$rcpts" "C: RCPT TO:<dave@example.test>
C: RCPT TO:<erin@example.test>
C: RCPT TO:<frank@example.test>
C: RCPT TO:<grace@example.test>
C: RCPT TO:<heidi@example.test>"
	dialog_finish
}

@test "dialog: a resent message without -f: the envelope sender is Resent-From" {
	dialog_start mailsend/resent
	send_dialog -t heidi@example.test <"$FIX/resent.eml"
	assert_success
	dialog_finish
}

@test "dialog: an mbox 'From ' line before the header is dropped" {
	dialog_start mailsend/mbox-from
	send_dialog bob@example.test <"$FIX/mbox-from.eml"
	assert_success
	dialog_finish
}

@test "dialog: seventy Bcc fields, none of them sent" {
	[ "$(grep -c '^Bcc:' "$FIX/many-bcc.eml")" -eq 70 ]
	dialog_start mailsend/many-bcc
	send_dialog bob@example.test <"$FIX/many-bcc.eml"
	dialog_finish # its report shows the first Bcc sent
	assert_success
}

# --------------------------------------------------------------- bad input

@test "bad input: a bare CR: exit 65 naming the line" {
	printf 'Subject: x\n\nab\rc\n' >"$T/msg"
	run --separate-stderr "$MS" "${NOWHERE[@]}" bob@example.test <"$T/msg"
	assert_failure 65
	assert_equal "$stderr" "mailsend: line 3: bare CR"
	# At the very end of the input too.
	printf 'Subject: x\n\nabc\r' >"$T/msg"
	run --separate-stderr "$MS" "${NOWHERE[@]}" bob@example.test <"$T/msg"
	assert_failure 65
	assert_equal "$stderr" "mailsend: line 3: bare CR"
}

@test "bad input: a NUL: exit 65 naming the line" {
	printf 'Subject: x\nX-Y: y\n\nab\0c\n' >"$T/msg"
	run --separate-stderr "$MS" "${NOWHERE[@]}" bob@example.test <"$T/msg"
	assert_failure 65
	assert_equal "$stderr" "mailsend: line 4: NUL byte"
}

@test "bad input: a 999-octet line: exit 65 naming the line" {
	{ printf 'Subject: x\n\nfine\n'; head -c 999 /dev/zero | tr '\0' a; printf '\n'; } >"$T/msg"
	run --separate-stderr "$MS" "${NOWHERE[@]}" bob@example.test <"$T/msg"
	assert_failure 65
	assert_equal "$stderr" "mailsend: line 4: longer than 998 octets"
	# 999 octets before a CR LF: the CR is not part of the line's length.
	{ printf 'Subject: x\r\n\r\n'; head -c 999 /dev/zero | tr '\0' a; printf '\r\n'; } >"$T/msg"
	run --separate-stderr "$MS" "${NOWHERE[@]}" bob@example.test <"$T/msg"
	assert_failure 65
	assert_equal "$stderr" "mailsend: line 3: longer than 998 octets"
}

@test "bad input: empty input: exit 65" {
	run --separate-stderr "$MS" "${NOWHERE[@]}" bob@example.test </dev/null
	assert_failure 65
	assert_equal "$stderr" "mailsend: empty message"
}

@test "bad input: no recipients: exit 64" {
	printf 'From: alice@example.test\nSubject: x\n\nx\n' >"$T/msg"
	run --separate-stderr "$MS" "${NOWHERE[@]}" <"$T/msg"
	assert_failure 64
	assert_equal "$stderr" "mailsend: no recipients: give addresses or -t"
	# -t and no recipient fields.
	run --separate-stderr "$MS" "${NOWHERE[@]}" -t <"$T/msg"
	assert_failure 64
	assert_equal "$stderr" "mailsend: no recipients: give addresses or -t"
}

@test "bad input: CR or LF inside -f: exit 64" {
	printf 'Subject: x\n\nx\n' >"$T/msg"
	run --separate-stderr "$MS" "${NOWHERE[@]}" -f $'alice@example.test\r\nRCPT TO:<eve@example.test>' bob@example.test <"$T/msg"
	assert_failure 64
	[ "$(lines_of "$stderr")" -eq 1 ]
	[[ "$stderr" == "mailsend: -f: "*"CR"* ]]
	run --separate-stderr "$MS" "${NOWHERE[@]}" -f $'alice@example.test\nRCPT TO:<eve@example.test>' bob@example.test <"$T/msg"
	assert_failure 64
	[ "$(lines_of "$stderr")" -eq 1 ]
	[[ "$stderr" == "mailsend: -f: "*"LF"* ]]
}

@test "bad input: CR or LF inside a recipient: exit 64" {
	printf 'From: alice@example.test\nSubject: x\n\nx\n' >"$T/msg"
	run --separate-stderr "$MS" "${NOWHERE[@]}" $'bob@example.test\r\nDATA' <"$T/msg"
	assert_failure 64
	[ "$(lines_of "$stderr")" -eq 1 ]
	[[ "$stderr" == "mailsend: "*"CR"* ]]
	run --separate-stderr "$MS" "${NOWHERE[@]}" carol@example.test $'bob@example.test\nRSET' <"$T/msg"
	assert_failure 64
	[ "$(lines_of "$stderr")" -eq 1 ]
	[[ "$stderr" == "mailsend: "*"LF"* ]]
}

@test "bad input: not an address: exit 64" {
	printf 'From: alice@example.test\nSubject: x\n\nx\n' >"$T/msg"
	run --separate-stderr "$MS" "${NOWHERE[@]}" 'not an address' <"$T/msg"
	assert_failure 64
	[ "$(lines_of "$stderr")" -eq 1 ]
	[[ "$stderr" == "mailsend: "*"not an address"* ]]
}

@test "usage errors: exit 64 with one line" {
	printf 'From: alice@example.test\nSubject: x\n\nx\n' >"$T/msg"
	for bad in "--mode=turn" "-N never,success" "-N sometimes" "-R body" "--report=xml" "-bp" "-V $(printf 'x\ty')"; do
		# shellcheck disable=SC2086
		run --separate-stderr "$MS" "${NOWHERE[@]}" $bad bob@example.test <"$T/msg"
		[ "$status" -eq 64 ] || { echo "$bad: exit $status"; false; }
		[ "$(lines_of "$stderr")" -eq 1 ]
		[[ "$stderr" == "mailsend: "* ]]
	done
}

@test "bad input: an unusable address in To with -t: exit 65 naming the field" {
	printf 'From: alice@example.test\nTo: bob@\nSubject: x\n\nx\n' >"$T/msg"
	run --separate-stderr "$MS" "${NOWHERE[@]}" -t <"$T/msg"
	assert_failure 65
	[ "$(lines_of "$stderr")" -eq 1 ]
	[[ "$stderr" == "mailsend: To header: "* ]]
}

@test "connection refused: exit 75" {
	printf 'From: alice@example.test\nSubject: x\n\nx\n' >"$T/msg"
	port=$(closed_port)
	run --separate-stderr "$MS" --insecure --url "smtp://127.0.0.1:$port" bob@example.test <"$T/msg"
	assert_failure 75
	assert_equal "$stderr" "mailsend: cannot connect to 127.0.0.1 port $port: Connection refused"
}

@test "--report json reports a connection that failed too" {
	printf 'From: alice@example.test\nSubject: x\n\nx\n' >"$T/msg"
	port=$(closed_port)
	run --separate-stderr "$MS" --insecure --url "smtp://127.0.0.1:$port" --report json bob@example.test <"$T/msg"
	assert_failure 75
	assert_equal "$stderr" "mailsend: cannot connect to 127.0.0.1 port $port: Connection refused"
	assert_output --partial '"type":"message"'
	assert_output --partial '"status":"failed"'
	assert_output --partial '"exit":75'
	python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' <<<"$output"
}

# ------------------------------------------------ TLS without libcurl

# mailsend over TLS to the dialog server started last (no login: TLS is
# mailsend's own, with OpenSSL).
send_tls() {
	local scheme=$1; shift
	run --separate-stderr "$MS" --timeout 5 --helo client.example \
		--url "$scheme://localhost:$DIALOG_PORT" -f alice@example.test "$@" \
		bob@example.test <"$FIX/plain.eml"
}

TLSOPT=()
tls_cert() { TLSOPT=(--tls-cert "$MP_TLS_DIR/$1.pem" --tls-key "$MP_TLS_DIR/$1.key"); }

@test "TLS: implicit TLS (smtps) with the CA given: sent, transcript shows TLS" {
	tls_cert localhost
	dialog_start mailsend/tls-send --implicit-tls "${TLSOPT[@]}"
	send_tls smtps -v --cacert "$MP_CACERT"
	assert_success
	grep -q '^-- TLS: TLSv1\.[23], ' <<<"$stderr"
	dialog_finish
}

@test "TLS: STARTTLS on a plain port, EHLO again after the handshake" {
	tls_cert localhost
	dialog_start mailsend/tls-starttls "${TLSOPT[@]}"
	send_tls smtp --cacert "$MP_CACERT"
	assert_success
	assert_equal "$stderr" ''
	dialog_finish
}

@test "TLS: certificates that must fail: unknown CA, wrong host, expired, self-signed: exit 69" {
	for cert in localhost wronghost expired selfsigned; do
		tls_cert "$cert"
		dialog_start mailsend/tls-send --implicit-tls "${TLSOPT[@]}"
		if [ "$cert" = localhost ]; then
			send_tls smtps		# the system's CAs do not know ours
		else
			send_tls smtps --cacert "$MP_CACERT"
		fi
		assert_failure 69
		[[ "$stderr" == "mailsend: server certificate not trusted ("*"--cacert"* ]]
		[ "$(lines_of "$stderr")" -eq 1 ]
		dialog_stop
	done
}

@test "TLS: --pin: the right key is accepted, another refused (69)" {
	pin=$(openssl x509 -in "$MP_TLS_DIR/localhost.pem" -pubkey -noout |
		openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)
	tls_cert localhost
	dialog_start mailsend/tls-send --implicit-tls "${TLSOPT[@]}"
	send_tls smtps --cacert "$MP_CACERT" --pin "sha256//AAAA;sha256//$pin"
	assert_success
	dialog_finish
	dialog_start mailsend/tls-send --implicit-tls "${TLSOPT[@]}"
	send_tls smtps --cacert "$MP_CACERT" --pin "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	assert_failure 69
	assert_equal "$stderr" "mailsend: server public key does not match --pin"
	dialog_stop
}

@test "TLS: no STARTTLS offered: nothing after EHLO, exit 69 with a hint" {
	dialog_start mailsend/tls-no-starttls
	send_tls smtp --cacert "$MP_CACERT"
	assert_failure 69
	[[ "$stderr" == *"does not offer STARTTLS"*"--insecure"* ]]
	dialog_finish
}

@test "TLS: a line injected after the STARTTLS reply is refused (exit 76)" {
	dialog_start mailsend/tls-injection
	send_tls smtp --cacert "$MP_CACERT"
	assert_failure 76
	[[ "$stderr" == *"STARTTLS injection"* ]]
	dialog_finish
}

