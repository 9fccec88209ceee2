#!/usr/bin/env bats
# The POP3 login lib/pop3 does itself over its own TLS socket: STLS,
# AUTH PLAIN with an initial response, USER/PASS, the lecture's APOP;
# RFC 2449 response codes. Shown through mailtalk.

setup() {
	load helpers
	MT="$MP_BIN/mailtalk"
	TLSOPT=(--tls-cert "$MP_TLS_DIR/localhost.pem" --tls-key "$MP_TLS_DIR/localhost.key")
}

teardown() {
	dialog_stop
}

@test "the lecture's APOP: MD5 of the greeting's timestamp and the secret" {
	dialog_start pop3-login/apop-lecture
	run --separate-stderr "$MT" -v --insecure --auth APOP --password-cmd 'echo tanstaaf' \
		"pop3://mrose@localhost:$DIALOG_PORT" <<<'STAT'
	assert_success
	assert_output '+OK 1 369'
	grep -q '^C: APOP \[redacted\]$' <<<"$stderr" || grep -q '^C: APOP mrose \[redacted\]$' <<<"$stderr"
	[[ "$stderr" != *c4c9334bac560ecc979e58001b3e22fb* ]]
	[[ "$stderr" != *tanstaaf* ]]
	dialog_finish
}

@test "a server without CAPA: USER and PASS; PASS not in -v" {
	dialog_start pop3-login/user-pass
	run --separate-stderr "$MT" -v --insecure --password-cmd 'echo t0p-s3cret-pw' \
		"pop3://alice@localhost:$DIALOG_PORT" <<<'STAT'
	assert_success
	assert_output '+OK 0 0'
	grep -q '^C: PASS \[redacted\]$' <<<"$stderr"
	[[ "$stderr" != *t0p-s3cret-pw* ]]
	dialog_finish
}

@test "pop3:// STLS, CAPA again, AUTH PLAIN with the initial response" {
	dialog_start pop3-login/stls-plain "${TLSOPT[@]}"
	run --separate-stderr "$MT" -v --cacert "$MP_CACERT" --password-cmd 'echo t0p-s3cret-pw' \
		"pop3://alice@localhost:$DIALOG_PORT" <<<'STAT'
	assert_success
	grep -q '^-- TLS: TLSv1\.[23], ' <<<"$stderr"
	grep -q '^C: AUTH PLAIN \[redacted\]$' <<<"$stderr"
	dialog_finish
}

@test "-ERR [IN-USE] to PASS: exit 75 (try later), not 77" {
	dialog_start pop3-login/in-use
	run --separate-stderr "$MT" --insecure --password-cmd 'echo t0p-s3cret-pw' \
		"pop3://alice@localhost:$DIALOG_PORT" </dev/null
	assert_failure 75
	assert_equal "$stderr" "mailtalk: login failed for now: -ERR [IN-USE] Do you have another POP session running?"
	dialog_finish
}

@test "-ERR [AUTH] to PASS: exit 77 naming the user" {
	dialog_start pop3-login/auth-failed
	run --separate-stderr "$MT" --insecure --password-cmd 'echo wrong' \
		"pop3://alice@localhost:$DIALOG_PORT" </dev/null
	assert_failure 77
	assert_equal "$stderr" "mailtalk: authentication failed for user 'alice': -ERR [AUTH] Authentication failed."
	dialog_finish
}

@test "pop3:// without STLS: exit 69 before any credentials" {
	dialog_start pop3-login/no-stls
	run --separate-stderr "$MT" --cacert "$MP_CACERT" --password-cmd 'echo t0p-s3cret-pw' \
		"pop3://alice@localhost:$DIALOG_PORT" </dev/null
	assert_failure 69
	[[ "$stderr" == *"does not offer STLS"*"--insecure"* ]]
	dialog_finish
}

@test "-ERR [SYS/TEMP] greeting: exit 75" {
	dialog_start pop3-login/greeting-err
	run --separate-stderr "$MT" --insecure --password-cmd 'echo t0p-s3cret-pw' \
		"pop3://alice@localhost:$DIALOG_PORT" </dev/null
	assert_failure 75
	[[ "$stderr" == *"[SYS/TEMP] Too many connections"* ]]
	dialog_finish
}

@test "real Dovecot: own login over POP3S and STLS (AUTH PLAIN), APOP; memory without libcurl" {
	local rss=$BATS_TEST_TMPDIR/rss
	for url in "pop3s://carol@localhost:$MP_POP3S_PORT" "pop3://carol@localhost:$MP_POP3_PORT"; do
		run --separate-stderr /usr/bin/time -o "$rss" -f %M "$MT" -v --cacert "$MP_CACERT" \
			--password-cmd "$(pwcmd carol)" "$url" <<<'NOOP'
		assert_success
		grep -q '^C: AUTH PLAIN \[redacted\]$' <<<"$stderr"
		! rss_limit_applies || [ "$(tail -1 "$rss")" -lt 8192 ]
	done
	run --separate-stderr "$MT" -v --auth APOP --cacert "$MP_CACERT" --password-cmd "$(pwcmd carol)" \
		"pop3s://carol@localhost:$MP_POP3S_PORT" <<<'NOOP'
	assert_success
	grep -q '^C: APOP' <<<"$stderr"
}
