#!/usr/bin/env bats
# The IMAP login lib/imap does itself over its own TLS socket (when a
# password is given and no mechanism other than PLAIN is asked for):
# STARTTLS, AUTHENTICATE PLAIN with and without SASL-IR, LOGIN with
# atoms, quoted strings and literals, PREAUTH, refusals. Shown through
# imapls --capabilities, which prints what the login reply offered.

setup() {
	load helpers
	LS="$MP_BIN/imapls"
	TLSOPT=(--tls-cert "$MP_TLS_DIR/localhost.pem" --tls-key "$MP_TLS_DIR/localhost.key")
}

teardown() {
	dialog_stop
}

# imapls --capabilities against the dialog server, plain imap:// with a user.
login_dialog() {
	local pw=$1
	shift
	run --separate-stderr "$LS" --timeout 5 --password-cmd "printf '%s\n' '$pw'" \
		"$@" --capabilities "imap://alice@localhost:$DIALOG_PORT"
}

@test "imap:// STARTTLS, CAPABILITY again, AUTHENTICATE PLAIN after '+'; the login reply's capabilities" {
	dialog_start imap-login/starttls-plain "${TLSOPT[@]}"
	login_dialog t0p-s3cret-pw -v --cacert "$MP_CACERT"
	assert_success
	assert_output $'IMAP4rev1\nX-AFTER-LOGIN'
	grep -q '^-- TLS: TLSv1\.[23], ' <<<"$stderr"
	grep -q '^C: A[0-9]* AUTHENTICATE PLAIN$' <<<"$stderr"
	[[ "$stderr" != *t0p-s3cret-pw* ]]
	[[ "$stderr" != *"$(printf '\0alice\0t0p-s3cret-pw' | base64 -w0)"* ]]
	dialog_finish
}

@test "SASL-IR: the credentials travel with AUTHENTICATE, no CAPABILITY round trip" {
	dialog_start imap-login/sasl-ir
	login_dialog t0p-s3cret-pw --insecure -v
	assert_success
	assert_output $'IMAP4rev1\nX-AFTER-LOGIN'
	grep -q '^C: A[0-9]* AUTHENTICATE PLAIN \[redacted\]$' <<<"$stderr"
	[[ "$stderr" != *t0p-s3cret-pw* ]]
	dialog_finish
}

@test "no AUTH=PLAIN: LOGIN, an 8-bit password as a literal after '+'" {
	dialog_start imap-login/login-literal
	login_dialog 'pässword' --insecure -v
	assert_success
	assert_output $'IMAP4rev1\nX-LATER'
	[[ "$stderr" != *pässword* ]]
	dialog_finish
}

@test "LOGIN: a password with quote, backslash and space as a quoted string" {
	dialog_start imap-login/login-quoted
	run --separate-stderr "$LS" --timeout 5 --insecure -v \
		--password-cmd "printf '%s\n' 'a\"b\\c d'" --capabilities "imap://alice@localhost:$DIALOG_PORT"
	assert_success
	assert_output 'IMAP4rev1'
	grep -q '^C: A[0-9]* LOGIN \[redacted\]$' <<<"$stderr"
	dialog_finish
}

@test "a refused login: exit 77, one line naming the user and the server's text" {
	dialog_start imap-login/login-no
	login_dialog wrong --insecure
	assert_failure 77
	assert_equal "$stderr" "imapls: authentication failed for user 'alice': A001 NO [AUTHENTICATIONFAILED] Authentication failed."
	assert_output ''
	dialog_finish
}

@test "NO [UNAVAILABLE] to the login: exit 75 (try later), not 77" {
	dialog_start imap-login/login-unavailable
	login_dialog t0p-s3cret-pw --insecure
	assert_failure 75
	[[ "$stderr" == "imapls: login failed for now: "*"[UNAVAILABLE] Backend down"* ]]
	dialog_finish
}

@test "LOGINDISABLED without AUTH=PLAIN: no credentials sent, exit 69" {
	dialog_start imap-login/logindisabled
	login_dialog t0p-s3cret-pw --insecure
	assert_failure 69
	[[ "$stderr" == *LOGINDISABLED* ]]
	dialog_finish
}

@test "PREAUTH on a plain port when TLS is required: exit 69 before anything is sent" {
	dialog_start imap-login/preauth-starttls
	login_dialog t0p-s3cret-pw --cacert "$MP_CACERT"
	assert_failure 69
	[[ "$stderr" == *PREAUTH*imaps://*--insecure* ]]
	dialog_finish
}

@test "PREAUTH with --insecure: no login, the session goes on" {
	dialog_start imap-login/preauth
	login_dialog t0p-s3cret-pw --insecure
	assert_success
	assert_output $'IMAP4rev1\nX-PREAUTH'
	dialog_finish
}

@test "BYE as the greeting: exit 75 with the server's text" {
	dialog_start imap-login/bye-greeting
	login_dialog t0p-s3cret-pw --insecure
	assert_failure 75
	[[ "$stderr" == *"Too many connections"* ]]
	dialog_finish
}

@test "real Dovecot: the own login over IMAPS and over STARTTLS, no libcurl in the process" {
	for url in "imaps://carol@localhost:$MP_IMAPS_PORT" "imap://carol@localhost:$MP_IMAP_PORT"; do
		run --separate-stderr "$LS" -v --cacert "$MP_CACERT" --password-cmd "$(pwcmd carol)" \
			--capabilities "$url"
		assert_success
		assert_line 'LIST-STATUS'
		grep -q '^C: A[0-9]* AUTHENTICATE PLAIN \[redacted\]$' <<<"$stderr"
	done
	# --auth with another mechanism still goes through libcurl.
	run --separate-stderr "$LS" -v --auth LOGIN --cacert "$MP_CACERT" --password-cmd "$(pwcmd carol)" \
		--capabilities "imaps://carol@localhost:$MP_IMAPS_PORT"
	assert_success
	grep -q '^C: A[0-9]* AUTHENTICATE LOGIN' <<<"$stderr"
}
