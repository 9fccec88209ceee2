#!/usr/bin/env bats
# imapflag against the private Dovecot, and against scripted dialogs for
# what a real server will not do.
#
# Only bob's mailboxes named "fl-*" are used (created here); other
# suites use bob's INBOX and carol's "ls-*", and nothing may touch dave.

# doveadm on the private Dovecot.
dadm() { doveadm -c "$MP_DOVECOT_CONF" "$@"; }

seed() { "$MP_ROOT/tests/servers/mailservers" seed "$MP_STATE_DIR" "$@" >/dev/null; }

setup_file() {
	load helpers
	# fl-big: 20,000 messages, shared by the two big tests (the first
	# flags every UID \Seen, the second every third one \Flagged).
	seed bob 20000 fl-big
}

setup() {
	load helpers
	FL="$MP_BIN/imapflag"
	LS="$MP_BIN/imapls"
	# imapflag/imapls on bob over IMAPS (URL last: MAILBOX follows).
	BOB=(--cacert "$MP_CACERT" --password-cmd "$(pwcmd bob)"
		"imaps://bob@127.0.0.1:$MP_IMAPS_PORT")
}

teardown() {
	dialog_stop
}

# uid<TAB>flags of every message of a mailbox of bob's.
flags_of() { "$LS" -o uid,flags "${BOB[@]}" "$1"; }

uidvalidity_of() {
	dadm -f tab mailbox status -u bob uidvalidity "$1" | tail -1 | cut -f2
}

# ---------------------------------------------------------------- Dovecot

@test "add, remove, set: one UID, a range, keywords, case normalized" {
	seed bob 6 fl-basic
	run --separate-stderr "$FL" "${BOB[@]}" fl-basic --add '\seen' 2
	assert_success
	assert_output ''
	[ -z "$stderr" ]
	run flags_of fl-basic
	assert_output - <<-EOF
	$(printf '1\t')
	$(printf '2\t\\\\Seen')
	$(printf '3\t')
	$(printf '4\t')
	$(printf '5\t')
	$(printf '6\t')
	EOF
	# A range, two flags at once, a system flag in odd case and keywords.
	run --separate-stderr "$FL" "${BOB[@]}" fl-basic --add '\FLAGGED' --add '$Label' --add Junk 3:5
	assert_success
	assert_output ''
	[ -z "$stderr" ]
	run flags_of fl-basic
	assert_output - <<-EOF
	$(printf '1\t')
	$(printf '2\t\\\\Seen')
	$(printf '3\t\\\\Flagged $Label Junk')
	$(printf '4\t\\\\Flagged $Label Junk')
	$(printf '5\t\\\\Flagged $Label Junk')
	$(printf '6\t')
	EOF
	# Remove one flag from part of the range (the keyword in another case).
	run --separate-stderr "$FL" "${BOB[@]}" fl-basic --remove '\flagged' --remove 'junk' 4 5
	assert_success
	[ -z "$stderr" ]
	run flags_of fl-basic
	assert_line --index 2 $'3\t\\\\Flagged $Label Junk'
	assert_line --index 3 $'4\t$Label'
	assert_line --index 4 $'5\t$Label'
	# --set replaces everything; '' clears.
	run --separate-stderr "$FL" "${BOB[@]}" fl-basic --set '\Answered $Done' 1:3
	assert_success
	[ -z "$stderr" ]
	run --separate-stderr "$FL" "${BOB[@]}" fl-basic --set '' 5
	assert_success
	run flags_of fl-basic
	assert_output - <<-EOF
	$(printf '1\t\\\\Answered $Done')
	$(printf '2\t\\\\Answered $Done')
	$(printf '3\t\\\\Answered $Done')
	$(printf '4\t$Label')
	$(printf '5\t')
	$(printf '6\t')
	EOF
	# The wire: one SEARCH, one STORE with the normalized flags.
	run --separate-stderr "$FL" -v "${BOB[@]}" fl-basic --add '\draft' 6
	assert_success
	grep -q '^C: A[0-9]* UID SEARCH RETURN (ALL) UID 6$' <<<"$stderr"
	grep -q '^C: A[0-9]* UID STORE 6 +FLAGS.SILENT (\\Draft)$' <<<"$stderr"
}

@test "20,000 UIDs from stdin: one SEARCH, one STORE, all \\Seen" {
	local err=$BATS_TEST_TMPDIR/err
	seq 1 20000 | "$FL" -v "${BOB[@]}" fl-big --add '\Seen' >"$BATS_TEST_TMPDIR/out" 2>"$err"
	[ ! -s "$BATS_TEST_TMPDIR/out" ]
	run --separate-stderr "$LS" --search UNSEEN --uids "${BOB[@]}" fl-big
	assert_failure 1
	assert_output ''
	run --separate-stderr "$LS" --search SEEN --uids "${BOB[@]}" fl-big
	assert_success
	[ "$(lines_of "$output")" -eq 20000 ]
	# Login, SELECT, one SEARCH, one STORE, LOGOUT: the set is 1:20000.
	[ "$(grep -c '^C: ' "$err")" -eq 5 ]
	grep -q '^C: A[0-9]* UID SEARCH RETURN (ALL) UID 1:20000$' "$err"
	grep -q '^C: A[0-9]* UID STORE 1:20000 +FLAGS.SILENT (\\Seen)$' "$err"
	grep -q '^C: A[0-9]* LOGOUT$' "$err"
}

@test "scattered UIDs (every third of 20,000): STOREs of at most ~1,000 octets" {
	local err=$BATS_TEST_TMPDIR/err n
	seq 1 3 20000 | "$FL" -v "${BOB[@]}" fl-big --add '\Flagged' >"$BATS_TEST_TMPDIR/out" 2>"$err"
	[ ! -s "$BATS_TEST_TMPDIR/out" ]
	n=$(grep -c '^C: A[0-9]* UID STORE ' "$err")
	[ "$n" -gt 10 ]
	# Each command line (without "C: ") fits in about 1,000 octets of set.
	[ "$(grep '^C: A[0-9]* UID \(STORE\|SEARCH\) ' "$err" | awk 'length($0) - 3 > 1100' | wc -l)" -eq 0 ]
	# Every piece is a plain UID list (nothing to compress) and together
	# they name exactly the UIDs given.
	grep '^C: A[0-9]* UID STORE ' "$err" | awk '{print $5}' | tr , '\n' | cmp - <(seq 1 3 20000)
	run --separate-stderr "$LS" --search FLAGGED --uids "${BOB[@]}" fl-big
	assert_success
	cmp <(printf '%s\n' "$output") <(seq 1 3 20000)
}

@test "composition: imapls --uids, TSV rows and --json piped into imapflag" {
	seed bob 5 fl-pipe
	dadm flags add -u bob '\Seen' mailbox fl-pipe uid 2
	# Bare UIDs of a search.
	"$LS" --search UNSEEN --uids "${BOB[@]}" fl-pipe | "$FL" "${BOB[@]}" fl-pipe --add '$Was-Unseen'
	run flags_of fl-pipe
	assert_output - <<-EOF
	$(printf '1\t$Was-Unseen')
	$(printf '2\t\\\\Seen')
	$(printf '3\t$Was-Unseen')
	$(printf '4\t$Was-Unseen')
	$(printf '5\t$Was-Unseen')
	EOF
	# TSV rows: the first field is the UID; imapls's -H header is skipped.
	run --separate-stderr bash -c '"$1" -H -o uid,subject --search "SUBJECT \"message 3\"" "${@:3}" fl-pipe |
		"$2" "${@:3}" fl-pipe --add TSV' _ "$LS" "$FL" "${BOB[@]}"
	assert_success
	[ -z "$stderr" ]
	# JSON Lines with uid, mailbox and uidvalidity (checked on the way).
	run --separate-stderr bash -c '"$1" --json -o uid,subject --search "SUBJECT \"message 4\"" "${@:3}" fl-pipe |
		tee /dev/stderr | "$2" "${@:3}" fl-pipe --add JSON' _ "$LS" "$FL" "${BOB[@]}"
	assert_success
	[[ "$stderr" == *'"uidvalidity":'"$(uidvalidity_of fl-pipe)"* ]]
	[[ "$stderr" == *'"mailbox":"fl-pipe"'* ]]
	run flags_of fl-pipe
	assert_line --index 2 $'3\t$Was-Unseen TSV'
	assert_line --index 3 $'4\t$Was-Unseen JSON'
	# The JSON names another mailbox: 64, nothing connects.
	run --separate-stderr "$FL" "${BOB[@]}" fl-big --add JSON <<<'{"uid":4,"mailbox":"fl-pipe","uidvalidity":1}'
	assert_failure 64
	assert_equal "$stderr" "imapflag: the UIDs read are of mailbox 'fl-pipe', not 'fl-big'"
	# Empty input (a search that found nothing): exit 0, no connection.
	run --separate-stderr "$FL" --password-cmd 'echo x' "imaps://bob@127.0.0.1:$(closed_port)" fl-pipe --add x </dev/null
	assert_success
	assert_output ''
	[ -z "$stderr" ]
	# --search instead of UIDs.
	run --separate-stderr "$FL" "${BOB[@]}" fl-pipe --search 'SUBJECT "message 5"' --add Searched
	assert_success
	run flags_of fl-pipe
	assert_line --index 4 $'5\t$Was-Unseen Searched'
}

@test "--expunge removes only the UIDs given: another \\Deleted one survives" {
	seed bob 4 fl-exp
	dadm flags add -u bob '\Deleted' mailbox fl-exp uid 3
	run --separate-stderr "$FL" -v "${BOB[@]}" fl-exp --expunge 1 2
	assert_success
	assert_output ''
	grep -q '^C: A[0-9]* UID STORE 1:2 +FLAGS.SILENT (\\Deleted)$' <<<"$stderr"
	grep -q '^C: A[0-9]* UID EXPUNGE 1:2$' <<<"$stderr"
	run ! grep -q '^C: A[0-9]* EXPUNGE' <<<"$stderr"
	run flags_of fl-exp
	assert_output $'3\t\\\\Deleted\n4\t'
	# With --report: the rows say expunged.
	run --separate-stderr "$FL" "${BOB[@]}" fl-exp --expunge --report 4
	assert_success
	assert_output $'4\texpunged\t'
	run flags_of fl-exp
	assert_output $'3\t\\\\Deleted'
}

@test "UIDVALIDITY changed (mailbox recreated): exit 65 naming both values" {
	local saved=$BATS_TEST_TMPDIR/uids.json old new
	seed bob 3 fl-uv
	old=$(uidvalidity_of fl-uv)
	"$LS" --json -o uid "${BOB[@]}" fl-uv >"$saved"
	grep -q "\"uidvalidity\":$old" "$saved"
	dadm mailbox delete -u bob fl-uv
	seed bob 3 fl-uv
	new=$(uidvalidity_of fl-uv)
	[ "$new" != "$old" ]
	run --separate-stderr "$FL" "${BOB[@]}" fl-uv --add '\Seen' <"$saved"
	assert_failure 65
	assert_output ''
	[[ "$stderr" == *"$old"* && "$stderr" == *"$new"* ]]
	[ "$(lines_of "$stderr")" -eq 1 ]
	run --separate-stderr "$FL" "${BOB[@]}" fl-uv --uidvalidity 12345 --add '\Seen' 1
	assert_failure 65
	[[ "$stderr" == *12345* && "$stderr" == *"$new"* ]]
	# Nothing was stored.
	run flags_of fl-uv
	refute_output --partial 'Seen'
	# The right number is accepted.
	run --separate-stderr "$FL" "${BOB[@]}" fl-uv --uidvalidity "$new" --add '\Seen' 1
	assert_success
	run flags_of fl-uv
	assert_line --index 0 $'1\t\\\\Seen'
}

@test "a read-only mailbox (its Maildir not writable): exit 77, nothing changed" {
	seed bob 2 fl-ro
	local d=$MP_MAIL_DIR/bob/Maildir/.fl-ro
	chmod a-w "$d" "$d/cur" "$d/new" "$d/tmp"
	run --separate-stderr "$FL" -v "${BOB[@]}" fl-ro --add '\Seen' 1
	chmod u+w "$d" "$d/cur" "$d/new" "$d/tmp"
	assert_failure 77
	[[ "$stderr" == *'OK [READ-ONLY]'* ]]
	[[ "$stderr" == *$'\nimapflag: fl-ro is read-only for this user' ]]
	! grep -q '^C: A[0-9]* UID STORE' <<<"$stderr"
	grep -q '^C: A[0-9]* LOGOUT$' <<<"$stderr"
	run flags_of fl-ro
	assert_output $'1\t\n2\t'
}

@test "a missing mailbox: exit 66" {
	run --separate-stderr "$FL" "${BOB[@]}" fl-nosuch --add '\Seen' 1
	assert_failure 66
	assert_output ''
	[[ "$stderr" == "imapflag: SELECT fl-nosuch: NO "* ]]
	[ "$(lines_of "$stderr")" -eq 1 ]
}

@test "--report: ok and missing rows, -H, --json; missing UIDs: exit 1" {
	seed bob 3 fl-rep
	# A first SELECT takes \Recent away, so the rows below are stable.
	"$FL" "${BOB[@]}" fl-rep --add '$Old' 3
	run --separate-stderr "$FL" "${BOB[@]}" fl-rep --report -H --add '\Seen' --add Work 1 2 7 9:10
	assert_failure 1
	assert_output - <<-EOF
	$(printf 'uid\tresult\tflags')
	$(printf '1\tok\t\\\\Seen Work')
	$(printf '2\tok\t\\\\Seen Work')
	$(printf '7\tmissing\t')
	$(printf '9\tmissing\t')
	$(printf '10\tmissing\t')
	EOF
	assert_equal "$stderr" "imapflag: fl-rep: no message has 3 of the UIDs given"
	# Without --report: silent stdout, same stderr line and exit.
	run --separate-stderr "$FL" "${BOB[@]}" fl-rep --add '\Seen' 3 4
	assert_failure 1
	assert_output ''
	assert_equal "$stderr" "imapflag: fl-rep: no message has 1 of the UIDs given"
	run --separate-stderr "$FL" "${BOB[@]}" fl-rep --report --json --remove Work 2:4
	assert_failure 1
	python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert rows == [
    {"uid": 2, "result": "ok", "flags": ["\\Seen"]},
    {"uid": 3, "result": "ok", "flags": ["\\Seen", "$Old"]},
    {"uid": 4, "result": "missing", "flags": []},
], rows
' <<<"$output"
	# All present: exit 0, only ok rows.
	run --separate-stderr "$FL" "${BOB[@]}" fl-rep --report --add Work 1
	assert_success
	assert_output $'1\tok\t\\\\Seen Work'
	[ -z "$stderr" ]
}

@test "--dry-run prints the commands and changes nothing" {
	seed bob 5 fl-dry
	local before
	before=$(flags_of fl-dry)
	run --separate-stderr "$FL" "${BOB[@]}" fl-dry -n --set '\flagged' 1:5
	assert_success
	assert_output 'UID STORE 1:5 FLAGS.SILENT (\Flagged)'
	[ -z "$stderr" ]
	run --separate-stderr "$FL" "${BOB[@]}" fl-dry --dry-run --expunge 2 4 1 3
	assert_success
	assert_output $'UID STORE 1:4 +FLAGS.SILENT (\\Deleted)\nUID EXPUNGE 1:4'
	run --separate-stderr "$FL" -v "${BOB[@]}" fl-dry -n --add Junk 5
	assert_success
	assert_output 'UID STORE 5 +FLAGS.SILENT (Junk)'
	run ! grep -q '^C: A[0-9]* UID STORE' <<<"$stderr"
	run flags_of fl-dry
	assert_output "$(sed 's/\\\\Recent//' <<<"$before")"
	refute_output --partial Flagged
	refute_output --partial Deleted
	refute_output --partial Junk
}

@test "--unchangedsince: a message changed since is left alone, reported modified" {
	local modseq
	seed bob 3 fl-cond
	# Dovecot keeps per-message MODSEQs only once a client asked for
	# them (until then a change gives every message a new one).
	dadm fetch -u bob modseq mailbox fl-cond >/dev/null
	"$FL" "${BOB[@]}" fl-cond --add '$Base' 1:3
	modseq=$(dadm -f tab mailbox status -u bob highestmodseq fl-cond | tail -1 | cut -f2)
	[ -n "$modseq" ]
	# Another session changes message 2.
	"$FL" "${BOB[@]}" fl-cond --add '\Answered' 2
	run --separate-stderr "$FL" "${BOB[@]}" fl-cond --report --unchangedsince "$modseq" --add '\Flagged' 1:3
	assert_failure 1
	assert_output - <<-EOF
	$(printf '1\tok\t\\\\Flagged $Base')
	$(printf '2\tmodified\t\\\\Answered $Base')
	$(printf '3\tok\t\\\\Flagged $Base')
	EOF
	assert_equal "$stderr" "imapflag: fl-cond: 1 modified since $modseq, left alone"
	run flags_of fl-cond
	assert_line --index 1 $'2\t\\\\Answered $Base'
	# MODSEQ 1: everything was modified since.
	run --separate-stderr "$FL" "${BOB[@]}" fl-cond --unchangedsince 1 --add '\Draft' 1
	assert_failure 1
	assert_output ''
	assert_equal "$stderr" "imapflag: fl-cond: 1 modified since 1, left alone"
	run flags_of fl-cond
	refute_output --partial Draft
}

@test "--expunge --unchangedsince: a message modified since is not expunged" {
	local modseq
	seed bob 3 fl-condexp
	dadm fetch -u bob modseq mailbox fl-condexp >/dev/null
	"$FL" "${BOB[@]}" fl-condexp --add '$Base' 1:3
	modseq=$(dadm -f tab mailbox status -u bob highestmodseq fl-condexp | tail -1 | cut -f2)
	# Another session flags message 2 \Deleted after that MODSEQ.
	"$FL" "${BOB[@]}" fl-condexp --add '\Deleted' 2
	run --separate-stderr "$FL" -v "${BOB[@]}" fl-condexp --report --expunge --unchangedsince "$modseq" 1:3
	assert_failure 1
	[[ "$stderr" == *"imapflag: fl-condexp: 1 modified since $modseq, left alone"* ]]
	assert_output $'1\texpunged\t\n2\tmodified\t\n3\texpunged\t'
	local wire=$stderr
	run flags_of fl-condexp
	# Message 2 was left alone: still there, still \Deleted.
	assert_output $'2\t\\\\Deleted $Base'
	grep -q '^C: A[0-9]* UID EXPUNGE 1,3$' <<<"$wire"
}

# ---------------------------------------------------------------- usage

@test "bad flags and UIDs: exit 64 before connecting, one line" {
	local url="imaps://bob@127.0.0.1:$(closed_port)"
	local P=(--password-cmd 'echo x' "$url" fl-x)
	run --separate-stderr "$FL" "${P[@]}" --add '\Recent' 1
	assert_failure 64
	assert_equal "$stderr" 'imapflag: --add: \Recent cannot be set or cleared: only the server sets it'
	run --separate-stderr "$FL" "${P[@]}" --remove '\recent' 1
	assert_failure 64
	[ "$(lines_of "$stderr")" -eq 1 ]
	run --separate-stderr "$FL" "${P[@]}" --add '\Foo' 1
	assert_failure 64
	[[ "$stderr" == "imapflag: --add: unknown system flag '\\Foo'"* ]]
	[ "$(lines_of "$stderr")" -eq 1 ]
	local kw
	for kw in 'a(b' 'a"b' 'a)b' 'a{b' 'a]b' 'a%b' 'a*b' $'a\rb' $'a\nb' $'a\tb' 'a\b'; do
		run --separate-stderr "$FL" "${P[@]}" --add "$kw" 1
		[ "$status" -eq 64 ] || fail "--add '$kw': exit $status, stderr '$stderr'"
		[ "$(lines_of "$stderr")" -eq 1 ] || fail "--add '$kw': stderr '$stderr'"
		[[ "$stderr" == "imapflag: --add: keyword '"* ]] || fail "--add '$kw': stderr '$stderr'"
	done
	# CR/LF never reaches the terminal raw.
	run --separate-stderr "$FL" "${P[@]}" --add $'a\r\nb' 1
	assert_failure 64
	[[ "$stderr" != *$'\r'* ]]
	run --separate-stderr "$FL" "${P[@]}" --add '\Seen' 0
	assert_failure 64
	assert_equal "$stderr" "imapflag: UID argument '0': 0 is not a UID"
	run --separate-stderr "$FL" "${P[@]}" --add '\Seen' '*'
	assert_failure 64
	assert_equal "$stderr" "imapflag: UID argument '*': '*' is not a UID"
	run --separate-stderr "$FL" "${P[@]}" --add '\Seen' '1:*'
	assert_failure 64
	run --separate-stderr "$FL" "${P[@]}" --add '\Seen' 5:3
	assert_failure 64
	assert_equal "$stderr" "imapflag: UID argument '5:3': descending range 5:3"
	run --separate-stderr "$FL" "${P[@]}" --add '\Seen' 4294967296
	assert_failure 64
	run --separate-stderr "$FL" "${P[@]}" --add '\Seen' <<<$'1\n2\nabc\n4'
	assert_failure 64
	assert_equal "$stderr" "imapflag: standard input: line 3: 'abc' is not a UID"
	run --separate-stderr "$FL" "${P[@]}" --add '\Seen' <<<'{"uid":0}'
	assert_failure 64
	[[ "$stderr" == "imapflag: standard input: line 1: "* ]]
	run --separate-stderr "$FL" "${P[@]}" --set '\Seen' --add Junk 1
	assert_failure 64
	assert_equal "$stderr" "imapflag: --set replaces all flags: not with --add or --remove"
	run --separate-stderr "$FL" "${P[@]}" 1
	assert_failure 64
	assert_equal "$stderr" "imapflag: nothing to do: give --add, --remove, --set or --expunge"
	run --separate-stderr "$FL" "${P[@]}" --expunge --remove '\Deleted' 1
	assert_failure 64
	run --separate-stderr "$FL" "${P[@]}" --expunge-all --add x 1
	assert_failure 64
	run --separate-stderr "$FL" "${P[@]}" --json --add x 1
	assert_failure 64
	run --separate-stderr "$FL" "${P[@]}" --uidvalidity 0 --add x 1
	assert_failure 64
	run --separate-stderr "$FL" "${P[@]}" --search ALL --add x 1
	assert_failure 64
	assert_output ''
}

@test "a keyword with a space is refused (one FLAG per --add)" {
	local url="imaps://bob@127.0.0.1:$(closed_port)"
	run --separate-stderr "$FL" --password-cmd 'echo x' "$url" fl-x --add 'a b' 1
	assert_failure 64
	[[ "$stderr" == "imapflag: --add: keyword 'a b'"* ]]
}

# ---------------------------------------------------------------- dialogs

@test "dialog: --expunge without UIDPLUS: 69 before any STORE; --expunge-all: EXPUNGE" {
	dialog_start imapflag-no-uidplus
	local url="imap://127.0.0.1:$DIALOG_PORT"
	run --separate-stderr "$FL" --insecure --timeout 5 "$url" INBOX --expunge 1 2
	assert_failure 69
	assert_output ''
	[[ "$stderr" == "imapflag: the server has no UIDPLUS"*"--expunge-all"* ]]
	[ "$(lines_of "$stderr")" -eq 1 ]
	run --separate-stderr "$FL" --insecure --timeout 5 "$url" INBOX --expunge --expunge-all 1 2
	assert_success
	assert_output ''
	[ -z "$stderr" ]
	dialog_finish
}

@test "dialog: NO to STORE: 69 with the server's text; NO [SERVERBUG]: 75" {
	dialog_start imapflag-store-no
	local url="imap://127.0.0.1:$DIALOG_PORT"
	run --separate-stderr "$FL" --insecure --timeout 5 "$url" INBOX --add '\Seen' 1 2
	assert_failure 69
	assert_output ''
	[[ "$stderr" == "imapflag: "*"Flags are frozen by policy"* ]]
	[ "$(lines_of "$stderr")" -eq 1 ]
	run --separate-stderr "$FL" --insecure --timeout 5 "$url" INBOX --report --add '\Seen' 1 2
	assert_failure 75
	assert_output ''
	[[ "$stderr" == "imapflag: "*"[SERVERBUG] Internal error occurred"*"0 of 2 UIDs confirmed"* ]]
	[ "$(lines_of "$stderr")" -eq 1 ]
	dialog_finish
}

@test "dialog: BYE after the first of three pipelined STOREs: 75, confirmed count" {
	dialog_start imapflag-bye-mid-store
	run --separate-stderr "$FL" -v --insecure --timeout 5 "imap://127.0.0.1:$DIALOG_PORT" INBOX \
		--report --search SEEN --add '\Flagged'
	assert_failure 75
	# Nothing reported as done.
	assert_output ''
	local first n
	[ "$(grep -c '^C: A000[456] UID STORE ' <<<"$stderr")" -eq 3 ]
	# The first piece's UIDs are the ones confirmed.
	first=$(grep '^C: A0004 UID STORE ' <<<"$stderr" | awk '{print $5}' | tr , '\n' | grep -c '')
	[ "$first" -gt 0 ] && [ "$first" -lt 600 ]
	n=$(tail -1 <<<"$stderr")
	[[ "$n" == "imapflag: "*"($first of 600 UIDs confirmed before)" ]] || fail "last line: $n (first piece: $first UIDs)"
	[[ "$n" == *"Server shutting down"* ]]
	dialog_finish
}

@test "dialog: PERMANENTFLAGS without \\*: an unlisted keyword is 64, a listed one is stored" {
	dialog_start imapflag-permanentflags
	local url="imap://127.0.0.1:$DIALOG_PORT"
	run --separate-stderr "$FL" --insecure --timeout 5 "$url" INBOX --add Junk 2
	assert_failure 64
	assert_output ''
	[[ "$stderr" == "imapflag: INBOX does not keep the flag Junk"* ]]
	[ "$(lines_of "$stderr")" -eq 1 ]
	run --separate-stderr "$FL" --insecure --timeout 5 "$url" INBOX --add '$work' --add '\seen' 2
	assert_success
	[ -z "$stderr" ]
	dialog_finish
}

@test "dialog: SELECT answered [READ-ONLY]: exit 77, no STORE" {
	# The private Dovecot has no ACL plugin: a read-only mailbox is only
	# to be had from a script.
	dialog_start imapflag-read-only
	run --separate-stderr "$FL" --insecure --timeout 5 "imap://127.0.0.1:$DIALOG_PORT" INBOX --add '\Seen' 1
	assert_failure 77
	assert_output ''
	assert_equal "$stderr" "imapflag: INBOX is read-only for this user"
	dialog_finish
}
