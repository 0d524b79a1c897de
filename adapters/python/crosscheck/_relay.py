"""The process `crosscheck check/audit --external` starts for a Python callable: a relay.

    python -m crosscheck._relay SOCKET        (or: python path/to/_relay.py SOCKET)

It connects to the Unix domain socket on which the Python process that holds the callable serves
requests, then copies each request line from stdin to the socket and the answer line back to
stdout, flushed, one at a time. It exits at end of stdin (crosscheck is done or gone) and when the
socket closes (the serving process is done or gone), so it never outlives either. Standard library
only, so it starts fast and needs nothing installed.
"""
import socket
import sys

CONNECT_TIMEOUT = 10.0


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: python -m crosscheck._relay SOCKET\n")
        return 2
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(CONNECT_TIMEOUT)
    try:
        sock.connect(argv[1])
    except OSError as error:
        sys.stderr.write("crosscheck relay: cannot connect to %s: %s (is the Python process that serves the callable gone?)\n"
                         % (argv[1], error))
        return 3
    sock.settimeout(None)
    answers = sock.makefile("rb")
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    try:
        while True:
            line = stdin.readline()
            if not line:
                return 0
            if not line.endswith(b"\n"):
                line += b"\n"
            sock.sendall(line)
            reply = answers.readline()
            if not reply:
                sys.stderr.write("crosscheck relay: the serving process closed the connection\n")
                return 1
            stdout.write(reply)
            stdout.flush()
    except (BrokenPipeError, ConnectionError, KeyboardInterrupt):
        return 1
    finally:
        sock.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
