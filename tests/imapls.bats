#!/usr/bin/env bats
# imapls against the private Dovecot, and against scripted dialogs for
# what a real server will not do.
#
# Only carol's mailboxes named "ls-*" are used (created here); other
# suites use the INBOXes, and nothing may be delivered to dave.

# doveadm on the private Dovecot.
dadm() { doveadm -c "$MP_DOVECOT_CONF" "$@"; }

seed() { "$MP_ROOT/tests/servers/mailservers" seed "$MP_STATE_DIR" "$@" >/dev/null; }

setup_file() {
	load helpers
	dadm mailbox create -u carol ls-top ls-top/ls-mid ls-top/ls-mid/ls-leaf \
		'ls-Входящие' 'ls-Ünïcode' 'ls-日本語' ls-sub-a ls-sub-b ls-empty ls-intl
	dadm mailbox subscribe -u carol ls-sub-a
	# ls-msgs: 3 untouched messages; ls-flags: 3 with \Seen on UID 2;
	# ls-status: 5 for the STATUS counts; ls-big: 20,000.
	seed carol 3 ls-msgs
	seed carol 3 ls-flags
	dadm flags add -u carol '\Seen' mailbox ls-flags uid 2
	seed carol 5 ls-status
	seed carol 20000 ls-big
	# ls-intl: RFC 2047 encoded subject and display name.
	local subj name
	subj=$(printf 'Grüße aus Köln' | base64 -w0)
	name=$(printf 'Jürgen Müller' | base64 -w0)
	printf 'From: =?UTF-8?B?%s?= <juergen@example.test>\r\nTo: carol@example.test\r\nSubject: =?UTF-8?B?%s?=\r\nMessage-ID: <koeln@example.test>\r\nDate: Mon, 01 Jan 2024 01:00:00 +0000\r\n\r\nHallo\r\n' \
		"$name" "$subj" | dadm save -u carol -m ls-intl
	seed carol 2 ls-intl
}

setup() {
	load helpers
	LS="$MP_BIN/imapls"
	# imapls on carol over IMAPS.
	CAROL=(--cacert "$MP_CACERT" --password-cmd "$(pwcmd carol)"
		"imaps://carol@127.0.0.1:$MP_IMAPS_PORT")
}

teardown() {
	dialog_stop
}

# The seeded rows of ls-msgs with the default columns.
ROW1=$'1\t\\\\Recent\t393\t2024-01-01T00:01:00+00:00\tSender 1 <sender1@example.test>\tTest message 1'
ROW2=$'2\t\\\\Recent\t393\t2024-01-01T00:02:00+00:00\tSender 2 <sender2@example.test>\tTest message 2'
ROW3=$'3\t\\\\Recent\t469\t2024-01-01T00:03:00+00:00\tSender 3 <sender3@example.test>\tTest message 3'

# Every line of stdin is a JSON value (and there is at least one).
json_lines() {
	python3 -c 'import json,sys
n = 0
for l in sys.stdin:
    json.loads(l); n += 1
assert n > 0'
}

# ---------------------------------------------------------------- mailboxes

@test "mailboxes: hierarchy, non-ASCII names from modified UTF-7, special-use" {
	run --separate-stderr "$LS" "${CAROL[@]}"
	assert_success
	[ -z "$stderr" ]
	for l in $'ls-top\t/\t' $'ls-top/ls-mid\t/\t' $'ls-top/ls-mid/ls-leaf\t/\t' \
		$'ls-Входящие\t/\t' $'ls-Ünïcode\t/\t' $'ls-日本語\t/\t' $'INBOX\t/\t' \
		$'Sent\t/\t\\\\Sent' $'Trash\t/\t\\\\Trash' $'Drafts\t/\t\\\\Drafts' $'Junk\t/\t\\\\Junk'; do
		assert_line "$l"
	done
	# Three columns on every line; no modified UTF-7 left over.
	[ "$(awk -F'\t' 'NF != 3' <<<"$output")" = "" ]
	refute_output --partial '&'
	# The name went over the wire in modified UTF-7.
	run --separate-stderr "$LS" -v -p 'ls-日本語' "${CAROL[@]}"
	assert_success
	assert_output $'ls-日本語\t/\t'
	[[ "$stderr" == *'"ls-&ZeVnLIqe-"'* ]]
	# A non-ASCII name works as a MAILBOX argument too (EXAMINE).
	run --separate-stderr "$LS" "${CAROL[@]}" 'ls-Входящие'
	assert_success
	assert_output ''
	[ -z "$stderr" ]
}

@test "mailboxes: plain IMAP port with STARTTLS, -H header" {
	run --separate-stderr "$LS" -H -p 'ls-top*' --cacert "$MP_CACERT" \
		--password-cmd "$(pwcmd carol)" "imap://carol@localhost:$MP_IMAP_PORT"
	assert_success
	[ -z "$stderr" ]
	assert_output - <<-EOF
	mailbox	delimiter	attributes
	$(printf 'ls-top\t/\t')
	$(printf 'ls-top/ls-mid\t/\t')
	$(printf 'ls-top/ls-mid/ls-leaf\t/\t')
	EOF
}

@test "mailboxes: -p with % stays on one level, * descends; --reference" {
	run --separate-stderr "$LS" -p 'ls-top/%' "${CAROL[@]}"
	assert_success
	assert_output $'ls-top/ls-mid\t/\t'
	run --separate-stderr "$LS" -p 'ls-top/*' "${CAROL[@]}"
	assert_success
	assert_output - <<-EOF
	$(printf 'ls-top/ls-mid\t/\t')
	$(printf 'ls-top/ls-mid/ls-leaf\t/\t')
	EOF
	run --separate-stderr "$LS" -p 'ls-%' "${CAROL[@]}"
	assert_success
	assert_line $'ls-top\t/\t'
	refute_line --partial 'ls-top/'
	[ "$(grep -vc '^ls-' <<<"$output")" -eq 0 ]
	run --separate-stderr "$LS" --reference ls-top/ -p '%' "${CAROL[@]}"
	assert_success
	assert_output $'ls-top/ls-mid\t/\t'
	[ -z "$stderr" ]
	# A pattern matching nothing: no rows, still success.
	run --separate-stderr "$LS" -p 'ls-nothing-here*' "${CAROL[@]}"
	assert_success
	assert_output ''
}

@test "mailboxes: --subscribed lists only subscribed ones" {
	run --separate-stderr "$LS" --subscribed -p 'ls-sub-*' "${CAROL[@]}"
	assert_success
	[ -z "$stderr" ]
	assert_output --regexp $'^ls-sub-a\t/\t'
	[ "$(lines_of "$output")" -eq 1 ]
	run --separate-stderr "$LS" -p 'ls-sub-*' "${CAROL[@]}"
	assert_success
	[ "$(lines_of "$output")" -eq 2 ]
}

@test "mailboxes: --status counts after seeding 5 messages" {
	local uv vsize
	uv=$(dadm -f tab mailbox status -u carol uidvalidity ls-status | tail -1 | cut -f2)
	vsize=$(dadm -f tab mailbox status -u carol vsize ls-status | tail -1 | cut -f2)
	run --separate-stderr "$LS" --status -p ls-status "${CAROL[@]}"
	assert_success
	[ -z "$stderr" ]
	# Attributes as Dovecot sends them (\\Marked, say, for new mail).
	assert_output --regexp "^ls-status"$'\t/\t[^\t]*\t5\t5\t5\t6\t'"$uv"$'\t'"$vsize\$"
	[ "$(lines_of "$output")" -eq 1 ]
	run --separate-stderr "$LS" --status -H -p ls-empty "${CAROL[@]}"
	assert_success
	assert_line --index 0 $'mailbox\tdelimiter\tattributes\tmessages\trecent\tunseen\tuidnext\tuidvalidity\tsize'
	assert_line --index 1 --regexp $'^ls-empty\t/\t\t0\t0\t0\t1\t[0-9]+\t0$'
	# \NonExistent parents or \Noselect ones: empty counts, 9 columns.
	run --separate-stderr "$LS" --status "${CAROL[@]}"
	assert_success
	[ "$(awk -F'\t' 'NF != 9' <<<"$output")" = "" ]
}

@test "mailboxes: --json, one object per mailbox, with --status numbers" {
	run --separate-stderr "$LS" --json "${CAROL[@]}"
	assert_success
	[ -z "$stderr" ]
	json_lines <<<"$output"
	assert_line '{"mailbox":"ls-日本語","delimiter":"/","attributes":[]}'
	assert_line '{"mailbox":"Sent","delimiter":"/","attributes":["\\Sent"]}'
	run --separate-stderr "$LS" --json --status -p ls-status "${CAROL[@]}"
	assert_success
	python3 -c '
import json, sys
o = json.loads(sys.stdin.read())
assert o["mailbox"] == "ls-status" and o["delimiter"] == "/", o
assert type(o["attributes"]) is list, o
for k in ("messages", "recent", "unseen", "uidnext", "uidvalidity", "size"):
    assert type(o[k]) is int, (k, o)
assert (o["messages"], o["unseen"], o["uidnext"]) == (5, 5, 6), o
' <<<"$output"
	# -H never mixes a header into JSON.
	run --separate-stderr "$LS" --json -H -p ls-status "${CAROL[@]}"
	assert_success
	json_lines <<<"$output"
}

@test "--capabilities: one per line, IMAP4rev1 among them" {
	run --separate-stderr "$LS" --capabilities "${CAROL[@]}"
	assert_success
	[ -z "$stderr" ]
	assert_line IMAP4rev1
	assert_line LIST-STATUS
	refute_output --partial ' '
}

# ---------------------------------------------------------------- messages

@test "messages: default columns, exact rows" {
	run --separate-stderr "$LS" "${CAROL[@]}" ls-msgs
	assert_success
	[ -z "$stderr" ]
	assert_output "$ROW1"$'\n'"$ROW2"$'\n'"$ROW3"
}

@test "messages: -H prints the header line, -o picks columns in order" {
	run --separate-stderr "$LS" -H "${CAROL[@]}" ls-msgs
	assert_success
	assert_output $'uid\tflags\tsize\tdate\tfrom\tsubject\n'"$ROW1"$'\n'"$ROW2"$'\n'"$ROW3"
	run --separate-stderr "$LS" -H -o subject,uid,message-id "${CAROL[@]}" ls-msgs
	assert_success
	[ -z "$stderr" ]
	assert_output - <<-EOF
	$(printf 'subject\tuid\tmessage-id')
	$(printf 'Test message 1\t1\t<seed-1@example.test>')
	$(printf 'Test message 2\t2\t<seed-2@example.test>')
	$(printf 'Test message 3\t3\t<seed-3@example.test>')
	EOF
}

@test "messages: every column" {
	local uv
	uv=$(dadm -f tab mailbox status -u carol uidvalidity ls-msgs | tail -1 | cut -f2)
	run --separate-stderr "$LS" -o uid,flags,size,date,sent,from,sender,reply-to,to,cc,bcc,subject,message-id,in-reply-to,mailbox,uidvalidity \
		"${CAROL[@]}" ls-msgs
	assert_success
	[ -z "$stderr" ]
	assert_line --index 0 "$(printf '1\t\\\\Recent\t393\t2024-01-01T00:01:00+00:00\tMon, 01 Jan 2024 00:01:00 GMT\tSender 1 <sender1@example.test>\tSender 1 <sender1@example.test>\tSender 1 <sender1@example.test>\tcarol@example.test\t\t\tTest message 1\t<seed-1@example.test>\t\tls-msgs\t%s' "$uv")"
	[ "$(lines_of "$output")" -eq 3 ]
	[ "$(awk -F'\t' 'NF != 16' <<<"$output")" = "" ]
}

@test "messages: --json objects with the columns, mailbox and uidvalidity" {
	local uv
	uv=$(dadm -f tab mailbox status -u carol uidvalidity ls-msgs | tail -1 | cut -f2)
	run --separate-stderr "$LS" --json -o uid,flags,size,date,from,subject,mailbox,uidvalidity "${CAROL[@]}" ls-msgs
	assert_success
	[ -z "$stderr" ]
	UV=$uv python3 -c '
import json, os, sys
rows = [json.loads(l) for l in sys.stdin]
assert [r["uid"] for r in rows] == [1, 2, 3], rows
for r in rows:
    assert type(r["uid"]) is int and type(r["size"]) is int, r
    assert type(r["uidvalidity"]) is int and r["uidvalidity"] == int(os.environ["UV"]), r
    assert r["flags"] == ["\\Recent"], r
    assert r["mailbox"] == "ls-msgs", r
assert rows[0]["date"] == "2024-01-01T00:01:00+00:00", rows[0]
assert rows[0]["from"] == "Sender 1 <sender1@example.test>", rows[0]
assert rows[2]["subject"] == "Test message 3", rows[2]
assert rows[2]["size"] == 469, rows[2]
' <<<"$output"
}

@test "messages: --json with the default columns adds mailbox and uidvalidity" {
	run --separate-stderr "$LS" --json "${CAROL[@]}" ls-msgs
	assert_success
	[ -z "$stderr" ]
	json_lines <<<"$output"
	python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert len(rows) == 3
for r in rows:
    assert r["mailbox"] == "ls-msgs" and type(r["uidvalidity"]) is int
    assert list(r)[:6] == ["uid", "flags", "size", "date", "from", "subject"]
' <<<"$output"
}

@test "messages: --uids prints the UIDs one per line" {
	run --separate-stderr "$LS" --uids "${CAROL[@]}" ls-msgs
	assert_success
	[ -z "$stderr" ]
	assert_output $'1\n2\n3'
	# -H does not apply to bare UIDs.
	run --separate-stderr "$LS" -H --uids "${CAROL[@]}" ls-msgs
	assert_success
	assert_output $'1\n2\n3'
	# An empty mailbox: nothing, success.
	run --separate-stderr "$LS" --uids "${CAROL[@]}" ls-empty
	assert_success
	assert_output ''
	run --separate-stderr "$LS" "${CAROL[@]}" ls-empty
	assert_success
	assert_output ''
}

@test "messages: --search by flag and by sender" {
	run --separate-stderr "$LS" --search UNSEEN --uids "${CAROL[@]}" ls-flags
	assert_success
	assert_output $'1\n3'
	run --separate-stderr "$LS" --search SEEN "${CAROL[@]}" ls-flags
	assert_success
	[ -z "$stderr" ]
	assert_output $'2\t\\\\Seen \\\\Recent\t393\t2024-01-01T00:02:00+00:00\tSender 2 <sender2@example.test>\tTest message 2'
	run --separate-stderr "$LS" --search 'FROM "sender2"' -o uid,from "${CAROL[@]}" ls-msgs
	assert_success
	assert_output $'2\tSender 2 <sender2@example.test>'
	run --separate-stderr "$LS" -s 'OR FROM "sender1" SUBJECT "message 3"' -o uid "${CAROL[@]}" ls-msgs
	assert_success
	assert_output $'1\n3'
	[ -z "$stderr" ]
}

@test "messages: a search matching nothing: exit 1, no output" {
	run --separate-stderr "$LS" --search 'SUBJECT "no such subject"' "${CAROL[@]}" ls-msgs
	assert_failure 1
	assert_output ''
	[ -z "$stderr" ]
	run --separate-stderr "$LS" --search 'SUBJECT "no such subject"' --uids "${CAROL[@]}" ls-msgs
	assert_failure 1
	assert_output ''
	run --separate-stderr "$LS" -H --search 'SUBJECT "no such subject"' "${CAROL[@]}" ls-msgs
	assert_failure 1
	assert_output $'uid\tflags\tsize\tdate\tfrom\tsubject'
}

@test "messages: non-ASCII search (CHARSET UTF-8), RFC 2047 decoded, --raw keeps it" {
	run --separate-stderr "$LS" -v --search 'SUBJECT "Köln"' -o uid,from,subject "${CAROL[@]}" ls-intl
	assert_success
	assert_output $'1\tJürgen Müller <juergen@example.test>\tGrüße aus Köln'
	grep -q '^C: A[0-9]* UID SEARCH .*CHARSET UTF-8 SUBJECT {5+\?}$' <<<"$stderr"
	run --separate-stderr "$LS" --raw --search 'SUBJECT "Köln"' -o uid,from,subject "${CAROL[@]}" ls-intl
	assert_success
	[ -z "$stderr" ]
	assert_output "$(printf '1\t=?UTF-8?B?%s?= <juergen@example.test>\t=?UTF-8?B?%s?=' \
		"$(printf 'Jürgen Müller' | base64 -w0)" "$(printf 'Grüße aus Köln' | base64 -w0)")"
	# --raw: the INTERNALDATE as the server sent it.
	run --separate-stderr "$LS" --raw -o date,subject "${CAROL[@]}" ls-msgs
	assert_success
	assert_line --index 0 $'01-Jan-2024 00:01:00 +0000\tTest message 1'
	# Unquoted non-ASCII text and a non-ASCII word that matches nothing.
	run --separate-stderr "$LS" --search 'SUBJECT Grüße' --uids "${CAROL[@]}" ls-intl
	assert_success
	assert_output 1
	run --separate-stderr "$LS" --search 'SUBJECT "Düsseldorf"' "${CAROL[@]}" ls-intl
	assert_failure 1
	assert_output ''
}

@test "listing is read-only: \\Seen stays unset" {
	local before after
	before=$(dadm -f tab fetch -u carol 'uid flags' mailbox ls-flags)
	run --separate-stderr "$LS" --search UNSEEN --uids "${CAROL[@]}" ls-flags
	assert_success
	assert_output $'1\n3'
	run --separate-stderr "$LS" -o uid,flags,size,date,from,subject,sent,to "${CAROL[@]}" ls-flags
	assert_success
	assert_line --index 0 --regexp $'^1\t\\\\\\\\Recent\t'
	run --separate-stderr "$LS" --json "${CAROL[@]}" ls-flags
	assert_success
	after=$(dadm -f tab fetch -u carol 'uid flags' mailbox ls-flags)
	assert_equal "$after" "$before"
	[[ "$(grep '^1' <<<"$after")" != *Seen* ]]
	run --separate-stderr "$LS" --search UNSEEN --uids "${CAROL[@]}" ls-flags
	assert_success
	assert_output $'1\n3'
}

@test "20,000 messages: every row, UIDs in order, peak RSS under 16 MB" {
	local out=$BATS_TEST_TMPDIR/big.tsv rss=$BATS_TEST_TMPDIR/rss
	/usr/bin/time -o "$rss" -f %M "$LS" "${CAROL[@]}" ls-big >"$out" 2>"$BATS_TEST_TMPDIR/err"
	[ ! -s "$BATS_TEST_TMPDIR/err" ]
	[ "$(wc -l <"$out")" -eq 20000 ]
	cut -f1 "$out" | cmp - <(seq 1 20000)
	[ "$(awk -F'\t' 'NF != 6' "$out")" = "" ]
	[ "$(sed -n 20000p "$out")" = $'20000\t\\\\Recent\t542\t2024-01-14T21:20:00+00:00\tSender 20000 <sender20000@example.test>\tTest message 20000' ]
	# A loose bound: the rows are streamed, not collected (about 12 MB seen).
	! rss_limit_applies || [ "$(tail -1 "$rss")" -lt 16384 ]
	run --separate-stderr "$LS" --uids "${CAROL[@]}" ls-big
	assert_success
	[ "$(lines_of "$output")" -eq 20000 ]
	cmp <(printf '%s\n' "$output") <(seq 1 20000)
	# A scattered search result (6,878 UIDs): with SEARCHRES one
	# "UID FETCH $" sent with the search; the rows are those --uids
	# gives, in order (several pipelined FETCH commands would come back
	# mixed from Dovecot).
	"$LS" --search 'SUBJECT "5"' --uids "${CAROL[@]}" ls-big >"$BATS_TEST_TMPDIR/u1"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/u1")" -eq 6878 ]
	"$LS" -v --search 'SUBJECT "5"' -o uid "${CAROL[@]}" ls-big >"$BATS_TEST_TMPDIR/u2" 2>"$BATS_TEST_TMPDIR/err"
	cmp "$BATS_TEST_TMPDIR/u1" "$BATS_TEST_TMPDIR/u2"
	[ "$(grep -c '^C: A[0-9]* UID FETCH ' "$BATS_TEST_TMPDIR/err")" -eq 1 ]
	grep -q '^C: A[0-9]* UID SEARCH RETURN (SAVE) SUBJECT "5"$' "$BATS_TEST_TMPDIR/err"
	grep -q '^C: A[0-9]* UID FETCH \$ (UID)$' "$BATS_TEST_TMPDIR/err"
}

# ---------------------------------------------------------------- errors

@test "a missing mailbox: exit 66, one line on stderr" {
	run --separate-stderr "$LS" "${CAROL[@]}" ls-nosuch
	assert_failure 66
	assert_output ''
	[[ "$stderr" == "imapls: EXAMINE ls-nosuch: NO "* ]]
	[ "$(lines_of "$stderr")" -eq 1 ]
}

@test "usage errors: exit 64" {
	run --separate-stderr "$LS" -o uid,bogus "${CAROL[@]}" ls-msgs
	assert_failure 64
	assert_equal "$stderr" "imapls: -o: unknown column 'bogus' (see imapls(1))"
	assert_output ''
	# The rest is refused before any connection: the port is closed.
	local url="imaps://carol@127.0.0.1:$(closed_port)"
	run --separate-stderr "$LS" --uids --json "$url" ls-msgs
	assert_failure 64
	assert_equal "$stderr" "imapls: --uids prints bare UIDs: for JSON use --json -o uid"
	run --separate-stderr "$LS" --uids -o uid "$url" ls-msgs
	assert_failure 64
	run --separate-stderr "$LS" --status "$url" ls-msgs
	assert_failure 64
	[ "$(lines_of "$stderr")" -eq 1 ]
	run --separate-stderr "$LS" -p 'ls-*' "$url" ls-msgs
	assert_failure 64
	run --separate-stderr "$LS" --subscribed "$url" ls-msgs
	assert_failure 64
	run --separate-stderr "$LS" --search ALL "$url"
	assert_failure 64
	run --separate-stderr "$LS" -o uid "$url"
	assert_failure 64
	run --separate-stderr "$LS" "$url" ls-msgs extra
	assert_failure 64
	assert_equal "$stderr" "imapls: unexpected argument 'extra'"
	run --separate-stderr "$LS" "$url" ''
	assert_failure 64
	HOME=$BATS_TEST_TMPDIR run --separate-stderr "$LS"
	assert_failure 64
	[[ "$stderr" == "imapls: no server"* ]]
	assert_output ''
	run --separate-stderr "$LS" --no-such-option "$url"
	assert_failure 64
}

@test "-o with an unknown column is refused before connecting" {
	local port
	port=$(closed_port)
	run --separate-stderr "$LS" -o uid,bogus --password-cmd 'echo x' "imaps://carol@127.0.0.1:$port" ls-msgs
	assert_failure 64
	assert_equal "$stderr" "imapls: -o: unknown column 'bogus' (see imapls(1))"
}

@test "search syntax: the server's BAD and local checks give exit 64" {
	run --separate-stderr "$LS" --search FOO "${CAROL[@]}" ls-msgs
	assert_failure 64
	assert_output ''
	[[ "$stderr" == "imapls: search: BAD "*"FOO"* ]]
	[ "$(lines_of "$stderr")" -eq 1 ]
	run --separate-stderr "$LS" --search 'SUBJECT "open' "${CAROL[@]}" ls-msgs
	assert_failure 64
	assert_equal "$stderr" "imapls: search criteria: unterminated quoted string"
	run --separate-stderr "$LS" --search 'OR (SEEN' "${CAROL[@]}" ls-msgs
	assert_failure 64
	assert_equal "$stderr" "imapls: search criteria: unbalanced parentheses"
	run --separate-stderr "$LS" --search ' ' "${CAROL[@]}" ls-msgs
	assert_failure 64
}

@test "connection refused: exit 75" {
	port=$(closed_port)
	run --separate-stderr "$LS" "imaps://localhost:$port"
	assert_failure 75
	assert_equal "$stderr" "imapls: cannot connect to localhost port $port: Connection refused"
	assert_output ''
}

@test "a wrong password: exit 77 (last test on Dovecot: it costs the next login 4 s)" {
	run --separate-stderr "$LS" --cacert "$MP_CACERT" --password-cmd 'echo wrong' \
		"imaps://carol@127.0.0.1:$MP_IMAPS_PORT" ls-msgs
	assert_failure 77
	assert_output ''
	[[ "$stderr" == "imapls: authentication failed for user 'carol'"* ]]
	[ "$(lines_of "$stderr")" -eq 1 ]
	# Dovecot delays the next login from 127.0.0.1 (about 4 s): pay it
	# here rather than in the next suite; the right password still works.
	run --separate-stderr "$LS" -p INBOX "${CAROL[@]}"
	assert_success
	assert_output $'INBOX\t/\t'
}

# ---------------------------------------------------------------- dialogs

@test "dialog: BYE in the middle of the FETCH results: exit 75, rows kept" {
	dialog_start imapls-bye-mid-fetch
	run --separate-stderr "$LS" --insecure --timeout 5 -o uid,flags,size "imap://127.0.0.1:$DIALOG_PORT" INBOX
	assert_failure 75
	assert_output $'1\t\\\\Seen\t100\n2\t\t200'
	assert_equal "$stderr" "imapls: server closed the session: Server shutting down for maintenance"
	dialog_finish
}

@test "dialog: tagged NO [NONEXISTENT] to EXAMINE: exit 66, then LOGOUT" {
	dialog_start imapls-examine-no
	run --separate-stderr "$LS" --insecure --timeout 5 "imap://127.0.0.1:$DIALOG_PORT" nosuch
	assert_failure 66
	assert_output ''
	assert_equal "$stderr" "imapls: EXAMINE nosuch: NO [NONEXISTENT] Mailbox doesn't exist: nosuch"
	dialog_finish
}

@test "dialog: a FETCH response split across reads, literal included" {
	dialog_start imapls-split-fetch
	local i
	for i in $(seq 10); do
		run --separate-stderr "$LS" --insecure --timeout 5 -o uid,from,subject \
			"imap://127.0.0.1:$DIALOG_PORT" INBOX
		assert_success
		assert_output $'7\tSender One <sender1@example.test>\tSplit message 1'
		[ -z "$stderr" ]
	done
	dialog_finish
}

@test "dialog: a FETCH response split in two at every byte position" {
	# One connection per position, the script generated from the same
	# response as scripts/imapls-split-fetch.dialog.
	local script=$BATS_TEST_TMPDIR/split-every.dialog n
	n=$(python3 - "$script" <<-'EOF'
	import sys
	resp = (b'* 1 FETCH (UID 7 ENVELOPE ("Mon, 01 Jan 2024 00:01:00 +0000" {15}\r\n'
	        b'Split message 1 (("Sender One" NIL "sender1" "example.test")) '
	        b'NIL NIL NIL NIL NIL NIL "<s1@example.test>"))\r\n')
	pre = ('S: * OK IMAP4rev1 ready\nC: {TAG} CAPABILITY\nS: * CAPABILITY IMAP4rev1\n'
	       'S: {TAG} OK done\nC: {TAG} EXAMINE "INBOX"\nS: * 1 EXISTS\n'
	       'S: * OK [UIDVALIDITY 42] UIDs valid\nS: {TAG} OK [READ-ONLY] done\n'
	       'C: {TAG} UID FETCH 1:* (UID ENVELOPE)\n')
	post = ('S: {TAG} OK Fetch completed\nC: {TAG} LOGOUT\nS: * BYE Logging out\n'
	        'S: {TAG} OK Logout completed\n')
	hexes = lambda b: ' '.join('%02x' % c for c in b)
	with open(sys.argv[1], 'w') as f:
	    for i in range(1, len(resp)):
	        f.write('--- connection: split after byte %d\n' % i)
	        f.write(pre + '!raw %s\n!sleep 3\n!raw %s\n' % (hexes(resp[:i]), hexes(resp[i:])) + post)
	print(len(resp) - 1)
	EOF
	)
	dialog_start "$script"
	# Not "i": bats' run uses (and changes) that name.
	local at
	for (( at = 1; at <= n; at++ )); do
		run --separate-stderr "$LS" --insecure --timeout 5 -o uid,from,subject \
			"imap://127.0.0.1:$DIALOG_PORT" INBOX
		[ "$status" -eq 0 ] && [ -z "$stderr" ] &&
			[ "$output" = $'7\tSender One <sender1@example.test>\tSplit message 1' ] ||
			fail "split after byte $at: exit $status, output '$output', stderr '$stderr'; $(cat "$DIALOG_REPORT")"
	done
	dialog_finish
}

@test "dialog: EXPUNGE and EXISTS between FETCH results: rows printed, exit 0" {
	dialog_start imapls-expunge-exists
	run --separate-stderr "$LS" --insecure --timeout 5 -o uid,flags,size "imap://127.0.0.1:$DIALOG_PORT" INBOX
	assert_success
	[ -z "$stderr" ]
	assert_output $'10\t\\\\Seen\t100\n12\t\t200\n14\t\\\\Answered\t400'
	dialog_finish
}

@test "dialog: malformed FETCH and a 10^20-octet literal: exit 76, one line" {
	dialog_start imapls-malformed
	run --separate-stderr "$LS" --insecure --timeout 5 -o uid,flags,size "imap://127.0.0.1:$DIALOG_PORT" INBOX
	assert_failure 76
	assert_output ''
	assert_equal "$stderr" "imapls: malformed response '* 1 FETCH (UID 1 FLAGS (\\Seen RFC822.SIZE 100)': IMAP response: ')' missing at the end at offset 46"
	local rss=$BATS_TEST_TMPDIR/rss
	run --separate-stderr /usr/bin/time -o "$rss" -f %M \
		"$LS" --insecure --timeout 5 -o uid,subject "imap://127.0.0.1:$DIALOG_PORT" INBOX
	assert_failure 76
	assert_output ''
	assert_equal "$stderr" "imapls: bad literal size in IMAP response"
	# Nothing like the announced size was allocated.
	! rss_limit_applies || [ "$(tail -1 "$rss")" -lt 16384 ]
	dialog_finish
}

@test "dialog: --status without LIST-STATUS: STATUS per mailbox, pipelined" {
	dialog_start imapls-status-pipelined
	run --separate-stderr "$LS" --insecure --timeout 5 --status "imap://127.0.0.1:$DIALOG_PORT"
	assert_success
	[ -z "$stderr" ]
	assert_output - <<-EOF
	$(printf 'INBOX\t/\t\\\\HasNoChildren\t5\t1\t2\t6\t9\t')
	$(printf 'ls-top\t/\t\\\\Noselect \\\\HasChildren\t\t\t\t\t\t')
	$(printf 'ls-top/ls-leaf\t/\t\\\\HasNoChildren\t2\t0\t1\t3\t7\t')
	$(printf 'ls-Входящие\t/\t\\\\HasNoChildren\t0\t0\t0\t1\t8\t')
	EOF
	dialog_finish
}

@test "dialog: no ESEARCH: plain SEARCH results, nothing found, CHARSET literal" {
	dialog_start imapls-search-no-esearch
	local url="imap://127.0.0.1:$DIALOG_PORT"
	run --separate-stderr "$LS" --insecure --timeout 5 -o uid,size --search 'FROM "sender"' "$url" INBOX
	assert_success
	[ -z "$stderr" ]
	assert_output $'2\t200\n3\t300'
	run --separate-stderr "$LS" --insecure --timeout 5 --uids --search UNSEEN "$url" INBOX
	assert_success
	assert_output $'5\n7\n9'
	run --separate-stderr "$LS" --insecure --timeout 5 --search SEEN "$url" INBOX
	assert_failure 1
	assert_output ''
	[ -z "$stderr" ]
	run --separate-stderr "$LS" --insecure --timeout 5 --uids --search 'SUBJECT "Köln"' "$url" INBOX
	assert_success
	assert_output 3
	dialog_finish
}

@test "dialog: UTF8=ACCEPT enabled: names and search text as UTF-8, no CHARSET" {
	dialog_start imapls-utf8-accept
	local url="imap://127.0.0.1:$DIALOG_PORT"
	run --separate-stderr "$LS" --insecure --timeout 5 "$url"
	assert_success
	assert_output $'Входящие\t/\t\nINBOX\t/\t'
	run --separate-stderr "$LS" --insecure --timeout 5 --uids --search 'SUBJECT "Köln"' "$url" Входящие
	assert_success
	assert_output 2
	dialog_finish
}

@test "dialog: --subscribed without LIST-EXTENDED: LSUB; a NIL delimiter" {
	dialog_start imapls-lsub
	run --separate-stderr "$LS" --insecure --timeout 5 --subscribed -p '%' --json "imap://127.0.0.1:$DIALOG_PORT"
	assert_success
	assert_output - <<-'EOF'
	{"mailbox":"INBOX","delimiter":".","attributes":[]}
	{"mailbox":"Lists","delimiter":".","attributes":["\\Noselect"]}
	{"mailbox":"flat","delimiter":null,"attributes":[]}
	EOF
	dialog_finish
}
