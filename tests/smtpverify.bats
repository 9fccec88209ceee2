#!/usr/bin/env bats
# smtpverify against the private Postfix (VRFY on the MX port, off on the
# NOVRFY port) and against scripted dialogs for the lecture's replies.

setup_file() {
	load helpers
	local dir=$BATS_FILE_TMPDIR
	# A private DNS for the MX tests: nothing here asks the real DNS.
	cat >"$dir/zone" <<-'EOF'
	example.test MX 10 localhost
	twomx.test MX 10 down.test
	twomx.test MX 20 localhost
	down.test A 127.0.0.2
	localhost A 127.0.0.1
	nomx.test A 127.0.0.1
	nullmx.test MX 0 .
	gone.test NXDOMAIN
	EOF
	dns_server_start "$dir/zone" "$dir"
}

teardown_file() {
	load helpers
	dns_server_stop "$BATS_FILE_TMPDIR"
}

setup() {
	load helpers
	SV="$MP_BIN/smtpverify"
	MX=(--cacert "$MP_CACERT" --url "smtp://localhost:$MP_MX_PORT")
	NOVRFY=(--cacert "$MP_CACERT" --url "smtp://localhost:$MP_NOVRFY_PORT")
	# MX mode: the private DNS, Postfix's MX port on every MX host.
	VIA_MX=(--dns "127.0.0.1:$(cat "$BATS_FILE_TMPDIR/dns.port")" --port "$MP_MX_PORT"
		--cacert "$MP_CACERT")
}

teardown() {
	dialog_stop
}

# smtpverify against the dialog server started last, without TLS.
verify_dialog() {
	run --separate-stderr "$SV" --insecure --timeout 5 --helo client.example \
		--url "smtp://127.0.0.1:$DIALOG_PORT" "$@"
}

@test "Postfix with VRFY: alice deliverable, nobody undeliverable, exit 1" {
	run --separate-stderr "$SV" "${MX[@]}" alice@example.test nobody@example.test
	assert_failure 1
	# Postfix answers VRFY alice with 252 (cannot verify): auto probes.
	assert_line --regexp $'^alice@example\\.test\tdeliverable\t250\t2\\.1\\.5\t.*\tlocalhost\trcpt\t[0-9]+$'
	assert_line --regexp $'^nobody@example\\.test\tundeliverable\t550\t5\\.1\\.1\t.*User unknown.*\tlocalhost\tvrfy\t[0-9]+$'
	[ -z "$stderr" ]
}

@test "Postfix: every address deliverable: exit 0; -q prints nothing" {
	run --separate-stderr "$SV" "${MX[@]}" alice@example.test bob@example.test list@example.test
	assert_success
	[ "$(lines_of "$output")" -eq 3 ]
	run --separate-stderr "$SV" -q "${MX[@]}" alice@example.test
	assert_success
	assert_output ''
}

@test "Postfix: --method vrfy shows VRFY's own answer (252 for alice)" {
	run --separate-stderr "$SV" --method vrfy "${MX[@]}" alice@example.test
	assert_line --regexp $'^alice@example\\.test\tunknown\t252\t2\\.0\\.0\t'
	assert_failure 75
}

@test "Postfix: --method rcpt probes with MAIL FROM:<> and RSET, pipelined" {
	run --separate-stderr "$SV" -v --method rcpt "${MX[@]}" alice@example.test nobody@example.test
	assert_failure 1
	grep -q '^C: MAIL FROM:<>$' <<<"$stderr"
	grep -q '^C: RSET$' <<<"$stderr"
	# The three commands of both probes go before the first reply.
	first_reply=$(grep -n '^S: 250 2.1.0' <<<"$stderr" | head -n 1 | cut -d: -f1)
	last_cmd=$(grep -n '^C: RCPT TO:<nobody@example.test>' <<<"$stderr" | cut -d: -f1)
	[ "$last_cmd" -lt "$first_reply" ]
}

@test "Postfix with VRFY disabled: 502, then the RCPT fallback" {
	run --separate-stderr "$SV" -v "${NOVRFY[@]}" alice@example.test nobody@example.test
	assert_failure 1
	grep -q '^S: 502 5.5.1 VRFY command is disabled$' <<<"$stderr"
	assert_line --regexp $'^alice@example\\.test\tdeliverable\t250\t.*\trcpt\t'
	assert_line --regexp $'^nobody@example\\.test\tundeliverable\t550\t.*\trcpt\t'
	# Asked once: after the 502 it does not try VRFY again.
	[ "$(grep -c '^C: VRFY' <<<"$stderr")" -eq 1 ]
}

@test "addresses from stdin, JSON Lines that parse, a header line for TSV" {
	run --separate-stderr "$SV" --json "${MX[@]}" < <(printf 'alice@example.test\n\nnobody@example.test\r\n')
	assert_failure 1
	[ "$(lines_of "$output")" -eq 2 ]
	python3 -c 'import json,sys
rows=[json.loads(l) for l in sys.stdin]
assert [r["verdict"] for r in rows] == ["deliverable","undeliverable"], rows
assert all(set(r) >= {"address","verdict","code","enhanced","text","server","method","latency_ms","reply"} for r in rows)
assert rows[1]["reply"][0].startswith("550 5.1.1 "), rows[1]' <<<"$output"
	run --separate-stderr "$SV" -H "${MX[@]}" alice@example.test
	assert_line --index 0 $'address\tverdict\tcode\tenhanced\ttext\tserver\tmethod\tlatency_ms'
}

@test "bad addresses are 'invalid' rows, the rest is still checked, exit 1" {
	run --separate-stderr "$SV" "${MX[@]}" 'no-at-sign' alice@example.test \
		"$(printf 'x\r\nRSET@example.test')" "$(printf '%065d@example.test' 0)" 'a b@example.test'
	assert_failure 1
	[ "$(lines_of "$output")" -eq 5 ]
	assert_line --regexp $'^no-at-sign\tinvalid\t0\t'
	assert_line --regexp $'^alice@example\\.test\tdeliverable\t'
	assert_line --regexp $'^x\\?\\?RSET@example\\.test\tinvalid\t'
	[ "$(grep -c $'\tinvalid\t' <<<"$output")" -eq 4 ]
}

@test "--capabilities over STARTTLS and implicit TLS shows the test certificate" {
	for url in "smtp://localhost:$MP_MX_PORT" "smtps://localhost:$MP_SMTPS_PORT"; do
		run --separate-stderr "$SV" --capabilities --cacert "$MP_CACERT" --url "$url"
		assert_success
		assert_line --regexp $'^banner\t220 localhost ESMTP Postfix'
		assert_line $'extension\tPIPELINING'
		assert_line --regexp $'^extension\tSIZE [0-9]+$'
		assert_line --regexp $'^tls\tTLSv1\\.[23]$'
		assert_line --partial $'subject\t'
		assert_line --partial 'CN=localhost'
		assert_line --partial 'CN=mailpipe test CA'
		fp=$(openssl x509 -in "$MP_TLS_DIR/localhost.pem" -noout -fingerprint -sha256 | cut -d= -f2)
		assert_line "sha256	$fp"
	done
}

@test "--help-topic sends HELP and prints the reply (Postfix has none: exit 1)" {
	run --separate-stderr "$SV" --help-topic "${MX[@]}"
	assert_failure 1
	assert_output --regexp '^50[02]'
}

@test "dialog: the lecture's VRFY replies: 250, 251, 550, 551, 553" {
	dialog_start smtpverify/lecture-vrfy
	verify_dialog --method vrfy Ivanov@cl.itep.ru vanja@cl.itep.ru nothing@cl.itep.ru \
		vasja@cl.itep.ru ivan@cl.itep.ru
	assert_failure 1
	assert_line --regexp $'^Ivanov@cl\\.itep\\.ru\tdeliverable\t250\t\tVasja Ivanov <Ivanov@cl\\.itep\\.ru>\t'
	assert_line --regexp $'^vanja@cl\\.itep\\.ru\tforwarded\t251\t\tUser not local; will forward to <Ivanov@cl\\.itep\\.ru>\t'
	assert_line --regexp $'^nothing@cl\\.itep\\.ru\tundeliverable\t550\t'
	assert_line --regexp $'^vasja@cl\\.itep\\.ru\tnot-local\t551\t\tUser not local; please try <Vasja@ns\\.itep\\.ru>\t'
	assert_line --regexp $'^ivan@cl\\.itep\\.ru\tambiguous\t553\t'
	dialog_finish
}

@test "dialog: EXPN of a list shows its members" {
	dialog_start smtpverify/expn
	verify_dialog --method expn staff@example.test
	assert_success
	[ "$(lines_of "$output")" -eq 3 ]
	assert_line --index 0 --regexp $'^staff@example\\.test\tdeliverable\t250\t\tAlice <alice@example\\.test>\t'
	assert_line --index 1 --regexp $'^staff@example\\.test\tdeliverable\t250\t\tBob <bob@example\\.test>\t'
	assert_line --index 2 --regexp $'^staff@example\\.test\tdeliverable\t250\t\tCarol <carol@example\\.test>\t'
	dialog_finish
}

@test "dialog: 452 too many recipients: a new session for the rest" {
	dialog_start smtpverify/rcpt-452
	verify_dialog --method rcpt a@example.test b@example.test
	assert_failure 1
	assert_line --regexp $'^a@example\\.test\tdeliverable\t250\t'
	assert_line --regexp $'^b@example\\.test\tundeliverable\t550\t'
	dialog_finish
}

@test "dialog: VRFY disabled, lock-step RCPT fallback, a 4xx is 'unknown': exit 75" {
	dialog_start smtpverify/vrfy-disabled
	verify_dialog a@example.test b@example.test
	assert_failure 75
	assert_line --regexp $'^a@example\\.test\tdeliverable\t250\t'
	assert_line --regexp $'^b@example\\.test\tunknown\t451\t4\\.7\\.1\t'
	dialog_finish
}

@test "dialog: the server closes after the third probe: a new session for the rest" {
	dialog_start smtpverify/close-after-three
	verify_dialog --method vrfy a@example.test b@example.test c@example.test d@example.test e@example.test
	assert_failure 1
	[ "$(lines_of "$output")" -eq 5 ]
	assert_line --regexp $'^c@example\\.test\tundeliverable\t550\t'
	assert_line --regexp $'^d@example\\.test\tdeliverable\t250\t'
	assert_line --regexp $'^e@example\\.test\tdeliverable\t250\t'
	dialog_finish
}

@test "dialog: greylisting: 451, then --retry-after asks again after a NOOP" {
	dialog_start smtpverify/greylist
	verify_dialog --method rcpt --retry-after 1 grey@example.test
	assert_success
	assert_line --regexp $'^grey@example\\.test\tdeliverable\t250\t'
	dialog_finish
}

@test "Postfix: --catch-all finds no catch-all: the real answers stand" {
	run --separate-stderr "$SV" --catch-all --method rcpt "${MX[@]}" alice@example.test nobody@example.test
	assert_failure 1
	assert_line --regexp $'^alice@example\\.test\tdeliverable\t'
	assert_line --regexp $'^nobody@example\\.test\tundeliverable\t'
}

@test "dialog: --catch-all: a domain that accepts a random address is accept-all, exit 0" {
	dialog_start smtpverify/catch-all
	verify_dialog --method rcpt --catch-all alice@example.test bob@example.test
	assert_success
	assert_line --regexp $'^alice@example\\.test\taccept-all\t250\t.*\tcatch-all\t'
	assert_line --regexp $'^bob@example\\.test\taccept-all\t250\t'
	dialog_finish
}

@test "politeness: --max-per-session 1 opens a session per address; --delay waits" {
	run --separate-stderr "$SV" -v --max-per-session 1 --method vrfy "${MX[@]}" \
		alice@example.test bob@example.test carol@example.test
	[ "$(grep -c '^-- connecting to localhost' <<<"$stderr")" -eq 3 ]
	SECONDS=0
	start=$(date +%s%N)
	run --separate-stderr "$SV" --delay 300 --method vrfy "${MX[@]}" \
		alice@example.test bob@example.test carol@example.test
	[ $(( ($(date +%s%N) - start) / 1000000 )) -ge 600 ]
}

@test "usage errors: exit 64" {
	run --separate-stderr "$SV" --method guess "${MX[@]}" a@example.test
	assert_failure 64
	run --separate-stderr "$SV" --from 'a b' "${MX[@]}" a@example.test
	assert_failure 64
	run --separate-stderr "$SV" "${MX[@]}" </dev/null
	assert_failure 64
	[[ "$stderr" == *"no addresses"* ]]
}

@test "MX: no server named: the domain's MX host is asked" {
	run --separate-stderr "$SV" -v "${VIA_MX[@]}" alice@example.test nobody@example.test
	assert_failure 1
	assert_line --regexp $'^alice@example\\.test\tdeliverable\t250\t.*\tlocalhost\t'
	assert_line --regexp $'^nobody@example\\.test\tundeliverable\t550\t'
	# Both addresses of the domain in one session.
	[ "$(grep -c '^-- connecting to localhost' <<<"$stderr")" -eq 1 ]
}

@test "MX: the first MX host is down: the next one answers" {
	run --separate-stderr "$SV" -v "${VIA_MX[@]}" alice@twomx.test
	grep -q '^-- connecting to down.test port' <<<"$stderr"
	grep -q '^-- connecting to localhost port' <<<"$stderr"
	# Postfix does not host twomx.test: relaying is refused (554), which
	# is still the answer of the second host.
	assert_line --regexp $'^alice@twomx\\.test\t[a-z-]+\t5[0-9][0-9]\t.*\tlocalhost\t'
}

@test "MX: no MX record: the domain's own address (implicit MX)" {
	run --separate-stderr "$SV" -v "${VIA_MX[@]}" alice@nomx.test
	grep -q '^-- connecting to nomx.test port' <<<"$stderr"
}

@test "MX: a domain that does not exist: exit 68; a null MX: exit 69" {
	run --separate-stderr "$SV" "${VIA_MX[@]}" x@gone.test
	assert_failure 68
	assert_line --regexp $'^x@gone\\.test\tno-domain\t0\t\tdomain .gone\\.test. does not exist'
	run --separate-stderr "$SV" "${VIA_MX[@]}" y@nullmx.test
	assert_failure 69
	assert_line --regexp $'^y@nullmx\\.test\tno-mail\t0\t\tdomain .nullmx\\.test. accepts no mail \\(null MX\\)'
}

@test "MX: a DNS server that does not answer: unknown, exit 75" {
	port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	run --separate-stderr "$SV" --dns "127.0.0.1:$port" --port "$MP_MX_PORT" a@example.test
	assert_failure 75
	assert_line --regexp $'^a@example\\.test\tunknown\t0\t'
}

