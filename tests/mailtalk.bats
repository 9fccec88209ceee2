#!/usr/bin/env bats
# mailtalk against the private Dovecot and Postfix, and against scripted
# dialogs for what real servers will not do.

setup_file() {
	load helpers
	# dave's INBOX gets no deliveries: its first messages are these.
	"$MP_ROOT/tests/servers/mailservers" seed "$MP_STATE_DIR" dave 2 >/dev/null
}

setup() {
	load helpers
	MT="$MP_BIN/mailtalk"
	TLS=(--cacert "$MP_CACERT")
}

teardown() {
	dialog_stop
}

# The acceptance session: CAPABILITY, LIST, SELECT and FETCH of a literal.
imap_session() {
	run --separate-stderr "$MT" "$@" "${TLS[@]}" --password-cmd "$(pwcmd dave)" <<-'EOF'
	CAPABILITY
	LIST "" *
	SELECT INBOX
	FETCH 1 BODY[]
	EOF
	assert_success
	assert_line --regexp '^\* CAPABILITY IMAP4rev1 '
	assert_line --regexp "^A0001 OK Capability completed"
	assert_line --regexp '^\* LIST \(.*\) "/" INBOX$'
	assert_line --regexp '^A0002 OK List completed'
	assert_line --regexp '^\* [0-9]+ EXISTS$'
	assert_line --regexp '^A0003 OK \[READ-WRITE\] Select completed'
	assert_line --regexp '^\* 1 FETCH \(.*BODY\[\] \{[0-9]+\}$'
	# The literal's content, whole, then the rest of the response.
	assert_line 'Subject: Test message 1'
	assert_line 'Message-ID: <seed-1@example.test>'
	assert_line ')'
	assert_line --regexp '^A0004 OK Fetch completed'
}

@test "IMAPS: CAPABILITY, LIST, SELECT and FETCH of a literal" {
	imap_session "imaps://dave@localhost:$MP_IMAPS_PORT"
	[ -z "$stderr" ]
}

@test "IMAP over STARTTLS: CAPABILITY, LIST, SELECT and FETCH" {
	imap_session -v "imap://dave@localhost:$MP_IMAP_PORT"
	grep -q '^C: A[0-9]* STARTTLS$' <<<"$stderr"
}

@test "IMAPS: a literal's size matches the bytes printed" {
	run --separate-stderr "$MT" "${TLS[@]}" --password-cmd "$(pwcmd dave)" \
		"imaps://dave@localhost:$MP_IMAPS_PORT" <<-'EOF'
	EXAMINE INBOX
	FETCH 2 BODY[]
	EOF
	assert_success
	size=$(printf '%s\n' "$output" | sed -n 's/.*BODY\[\] {\([0-9]*\)}$/\1/p')
	body=$(printf '%s\n' "$output" | sed -n '/BODY\[\] {/,/^)$/p' | sed '1d;$d')
	# Printed with LF for CR LF: add one byte back per line.
	n=$(printf '%s\n' "$body" | wc -l)
	[ $(( $(printf '%s\n' "$body" | wc -c) + n - 1 )) -eq "$size" ] ||
	[ $(( $(printf '%s\n' "$body" | wc -c) + n )) -eq "$size" ]
}

@test "IMAP: a NO reply gives exit 1 and the session goes on" {
	run --separate-stderr "$MT" "${TLS[@]}" --password-cmd "$(pwcmd carol)" \
		"imaps://carol@localhost:$MP_IMAPS_PORT" <<-'EOF'
	SELECT nosuch
	NOOP
	EOF
	assert_failure 1
	assert_line --regexp '^A0001 NO '
	assert_line --regexp '^A0002 OK NOOP completed'
}

# The acceptance session: STAT, LIST, UIDL and RETR 1.
pop3_session() {
	run --separate-stderr "$MT" "$@" "${TLS[@]}" --password-cmd "$(pwcmd dave)" <<-'EOF'
	STAT
	LIST
	LIST 1
	UIDL
	RETR 1
	EOF
	assert_success
	assert_line --regexp '^\+OK [0-9]+ [0-9]+$'
	assert_line --regexp '^\+OK [0-9]+ messages'
	assert_line --regexp '^1 [0-9]+$'
	assert_line --regexp '^\+OK 1 [0-9]+$'
	assert_line --regexp '^1 [0-9a-f]{16}$'
	assert_line --regexp '^\+OK [0-9]+ octets$'
	assert_line 'Subject: Test message 1'
	# Every multi-line reply ends with its "." line: LIST, UIDL, RETR.
	[ "$(grep -c '^\.$' <<<"$output")" -eq 3 ]
}

@test "POP3S: STAT, LIST, UIDL and RETR 1" {
	pop3_session "pop3s://dave@localhost:$MP_POP3S_PORT"
}

@test "POP3 over STLS: STAT, LIST, UIDL and RETR 1" {
	pop3_session -v "pop3://dave@localhost:$MP_POP3_PORT"
	grep -q '^C: STLS$' <<<"$stderr"
}

@test "POP3: -ERR gives exit 1" {
	run --separate-stderr "$MT" "${TLS[@]}" --password-cmd "$(pwcmd carol)" \
		"pop3s://carol@localhost:$MP_POP3S_PORT" <<<'LIST 999'
	assert_failure 1
	assert_line --regexp '^-ERR '
}

@test "SMTP submission over STARTTLS: EHLO, VRFY, NOOP, HELP, RSET" {
	run --separate-stderr "$MT" "${TLS[@]}" --password-cmd "$(pwcmd alice)" \
		--url "smtp://alice@localhost:$MP_SUBMIT_PORT" <<-'EOF'
	EHLO client.example
	VRFY alice
	NOOP
	HELP
	RSET
	EOF
	# Postfix does not implement HELP: its 5xx is shown and counted.
	assert_failure 1
	assert_line '250-PIPELINING'
	assert_line --regexp '^250 '
	assert_line '252 2.0.0 alice'
	assert_line '250 2.0.0 Ok'
	assert_line --regexp '^50[02] 5\.5\.[12] '
	[ "$(grep -c '^250 2.0.0 Ok$' <<<"$output")" -eq 2 ]
}

@test "SMTPS: implicit TLS, EHLO and VRFY of an unknown user" {
	run --separate-stderr "$MT" "${TLS[@]}" --password-cmd "$(pwcmd alice)" \
		--url "smtps://alice@localhost:$MP_SMTPS_PORT" <<-'EOF'
	EHLO client.example
	VRFY nobody
	EOF
	assert_failure 1
	assert_line --regexp '^550 5\.1\.1 .*nobody'
}

@test "SMTP: a DATA body up to the dot line is delivered" {
	subject="mailtalk data $$-$RANDOM"
	run --separate-stderr "$MT" "${TLS[@]}" --password-cmd "$(pwcmd alice)" \
		--url "smtp://alice@localhost:$MP_SUBMIT_PORT" <<-EOF
	EHLO client.example
	MAIL FROM:<alice@example.test>
	RCPT TO:<carol@example.test>
	DATA
	Subject: $subject

	..leading dot
	.
	EOF
	assert_success
	assert_line --regexp '^354 '
	assert_line --regexp '^250 2\.0\.0 Ok: queued as '
	# Delivered through Postfix and LMTP into carol's maildir.
	for _ in $(seq 100); do
		f=$(grep -rl "^Subject: $subject" "$MP_MAIL_DIR/carol/Maildir/new" 2>/dev/null) && break
		sleep 0.1
	done
	[ -n "$f" ]
	grep -qx '.leading dot' "$f"
}

@test "wrong password: exit 77" {
	run --separate-stderr "$MT" "${TLS[@]}" --password-cmd 'echo wrong-password' \
		"imaps://carol@localhost:$MP_IMAPS_PORT" </dev/null
	assert_failure 77
	[[ "$stderr" == "mailtalk: authentication failed for user 'carol'"* ]]
	[ "$(lines_of "$stderr")" -eq 1 ]
}

@test "wrong password on POP3 and SMTP: exit 77" {
	run --separate-stderr "$MT" "${TLS[@]}" --password-cmd 'echo wrong' \
		"pop3s://carol@localhost:$MP_POP3S_PORT" </dev/null
	assert_failure 77
	run --separate-stderr "$MT" "${TLS[@]}" --password-cmd 'echo wrong' \
		--url "smtps://alice@localhost:$MP_SMTPS_PORT" </dev/null
	assert_failure 77
}

@test "untrusted certificate: exit 69 with a hint about --cacert" {
	run --separate-stderr "$MT" --password-cmd "$(pwcmd carol)" \
		"imaps://carol@localhost:$MP_IMAPS_PORT" </dev/null
	assert_failure 69
	[[ "$stderr" == *"not trusted"*"--cacert"* ]]
	[ "$(lines_of "$stderr")" -eq 1 ]
}

@test "certificate pinned to another key: exit 69" {
	run --separate-stderr "$MT" "${TLS[@]}" --pin 'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' \
		--password-cmd "$(pwcmd carol)" "imaps://carol@localhost:$MP_IMAPS_PORT" </dev/null
	assert_failure 69
	[[ "$stderr" == *"--pin"* ]]
}

@test "connection refused: exit 75" {
	port=$(closed_port)
	run --separate-stderr "$MT" "imaps://localhost:$port" </dev/null
	assert_failure 75
	assert_equal "$stderr" "mailtalk: cannot connect to localhost port $port: Connection refused"
}

@test "unknown host: exit 68" {
	[ "$(id -u)" -eq 0 ] || skip "needs root for a private resolver"
	run --separate-stderr with_fake_dns nxdomain "$MT" imaps://mail.nonexistent.test </dev/null
	assert_failure 68
	assert_equal "$stderr" "mailtalk: unknown host 'mail.nonexistent.test'"
}

@test "DNS not answering: exit 75, not 68" {
	[ "$(id -u)" -eq 0 ] || skip "needs root for a private resolver"
	run --separate-stderr with_fake_dns down "$MT" imaps://mail.nonexistent.test </dev/null
	assert_failure 75
	[[ "$stderr" == "mailtalk: cannot look up 'mail.nonexistent.test' for now"* ]]
}

@test "password in the URL is refused with a hint" {
	run --separate-stderr "$MT" "imaps://carol:$MP_CAROL_PW@localhost:$MP_IMAPS_PORT" </dev/null
	assert_failure 64
	[[ "$stderr" == *"--password-cmd"* ]]
	[[ "$stderr" != *"$MP_CAROL_PW"* ]]
}

@test "CR or LF in an option is refused: exit 64" {
	run --separate-stderr "$MT" --user $'carol\r\nA1 LOGOUT' "imaps://localhost:$MP_IMAPS_PORT" </dev/null
	assert_failure 64
	assert_equal "$stderr" "mailtalk: --user contains a CR character"
}

@test "CR inside a command line is refused: exit 65" {
	run --separate-stderr "$MT" "${TLS[@]}" --password-cmd "$(pwcmd carol)" \
		"imaps://carol@localhost:$MP_IMAPS_PORT" < <(printf 'NOOP\nSELECT INBOX\rA9 LOGOUT\n')
	assert_failure 65
	assert_equal "$stderr" "mailtalk: stdin line 2: line contains a CR character"
	assert_line --regexp '^A0001 OK NOOP'
}

@test "server closes mid-line: exit 75" {
	dialog_start mailtalk/imap-drop-mid-line
	run --separate-stderr "$MT" --insecure "imap://127.0.0.1:$DIALOG_PORT" <<<'LIST "" *'
	assert_failure 75
	assert_equal "$stderr" "mailtalk: server closed the connection in the middle of a line"
	assert_line '* LIST (\HasNoChildren) "/" INBOX'
	dialog_finish
}

@test "server closes inside a literal: exit 75" {
	dialog_start mailtalk/imap-drop-mid-literal
	run --separate-stderr "$MT" --insecure "imap://127.0.0.1:$DIALOG_PORT" <<<'FETCH 1 BODY[]'
	assert_failure 75
	assert_equal "$stderr" "mailtalk: server closed the connection"
	dialog_finish
}

@test "server closes inside a multi-line SMTP reply: exit 75" {
	dialog_start mailtalk/smtp-drop-mid-reply
	run --separate-stderr "$MT" --insecure --url "smtp://127.0.0.1:$DIALOG_PORT" <<<'HELP'
	assert_failure 75
	assert_line '214-Commands:'
	dialog_finish
}

@test "garbage instead of a reply: exit 76" {
	dialog_start mailtalk/imap-garbage
	run --separate-stderr "$MT" --insecure "imap://127.0.0.1:$DIALOG_PORT" <<<'NOOP'
	assert_failure 76
	assert_equal "$stderr" "mailtalk: unparsable IMAP response: 'HTTP/1.1 400 Bad Request'"
	dialog_finish
}

@test "a silent server times out: exit 75 within --timeout" {
	dialog_start mailtalk/imap-stall
	SECONDS=0
	run --separate-stderr "$MT" --insecure --timeout 1 "imap://127.0.0.1:$DIALOG_PORT" <<<'NOOP'
	assert_failure 75
	[ "$SECONDS" -le 3 ]
	assert_equal "$stderr" "mailtalk: server did not answer within 1 s"
}

@test "no STARTTLS offered: refused without --insecure, no credentials sent" {
	dialog_start mailtalk/imap-no-starttls
	run --separate-stderr "$MT" --password-cmd 'echo t0p-s3cret-pw' \
		"imap://alice@127.0.0.1:$DIALOG_PORT" </dev/null
	assert_failure 69
	[[ "$stderr" == *"does not offer STARTTLS"*"--insecure"* ]]
	dialog_finish
}

@test "SMTP without STARTTLS: refused without --insecure" {
	dialog_start mailtalk/smtp-no-starttls
	run --separate-stderr "$MT" --password-cmd 'echo t0p-s3cret-pw' \
		--url "smtp://alice@127.0.0.1:$DIALOG_PORT" </dev/null
	assert_failure 69
	dialog_finish
}

@test "--insecure: cleartext LOGIN, a literal continuation, LOGOUT; password not in -v" {
	dialog_start mailtalk/imap-insecure-login
	run --separate-stderr "$MT" -v --insecure --password-cmd 'echo t0p-s3cret-pw' \
		"imap://alice@127.0.0.1:$DIALOG_PORT" <<-'EOF'
	APPEND INBOX {12}
	Subject: x
	APPEND INBOX {7+}
	hello
	SELECT nosuch
	EOF
	assert_failure 1
	assert_line '+ Ready for literal data'
	assert_line --regexp '^A0001 OK \[APPENDUID 1 7\]'
	assert_line --regexp '^A0002 OK \[APPENDUID 1 8\]'
	assert_line --regexp '^A0003 NO \[NONEXISTENT\]'
	grep -q '^C: A[0-9]* LOGIN \[redacted\]$' <<<"$stderr"
	grep -q '^S: \* OK IMAP4rev1 ready$' <<<"$stderr"
	grep -q '^C: A0004 LOGOUT$' <<<"$stderr"
	[[ "$stderr" != *"t0p-s3cret-pw"* ]]
	dialog_finish
}

@test "-v never shows the password or its SASL encodings (PLAIN, LOGIN)" {
	pw=$MP_ALICE_PW
	plain=$(printf '\0alice\0%s' "$pw" | base64 -w0)
	login=$(printf '%s' "$pw" | base64 -w0)
	for mech in PLAIN LOGIN; do
		run --separate-stderr "$MT" -v "${TLS[@]}" --auth "$mech" --password-cmd "$(pwcmd alice)" \
			"imaps://alice@localhost:$MP_IMAPS_PORT" <<<'NOOP'
		assert_success
		grep -q "^C: A[0-9]* AUTHENTICATE $mech" <<<"$stderr"
		grep -q '^S: ' <<<"$stderr"
		[[ "$stderr" != *"$pw"* ]]
		[[ "$stderr" != *"$plain"* ]]
		[[ "$stderr" != *"$login"* ]]
		[[ "$stderr" == *"[redacted]"* ]]
	done
	run --separate-stderr "$MT" -v "${TLS[@]}" --auth PLAIN --password-cmd "$(pwcmd alice)" \
		--url "smtp://alice@localhost:$MP_SUBMIT_PORT" <<<'NOOP'
	assert_success
	grep -q '^C: AUTH PLAIN \[redacted\]$' <<<"$stderr" || grep -q '^C: AUTH PLAIN$' <<<"$stderr"
	[[ "$stderr" != *"$plain"* ]]
}

@test "the lecture's SMTP session: EHLO refused with 500, HELO, null sender" {
	dialog_start smtp-ehlo-500-helo
	run --separate-stderr "$MT" --insecure --url "smtp://127.0.0.1:$DIALOG_PORT" <<-'EOF'
	MAIL FROM:<>
	RCPT TO:<ysemenov@cernvm.cern.ch>
	DATA
	Subject: hello

	text
	.
	EOF
	assert_success
	assert_line '250 <>... sender ok'
	assert_line '250 <ysemenov@cernvm.cern.ch>... recipient ok'
	assert_line '250 Ok: queued'
	dialog_finish
}

@test "the lecture's POP3 user without a mailbox: -ERR, exit 1" {
	dialog_start mailtalk/pop3-frated
	run --separate-stderr "$MT" --insecure "pop3://127.0.0.1:$DIALOG_PORT" <<<'USER frated'
	assert_failure 1
	assert_output '-ERR sorry, no mailbox for frated here'
	dialog_finish
}

@test "the lecture's POP3 LIST, STAT, RETR, DELE and RSET" {
	dialog_start mailtalk/pop3-lecture
	run --separate-stderr "$MT" --insecure "pop3://127.0.0.1:$DIALOG_PORT" <<-'EOF'
	LIST
	LIST 2
	LIST 3
	STAT
	RETR 1
	DELE 1
	DELE 1
	RSET
	EOF
	assert_failure 1
	assert_output - <<-'EOF'
	+OK 2 messages (320 octets)
	1 120
	2 200
	.
	+OK 2 200
	-ERR no such message, only 2 messages in maildrop
	+OK 2 320
	+OK 120 octets
	Subject: hello

	..a line that starts with a dot
	.
	+OK message 1 deleted
	-ERR message 1 already deleted
	+OK maildrop has 2 messages (320 octets)
	EOF
	dialog_finish
}

@test "an account from the config file" {
	cfg=$BATS_TEST_TMPDIR/config
	cat >"$cfg" <<-EOF
	default = mine
	[account mine]
	imap = imaps://carol@localhost:$MP_IMAPS_PORT
	password_cmd = $(pwcmd carol)
	cacert = $MP_CACERT
	EOF
	run --separate-stderr "$MT" --config "$cfg" -a mine <<<'NOOP'
	assert_success
	# The default account, through MAILPIPE_CONFIG.
	MAILPIPE_CONFIG=$cfg run --separate-stderr "$MT" <<<'NOOP'
	assert_success
	assert_line --regexp '^A0001 OK NOOP'
}

@test "config errors: exit 78 naming file and line" {
	cfg=$BATS_TEST_TMPDIR/config
	printf '[account x]\ncolour = blue\n' >"$cfg"
	run --separate-stderr "$MT" --config "$cfg" -a x </dev/null
	assert_failure 78
	assert_equal "$stderr" "mailtalk: $cfg:2: unknown key 'colour'"
	printf '[account x]\nurl = imaps://localhost\n' >"$cfg"
	run --separate-stderr "$MT" --config "$cfg" -a y </dev/null
	assert_failure 78
	run --separate-stderr "$MT" --password-cmd 'exit 4' "imaps://carol@localhost:$MP_IMAPS_PORT" </dev/null
	assert_failure 78
	assert_equal "$stderr" "mailtalk: password command failed (exit 4)"
	run --separate-stderr "$MT" "imaps://carol@localhost:$MP_IMAPS_PORT" </dev/null
	assert_failure 78
	[[ "$stderr" == *"no password for 'carol'"* ]]
}

@test "usage errors: exit 64" {
	HOME=$BATS_TEST_TMPDIR run --separate-stderr "$MT" </dev/null
	assert_failure 64
	[[ "$stderr" == *"no server given"* ]]
	run --separate-stderr "$MT" --no-such-option </dev/null
	assert_failure 64
	run --separate-stderr "$MT" "http://localhost/" </dev/null
	assert_failure 64
	run --separate-stderr "$MT" "imaps://localhost" extra </dev/null
	assert_failure 64
	run --separate-stderr "$MT" --timeout -3 "imaps://localhost" </dev/null
	assert_failure 64
}

@test "--help lists the shared connection options" {
	run "$MT" --help
	assert_success
	for o in --url --account --user --password-cmd --netrc --cacert --pin --insecure --timeout --verbose; do
		assert_line --partial -- "$o"
	done
}

@test "netrc supplies the password" {
	printf 'machine localhost login carol password %s\n' "$MP_CAROL_PW" >"$BATS_TEST_TMPDIR/netrc"
	chmod 600 "$BATS_TEST_TMPDIR/netrc"
	run --separate-stderr "$MT" "${TLS[@]}" --netrc-file "$BATS_TEST_TMPDIR/netrc" \
		"imaps://carol@localhost:$MP_IMAPS_PORT" <<<'NOOP'
	assert_success
}
