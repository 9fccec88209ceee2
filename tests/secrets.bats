#!/usr/bin/env bats
# Passwords stay secret: not in a tool's memory once it has logged in
# (wiped), not in -v transcripts or error messages, not in the argv or
# environment of the processes a tool starts, not in state files.

setup() {
	load helpers
	PW=t0p-s3cret-pw
	PLAIN=$(printf '\0alice\0%s' "$PW" | base64 -w0)
	# The password comes from a file: never in an argv.
	printf '%s\n' "$PW" >"$BATS_TEST_TMPDIR/pw"
	PWCMD="cat $BATS_TEST_TMPDIR/pw"
}

teardown() {
	dialog_stop
	[ -z "${BG:-}" ] || kill "$BG" 2>/dev/null || true
}

# Whether process $1's memory holds any of the strings that follow
# (prints the first one found and where): every readable mapping read
# through /proc/PID/mem.
memory_holds() {
	python3 - "$@" <<-'PYEOF'
	import re, sys
	pid, needles = sys.argv[1], [n.encode() for n in sys.argv[2:]]
	found = False
	with open("/proc/%s/maps" % pid) as maps, open("/proc/%s/mem" % pid, "rb", 0) as mem:
	    for line in maps:
	        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)", line)
	        lo, hi, perms, name = int(m.group(1), 16), int(m.group(2), 16), m.group(3), m.group(4)
	        if perms[0] != "r" or name.startswith("[v") or hi - lo > 1 << 30:
	            continue
	        try:
	            mem.seek(lo)
	            data = mem.read(hi - lo)
	        except OSError:
	            continue
	        for n in needles:
	            at = data.find(n)
	            if at >= 0:
	                print("%r at %#x in %s" % (n, lo + at, name or "[anon]"))
	                found = True
	sys.exit(0 if found else 1)
	PYEOF
}

# Start "$@" in the background against the dialog (started before: one
# that stalls after the login), wait until it has logged in, and check its
# memory.
check_wiped() {
	"$@" >/dev/null 2>&1 &
	BG=$!
	sleep 1.5
	kill -0 "$BG"
	run memory_holds "$BG" "$PW" "$PLAIN"
	assert_failure 1
	assert_output ''
}

@test "IMAP: no copy of the password in memory after AUTHENTICATE PLAIN" {
	dialog_start secrets/imap-stall
	check_wiped "$MP_BIN/imapls" --insecure --timeout 20 \
		--password-cmd "$PWCMD" "imap://alice@127.0.0.1:$DIALOG_PORT" INBOX
}

@test "IMAP: no copy of the password in memory after LOGIN" {
	dialog_start secrets/imap-login-stall
	check_wiped "$MP_BIN/imapfetch" --insecure --timeout 20 -n \
		--state-dir "$BATS_TEST_TMPDIR/st" \
		--password-cmd "$PWCMD" "imap://alice@127.0.0.1:$DIALOG_PORT" INBOX
}

@test "POP3: no copy of the password in memory after USER and PASS" {
	dialog_start secrets/pop3-stall
	check_wiped "$MP_BIN/popfetch" --insecure --timeout 20 --stat \
		--password-cmd "$PWCMD" "pop3://alice@127.0.0.1:$DIALOG_PORT"
}

@test "-v transcripts of every tool that logs in: no password, no SASL PLAIN blob" {
	local pw b64 out="$BATS_TEST_TMPDIR/out" A
	pw=$(cat "$MP_STATE_DIR/alice.pw")
	b64=$(printf '\0alice\0%s' "$pw" | base64 -w0)
	A=(-v --cacert "$MP_CACERT" --password-cmd "$(pwcmd alice)")
	local imap="imaps://alice@127.0.0.1:$MP_IMAPS_PORT" st="$BATS_TEST_TMPDIR/st"
	{
		"$MP_BIN/imapls" "${A[@]}" "$imap" --status
		"$MP_BIN/imapflag" "${A[@]}" "$imap" sx-none --add '\Seen' 1
		"$MP_BIN/imapbox" "${A[@]}" "$imap" subscribe sx-none
		"$MP_BIN/imapfetch" "${A[@]}" --state-dir "$st" "$imap" sx-none -n
		printf 'Subject: x\n\nx\n' | "$MP_BIN/imapput" "${A[@]}" "$imap" sx-none
		"$MP_BIN/imapcopy" "${A[@]}" "$imap" sx-none sx-other 1
		"$MP_BIN/popfetch" "${A[@]}" --stat "pop3s://alice@127.0.0.1:$MP_POP3S_PORT"
		printf 'Subject: secrets\n\nbody\n' | "$MP_BIN/mailsend" "${A[@]}" \
			--url "smtps://alice@127.0.0.1:$MP_SMTPS_PORT" -f alice@example.test alice@example.test
		printf 'NOOP\n' | "$MP_BIN/mailtalk" "${A[@]}" "imaps://alice@127.0.0.1:$MP_IMAPS_PORT"
	} >"$out" 2>&1 || true
	# Each tool logged in and said so in its transcript.
	[ "$(grep -c -E '^C: (A[0-9]+ (AUTHENTICATE|LOGIN)|AUTH |USER )' "$out")" -ge 8 ] ||
		fail "fewer logins than tools: $(grep -E '^C: ' "$out" | head -20)"
	! grep -F -e "$pw" -e "$b64" "$out"
}

@test "an MDA sees no password: not in its environment, not in its parent's argv or environment; none in the state files" {
	seed() { "$MP_ROOT/tests/servers/mailservers" seed "$MP_STATE_DIR" "$@" >/dev/null; }
	local pw b64 st="$BATS_TEST_TMPDIR/st" log="$BATS_TEST_TMPDIR/mda.log"
	pw=$(cat "$MP_STATE_DIR/alice.pw")
	b64=$(printf '\0alice\0%s' "$pw" | base64 -w0)
	seed alice 2 sx-mda
	local mda='{ tr "\0" "\n" </proc/$PPID/cmdline; tr "\0" "\n" </proc/$PPID/environ; env; cat; } >>'"$log"
	run "$MP_BIN/imapfetch" -q --cacert "$MP_CACERT" --password-cmd "$(pwcmd alice)" \
		--state-dir "$st" "imaps://alice@127.0.0.1:$MP_IMAPS_PORT" sx-mda --mda "$mda"
	assert_success
	grep -q '^IMAPFETCH_ID=' "$log"
	grep -q -- '--password-cmd' "$log"
	! grep -F -e "$pw" -e "$b64" "$log"
	! grep -r -F -e "$pw" -e "$b64" "$st"
}
