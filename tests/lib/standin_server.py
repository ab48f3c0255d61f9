#!/usr/bin/env python3
"""standin_server.py - a small scripted mail server for the tests.

It stands in for a POP3, IMAP or SMTP server that does not exist yet (or
for one that must misbehave on purpose): it plays a script, one connection,
then exits. It listens on 127.0.0.1, port 0, and writes the port it got to
--port-file (atomically), so a test waits for that file, never sleeps.

    standin_server.py --script FILE --port-file FILE [--record FILE]
                      [--cert PEM --key PEM] [--timeout SECONDS]

Script lines (blank lines and "# ..." are skipped):

    S: TEXT      send TEXT with CR LF
    R: TEXT      send TEXT raw, with Python escapes (\\r, \\n, \\x00): odd line ends
    C: TEXT      read one line; it must be exactly TEXT (CR LF taken off)
    C~ REGEX     read one line; it must match REGEX (Python re.fullmatch)
    C?           read one line, whatever it is
    D:           read message content: lines up to a lone "."
    TLS          start TLS as the server (needs --cert and --key)
    WAIT         wait until the client closes the connection
    CLOSE        close the connection now (so does the end of the script)

Everything received (after TLS: decrypted) is appended to --record, as it
came, so a test can check octets: CR LF, dot-stuffing. On a mismatch it
says so on stderr and exits 1; on a time-out (--timeout, default 20 s, for
the whole run) it exits 2. Exit 0 means the script ran to its end.
"""

import argparse
import os
import re
import signal
import socket
import ssl
import sys


class Mismatch(Exception):
    pass


class Connection:
    """A socket (plain or TLS) with a line reader that records what it reads."""

    def __init__(self, sock, record):
        self.sock = sock
        self.buffer = b""
        self.record = record

    def read_line(self):
        while b"\n" not in self.buffer:
            data = self.sock.recv(65536)
            if not data:
                raise Mismatch("the client closed the connection (%r unread)" % self.buffer)
            self.buffer += data
            if self.record:
                self.record.write(data)
                self.record.flush()
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line[:-1] if line.endswith(b"\r") else line

    def send(self, data):
        self.sock.sendall(data)

    def start_tls(self, cert, key):
        if self.buffer:
            raise Mismatch("clear-text octets arrived before TLS: %r" % self.buffer)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.sock = context.wrap_socket(self.sock, server_side=True)

    def wait_closed(self):
        while self.sock.recv(65536):
            pass


def write_port_file(path, port):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, path)


def play(conn, script, args):
    for number, raw in enumerate(script, 1):
        line = raw.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = "script line %d (%s)" % (number, line)
        if line.startswith("S: ") or line == "S:":
            conn.send(line[3:].encode() + b"\r\n")
        elif line.startswith("R: "):
            conn.send(line[3:].encode().decode("unicode_escape").encode("latin-1"))
        elif line.startswith("C: ") or line == "C:":
            got = conn.read_line()
            if got != line[3:].encode():
                raise Mismatch("%s: received %r" % (where, got))
        elif line.startswith("C~ "):
            got = conn.read_line()
            if not re.fullmatch(line[3:].encode(), got):
                raise Mismatch("%s: received %r" % (where, got))
        elif line == "C?":
            conn.read_line()
        elif line == "D:":
            while conn.read_line() != b".":
                pass
        elif line == "TLS":
            conn.start_tls(args.cert, args.key)
        elif line == "WAIT":
            conn.wait_closed()
            return
        elif line == "CLOSE":
            return
        else:
            raise Mismatch("%s: not a stand-in script line" % where)


def main():
    parser = argparse.ArgumentParser(description="a scripted stand-in mail server")
    parser.add_argument("--script", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--record")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--timeout", type=int, default=20)
    args = parser.parse_args()

    with open(args.script) as f:
        script = f.readlines()
    # A bound on the whole run: a test that goes wrong cannot leave us behind.
    signal.signal(signal.SIGALRM, lambda *_: sys.exit(2))
    signal.alarm(args.timeout)

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    write_port_file(args.port_file, listener.getsockname()[1])
    sock, _ = listener.accept()
    listener.close()
    record = open(args.record, "ab") if args.record else None
    conn = Connection(sock, record)
    try:
        play(conn, script, args)
    except (Mismatch, OSError, ssl.SSLError) as e:
        print("standin_server: %s" % e, file=sys.stderr)
        return 1
    finally:
        try:
            conn.sock.close()
        except OSError:
            pass
        if record:
            record.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
