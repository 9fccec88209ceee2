#!/usr/bin/env bats
# imapcopy against the private Dovecot, and against scripted dialogs for
# what a real server will not do (no MOVE, no UIDPLUS, refusals, drops).
#
# Only bob's mailboxes named "cp-*" are used (created here); other
# suites use bob's INBOX, "fl-*" and "bx-*", and nothing may touch dave.

dadm() { doveadm -c "$MP_DOVECOT_CONF" "$@"; }

seed() { "$MP_ROOT/tests/servers/mailservers" seed "$MP_STATE_DIR" "$@" >/dev/null; }

setup_file() {
	load helpers
	# cp-big: 10,000 messages, copied whole, then moved whole.
	seed bob 10000 cp-big
}

setup() {
	load helpers
	CP="$MP_BIN/imapcopy"
	LS="$MP_BIN/imapls"
	FL="$MP_BIN/imapflag"
	BOX="$MP_BIN/imapbox"
	# The tools on bob over IMAPS (URL last: the mailboxes follow).
	BOB=(--cacert "$MP_CACERT" --password-cmd "$(pwcmd bob)"
		"imaps://bob@127.0.0.1:$MP_IMAPS_PORT")
}

teardown() {
	dialog_stop
}

uidvalidity_of() {
	dadm -f tab mailbox status -u bob uidvalidity "$1" | tail -1 | cut -f2
}

# uid<TAB>subject of every message of a mailbox of bob's.
subjects() { "$LS" -o uid,subject "${BOB[@]}" "$1"; }

mkbox() { "$BOX" "${BOB[@]}" create "$@" >/dev/null; }

# Every "src<TAB>dst" line of $2 names a message of mailbox $1 whose
# subject is "Test message src" (in a seeded mailbox UID n is message n),
# and there is at least one line.
pairs_ok() {
	local listing
	listing=$(subjects "$1") || return 1
	awk -F'\t' 'NR == FNR { subj[$1] = $2; next }
		{ n++; if (subj[$2] != "Test message " $1) { print "pair " $1 " -> " $2 ": \"" subj[$2] "\""; bad = 1 } }
		END { exit bad || n == 0 }' <(printf '%s\n' "$listing") <(printf '%s\n' "$2")
}

# ---------------------------------------------------------------- Dovecot

@test "copy by UID: one COPYUID line per message, as imapls sees DST; SRC untouched (EXAMINE)" {
	seed bob 5 cp-src
	mkbox cp-dst
	local before
	before=$("$LS" -o uid,flags "${BOB[@]}" cp-src)
	run --separate-stderr "$CP" -v "${BOB[@]}" cp-src cp-dst 2 4:5
	assert_success
	assert_output $'2\t1\n4\t2\n5\t3'
	local wire=$stderr out=$output
	grep -q '^C: A[0-9]* EXAMINE "cp-src"$' <<<"$wire"
	grep -q '^C: A[0-9]* UID SEARCH RETURN (ALL) UID 2,4:5$' <<<"$wire"
	grep -q '^C: A[0-9]* UID COPY 2,4:5 "cp-dst"$' <<<"$wire"
	grep -q '^S: A[0-9]* OK \[COPYUID [0-9]* 2,4:5 1:3\]' <<<"$wire"
	! grep -q '^C: A[0-9]* \(SELECT\|UID STORE\|UID EXPUNGE\|EXPUNGE\)' <<<"$wire"
	run pairs_ok cp-dst "$out"
	assert_success
	run subjects cp-dst
	assert_output $'1\tTest message 2\n2\tTest message 4\n3\tTest message 5'
	# The source is as it was (EXAMINE: not even \Recent changed).
	[ "$("$LS" -o uid,flags "${BOB[@]}" cp-src)" = "$before" ]
	# -H: a header line; the UIDs go on in DST.
	run --separate-stderr "$CP" -H "${BOB[@]}" cp-src cp-dst 1
	assert_success
	assert_output $'src_uid\tdst_uid\n1\t4'
	[ -z "$stderr" ]
}

@test "--move by UID: UID MOVE, gone from SRC; --json rows feed imapflag on DST" {
	seed bob 4 cp-mv
	mkbox cp-mv-dst
	run --separate-stderr "$CP" -v --move --json "${BOB[@]}" cp-mv cp-mv-dst 1 3
	assert_success
	local uv wire=$stderr json=$output
	uv=$(uidvalidity_of cp-mv-dst)
	assert_output - <<-XEOF
	{"src_uid":1,"dst_uid":1,"mailbox":"cp-mv-dst","uidvalidity":$uv}
	{"src_uid":3,"dst_uid":2,"mailbox":"cp-mv-dst","uidvalidity":$uv}
	XEOF
	grep -q '^C: A[0-9]* SELECT "cp-mv"$' <<<"$wire"
	grep -q '^C: A[0-9]* UID MOVE 1,3 "cp-mv-dst"$' <<<"$wire"
	# COPYUID came untagged, before the EXPUNGEs (RFC 6851).
	grep -q '^S: \* OK \[COPYUID [0-9]* 1,3 1:2\]' <<<"$wire"
	! grep -q '^C: A[0-9]* UID \(COPY\|STORE\|EXPUNGE\)' <<<"$wire"
	run subjects cp-mv
	assert_output $'2\tTest message 2\n4\tTest message 4'
	run subjects cp-mv-dst
	assert_output $'1\tTest message 1\n2\tTest message 3'
	# The rows name the copies: imapflag flags exactly those in DST,
	# with mailbox and UIDVALIDITY checked.
	run --separate-stderr "$FL" "${BOB[@]}" cp-mv-dst --add '$Moved' <<<"$json"
	assert_success
	run "$LS" -o uid,flags "${BOB[@]}" cp-mv-dst
	assert_output --regexp $'^1\t.*\\$Moved.*\n2\t.*\\$Moved'
	# ... and not in the source, which they do not name.
	run --separate-stderr "$FL" "${BOB[@]}" cp-mv --add '$Moved' <<<"$json"
	assert_failure 64
	assert_equal "$stderr" "imapflag: the UIDs read are of mailbox 'cp-mv-dst', not 'cp-mv'"
}

@test "stdin from imapls: TSV with -H, --json (UIDVALIDITY and mailbox checked); empty input: exit 0, no connection" {
	seed bob 6 cp-in
	mkbox cp-in-dst
	run --separate-stderr bash -c '"$1" -H -o uid,subject --search "SUBJECT \"message 2\"" "${@:3}" cp-in |
		"$2" "${@:3}" cp-in cp-in-dst' _ "$LS" "$CP" "${BOB[@]}"
	assert_success
	assert_output $'2\t1'
	[ -z "$stderr" ]
	run --separate-stderr bash -c '"$1" --json -o uid --search "OR SUBJECT \"message 4\" SUBJECT \"message 6\"" "${@:3}" cp-in |
		"$2" "${@:3}" cp-in cp-in-dst' _ "$LS" "$CP" "${BOB[@]}"
	assert_success
	assert_output $'4\t2\n6\t3'
	run subjects cp-in-dst
	assert_output $'1\tTest message 2\n2\tTest message 4\n3\tTest message 6'
	# JSON rows of another mailbox: 64 before connecting.
	run --separate-stderr "$CP" "${BOB[@]}" cp-in cp-in-dst <<<'{"uid":4,"mailbox":"cp-other","uidvalidity":1}'
	assert_failure 64
	assert_equal "$stderr" "imapcopy: the UIDs read are of mailbox 'cp-other', not 'cp-in'"
	# Nothing piped in (a search that found nothing): exit 0, no connection.
	run --separate-stderr "$CP" --password-cmd 'echo x' "imaps://bob@127.0.0.1:$(closed_port)" cp-in cp-in-dst </dev/null
	assert_success
	assert_output ''
	[ -z "$stderr" ]
	# imapls -H prints the header even when nothing matched.
	run --separate-stderr "$CP" --password-cmd 'echo x' "imaps://bob@127.0.0.1:$(closed_port)" cp-in cp-in-dst <<<$'uid\tsubject'
	assert_success
	[ -z "$stderr" ]
}

@test "--search: the matching messages; nothing matched: exit 0, no COPY" {
	seed bob 5 cp-se
	mkbox cp-se-dst
	run --separate-stderr "$CP" -v "${BOB[@]}" cp-se cp-se-dst --search 'OR SUBJECT "message 1" SUBJECT "message 5"'
	assert_success
	assert_output $'1\t1\n5\t2'
	grep -q '^C: A[0-9]* UID SEARCH RETURN (ALL) OR SUBJECT "message 1" SUBJECT "message 5"$' <<<"$stderr"
	run --separate-stderr "$CP" -v "${BOB[@]}" cp-se cp-se-dst -s 'SUBJECT "no such subject"'
	assert_success
	assert_output ''
	! grep -q '^C: A[0-9]* UID COPY' <<<"$stderr"
	run --separate-stderr "$CP" "${BOB[@]}" cp-se cp-se-dst -s 'FROBNICATE'
	assert_failure 64
	[ "$(lines_of "$stderr")" -eq 1 ]
}

@test "non-ASCII mailboxes: into cp-Архив (--create), then out of it; modified UTF-7 on the wire, UTF-8 in the output" {
	seed bob 3 cp-intl
	run --separate-stderr "$CP" -v --create --json "${BOB[@]}" cp-intl 'cp-Архив' 1:3
	assert_success
	grep -q '^C: A[0-9]* CREATE "cp-&BBAEQARFBDgEMg-"$' <<<"$stderr"
	grep -q '^C: A[0-9]* UID COPY 1:3 "cp-&BBAEQARFBDgEMg-"$' <<<"$stderr"
	assert_line --index 0 --regexp '^\{"src_uid":1,"dst_uid":1,"mailbox":"cp-Архив","uidvalidity":[0-9]+\}$'
	[ "$(lines_of "$output")" -eq 3 ]
	# Out of it, moved, into another non-ASCII name; its rows as input.
	mkbox 'cp-Ünïcode'
	run --separate-stderr bash -c '"$1" --json -o uid "${@:3}" "cp-Архив" | "$2" -v --move "${@:3}" "cp-Архив" "cp-Ünïcode"' \
		_ "$LS" "$CP" "${BOB[@]}"
	assert_success
	assert_output $'1\t1\n2\t2\n3\t3'
	grep -q '^C: A[0-9]* SELECT "cp-&BBAEQARFBDgEMg-"$' <<<"$stderr"
	grep -q '^C: A[0-9]* UID MOVE 1:3 "cp-&ANw-n&AO8-code"$' <<<"$stderr"
	run subjects 'cp-Ünïcode'
	assert_output $'1\tTest message 1\n2\tTest message 2\n3\tTest message 3'
	run subjects 'cp-Архив'
	assert_output ''
}

@test "10,000 messages: copy all, then move all, each in one UID COPY or UID MOVE" {
	local err=$BATS_TEST_TMPDIR/err out=$BATS_TEST_TMPDIR/out
	mkbox cp-big-copy cp-big-moved
	seq 1 10000 | "$CP" -v "${BOB[@]}" cp-big cp-big-copy >"$out" 2>"$err"
	# Login, EXAMINE, one SEARCH, one COPY, LOGOUT.
	[ "$(grep -c '^C: ' "$err")" -eq 5 ] || { grep '^C: ' "$err" | cut -c1-100; false; }
	grep -q '^C: A[0-9]* UID COPY 1:10000 "cp-big-copy"$' "$err"
	cmp "$out" <(seq 1 10000 | awk '{print $1 "\t" $1}')
	run pairs_ok cp-big-copy "$(cat "$out")"
	assert_success
	# Move all of them, the UIDs listed by imapls.
	"$LS" --uids "${BOB[@]}" cp-big | "$CP" -v --move "${BOB[@]}" cp-big cp-big-moved >"$out" 2>"$err"
	[ "$(grep -c '^C: ' "$err")" -eq 5 ] || { grep '^C: ' "$err" | cut -c1-100; false; }
	grep -q '^C: A[0-9]* UID MOVE 1:10000 "cp-big-moved"$' "$err"
	[ "$(grep -c '^S: \* [0-9]* EXPUNGE$' "$err")" -eq 10000 ]
	cmp "$out" <(seq 1 10000 | awk '{print $1 "\t" $1}')
	run "$LS" --uids "${BOB[@]}" cp-big
	assert_output ''
	[ "$("$LS" --uids "${BOB[@]}" cp-big-moved | wc -l)" -eq 10000 ]
	run pairs_ok cp-big-moved "$(cat "$out")"
	assert_success
}

@test "scattered UIDs (every third of 3,000): COPYs of at most ~1,000 octets, pipelined, every pair reported" {
	local err=$BATS_TEST_TMPDIR/err out=$BATS_TEST_TMPDIR/out n
	seed bob 3000 cp-scatter
	mkbox cp-scatter-dst
	seq 1 3 3000 | "$CP" -v "${BOB[@]}" cp-scatter cp-scatter-dst >"$out" 2>"$err"
	n=$(grep -c '^C: A[0-9]* UID COPY ' "$err")
	[ "$n" -ge 4 ]
	[ "$(grep '^C: A[0-9]* UID COPY ' "$err" | awk 'length($0) - 3 > 1100' | wc -l)" -eq 0 ]
	# Pipelined: the second COPY went out before the first was answered.
	awk '/^C: A[0-9]* UID COPY /{c++} /^S: A[0-9]* OK \[COPYUID/{if (!s) s = c} END {exit !(s >= 2)}' "$err"
	[ "$(wc -l <"$out")" -eq 1000 ]
	cut -f1 "$out" | cmp - <(seq 1 3 3000)
	run pairs_ok cp-scatter-dst "$(cat "$out")"
	assert_success
}

@test "TRYCREATE: without --create, exit 66 naming --create and nothing created; with it, CREATE and COPY" {
	seed bob 2 cp-tc
	run --separate-stderr "$CP" "${BOB[@]}" cp-tc cp-tc-new 1:2
	assert_failure 66
	assert_output ''
	[[ "$stderr" == "imapcopy: cp-tc-new does not exist: --create creates it (UID COPY: NO [TRYCREATE] "* ]]
	[ "$(lines_of "$stderr")" -eq 1 ]
	run "$LS" "${BOB[@]}" -p 'cp-tc*'
	refute_output --partial cp-tc-new
	run --separate-stderr "$CP" -v --create "${BOB[@]}" cp-tc cp-tc-new 1:2
	assert_success
	assert_output $'1\t1\n2\t2'
	grep -q '^S: A[0-9]* NO \[TRYCREATE\]' <<<"$stderr"
	grep -q '^C: A[0-9]* CREATE "cp-tc-new"$' <<<"$stderr"
	[ "$(grep -c '^C: A[0-9]* UID COPY 1:2 "cp-tc-new"$' <<<"$stderr")" -eq 2 ]
	# It exists now: --create is not needed, and no CREATE is sent.
	run --separate-stderr "$CP" -v --create "${BOB[@]}" cp-tc cp-tc-new 1
	assert_success
	assert_output $'1\t3'
	! grep -q '^C: A[0-9]* CREATE' <<<"$stderr"
}

@test "UIDVALIDITY changed (SRC recreated): exit 65 naming both, nothing copied" {
	local saved=$BATS_TEST_TMPDIR/uids.json old new
	seed bob 3 cp-uv
	mkbox cp-uv-dst
	old=$(uidvalidity_of cp-uv)
	"$LS" --json -o uid "${BOB[@]}" cp-uv >"$saved"
	dadm mailbox delete -u bob cp-uv
	seed bob 3 cp-uv
	new=$(uidvalidity_of cp-uv)
	[ "$new" != "$old" ]
	run --separate-stderr "$CP" --move "${BOB[@]}" cp-uv cp-uv-dst <"$saved"
	assert_failure 65
	assert_output ''
	[[ "$stderr" == *"$old"* && "$stderr" == *"$new"* ]]
	[ "$(lines_of "$stderr")" -eq 1 ]
	run --separate-stderr "$CP" "${BOB[@]}" cp-uv cp-uv-dst --uidvalidity 12345 1
	assert_failure 65
	[[ "$stderr" == *12345* && "$stderr" == *"$new"* ]]
	run subjects cp-uv-dst
	assert_output ''
	run subjects cp-uv
	[ "$(lines_of "$output")" -eq 3 ]
	run --separate-stderr "$CP" "${BOB[@]}" cp-uv cp-uv-dst --uidvalidity "$new" 1
	assert_success
	assert_output $'1\t1'
}

@test "a read-only SRC: --move exits 77 before any change (LOGOUT said); a copy still works" {
	seed bob 2 cp-ro
	mkbox cp-ro-dst
	local d=$MP_MAIL_DIR/bob/Maildir/.cp-ro
	chmod a-w "$d" "$d/cur" "$d/new" "$d/tmp"
	run --separate-stderr "$CP" -v --move "${BOB[@]}" cp-ro cp-ro-dst 1
	local moved=$status wire=$stderr
	run --separate-stderr "$CP" "${BOB[@]}" cp-ro cp-ro-dst 2
	chmod u+w "$d" "$d/cur" "$d/new" "$d/tmp"
	assert_success
	assert_output $'2\t1'
	[ "$moved" -eq 77 ]
	[[ "$wire" == *'OK [READ-ONLY]'* ]]
	[[ "$wire" == *$'\nimapcopy: cp-ro is read-only for this user: its messages can be copied, not moved' ]]
	! grep -q '^C: A[0-9]* UID \(MOVE\|COPY\|STORE\)' <<<"$wire"
	grep -q '^C: A[0-9]* LOGOUT$' <<<"$wire"
	run subjects cp-ro
	assert_output $'1\tTest message 1\n2\tTest message 2'
	run subjects cp-ro-dst
	assert_output $'1\tTest message 2'
}

@test "missing UIDs: the others copied, exit 1, one line saying how many" {
	seed bob 3 cp-miss
	mkbox cp-miss-dst
	run --separate-stderr "$CP" "${BOB[@]}" cp-miss cp-miss-dst 2 7 9:10
	assert_failure 1
	assert_output $'2\t1'
	assert_equal "$stderr" "imapcopy: cp-miss: no message has 3 of the UIDs given"
	run --separate-stderr "$CP" --move "${BOB[@]}" cp-miss cp-miss-dst 40:41
	assert_failure 1
	assert_output ''
	assert_equal "$stderr" "imapcopy: cp-miss: no message has 2 of the UIDs given"
	run subjects cp-miss-dst
	assert_output $'1\tTest message 2'
}

@test "--dry-run prints the commands and changes nothing" {
	seed bob 3 cp-dry
	mkbox cp-dry-dst
	run --separate-stderr "$CP" -n "${BOB[@]}" cp-dry cp-dry-dst 3 1
	assert_success
	assert_output 'UID COPY 1,3 "cp-dry-dst"'
	run --separate-stderr "$CP" -v --dry-run --move "${BOB[@]}" cp-dry 'cp-dry-Ä' 1:3
	assert_success
	assert_output 'UID MOVE 1:3 "cp-dry-&AMQ-"'
	! grep -q '^C: A[0-9]* UID \(MOVE\|COPY\)' <<<"$stderr"
	run subjects cp-dry
	[ "$(lines_of "$output")" -eq 3 ]
	run subjects cp-dry-dst
	assert_output ''
}

# ---------------------------------------------------------------- usage

@test "usage errors: exit 64 before connecting, one line" {
	local url="imaps://bob@127.0.0.1:$(closed_port)"
	local P=(--password-cmd 'echo x' "$url")
	run --separate-stderr "$CP" "${P[@]}"
	assert_failure 64
	assert_equal "$stderr" "imapcopy: no SRC mailbox"
	run --separate-stderr "$CP" "${P[@]}" cp-a
	assert_failure 64
	assert_equal "$stderr" "imapcopy: no DST mailbox"
	run --separate-stderr "$CP" "${P[@]}" cp-a '' 1
	assert_failure 64
	run --separate-stderr "$CP" "${P[@]}" cp-a cp-b 0
	assert_failure 64
	assert_equal "$stderr" "imapcopy: UID argument '0': 0 is not a UID"
	run --separate-stderr "$CP" "${P[@]}" cp-a cp-b '1:*'
	assert_failure 64
	assert_equal "$stderr" "imapcopy: UID argument '1:*': '*' is not a UID"
	run --separate-stderr "$CP" "${P[@]}" cp-a cp-b <<<$'1\nabc'
	assert_failure 64
	assert_equal "$stderr" "imapcopy: standard input: line 2: 'abc' is not a UID"
	run --separate-stderr "$CP" "${P[@]}" cp-a cp-b --expunge-all 1
	assert_failure 64
	assert_equal "$stderr" "imapcopy: --expunge-all goes with --move"
	run --separate-stderr "$CP" "${P[@]}" cp-a cp-a --move 1
	assert_failure 64
	assert_equal "$stderr" "imapcopy: --move from cp-a into itself"
	run --separate-stderr "$CP" "${P[@]}" cp-a cp-b --json -H 1
	assert_failure 64
	run --separate-stderr "$CP" "${P[@]}" cp-a cp-b --search ALL 1
	assert_failure 64
	assert_equal "$stderr" "imapcopy: UIDs and --search exclude each other"
	run --separate-stderr "$CP" "${P[@]}" cp-a cp-b --uidvalidity 0 1
	assert_failure 64
	run --separate-stderr "$CP" "${P[@]}" cp-a cp-b --uidvalidity 7 <<<'{"uid":1,"uidvalidity":8}'
	assert_failure 64
	assert_equal "$stderr" "imapcopy: --uidvalidity 7 but the input says 8"
	run --separate-stderr "$CP" "${P[@]}" cp-a cp-b --frobnicate 1
	assert_failure 64
	assert_output ''
}

@test "--help lists every option" {
	run --separate-stderr "$CP" --help
	assert_success
	local o
	for o in --move --expunge-all --create --search --uidvalidity --dry-run --json --header --password-cmd; do
		assert_output --partial -- "$o"
	done
}

# ---------------------------------------------------------------- dialogs

@test "dialog: no MOVE: UID COPY, then UID STORE \\Deleted and UID EXPUNGE of those UIDs; refusals and drops at each step" {
	dialog_start imapcopy-no-move
	local url="imap://127.0.0.1:$DIALOG_PORT" P=(--insecure --timeout 5)
	run --separate-stderr "$CP" "${P[@]}" --move "$url" INBOX Archive 1:3 9
	assert_failure 1
	assert_output $'1\t101\n2\t102\n3\t103'
	assert_equal "$stderr" "imapcopy: INBOX: no message has 1 of the UIDs given"
	# COPY refused: 69, and nothing flagged or expunged (the script
	# fails on any STORE).
	run --separate-stderr "$CP" "${P[@]}" --move "$url" INBOX Archive 1:3
	assert_failure 69
	assert_output ''
	assert_equal "$stderr" "imapcopy: UID COPY: NO Archive is full (0 of 3 UIDs confirmed copied before)"
	# STORE refused: the copies are reported, the originals stay.
	run --separate-stderr "$CP" "${P[@]}" --move "$url" INBOX Archive 1:3
	assert_failure 69
	assert_output $'1\t101\n2\t102\n3\t103'
	assert_equal "$stderr" "imapcopy: UID STORE: NO Flags are frozen (3 UIDs copied; none expunged from INBOX)"
	run --separate-stderr "$CP" "${P[@]}" --move "$url" INBOX Archive 1:3
	assert_failure 75
	assert_output $'1\t101\n2\t102\n3\t103'
	[[ "$stderr" == "imapcopy: "*"Server shutting down"*"(3 UIDs copied; none expunged from INBOX)" ]]
	[ "$(lines_of "$stderr")" -eq 1 ]
	run --separate-stderr "$CP" "${P[@]}" --move "$url" INBOX Archive 1:3
	assert_failure 69
	assert_output $'1\t101\n2\t102\n3\t103'
	assert_equal "$stderr" "imapcopy: UID EXPUNGE: NO Expunge not permitted (3 UIDs copied and flagged \\Deleted in INBOX, maybe not all expunged)"
	run --separate-stderr "$CP" "${P[@]}" --move "$url" INBOX Archive 1:3
	assert_failure 75
	[[ "$stderr" == "imapcopy: "*"Server shutting down"*"maybe not all expunged)" ]]
	dialog_finish
}

@test "dialog: neither MOVE nor UIDPLUS: --move refused (69) before any change; --expunge-all: plain EXPUNGE; no COPYUID: nothing printed" {
	dialog_start imapcopy-no-uidplus
	local url="imap://127.0.0.1:$DIALOG_PORT" P=(--insecure --timeout 5)
	run --separate-stderr "$CP" "${P[@]}" --move "$url" INBOX Archive 1:2
	assert_failure 69
	assert_output ''
	[[ "$stderr" == "imapcopy: the server has neither MOVE nor UIDPLUS"*"--expunge-all to accept that" ]]
	[ "$(lines_of "$stderr")" -eq 1 ]
	run --separate-stderr "$CP" "${P[@]}" -v --move --expunge-all "$url" INBOX Archive 1:2
	assert_success
	assert_output ''
	[[ "$stderr" == *$'\nimapcopy: the server sent no COPYUID (it lacks UIDPLUS): the UIDs of the copies in Archive are not known\n'* ]]
	# Without -v the missing COPYUID is not worth a word.
	run --separate-stderr "$CP" "${P[@]}" -H "$url" INBOX Archive 3
	assert_success
	assert_output $'src_uid\tdst_uid'
	[ -z "$stderr" ]
	dialog_finish
}

@test "dialog: MOVE: COPYUID untagged before the EXPUNGEs, or in the tagged OK; BYE before the OK: nothing reported; NO: 69" {
	dialog_start imapcopy-move
	local url="imap://127.0.0.1:$DIALOG_PORT" P=(--insecure --timeout 5)
	run --separate-stderr "$CP" "${P[@]}" --move --json "$url" INBOX 'Archiv/Übersicht' 2 4 5
	assert_success
	assert_output - <<-XEOF
	{"src_uid":2,"dst_uid":300,"mailbox":"Archiv/Übersicht","uidvalidity":7}
	{"src_uid":4,"dst_uid":301,"mailbox":"Archiv/Übersicht","uidvalidity":7}
	{"src_uid":5,"dst_uid":302,"mailbox":"Archiv/Übersicht","uidvalidity":7}
	XEOF
	[ -z "$stderr" ]
	run --separate-stderr "$CP" "${P[@]}" --move "$url" INBOX Archive 1
	assert_success
	assert_output $'1\t17'
	# The COPYUID came, but the MOVE never completed: not confirmed.
	run --separate-stderr "$CP" "${P[@]}" --move "$url" INBOX Archive 1:2
	assert_failure 75
	assert_output ''
	[[ "$stderr" == "imapcopy: "*"Server shutting down (0 of 2 UIDs confirmed moved before)" ]]
	run --separate-stderr "$CP" "${P[@]}" --move "$url" INBOX Archive 1
	assert_failure 69
	assert_output ''
	assert_equal "$stderr" "imapcopy: UID MOVE: NO Archive is full (0 of 1 UIDs confirmed moved before)"
	dialog_finish
}

@test "dialog: BYE after the first of three pipelined COPYs: 75, its pairs only, confirmed count" {
	dialog_start imapcopy-bye-mid-copy
	run --separate-stderr "$CP" -v --insecure --timeout 5 "imap://127.0.0.1:$DIALOG_PORT" INBOX Archive \
		--search SEEN
	assert_failure 75
	assert_output $'1\t501\n3\t502\n5\t503'
	local first n
	[ "$(grep -c '^C: A000[456] UID COPY ' <<<"$stderr")" -eq 3 ]
	first=$(grep '^C: A0004 UID COPY ' <<<"$stderr" | awk '{print $5}' | tr , '\n' | grep -c '')
	[ "$first" -gt 3 ] && [ "$first" -lt 600 ]
	n=$(tail -1 <<<"$stderr")
	[[ "$n" == "imapcopy: "*"Server shutting down ($first of 600 UIDs confirmed copied before)" ]] || fail "last line: $n (first piece: $first UIDs)"
	dialog_finish
}

@test "dialog: NO, BAD and BYE at EXAMINE/SELECT, SEARCH, COPY and CREATE: imapflag's exit codes" {
	dialog_start imapcopy-refusals
	local url="imap://127.0.0.1:$DIALOG_PORT" P=(--insecure --timeout 5)
	run --separate-stderr "$CP" "${P[@]}" "$url" INBOX Archive 1
	assert_failure 66
	assert_equal "$stderr" "imapcopy: EXAMINE INBOX: NO Mailbox doesn't exist: INBOX"
	run --separate-stderr "$CP" "${P[@]}" --move "$url" INBOX Archive 1
	assert_failure 64
	assert_equal "$stderr" "imapcopy: SELECT INBOX: BAD Invalid mailbox name"
	run --separate-stderr "$CP" "${P[@]}" "$url" INBOX Archive 1
	assert_failure 75
	[[ "$stderr" == "imapcopy: "*"Server shutting down"* ]]
	[ "$(lines_of "$stderr")" -eq 1 ]
	run --separate-stderr "$CP" "${P[@]}" "$url" INBOX Archive 1
	assert_failure 69
	assert_equal "$stderr" "imapcopy: UID SEARCH: NO Search failed"
	run --separate-stderr "$CP" "${P[@]}" "$url" INBOX Archive 1
	assert_failure 76
	assert_equal "$stderr" "imapcopy: UID SEARCH: BAD Error in IMAP command"
	run --separate-stderr "$CP" "${P[@]}" "$url" INBOX Archive -s FROBNICATE
	assert_failure 64
	assert_equal "$stderr" "imapcopy: search: BAD Unknown search key"
	run --separate-stderr "$CP" "${P[@]}" "$url" INBOX Archive 1
	assert_failure 75
	[[ "$stderr" == "imapcopy: "*"Server shutting down"* ]]
	run --separate-stderr "$CP" "${P[@]}" "$url" INBOX Archive 1
	assert_failure 69
	assert_output ''
	assert_equal "$stderr" "imapcopy: UID COPY: NO Archive is full (0 of 1 UIDs confirmed copied before)"
	run --separate-stderr "$CP" "${P[@]}" "$url" INBOX Archive 1
	assert_failure 76
	assert_equal "$stderr" "imapcopy: UID COPY: BAD Error in IMAP command (0 of 1 UIDs confirmed copied before)"
	run --separate-stderr "$CP" "${P[@]}" --create "$url" INBOX Archive 1
	assert_failure 73
	assert_equal "$stderr" "imapcopy: CREATE Archive: NO Permission denied"
	run --separate-stderr "$CP" "${P[@]}" --create "$url" INBOX Archive 1
	assert_failure 64
	assert_equal "$stderr" "imapcopy: CREATE Archive: BAD Invalid mailbox name"
	run --separate-stderr "$CP" "${P[@]}" --create "$url" INBOX Archive 1
	assert_failure 75
	[[ "$stderr" == "imapcopy: "*"Server shutting down (0 of 1 UIDs confirmed copied before)" ]]
	dialog_finish
}
