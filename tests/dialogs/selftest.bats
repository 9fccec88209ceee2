#!/usr/bin/env bats
# Tests of dialogd and dialog.bash themselves, driven by selftest_client.py.
# Run: bats tests/dialogs/selftest.bats

bats_require_minimum_version 1.5.0

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load dialog

setup_file() {
    # The interpreter behind python3, without the (slow) pyenv-style shim if any.
    DIALOG_PYTHON=$(python3 -c 'import sys; print(sys.executable)')
    export DIALOG_PYTHON
    # Throwaway self-signed certificate for the TLS tests (EC: fast to make).
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$BATS_FILE_TMPDIR/key.pem" -out "$BATS_FILE_TMPDIR/cert.pem" \
        -days 2 -subj /CN=localhost 2>/dev/null
}

setup() {
    TLS=(--tls-cert "$BATS_FILE_TMPDIR/cert.pem" --tls-key "$BATS_FILE_TMPDIR/key.pem")
}

teardown() {
    dialog_stop
}

client() {
    "$DIALOG_PYTHON" "$BATS_TEST_DIRNAME/selftest_client.py" "$DIALOG_PORT" "$@"
}

dialogd() {
    "$DIALOG_PYTHON" "$DIALOGD" "$@"
}

# mkscript NAME: write stdin to NAME.dialog in the test's temp dir; print its path.
mkscript() {
    local f=$BATS_TEST_TMPDIR/$1.dialog
    cat >"$f"
    echo "$f"
}

POP3_GOOD=(expect:'+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>'
           send:'USER frated' expect:'-ERR sorry, no mailbox for frated here'
           send:QUIT expect:'+OK dewey POP3 server signing off')

@test "pop3 lecture dialog: the expected client passes" {
    dialog_start pop3-user-frated
    run client "${POP3_GOOD[@]}"
    assert_success
    dialog_finish
}

@test "smtp lecture dialog: EHLO refused, HELO fallback, DATA" {
    dialog_start smtp-ehlo-500-helo --log "$BATS_TEST_TMPDIR/log"
    run client expect:'220 dxmint.cern.ch sendmail ready at Sun, 9 Jul 1995 11:13:57 +0200' \
        send:'EHLO crnvma.cern.ch' expect:'500 command unrecognized' \
        send:'HELO crnvma.cern.ch' \
        expect:'250 dxmint.cern.ch hello crnvma.cern.ch, pleased to meet you' \
        send:'MAIL FROM:<>' expect:'250 <>... sender ok' \
        send:'RCPT TO:<ysemenov@cernvm.cern.ch>' \
        expect:'250 <ysemenov@cernvm.cern.ch>... recipient ok' \
        send:DATA expect:'354 Enter mail, end with "." on a line by itself' \
        send:'Subject: hi' send:'' send:'..a dotted line' send:. \
        expect:'250 Ok: queued' send:QUIT expect:'221 dxmint.cern.ch closing connection'
    assert_success
    dialog_finish
    run grep -F 'C: <DATA body: 3 lines, 32 bytes>' "$BATS_TEST_TMPDIR/log"
    assert_success
}

@test "smtp lecture dialog: a client that does not fall back to HELO fails" {
    dialog_start smtp-ehlo-500-helo
    run client expect:'220 dxmint.cern.ch sendmail ready at Sun, 9 Jul 1995 11:13:57 +0200' \
        send:'EHLO crnvma.cern.ch' expect:'500 command unrecognized' send:QUIT
    run dialog_finish
    assert_failure
    assert_output --partial "smtp-ehlo-500-helo.dialog:7: the client's line does not match"
    assert_output --partial "expected:   a line matching the regex '(?i)HELO .*'"
    assert_output --partial "received:   'QUIT\\r\\n'"
}

@test "mismatch: exit 1, report names script line, expected and received" {
    dialog_start pop3-user-frated
    run client expect:'+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>' \
        send:'USER fratedx'
    run dialog_finish
    assert_failure
    assert_output --partial 'dialogd exited with status 1'
    assert_output --partial 'pop3-user-frated.dialog:4:'
    assert_output --partial "directive:  C: USER frated"
    assert_output --partial "expected:   'USER frated\\r\\n'"
    assert_output --partial "received:   'USER fratedx\\r\\n'"
    assert_output --partial "S: '+OK POP3 server ready"   # transcript

    # Without `run`: non-zero return and DIALOG_STATUS.
    dialog_start pop3-user-frated
    run client expect:'+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>' send:'USER x'
    rc=0
    dialog_finish 2>/dev/null || rc=$?
    assert_equal "$rc" 1
    assert_equal "$DIALOG_STATUS" 1
}

@test "client closing early and trailing unexpected data both fail" {
    dialog_start pop3-user-frated
    run client expect:'+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>' \
        send:'USER frated'
    run dialog_finish
    assert_failure
    assert_output --partial 'pop3-user-frated.dialog:6: the client'
    assert_output --partial 'the connection while the server was waiting for client line 6'
    assert_output --partial "expected:   'QUIT\\r\\n'"

    dialog_start pop3-user-frated
    run client "${POP3_GOOD[@]}" send:NOOP
    run dialog_finish
    assert_failure
    assert_output --partial "client sent more than the script expected: 'NOOP\\r\\n'"
}

@test "client timeout: silence while a C: line is expected fails" {
    f=$(mkscript t <<'EOF'
S: 220 hi
C: HELO x
EOF
)
    dialog_start "$f" --timeout 0.5
    run client expect:'220 hi' raw:'HEL' sleep:0.9
    run dialog_finish
    assert_failure
    assert_output --partial "t.dialog:2: timed out after 0.5s waiting for client line 2"
    assert_output --partial "received:   'HEL' (incomplete: no line feed)"
}

@test "!stall: server silence, ended early when the client gives up" {
    f=$(mkscript t <<'EOF'
S: 220 hi
C: HELO x
!stall 8
!expect-close
EOF
)
    dialog_start "$f"
    start=$SECONDS
    run client expect:'220 hi' send:'HELO x' quiet:0.5
    assert_success
    assert_output --partial quiet
    dialog_finish
    (( SECONDS - start < 4 ))
}

@test "{TAG} capture and substitution, C~ full match, !bytes literal" {
    f=$(mkscript t <<'EOF'
S: * OK IMAP4rev1 ready
C: {TAG} LOGIN frated secret
S: {TAG} OK LOGIN completed
C~ (?i){TAG} select "?INBOX"?
S: * 3 EXISTS
S: {TAG} OK [READ-WRITE] SELECT completed
C~ {TAG} APPEND INBOX \{5\}
S: + Ready
!bytes 5
C:
S: {TAG} OK APPEND completed
C: {TAG} LOGOUT
S: * BYE
S: {TAG} OK LOGOUT completed
EOF
)
    dialog_start "$f"
    run client expect:'* OK IMAP4rev1 ready' \
        send:'A0001 LOGIN frated secret' expect:'A0001 OK LOGIN completed' \
        send:'a2 Select INBOX' expect:'* 3 EXISTS' expect:'a2 OK [READ-WRITE] SELECT completed' \
        send:'a3 APPEND INBOX {5}' expect:'+ Ready' raw:'hello\r\n' \
        expect:'a3 OK APPEND completed' \
        send:'x.3 LOGOUT' expect:'* BYE' expect:'x.3 OK LOGOUT completed'
    assert_success
    dialog_finish

    # The rest of a {TAG} line must still match.
    dialog_start "$f"
    run client expect:'* OK IMAP4rev1 ready' send:'A0001 LOGIN frated wrong'
    run dialog_finish
    assert_failure
    assert_output --partial "t.dialog:2:"
    assert_output --partial "expected:   '{TAG} LOGIN frated secret\\r\\n'"

    # C~ must match the whole line, not a prefix.
    dialog_start "$f"
    run client expect:'* OK IMAP4rev1 ready' \
        send:'A0001 LOGIN frated secret' expect:'A0001 OK LOGIN completed' \
        send:'a2 SELECT INBOX.old'
    run dialog_finish
    assert_failure
    assert_output --partial "t.dialog:4:"
    assert_output --partial "received:   'a2 SELECT INBOX.old\\r\\n'"
}

@test "!data-expect: exact body match, and a mismatch with its offset" {
    printf 'Subject: x\r\n\r\n..dot\r\nbye\r\n' >"$BATS_TEST_TMPDIR/body.txt"
    f=$(mkscript t <<'EOF'
S: 354 go ahead
!data-expect body.txt
S: 250 ok
C: QUIT
EOF
)
    dialog_start "$f"
    run client expect:'354 go ahead' send:'Subject: x' send:'' send:'..dot' send:bye send:. \
        expect:'250 ok' send:QUIT
    assert_success
    dialog_finish

    dialog_start "$f"
    run client expect:'354 go ahead' send:'Subject: x' send:'' send:'.dot' send:bye send:.
    run dialog_finish
    assert_failure
    assert_output --partial 't.dialog:2: the DATA body differs from body.txt at byte offset 15 (body line 3)'
    assert_output --partial "expected:   26 bytes; from offset 15: '.dot\\r\\nbye\\r\\n'"
    assert_output --partial "received:   25 bytes; from offset 15: 'dot\\r\\nbye\\r\\n'"
}

@test "!long, !garbage, !raw, S! and escapes send the right bytes" {
    f=$(mkscript t <<'EOF'
S: +OK a\tb\x00c\\d
S! no-crlf
!raw 41 42 0d
!long 3000000
!garbage 100000
!long 3 \x00
S: +OK done
C: QUIT
EOF
)
    dialog_start "$f"
    run client hex:13 hex:10 read:3000000 read:100000 hex:3 expect:'+OK done' send:QUIT
    assert_success
    assert_line "hex $(printf '+OK a\tb\0c\\d\r\n' | od -An -tx1 | tr -d ' \n')"
    assert_line "hex $(printf 'no-crlfAB\r' | od -An -tx1 | tr -d ' \n')"
    assert_line "read 3000000 sha256 $(head -c 3000000 /dev/zero | tr '\0' x | sha256sum | cut -d' ' -f1)"
    garbage=$("$DIALOG_PYTHON" -c '
import hashlib
n = 100000
b = b"".join(hashlib.sha256(b"dialogd garbage" + i.to_bytes(8, "big")).digest()
             for i in range(n // 32 + 1))[:n]
print(hashlib.sha256(b).hexdigest())')
    assert_line "read 100000 sha256 $garbage"
    assert_line "hex 000000"
    dialog_finish
}

@test "!close sends a clean FIN, !reset an RST" {
    f=$(mkscript t <<'EOF'
S: 421 going away
!close
--- connection 2
S: +OK
!sleep 50
!reset
EOF
)
    dialog_start "$f"
    run client expect:'421 going away' eof
    assert_success
    run client expect:'+OK' reset
    assert_success
    dialog_finish
}

@test "TLS: --implicit-tls" {
    f=$(mkscript t <<'EOF'
S: * OK imaps ready
C: a LOGOUT
S: a OK bye
!close
EOF
)
    dialog_start "$f" --implicit-tls "${TLS[@]}"
    run client tls expect:'* OK imaps ready' send:'a LOGOUT' expect:'a OK bye' eof
    assert_success
    assert_line --partial 'tls TLSv1'
    dialog_finish
}

@test "TLS: !starttls, and data sent before the handshake is caught" {
    f=$(mkscript t <<'EOF'
S: 220 mx ready
C: EHLO client
S: 250-mx
S: 250 STARTTLS
C: STARTTLS
S: 220 Ready to start TLS
!starttls
C: EHLO client
S: 250 mx
C: QUIT
S: 221 bye
EOF
)
    dialog_start "$f" "${TLS[@]}"
    run client expect:'220 mx ready' send:'EHLO client' expect:'250-mx' expect:'250 STARTTLS' \
        send:STARTTLS expect:'220 Ready to start TLS' tls \
        send:'EHLO client' expect:'250 mx' send:QUIT expect:'221 bye'
    assert_success
    dialog_finish

    dialog_start "$f" "${TLS[@]}"
    run client expect:'220 mx ready' send:'EHLO client' expect:'250-mx' expect:'250 STARTTLS' \
        raw:'STARTTLS\r\nEHLO evil\r\n' sleep:0.3
    run dialog_finish
    assert_failure
    assert_output --partial 't.dialog:7: the client sent data after the command that starts TLS'
    assert_output --partial "received:   'EHLO evil\\r\\n'"
}

@test "!strict-crlf: bare LF accepted before, rejected after" {
    f=$(mkscript t <<'EOF'
S: 220 hi
C: HELO a
!strict-crlf
C: HELO b
EOF
)
    dialog_start "$f"
    run client expect:'220 hi' raw:'HELO a\n' raw:'HELO b\n'
    run dialog_finish
    assert_failure
    assert_output --partial 't.dialog:4: the client ended a line with a bare LF'
    assert_output --partial "received:   'HELO b\\n'"
}

@test "bad scripts exit 2 with the line number" {
    bad() {
        local f
        f=$(mkscript bad)
        run -2 dialogd --timeout 1 "$f"
        assert_output --partial "bad.dialog:$1: $2"
    }
    bad 2 'not a directive' < <(printf 'S: ok\nX: nope\n')
    bad 3 'unknown escape \q' < <(printf '# c\n\nS: a\\qb\n')
    bad 1 'bad regex' < <(printf 'C~ (unclosed\n')
    bad 1 '{TAG} used before' < <(printf 'S: {TAG} OK\n')
    bad 1 '!long needs a non-negative number' < <(printf '!long lots\n')
    bad 2 'unreachable' < <(printf '!close\nS: late\n')
    bad 1 'cannot read missing.txt' < <(printf '!data-expect missing.txt\n')

    # dialog_start reports it too.
    printf 'S: ok\n!frobnicate\n' >"$BATS_TEST_TMPDIR/bad2.dialog"
    run dialog_start "$BATS_TEST_TMPDIR/bad2.dialog"
    assert_failure
    assert_output --partial "bad2.dialog:2: unknown directive '!frobnicate'"
}

@test "--connections 2: both connections run, a missing one fails" {
    f=$(mkscript t <<'EOF'
--- connection 1
S: +OK one
C: QUIT
S: +OK bye
--- connection 2
S: +OK two
C: QUIT
S: +OK bye
EOF
)
    dialog_start "$f" --connections 2
    run client expect:'+OK one' send:QUIT expect:'+OK bye'
    assert_success
    run client expect:'+OK two' send:QUIT expect:'+OK bye'
    assert_success
    dialog_finish

    dialog_start "$f" --timeout 0.5
    run client expect:'+OK one' send:QUIT expect:'+OK bye'
    run dialog_finish
    assert_failure
    assert_output --partial 't.dialog:5: timed out after 0.5s waiting for the client to open connection 2'

    run -2 dialogd --connections 1 "$f"
    assert_output --partial '--connections 1, but'
}

@test "dialog_stop kills dialogd; a forgotten one exits with its shell" {
    dialog_start pop3-user-frated
    pid=$DIALOG_PID
    _dialog_running "$pid"
    dialog_stop
    run _dialog_running "$pid"
    assert_failure

    # A shell that starts dialogd and exits without dialog_finish/dialog_stop.
    pid=$(BATS_TEST_TMPDIR=$BATS_TEST_TMPDIR bash -c 'source "$1"; dialog_start pop3-user-frated && echo "$DIALOG_PID"' _ \
          "$BATS_TEST_DIRNAME/dialog.bash")
    [[ -n $pid ]]
    _dialog_running "$pid"      # (exited = gone or a zombie nobody reaped yet)
    for (( i = 0; i < 20; i++ )); do
        _dialog_running "$pid" || break
        sleep 0.1
    done
    run _dialog_running "$pid"
    assert_failure
}
