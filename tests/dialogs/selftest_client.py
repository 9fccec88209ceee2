#!/usr/bin/env python3
"""Tiny scripted client for selftest.bats (the tests of dialogd itself).

usage: selftest_client.py PORT ACTION...

TEXT below takes Python backslash escapes (\\r, \\n, \\x00, \\\\).
  send:TEXT     send TEXT + CRLF
  raw:TEXT      send TEXT as it is
  expect:TEXT   read one line: it must be TEXT + CRLF
  read:N        read exactly N bytes; print "read N sha256 HEX"
  hex:N         read exactly N bytes; print "hex HEX"
  quiet:SECS    for SECS seconds the server must send nothing
  eof           the server must close the connection cleanly now
  reset         the server must reset the connection now
  tls           start TLS, client side, without verifying the certificate
  sleep:SECS    pause
The client then closes.  Exit 0 if every action succeeded, 3 otherwise.
"""

import hashlib
import socket
import ssl
import sys
import time


def unescape(text):
    return text.encode('latin-1').decode('unicode_escape').encode('latin-1')


class Client:
    def __init__(self, port):
        self.sock = socket.create_connection(('127.0.0.1', port), timeout=5)
        self.buf = b''

    def fail(self, message):
        print('client: FAIL: %s' % message)
        sys.exit(3)

    def more(self):
        data = self.sock.recv(65536)
        if not data:
            self.fail('the server closed the connection; unread: %r' % self.buf)
        self.buf += data

    def line(self):
        while b'\n' not in self.buf:
            self.more()
        line, _, self.buf = self.buf.partition(b'\n')
        return line + b'\n'

    def exact(self, count):
        while len(self.buf) < count:
            self.more()
        data, self.buf = self.buf[:count], self.buf[count:]
        return data

    def act(self, action):
        name, _, arg = action.partition(':')
        if name == 'send':
            self.sock.sendall(unescape(arg) + b'\r\n')
        elif name == 'raw':
            self.sock.sendall(unescape(arg))
        elif name == 'expect':
            line = self.line()
            print('S: %r' % line)
            if line != unescape(arg) + b'\r\n':
                self.fail('expected %r' % (unescape(arg) + b'\r\n'))
        elif name == 'read':
            data = self.exact(int(arg))
            print('read %d sha256 %s' % (len(data), hashlib.sha256(data).hexdigest()))
        elif name == 'hex':
            print('hex %s' % self.exact(int(arg)).hex())
        elif name == 'quiet':
            self.sock.settimeout(float(arg))
            try:
                self.more()
                self.fail('the server sent %r during a quiet period' % self.buf)
            except TimeoutError:
                print('quiet')
            self.sock.settimeout(5)
        elif name in ('eof', 'reset'):
            try:
                data = self.buf or self.sock.recv(65536)
            except ConnectionResetError:
                data = 'reset'
            if data != {'eof': b'', 'reset': 'reset'}[name]:
                self.fail('expected %s, got %r' % (name, data))
            print(name)
        elif name == 'tls':
            if self.buf:
                self.fail('data before TLS: %r' % self.buf)
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            self.sock = context.wrap_socket(self.sock)
            print('tls %s' % self.sock.version())
        elif name == 'sleep':
            time.sleep(float(arg))
        else:
            raise SystemExit('client: unknown action %r' % action)


def main():
    client = Client(int(sys.argv[1]))
    try:
        for action in sys.argv[2:]:
            client.act(action)
    except OSError as e:
        client.fail('%s: %s' % (type(e).__name__, e))
    client.sock.close()


if __name__ == '__main__':
    main()
