#!/usr/bin/env bats
# imapbox against the private Dovecot (bob's mailboxes named bx-*, this
# file's alone) and a dialog for another delimiter and a refusal.

setup() {
	load helpers
	BOX="$MP_BIN/imapbox"
	LS="$MP_BIN/imapls"
	BOB=(--cacert "$MP_CACERT" --password-cmd "$(pwcmd bob)")
	URL="imaps://bob@localhost:$MP_IMAPS_PORT"
}

teardown() {
	dialog_stop
}

dadm() { doveadm -c "$MP_DOVECOT_CONF" "$@"; }

# bob's mailboxes named bx-*, one per line.
boxes() { "$LS" "${BOB[@]}" "$URL" -p 'bx-*' | cut -f1 | sort; }

@test "the lecture's CREATE owatagusiam/ and owatagusiam/blurdybloop; one line each, exit 0" {
	run --separate-stderr "$BOX" "${BOB[@]}" "$URL" create bx-owatagusiam/ bx-owatagusiam/blurdybloop
	assert_success
	[ -z "$stderr" ]
	assert_line --index 0 --regexp $'^bx-owatagusiam/\tok\tCreate completed'
	assert_line --index 1 --regexp $'^bx-owatagusiam/blurdybloop\tok\tCreate completed'
	run boxes
	assert_output --partial 'bx-owatagusiam/blurdybloop'
	# Created again: the server's NO on that name's line, exit 1.
	run --separate-stderr "$BOX" "${BOB[@]}" "$URL" create bx-owatagusiam/blurdybloop
	assert_failure 1
	assert_output --regexp $'^bx-owatagusiam/blurdybloop\tfailed\tNO \\[ALREADYEXISTS\\]'
}

@test "create -p: the parents too; again: done, exit 0; non-ASCII names in modified UTF-7" {
	run --separate-stderr "$BOX" -v "${BOB[@]}" "$URL" create -p 'bx-Архив/2026/Счета'
	assert_success
	assert_output --regexp $'^bx-Архив/2026/Счета\tok\t'
	grep -q '^C: A[0-9]* CREATE "bx-&BBAEQARFBDgEMg-/2026"$' <<<"$stderr"
	run boxes
	assert_line 'bx-Архив'
	assert_line 'bx-Архив/2026'
	assert_line 'bx-Архив/2026/Счета'
	run --separate-stderr "$BOX" "${BOB[@]}" "$URL" create -p 'bx-Архив/2026/Счета'
	assert_success
	assert_output --regexp $'\tok\tNO \\[ALREADYEXISTS\\]'
}

@test "delete: refuses a mailbox with messages unless --force, never INBOX; a missing one fails alone" {
	"$MP_ROOT/tests/servers/mailservers" seed "$MP_STATE_DIR" bob 2 bx-full >/dev/null
	"$BOX" "${BOB[@]}" "$URL" create bx-empty >/dev/null
	run --separate-stderr "$BOX" "${BOB[@]}" "$URL" delete INBOX bx-full bx-empty bx-nosuch
	assert_failure 1
	assert_line --index 0 $'INBOX\tfailed\tINBOX is never deleted'
	assert_line --index 1 $'bx-full\tfailed\tholds 2 messages: --force deletes it with them'
	assert_line --index 2 --regexp $'^bx-empty\tok\t'
	assert_line --index 3 --regexp $'^bx-nosuch\tfailed\tNO '
	run boxes
	assert_line 'bx-full'
	refute_line 'bx-empty'
	run --separate-stderr "$BOX" "${BOB[@]}" "$URL" delete --force bx-full --json
	assert_success
	assert_output --regexp '^\{"mailbox":"bx-full","ok":true,"text":"Delete completed'
	run boxes
	refute_line 'bx-full'
	# INBOX is still there, whatever its case on the command line.
	run --separate-stderr "$BOX" "${BOB[@]}" "$URL" delete --force inbox
	assert_failure 1
	[ "$("$LS" "${BOB[@]}" "$URL" -p INBOX | cut -f1)" = INBOX ]
}

@test "rename old new; subscribe and unsubscribe, seen by imapls --subscribed" {
	"$BOX" "${BOB[@]}" "$URL" create bx-old >/dev/null
	run --separate-stderr "$BOX" "${BOB[@]}" "$URL" rename bx-old bx-new
	assert_success
	assert_output --regexp $'^bx-new\tok\t'
	run boxes
	assert_line 'bx-new'
	refute_line 'bx-old'
	# The lecture's SUBSCRIBE #news.comp.mail.mime, in this server's
	# terms: its delimiter is "/" and it refuses "." in names, and it
	# wants a subscribed mailbox to exist (some servers do not).
	"$BOX" "${BOB[@]}" "$URL" create 'bx-#news/comp/mail/mime' >/dev/null
	run --separate-stderr "$BOX" "${BOB[@]}" "$URL" subscribe bx-new 'bx-#news/comp/mail/mime'
	assert_success
	run --separate-stderr "$BOX" "${BOB[@]}" "$URL" subscribe bx-nosuch
	assert_failure 1
	assert_output --regexp $'^bx-nosuch\tfailed\tNO '
	run "$LS" "${BOB[@]}" "$URL" --subscribed -p 'bx-*'
	assert_line --regexp $'^bx-new\t'
	assert_line --regexp $'^bx-#news/comp/mail/mime\t'
	run --separate-stderr "$BOX" "${BOB[@]}" "$URL" unsubscribe bx-new
	assert_success
	run "$LS" "${BOB[@]}" "$URL" --subscribed -p 'bx-*'
	refute_line --regexp $'^bx-new\t'
}

@test "dialog: delimiter '.', create -p in order, a NO on one name: its line, exit 1" {
	dialog_start imapbox-dot
	run --separate-stderr "$BOX" --insecure --timeout 5 "imap://127.0.0.1:$DIALOG_PORT" \
		create -p Lists.mutt.dev Архив
	assert_failure 1
	assert_line --index 0 $'Lists.mutt.dev\tok\tcreated'
	assert_line --index 1 $'Архив\tfailed\tNO Permission denied'
	[ -z "$stderr" ]
	dialog_finish
}

@test "dialog: BYE, NO and BAD at each step: a line per name and exit 1, or exit 75 when the session is gone" {
	dialog_start imapbox-refusals
	local u="imap://127.0.0.1:$DIALOG_PORT" T=(--insecure --timeout 5)
	run --separate-stderr "$BOX" "${T[@]}" "$u" create -p A/B
	assert_failure 75
	assert_output ''
	assert_equal "$stderr" "imapbox: server closed the session: Server shutting down"
	run --separate-stderr "$BOX" "${T[@]}" "$u" delete Old
	assert_failure 1
	assert_output $'Old\tfailed\tBAD STATUS not understood'
	run --separate-stderr "$BOX" "${T[@]}" "$u" rename Old New
	assert_failure 1
	assert_output $'New\tfailed\tNO [ALREADYEXISTS] Mailbox already exists'
	run --separate-stderr "$BOX" "${T[@]}" "$u" subscribe Old
	assert_failure 1
	assert_output $'Old\tfailed\tBAD Error in IMAP command'
	run --separate-stderr "$BOX" "${T[@]}" "$u" delete --force Old --json
	assert_failure 1
	assert_output '{"mailbox":"Old","ok":false,"text":"NO [INUSE] Mailbox is in use"}'
	run --separate-stderr "$BOX" "${T[@]}" "$u" unsubscribe Old
	assert_failure 75
	assert_output ''
	[ "$(lines_of "$stderr")" -eq 1 ]
	dialog_finish
}

@test "delete --force of a mailbox of 10,000 messages; without --force it is refused, counted" {
	"$MP_ROOT/tests/servers/mailservers" seed "$MP_STATE_DIR" bob 10000 bx-big >/dev/null
	run --separate-stderr "$BOX" "${BOB[@]}" "$URL" delete bx-big
	assert_failure 1
	assert_output $'bx-big\tfailed\tholds 10000 messages: --force deletes it with them'
	run --separate-stderr "$BOX" "${BOB[@]}" "$URL" delete --force bx-big
	assert_success
	run boxes
	refute_line 'bx-big'
}

@test "usage errors: exit 64 before connecting" {
	local url="imaps://bob@127.0.0.1:$(closed_port)" P=(--password-cmd 'echo x')
	run --separate-stderr "$BOX" "${P[@]}" "$url"
	assert_failure 64
	run --separate-stderr "$BOX" "${P[@]}" "$url" frobnicate x
	assert_failure 64
	assert_equal "$stderr" "imapbox: unknown command 'frobnicate': create, delete, rename, subscribe or unsubscribe"
	run --separate-stderr "$BOX" "${P[@]}" "$url" rename onlyone
	assert_failure 64
	run --separate-stderr "$BOX" "${P[@]}" "$url" delete -p x
	assert_failure 64
	run --separate-stderr "$BOX" "${P[@]}" "$url" create --force x
	assert_failure 64
	run --separate-stderr "$BOX" "${P[@]}" "$url" create ''
	assert_failure 64
	run --separate-stderr "$BOX" "${P[@]}" "$url" create
	assert_failure 64
}
