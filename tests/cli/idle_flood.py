"""Holds idle TCP connections open to a port, the way a flood of peers that never
start TLS would: PER connections from each SOURCE address (loopback addresses other
than 127.0.0.1), reopening those the server closes, until SECONDS have passed or it is
killed. Writes READY_FILE once the first round has been opened. Bounded: at most 50
reconnections every 0.1 s.

Usage: python3 idle_flood.py PORT SOURCES(comma-separated) PER READY_FILE SECONDS
"""
import os
import select
import socket
import sys
import time


def connect(source, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(1.0)
    try:
        s.bind((source, 0))
        s.connect(("127.0.0.1", port))
    except OSError:
        s.close()
        return None
    s.setblocking(False)
    return s


def main():
    port = int(sys.argv[1])
    sources = sys.argv[2].split(",")
    per = int(sys.argv[3])
    ready_file = sys.argv[4]
    deadline = time.monotonic() + float(sys.argv[5])
    held = {}  # socket -> source
    dead = []  # sources whose connection the server closed (or that failed)
    for source in sources:
        for _ in range(per):
            s = connect(source, port)
            if s is None:
                dead.append(source)
            else:
                held[s] = source
    with open(ready_file + ".tmp", "w") as f:
        f.write("%d %d\n" % (len(held), len(dead)))
    os.rename(ready_file + ".tmp", ready_file)
    while time.monotonic() < deadline:
        if held:
            readable, _, _ = select.select(list(held), [], [], 0.1)
        else:
            readable = []
            time.sleep(0.1)
        for s in readable:
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                dead.append(held.pop(s))
                s.close()
        if not dead:
            continue
        time.sleep(0.1)
        retry, dead = dead[:50], dead[50:]
        for source in retry:
            s = connect(source, port)
            if s is None:
                dead.append(source)
            else:
                held[s] = source
    for s in held:
        s.close()


if __name__ == "__main__":
    main()
