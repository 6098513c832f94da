#!/usr/bin/env python3
"""The course's "Custom VPN" echo server, written to the assignment, for interop tests.

One client at a time, one recv() per message, as the originals do.
usage: legacy_vpn_server.py --port 0 --group 14 --ciphers server_cipher.toml --clients 1
"""

import argparse
import sys
from socket import AF_INET, SOCK_STREAM, socket

from legacy_dh import DiffieHellman
from legacy_vpn_common import get_key_and_iv, load_ciphers, read_message


def parse_proposal(msg):
    ciphers = {}
    body = msg.split(":", 1)[1]
    for part in body.split("],"):
        name, sizes = part.split(":", 1)
        ciphers[name.strip()] = [int(x) for x in sizes.strip("[] ").split(",")]
    return ciphers


def select_cipher(supported, proposed):
    best = None
    for name, sizes in proposed.items():
        for size in sizes:
            if size in supported.get(name, []) and (best is None or size > best[1]):
                best = (name, size)
    if best is None:
        raise ValueError("Could not agree on a cipher")
    return best


def serve(conn, addr, supported, group):
    print(f"New client: {addr[0]}:{addr[1]}", flush=True)
    print("Negotiating the cipher", flush=True)
    proposal = conn.recv(4096).decode("utf-8")
    try:
        cipher_name, key_size = select_cipher(supported, parse_proposal(proposal))
    except ValueError as err:
        conn.send(str(err).encode())
        print(err, flush=True)
        return
    conn.send(f"ChosenCipher:{cipher_name},{key_size}".encode())
    print(f"We are going to use {cipher_name}{key_size}", flush=True)
    print("Negotiating the key", flush=True)
    dh = DiffieHellman(group)
    client_key = int(conn.recv(4096).decode("utf-8").split(":")[1])
    shared = dh.generate_shared_secret(client_key)
    conn.send(f"DHMKE:{dh.public_key}".encode())
    cipher, key, iv = get_key_and_iv(shared, cipher_name, key_size)
    print("The key has been established", flush=True)
    while True:
        data = conn.recv(4096)
        if not data:
            break
        text = read_message(data, cipher, key, iv)
        print(f"Received: {text}", flush=True)
        conn.send(f"Server says: {text[::-1]}".encode("utf-8"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=4600)
    ap.add_argument("--group", type=int, default=18)
    ap.add_argument("--ciphers", required=True)
    ap.add_argument("--clients", type=int, default=1)
    args = ap.parse_args()
    supported = load_ciphers(args.ciphers)
    with socket(AF_INET, SOCK_STREAM) as srv:
        srv.bind((args.host, args.port))
        srv.listen(1)
        srv.settimeout(60)  # never outlive a test that forgot us
        print(f"Listening on {args.host}:{srv.getsockname()[1]}", flush=True)
        for _ in range(args.clients):
            conn, addr = srv.accept()
            with conn:
                conn.settimeout(60)
                serve(conn, addr, supported, args.group)
    return 0


if __name__ == "__main__":
    sys.exit(main())
