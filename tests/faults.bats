#!/usr/bin/env bats
# The fault matrix: every tool against the dialog server for each fault a
# network or a server can produce (refused, reset, stall, TLS failures,
# refusals at each command, over-long lines, garbage, replies that never
# end). Each cell checks the exit status against the tool's EXIT STATUS,
# that standard error is exactly one clear "tool: ..." line, and that the
# tool is done in bounded time (and memory). Every cell is recorded; the
# last test prints the matrix (tool x fault, the exit status seen).
# No real server is used here: the main paths are tested against Dovecot
# and Postfix in each tool's own file.

setup_file() {
	export MATRIX="$BATS_FILE_TMPDIR/matrix"
	: >"$MATRIX"
}

setup() {
	load helpers
	T=$BATS_TEST_TMPDIR
	FIX="$MP_ROOT/tests/fixtures/mailsend"
}

teardown() {
	dialog_stop
}

# ---- The tools and their main paths

# The matrix's rows: mailtalk once for each protocol.
ROWS=(mailsend smtpverify popfetch imapls imapflag imapbox imapfetch imapput
	imapcopy mailtalk-imap mailtalk-smtp mailtalk-pop3)

proto_of() {
	case $1 in
	mailsend | smtpverify | mailtalk-smtp) echo smtp ;;
	popfetch | mailtalk-pop3) echo pop3 ;;
	*) echo imap ;;
	esac
}

# CMD=(the command line of row $1 against URL $2), IN=its standard input.
# The URL's scheme decides plain (--insecure) or TLS (--cacert).
tool_cmd() {
	local row=$1 url=$2 conn=(--timeout "${TIMEOUT:-2}" ${VERBOSE:+-v}) n=$((++NCMD))
	case $url in
	*s://*) conn+=(--cacert "$MP_CACERT") ;;
	*) conn+=(--insecure) ;;
	esac
	IN=/dev/null
	case $row in
	mailsend)
		CMD=("$MP_BIN/mailsend" "${conn[@]}" --helo client.example --url "$url"
			bob@example.test)
		IN=$FIX/plain.eml ;;
	smtpverify)
		CMD=("$MP_BIN/smtpverify" "${conn[@]}" --helo client.example --url "$url"
			bob@example.test) ;;
	popfetch)
		CMD=("$MP_BIN/popfetch" "${conn[@]}" --password-cmd 'echo pw'
			--state-dir "$T/pf-state.$n" -o "$T/pf.$n.mbox" "${url/:\/\//://mrose@}") ;;
	imapls)
		CMD=("$MP_BIN/imapls" "${conn[@]}" -o uid,flags,size "$url" INBOX) ;;
	imapflag)
		CMD=("$MP_BIN/imapflag" "${conn[@]}" --add '\Seen' "$url" INBOX 1) ;;
	imapbox)
		CMD=("$MP_BIN/imapbox" "${conn[@]}" "$url" create Archive) ;;
	imapfetch)
		CMD=("$MP_BIN/imapfetch" "${conn[@]}" --state-dir "$T/if-state.$n"
			-o "$T/if.$n.mbox" "$url" INBOX) ;;
	imapput)
		CMD=("$MP_BIN/imapput" "${conn[@]}" "$url" INBOX)
		IN=$T/note.eml
		printf 'Subject: note\r\n\r\nA note.\r\n' >"$IN" ;;
	imapcopy)
		CMD=("$MP_BIN/imapcopy" "${conn[@]}" "$url" INBOX Archive 1) ;;
	mailtalk-*)
		# A command whose answer is a multi-line reply.
		CMD=("$MP_BIN/mailtalk" "${conn[@]}" "$url")
		IN=$T/commands
		case $row in
		mailtalk-imap) echo 'LIST "" *' ;;
		mailtalk-smtp) echo HELP ;;
		mailtalk-pop3) echo LIST ;;
		esac >"$IN" ;;
	esac
}

# The main path of a row as dialog lines, one step per "= NAME" line: the
# command the client sends (C:) and the server's good answer (S:). The
# first step is the greeting.
steps_of() {
	case $1 in
	mailsend) cat <<'XEOF' ;;
= greeting
S: 220 mx.example.test ESMTP
= EHLO
C: EHLO client.example
S: 250-mx.example.test
S: 250-ENHANCEDSTATUSCODES
S: 250 8BITMIME
= MAIL
C: MAIL FROM:<alice@example.test>
S: 250 2.1.0 Ok
= RCPT
C: RCPT TO:<bob@example.test>
S: 250 2.1.5 Ok
= DATA
C: DATA
S: 354 End data with <CR><LF>.<CR><LF>
= body
!data
S: 250 2.0.0 Ok: queued
XEOF
	smtpverify) cat <<'XEOF' ;;
= greeting
S: 220 mx.example.test ESMTP
= EHLO
C: EHLO client.example
S: 250-mx.example.test
S: 250 VRFY
= VRFY
C: VRFY bob@example.test
S: 250 Bob <bob@example.test>
XEOF
	mailtalk-smtp) cat <<'XEOF' ;;
= greeting
S: 220 mx.example.test ESMTP
= EHLO
C~ EHLO \S+
S: 250-mx.example.test
S: 250 8BITMIME
= HELP
C: HELP
S: 214-Commands:
S: 214 HELO EHLO MAIL RCPT DATA
XEOF
	popfetch) cat <<'XEOF' ;;
= greeting
S: +OK POP3 server ready
= CAPA
C: CAPA
S: +OK Capability list follows
S: USER
S: UIDL
S: .
= USER
C: USER mrose
S: +OK mrose
= PASS
C: PASS pw
S: +OK maildrop has 1 message
= CAPA2
C: CAPA
S: +OK Capability list follows
S: USER
S: UIDL
S: .
= STAT
C: STAT
S: +OK 1 60
= LIST
C: LIST
S: +OK 1 messages
S: 1 60
S: .
= UIDL
C: UIDL
S: +OK
S: 1 fault-1
S: .
= RETR
C: RETR 1
S: +OK 60 octets
S: Subject: fault
S:
S: A message.
S: .
= DELE
C: DELE 1
S: +OK deleted
XEOF
	mailtalk-pop3) cat <<'XEOF' ;;
= greeting
S: +OK POP3 server ready
= LIST
C: LIST
S: +OK 1 messages
S: 1 60
S: .
XEOF
	imapls) cat <<'XEOF' ;;
= greeting
S: * OK IMAP4rev1 ready
= CAPABILITY
C: {TAG} CAPABILITY
S: * CAPABILITY IMAP4rev1
S: {TAG} OK done
= EXAMINE
C: {TAG} EXAMINE "INBOX"
S: * 1 EXISTS
S: * OK [UIDVALIDITY 42] UIDs valid
S: {TAG} OK [READ-ONLY] done
= FETCH
C: {TAG} UID FETCH 1:* (UID FLAGS RFC822.SIZE)
S: * 1 FETCH (UID 1 FLAGS (\\Seen) RFC822.SIZE 100)
S: {TAG} OK Fetch completed
XEOF
	imapflag) cat <<'XEOF' ;;
= greeting
S: * OK IMAP4rev1 ready
= CAPABILITY
C: {TAG} CAPABILITY
S: * CAPABILITY IMAP4rev1 ESEARCH UIDPLUS
S: {TAG} OK done
= SELECT
C: {TAG} SELECT "INBOX"
S: * 1 EXISTS
S: * OK [PERMANENTFLAGS (\\Seen \\Deleted \\*)] Flags permitted
S: * OK [UIDVALIDITY 42] UIDs valid
S: {TAG} OK [READ-WRITE] done
= SEARCH
C: {TAG} UID SEARCH RETURN (ALL) UID 1
S: * ESEARCH (TAG "{TAG}") UID ALL 1
S: {TAG} OK Search completed
= STORE
C: {TAG} UID STORE 1 +FLAGS.SILENT (\\Seen)
S: {TAG} OK Store completed
XEOF
	imapbox) cat <<'XEOF' ;;
= greeting
S: * OK IMAP4rev1 ready
= CAPABILITY
C: {TAG} CAPABILITY
S: * CAPABILITY IMAP4rev1
S: {TAG} OK done
= CREATE
C: {TAG} CREATE "Archive"
S: {TAG} OK Create completed
XEOF
	imapfetch) cat <<'XEOF' ;;
= greeting
S: * OK IMAP4rev1 ready
= CAPABILITY
C: {TAG} CAPABILITY
S: * CAPABILITY IMAP4rev1 ESEARCH UIDPLUS
S: {TAG} OK done
= EXAMINE
C: {TAG} EXAMINE "INBOX"
S: * 1 EXISTS
S: * OK [UIDVALIDITY 42] UIDs valid
S: {TAG} OK [READ-ONLY] done
= SEARCH
C: {TAG} UID SEARCH RETURN (ALL) UID 1:*
S: * ESEARCH (TAG "{TAG}") UID ALL 1
S: {TAG} OK Search completed
= FETCH
C: {TAG} UID FETCH 1 (UID FLAGS INTERNALDATE BODY.PEEK[])
S: * 1 FETCH (UID 1 FLAGS () INTERNALDATE "01-Jan-2024 00:00:00 +0000" BODY[] {23}
S: Subject: fault
S:
S: Hi.
S: )
S: {TAG} OK Fetch completed
XEOF
	imapput) cat <<'XEOF' ;;
= greeting
S: * OK IMAP4rev1 ready
= CAPABILITY
C: {TAG} CAPABILITY
S: * CAPABILITY IMAP4rev1
S: {TAG} OK done
= APPEND
C: {TAG} APPEND "INBOX" {26}
S: + Ready for literal data
!bytes 26
C:
S: {TAG} OK Append completed
XEOF
	imapcopy) cat <<'XEOF' ;;
= greeting
S: * OK IMAP4rev1 ready
= CAPABILITY
C: {TAG} CAPABILITY
S: * CAPABILITY IMAP4rev1 UIDPLUS
S: {TAG} OK done
= EXAMINE
C: {TAG} EXAMINE "INBOX"
S: * 1 EXISTS
S: * OK [UIDVALIDITY 42] UIDs valid
S: {TAG} OK [READ-ONLY] done
= SEARCH
C: {TAG} UID SEARCH UID 1
S: * SEARCH 1
S: {TAG} OK Search completed
= COPY
C: {TAG} UID COPY 1 "Archive"
S: {TAG} OK [COPYUID 7 1 11] Copy completed
XEOF
	mailtalk-imap) cat <<'XEOF' ;;
= greeting
S: * OK IMAP4rev1 ready
= LIST
C: {TAG} LIST "" *
S: * LIST () "/" INBOX
S: * LIST () "/" Archive
S: {TAG} OK List completed
XEOF
	esac
}

# How a session ends when the client says goodbye.
goodbye_of() {
	case $(proto_of "$1") in
	smtp) printf 'C: QUIT\nS: 221 2.0.0 Bye\n' ;;
	pop3) printf 'C: QUIT\nS: +OK bye\n' ;;
	imap) printf 'C: {TAG} LOGOUT\nS: * BYE Logging out\nS: {TAG} OK Logout completed\n' ;;
	esac
}

# The dialog of row $1's main path, every step answered well.
happy_dialog() {
	steps_of "$1" | grep -v '^= '
	goodbye_of "$1"
}

# The dialog of row $1's main path up to step $2: the steps before it
# answered well, then step $2's command, then the lines on standard input
# instead of its answer. Step "greeting" replaces the greeting.
fault_dialog() {
	steps_of "$1" | awk -v step="$2" '
		/^= / { if (at) exit; at = ($2 == step); next }
		at && !/^(C[:~*]|!data|!bytes)/ { exit }
		{ print }'
	cat
}

# The step where row $1 reads its first multi-line reply (or a literal).
multi_step_of() {
	case $1 in
	mailsend | smtpverify | mailtalk-smtp) echo EHLO ;;
	mailtalk-*) echo LIST ;;
	popfetch) echo CAPA ;;
	imapls | imapfetch) echo FETCH ;;
	imapflag) echo SELECT ;;
	imapcopy) echo SEARCH ;;
	*) echo CAPABILITY ;;
	esac
}

# The first command of row $1 (the step after the greeting).
first_step_of() {
	steps_of "$1" | awk '/^= / && ++n == 2 { print $2; exit }'
}

# The greeting of a protocol.
greeting_of() {
	case $(proto_of "$1") in
	smtp) echo 'S: 220 mx.example.test ESMTP' ;;
	pop3) echo 'S: +OK POP3 server ready' ;;
	imap) echo 'S: * OK IMAP4rev1 ready' ;;
	esac
}

# The start of a multi-line reply or of a literal, by protocol.
partial_reply_of() {
	case $(proto_of "$1") in
	smtp) printf 'S: 250-mx.example.test\nS: 250-PIPELINING\n' ;;
	pop3) printf 'S: +OK\nS: 1 60\n' ;;
	imap) printf 'S! * 1 FETCH (UID 1 BODY[] {100}\\r\\n\nS! 0123456789\n' ;;
	esac
}

# ---- Cells: one tool run each, timed, checked, recorded in $MATRIX

# Cells known to fail, with why: recorded as such in the matrix instead of
# failing their test; the test "known failures" skips naming them. A
# known cell that passes fails its test (take it out of here).
declare -gA KNOWN=()

NCELL=0 NCMD=0
CELL_PIDS=()

# cell_start ROW FAULT WANT REGEX [MAX_SECONDS [MAX_RSS_KB]]: run CMD
# (tool_cmd) in the background. WANT is the exit status; REGEX what
# the one line on standard error must say (grep -Ei); "-" for none.
cell_start() {
	local n=$((++NCELL)) d=$T/cells
	mkdir -p "$d"
	printf '%s\n' "$1" "$2" "$3" "$4" "${5:-3.5}" "${6:-0}" "${VERBOSE:-}" >"$d/$n.spec"
	(
		t0=$EPOCHREALTIME rc=0
		/usr/bin/time -f %M -o "$d/$n.rss" "${CMD[@]}" <"$IN" >"$d/$n.out" \
			2>"$d/$n.err" || rc=$?
		echo "$rc" >"$d/$n.rc"
		echo "$t0 $EPOCHREALTIME" >"$d/$n.time"
	) 3>&- &
	CELL_PIDS+=($!)
}

# As cell_start, waiting for the tool.
cell() {
	cell_start "$@"
	wait "${CELL_PIDS[-1]}"
}

# Wait for the cells started, check each and record it. Fails listing
# every cell that is not as expected.
cells_check() {
	local pid n row fault want re maxs maxrss verbose rc secs rss err lines tool bad=()
	for pid in "${CELL_PIDS[@]}"; do wait "$pid"; done
	CELL_PIDS=()
	for ((n = 1; n <= NCELL; n++)); do
		[ -e "$T/cells/$n.spec" ] || continue
		{ read -r row; read -r fault; read -r want; read -r re; read -r maxs
		  read -r maxrss; read -r verbose; } <"$T/cells/$n.spec"
		rc=$(<"$T/cells/$n.rc")
		secs=$(awk '{ printf "%.1f", $2 - $1 }' "$T/cells/$n.time")
		rss=$(tail -n 1 "$T/cells/$n.rss")
		err=$(<"$T/cells/$n.err")
		tool=${row%%-*}
		local why=""
		if [ -n "$verbose" ]; then
			# -v: the transcript ("C: ", "S: ", "-- " lines) comes first.
			grep -q '^S: ' <<<"$err" || why="no transcript with -v"
			err=$(grep -Ev '^(C: |S: |-- )' <<<"$err" || true)
			fault+=" -v"
		fi
		lines=$(lines_of "$err")
		if [ -n "$why" ]; then
			:
		elif [ "$rc" != "$want" ]; then
			why="exit $rc, not $want"
		elif [ "$re" = - ] && [ "$lines" -ne 0 ]; then
			why="$lines lines on stderr, none expected"
		elif [ "$re" != - ] && [ "$lines" -ne 1 ]; then
			why="$lines lines on stderr"
		elif [ "$re" != - ] && ! grep -Eiq -- "^$tool: .*($re)" <<<"$err"; then
			why="the message does not match /$re/"
		elif awk -v s="$secs" -v m="$maxs" 'BEGIN { exit !(s > m) }'; then
			why="took $secs s (at most $maxs)"
		elif [ "$maxrss" -gt 0 ] && rss_limit_applies && [ "$rss" -gt "$maxrss" ]; then
			why="peak RSS $rss KB (at most $maxrss)"
		fi
		if [ -n "${KNOWN[$row $fault]:-}" ]; then
			if [ -n "$why" ]; then
				why="known: $why"
			else
				why="passes, but is listed in KNOWN"
			fi
		fi
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$row" "$fault" "$rc" "${why:-ok}" \
			"$secs" "$rss" "$(head -n 1 <<<"$err" | cut -c1-160)" >>"$MATRIX"
		if [ -n "$why" ] && [ "${why#known: }" = "$why" ]; then
			bad+=("$row / $fault: $why; stderr: $(head -c 300 <<<"$err")")
		fi
		rm -f "$T/cells/$n.spec"
	done
	if [ ${#bad[@]} -gt 0 ]; then
		printf '%s\n' "${bad[@]}"
		return 1
	fi
}

@test "every row's main path against its dialog: exit 0 (the base the faults change)" {
	local row fails=()
	for row in "${ROWS[@]}"; do
		happy_dialog "$row" >"$T/$row.dialog"
		dialog_start "$T/$row.dialog" --timeout 5
		tool_cmd "$row" "$(proto_of "$row")://127.0.0.1:$DIALOG_PORT"
		run --separate-stderr "${CMD[@]}" <"$IN"
		[ "$status" -eq 0 ] || fails+=("$row: exit $status: $stderr")
		run dialog_finish
		[ "$status" -eq 0 ] || fails+=("$row: dialog: $output")
	done
	printf '%s\n' "${fails[@]}"
	[ ${#fails[@]} -eq 0 ]
}

# Start dialogd on script $2 for row $1 (the rest are dialogd options);
# then CMD is the row's command against it: $SCHEME instead of the row's
# plain scheme, on host $HOST, when set.
fault_start() {
	local row=$1 f=$2
	shift 2
	dialog_start "$f" "$@"
	tool_cmd "$row" "${SCHEME:-$(proto_of "$row")}://${HOST:-127.0.0.1}:$DIALOG_PORT"
}

@test "connection refused: exit 75, 'cannot connect ... refused'" {
	local row port
	port=$(closed_port)
	for row in "${ROWS[@]}"; do
		tool_cmd "$row" "$(proto_of "$row")://127.0.0.1:$port"
		cell "$row" refused 75 'cannot connect.*refused'
	done
	cells_check
}

@test "reset right after the greeting: exit 75, 'connection lost'" {
	local row
	for row in "${ROWS[@]}"; do
		{ greeting_of "$row"; printf '!flush\n!sleep 50\n!reset\n'; } >"$T/$row.dialog"
		fault_start "$row" "$T/$row.dialog"
		cell "$row" reset-greeting 75 'connection lost|closed'
	done
	cells_check
}

@test "reset in the middle of a multi-line reply (SMTP EHLO, POP3 CAPA/LIST) or of an IMAP literal: exit 75" {
	local row
	for row in "${ROWS[@]}"; do
		{ partial_reply_of "$row"; printf '!flush\n!sleep 50\n!reset\n'; } |
			fault_dialog "$row" "$(multi_step_of "$row")" >"$T/$row.dialog"
		fault_start "$row" "$T/$row.dialog"
		cell "$row" reset-mid 75 'connection lost|closed'
	done
	cells_check
}

# Row $1's cell $2 against dialog $3, stalled: 75 at --timeout 2.
stall_cell() {
	fault_start "$1" "$3" --timeout 40
	cell_start "$1" "$2" 75 'did not answer within 2 s'
}

@test "stall: silent server, silent after the greeting, silent mid-reply: exit 75 within --timeout 2 + 1 s" {
	local row
	for row in "${ROWS[@]}"; do
		printf '!stall 30\n' >"$T/$row.silent.dialog"
		stall_cell "$row" stall-silent "$T/$row.silent.dialog"
		{ greeting_of "$row"; printf '!stall 30\n'; } >"$T/$row.greeted.dialog"
		stall_cell "$row" stall-greeting "$T/$row.greeted.dialog"
		{ partial_reply_of "$row"; printf '!stall 30\n'; } |
			fault_dialog "$row" "$(multi_step_of "$row")" >"$T/$row.mid.dialog"
		stall_cell "$row" stall-mid "$T/$row.mid.dialog"
	done
	cells_check
}

# Cell $1 of every row over implicit TLS (smtps, pop3s, imaps): exit 69,
# stderr matching $2. The server speaks plain text, or with $3 TLS with
# that certificate of tests/tls (made for "localhost", the name used).
tls_cells() {
	local cell=$1 want=$2 row SCHEME HOST=localhost tls=()
	[ -z "${3:-}" ] || tls=(--implicit-tls --tls-cert "$MP_TLS_DIR/$3.pem" --tls-key "$MP_TLS_DIR/$3.key")
	for row in "${ROWS[@]}"; do
		SCHEME=$(proto_of "$row")s
		{ greeting_of "$row"; printf '!stall 5\n'; } >"$T/$row.dialog"
		fault_start "$row" "$T/$row.dialog" "${tls[@]}"
		cell "$row" "$cell" 69 "$want"
	done
	cells_check
}

@test "TLS: a plain-text server for an smtps, pop3s or imaps URL: exit 69, 'TLS handshake failed'" {
	tls_cells tls-plain 'TLS handshake failed'
}

@test "TLS: a certificate for another host: exit 69, not trusted, with the --cacert/--pin hint" {
	tls_cells tls-wronghost 'not trusted.*(hostname|host name).*--cacert' wronghost
}

@test "TLS: an expired certificate: exit 69, not trusted (expired), with the hint" {
	tls_cells tls-expired 'not trusted.*expired.*--cacert' expired
}

@test "an over-long line (1 MiB and more, no CRLF) as the greeting and as a reply: exit 76 at once, not at the timeout" {
	local row TIMEOUT=5
	for row in "${ROWS[@]}"; do
		printf '!long 1048576\n!long 1024\n!stall 30\n' >"$T/$row.greeting.dialog"
		fault_start "$row" "$T/$row.greeting.dialog" --timeout 40
		cell "$row" long-greeting 76 'longer than' 3
		printf '!long 1048576\n!long 1024\n!stall 30\n' |
			fault_dialog "$row" "$(first_step_of "$row")" >"$T/$row.reply.dialog"
		fault_start "$row" "$T/$row.reply.dialog" --timeout 40
		cell "$row" long-reply 76 'longer than' 3
	done
	cells_check
}

@test "binary garbage (4 KiB) as the greeting: exit 76, the garbage not printed raw" {
	local row
	for row in "${ROWS[@]}"; do
		printf '!garbage 4096\n!close\n' >"$T/$row.dialog"
		fault_start "$row" "$T/$row.dialog"
		cell "$row" garbage 76 'greeting|reply|response'
	done
	cells_check
	# Whatever of the garbage a message quotes, no control character.
	! grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$T"/cells/*.err
	# Nor octets that are not UTF-8 (they garble a terminal): \xNN.
	cat "$T"/cells/*.err | iconv -f UTF-8 -t UTF-8 >/dev/null
}

# Row $1's reply that never ends, at its multi-line step: 20 MB of what
# the protocol allows there, then silence.
endless_of() {
	local x
	x=$(head -c 1000 /dev/zero | tr '\0' x)
	case $1 in
	mailsend | smtpverify | mailtalk-smtp)
		# 250- continuation lines.
		yes "S: 250-$x" | head -n 20000 ;;
	popfetch)
		# A message whose terminating "." never comes (at RETR).
		printf 'S: +OK 60 octets\nS: Subject: endless\nS:\n'
		yes "S: $x" | head -n 20000 ;;
	mailtalk-pop3)
		# LIST lines without the final ".".
		printf 'S: +OK\n'
		yes "S: 1 $x" | head -n 20000 ;;
	mailtalk-imap)
		# Untagged responses that never end in the tagged one.
		yes "S: * LIST () \"/\" $x" | head -n 20000 ;;
	*)
		# A literal that never completes.
		printf 'S! * 1 FETCH (UID 1 BODY[] {4294967296}\\r\\n\n!long 20971520\n' ;;
	esac
	printf '!stall 30\n'
}

# What each row does with it: a cap on what it accepts (76), or the
# timeout (75) when what it reads is bounded anyway (streamed to a file,
# to standard output, or discarded).
declare -gA ENDLESS_WANT=(
	[mailsend]=76 [smtpverify]=76 [mailtalk-smtp]=76
	[popfetch]=75 [mailtalk-pop3]=75 [mailtalk-imap]=75
	[imapls]=76 [imapflag]=76 [imapbox]=76 [imapput]=76 [imapcopy]=76
	[imapfetch]=75
)
declare -gA ENDLESS_RE=(
	[mailsend]='more than' [smtpverify]='more than' [mailtalk-smtp]='more than'
	[popfetch]='did not answer' [mailtalk-pop3]='did not answer'
	[mailtalk-imap]='did not answer' [imapfetch]='did not answer'
	[imapls]='longer than' [imapflag]='longer than' [imapbox]='longer than'
	[imapput]='longer than' [imapcopy]='longer than'
)

endless_step_of() {
	case $1 in
	popfetch) echo RETR ;;
	*) multi_step_of "$1" ;;
	esac
}

@test "a reply that never ends (20 MB, then silence): a clear error in bounded time, under 64 MB" {
	local row
	for row in "${ROWS[@]}"; do
		endless_of "$row" | fault_dialog "$row" "$(endless_step_of "$row")" >"$T/$row.dialog"
		fault_start "$row" "$T/$row.dialog" --timeout 40
		cell_start "$row" endless "${ENDLESS_WANT[$row]}" "${ENDLESS_RE[$row]}" 8 65536
	done
	cells_check
}

@test "IMAP: untagged responses that never end in the tagged one (20 MB, then silence): 75 at the timeout, under 64 MB" {
	local row x
	x=$(head -c 1000 /dev/zero | tr '\0' x)
	for row in "${ROWS[@]}"; do
		[ "$(proto_of "$row")" = imap ] && [ "$row" != mailtalk-imap ] || continue
		{ yes "S: * OK $x" | head -n 20000; printf '!stall 30\n'; } |
			fault_dialog "$row" "$(multi_step_of "$row")" >"$T/$row.dialog"
		fault_start "$row" "$T/$row.dialog" --timeout 40
		cell_start "$row" endless-untagged 75 'did not answer within 2 s' 8 65536
	done
	cells_check
}

# The refusals of a protocol, one a line: a name and the server's line.
refusals_of() {
	case $(proto_of "$1")/$2 in
	smtp/greeting) printf '4xx\tS: 421 4.3.2 Fault injected\n5xx\tS: 554 5.3.2 Fault injected\n' ;;
	smtp/*) printf '4xx\tS: 451 4.3.0 Fault injected\n5xx\tS: 554 5.3.0 Fault injected\n' ;;
	pop3/*) printf -- '-ERR\tS: -ERR Fault injected\n' ;;
	imap/greeting) printf 'BYE\tS: * BYE Fault injected\n' ;;
	imap/*) printf 'NO\tS: {TAG} NO Fault injected\nBAD\tS: {TAG} BAD Fault injected\n' ;;
	esac
}

# After the refusal: "close" (the client must close, saying nothing),
# "bye" (QUIT or LOGOUT), "rset" (SMTP RSET, then QUIT), "helo" (SMTP:
# HELO after the refused EHLO, refused alike, then the client closes),
# "rest" (a refusal the tool can do without: the rest of the main path).
then_of() {
	local row=$1 step=$2 reply=$3
	case $4 in
	close) echo '!expect-close' ;;
	bye) goodbye_of "$row" ;;
	rset) printf 'C: RSET\nS: 250 2.0.0 Ok\n'; goodbye_of "$row" ;;
	helo) printf 'C~ HELO \\S+\n%s\n!expect-close\n' "$reply" ;;
	rest)
		steps_of "$row" | awk -v step="$step" '
			/^= / { if (at) after = 1; at = ($2 == step); next }
			after { print }'
		goodbye_of "$row" ;;
	esac
}

# Each row's answer to a refusal at each step of its main path (the
# server's line: refusals_of). Columns: row, step, refusal, exit status,
# lines on standard error (0, 1: the error naming the server's text,
# summary: popfetch's), what the client does next (then_of). Where
# another file tests the same cell, the comment names it.
refusal_table() {
	grep -v '^#' <<'XEOF'
mailsend	greeting	4xx	75	1	close	# mailsend.bats: 421 greeting
mailsend	greeting	5xx	69	1	close
mailsend	EHLO	4xx	75	1	close
mailsend	EHLO	5xx	69	1	helo
mailsend	MAIL	4xx	75	1	bye	# mailsend.bats: 451 to MAIL
mailsend	MAIL	5xx	69	1	bye	# mailsend.bats: 554 to MAIL
mailsend	RCPT	4xx	75	1	rset	# mailsend.bats: 451 on RCPT
mailsend	RCPT	5xx	67	1	rset	# mailsend.bats: RCPT 550
mailsend	DATA	4xx	75	1	rset
mailsend	DATA	5xx	69	1	rset
mailsend	body	4xx	75	1	bye
mailsend	body	5xx	69	1	bye	# mailsend.bats: 552 after the DATA body
smtpverify	greeting	4xx	75	1	close
smtpverify	greeting	5xx	69	1	close
smtpverify	EHLO	4xx	75	1	close
smtpverify	EHLO	5xx	69	1	helo
smtpverify	VRFY	4xx	75	0	bye	# a verdict ("unknown") on standard output
smtpverify	VRFY	5xx	1	0	bye	# a verdict; smtpverify.bats: the lecture's VRFY replies
popfetch	greeting	-ERR	75	1	close	# pop3_login.bats: greeting -ERR
popfetch	CAPA	-ERR	0	summary	rest	# no CAPA: an old server, fine
popfetch	USER	-ERR	77	1	close	# pop3_login.bats
popfetch	PASS	-ERR	77	1	close	# pop3_login.bats
popfetch	CAPA2	-ERR	0	summary	rest
popfetch	STAT	-ERR	75	1	close
popfetch	LIST	-ERR	75	1	close
popfetch	UIDL	-ERR	0	summary	rest	# no UIDL: messages known by their digest
popfetch	RETR	-ERR	0	summary	bye	# skipped: deleted meanwhile by another session
popfetch	DELE	-ERR	0	summary	bye	# popfetch.bats: DELE -ERR
imapls	greeting	BYE	75	1	close	# imap_login.bats: BYE greeting
imapls	CAPABILITY	NO	76	1	close
imapls	CAPABILITY	BAD	76	1	close
imapls	EXAMINE	NO	66	1	bye	# imapls.bats: EXAMINE of a mailbox that does not exist
imapls	EXAMINE	BAD	64	1	bye
imapls	FETCH	NO	69	1	bye
imapls	FETCH	BAD	76	1	close
imapflag	greeting	BYE	75	1	close
imapflag	CAPABILITY	NO	76	1	close
imapflag	CAPABILITY	BAD	76	1	close
imapflag	SELECT	NO	66	1	bye
imapflag	SELECT	BAD	64	1	bye
imapflag	SEARCH	NO	69	1	bye
imapflag	SEARCH	BAD	76	1	close
imapflag	STORE	NO	69	1	bye	# imapflag.bats: UID STORE refused
imapflag	STORE	BAD	76	1	close
imapbox	greeting	BYE	75	1	close
imapbox	CAPABILITY	NO	76	1	close
imapbox	CAPABILITY	BAD	76	1	close
imapbox	CREATE	NO	1	0	bye	# the name's line says why
imapbox	CREATE	BAD	1	0	bye
imapfetch	greeting	BYE	75	1	close
imapfetch	CAPABILITY	NO	76	1	close
imapfetch	CAPABILITY	BAD	76	1	close
imapfetch	EXAMINE	NO	66	1	bye	# imapfetch.bats: NO/BAD at each step
imapfetch	EXAMINE	BAD	64	1	bye
imapfetch	SEARCH	NO	69	1	bye
imapfetch	SEARCH	BAD	76	1	close	# no criteria of the user's: our own command
imapfetch	FETCH	NO	69	1	bye	# imapfetch.bats: NO/BAD at each step
imapfetch	FETCH	BAD	76	1	close
imapput	greeting	BYE	75	1	close
imapput	CAPABILITY	NO	76	1	close
imapput	CAPABILITY	BAD	76	1	close
imapput	APPEND	NO	1	1	bye	# the message not stored, named
imapput	APPEND	BAD	76	1	bye
imapcopy	greeting	BYE	75	1	close
imapcopy	CAPABILITY	NO	76	1	close
imapcopy	CAPABILITY	BAD	76	1	close
imapcopy	EXAMINE	NO	66	1	bye	# imapcopy.bats: NO, BAD, BYE at each step
imapcopy	EXAMINE	BAD	64	1	bye
imapcopy	SEARCH	NO	69	1	bye
imapcopy	SEARCH	BAD	76	1	close
imapcopy	COPY	NO	69	1	bye
imapcopy	COPY	BAD	76	1	close
mailtalk-imap	greeting	BYE	75	1	close
mailtalk-imap	LIST	NO	1	0	bye	# the reply on standard output
mailtalk-imap	LIST	BAD	1	0	bye
mailtalk-smtp	greeting	4xx	75	1	close
mailtalk-smtp	greeting	5xx	69	1	close
mailtalk-smtp	EHLO	4xx	75	1	close
mailtalk-smtp	EHLO	5xx	69	1	helo
mailtalk-smtp	HELP	4xx	1	0	bye
mailtalk-smtp	HELP	5xx	1	0	bye
mailtalk-pop3	greeting	-ERR	75	1	close
mailtalk-pop3	LIST	-ERR	1	0	bye
XEOF
}

@test "the refusal table covers every step of every row" {
	local row step kind line missing=()
	for row in "${ROWS[@]}"; do
		for step in $(steps_of "$row" | awk '/^= / { print $2 }'); do
			while IFS=$'\t' read -r kind line; do
				refusal_table | grep -q "^$row	$step	$kind	" ||
					missing+=("$row $step $kind")
			done < <(refusals_of "$row" "$step")
		done
	done
	printf '%s\n' "${missing[@]}"
	[ ${#missing[@]} -eq 0 ]
}

@test "refusals at every command of the main path (4xx/5xx, -ERR, NO/BAD, BYE): each man page's exit status, one line, the session ended as it should" {
	local row step kind want lines then rest line re prev= bad=() ok=0 f
	local -a cells=()
	# One dialogd for each row, a connection for each of its cells.
	while IFS=$'\t' read -r row step kind want lines then rest; do
		f="$T/$row.dialog"
		line=$(refusals_of "$row" "$step" | awk -F'\t' -v k="$kind" '$1 == k { print $2 }')
		printf -- '--- connection %s %s, then %s\n' "$step" "$kind" "$then" >>"$f"
		{ printf '%s\n' "$line"; then_of "$row" "$step" "$line" "$then"; } |
			fault_dialog "$row" "$step" >>"$f"
		cells+=("$row	$step $kind	$want	$lines")
	done < <(refusal_table)
	for row in "${ROWS[@]}"; do
		fault_start "$row" "$T/$row.dialog" --timeout 5
		for line in "${cells[@]}"; do
			IFS=$'\t' read -r f step want lines <<<"$line"
			[ "$f" = "$row" ] || continue
			case $lines in
			0) re=- ;;
			1) re='Fault injected' ;;
			summary) re='[0-9]+ messages, .* skipped' ;;
			esac
			cell "$row" "$step" "$want" "$re"
		done
		run dialog_finish
		[ "$status" -eq 0 ] || bad+=("$row: the dialog failed: ${output:0:900}")
	done
	cells_check || ok=1
	printf '%s\n' "${bad[@]}"
	[ ${#bad[@]} -eq 0 ] && [ "$ok" -eq 0 ]
}

@test "-v: the transcript on standard error, then the same one error line (reset mid-reply, a refused greeting)" {
	local row kind line VERBOSE=1
	for row in "${ROWS[@]}"; do
		{ partial_reply_of "$row"; printf '!flush\n!sleep 50\n!reset\n'; } |
			fault_dialog "$row" "$(multi_step_of "$row")" >"$T/$row.reset.dialog"
		fault_start "$row" "$T/$row.reset.dialog"
		cell "$row" reset-mid 75 'connection lost'
		IFS=$'\t' read -r kind line < <(refusals_of "$row" greeting)
		printf '%s\n!expect-close\n' "$line" >"$T/$row.greeting.dialog"
		fault_start "$row" "$T/$row.greeting.dialog"
		cell "$row" "greeting $kind" 75 'Fault injected'
	done
	cells_check
}

# The known failures (KNOWN above), each still run and shown in the matrix.
@test "known failures" {
	local k list=()
	for k in "${!KNOWN[@]}"; do list+=("$k: ${KNOWN[$k]}"); done
	[ ${#list[@]} -gt 0 ] || return 0
	skip "known: $(printf '%s; ' "${list[@]}")"
}

@test "the matrix: tool x fault, the exit status seen (! not as expected, ? known failure)" {
	[ -s "$MATRIX" ] || skip "no cell ran"
	local faults=(refused reset-greeting reset-mid stall-silent stall-greeting stall-mid
		tls-plain tls-wronghost tls-expired long-greeting long-reply garbage endless
		endless-untagged)
	local heads=(refused reset0 resetM stall0 stallG stallM tls-pl tls-wh tls-ex
		long0 longR garb endless untag)
	{
		printf '# %-14s' tool
		printf ' %-7s' "${heads[@]}"
		printf '\n'
		local row f cell
		for row in "${ROWS[@]}"; do
			printf '# %-14s' "$row"
			for f in "${faults[@]}"; do
				cell=$(awk -F'\t' -v r="$row" -v f="$f" '$1 == r && $2 == f {
					print $3 ($4 == "ok" ? "" : $4 ~ /^known/ ? "?" : "!"); exit }' "$MATRIX")
				printf ' %-7s' "${cell:--}"
			done
			printf '\n'
		done
		printf '#\n# refusals at each step of the main path (step refusal=exit):\n'
		for row in "${ROWS[@]}"; do
			printf '# %-14s %s\n' "$row" "$(awk -F'\t' -v r="$row" '$1 == r && $2 ~ / / && $2 !~ / -v$/ {
				split($2, a, " "); printf "%s%s %s=%s%s", n++ ? ", " : "", a[1], a[2], $3,
				($4 == "ok" ? "" : $4 ~ /^known/ ? "?" : "!") }' "$MATRIX")"
		done
		printf '#\n# with -v (the transcript, then the same one line):\n'
		for row in "${ROWS[@]}"; do
			printf '# %-14s %s\n' "$row" "$(awk -F'\t' -v r="$row" '$1 == r && $2 ~ / -v$/ {
				printf "%s%s=%s%s", n++ ? ", " : "", substr($2, 1, length($2) - 3), $3,
				($4 == "ok" ? "" : "!") }' "$MATRIX")"
		done
	} >&3
	# Every cell as expected, or known.
	! awk -F'\t' '$4 != "ok" && $4 !~ /^known/' "$MATRIX" | grep -q .
}
