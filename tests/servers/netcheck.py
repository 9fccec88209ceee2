#!/usr/bin/env python3
"""Port helpers for tests/servers/mailservers (loopback only).

  netcheck.py free PORT...          exit 1 and name the first port in use
  netcheck.py wait SECONDS PORT...  wait until every port accepts TCP
  netcheck.py check PORT...         exit 0 iff every port accepts TCP now
  netcheck.py deliver PORT RCPT     send one message through SMTP (no TLS)
"""
import smtplib
import socket
import sys
import time

HOST = "127.0.0.1"


def accepts(port, timeout=0.5):
    try:
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    except OSError:
        return False


def free(ports):
    for port in ports:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # Same option the servers use, so TIME_WAIT leftovers don't count.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError as e:
            print(f"mailservers: port {port} on {HOST} is already in use ({e.strerror}); "
                  f"set MP_PORT_BASE to another range", file=sys.stderr)
            return 1
        finally:
            s.close()
    return 0


def wait(seconds, ports):
    deadline = time.monotonic() + seconds
    pending = list(ports)
    while pending:
        pending = [p for p in pending if not accepts(p, 0.2)]
        if not pending:
            break
        if time.monotonic() > deadline:
            print("ports not accepting connections after %gs: %s"
                  % (seconds, " ".join(map(str, pending))), file=sys.stderr)
            return 1
        time.sleep(0.05)
    return 0


def deliver(port, rcpt):
    msg = ("From: selftest@example.test\r\nTo: %s\r\n"
           "Subject: mailservers selftest\r\n\r\nselftest\r\n" % rcpt)
    with smtplib.SMTP(HOST, port, timeout=10) as s:
        s.sendmail("selftest@example.test", [rcpt], msg)
    return 0


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == "free":
        return free([int(p) for p in args])
    if cmd == "wait":
        return wait(float(args[0]), [int(p) for p in args[1:]])
    if cmd == "check":
        return 0 if all(accepts(int(p)) for p in args) else 1
    if cmd == "deliver":
        return deliver(int(args[0]), args[1])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
