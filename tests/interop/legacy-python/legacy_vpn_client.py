#!/usr/bin/env python3
"""The course's "Custom VPN" echo client, written to the assignment, for interop tests.

usage: legacy_vpn_client.py --port 4600 --group 14 --ciphers client_cipher.toml --message hi --message there
"""

import argparse
import sys
from socket import AF_INET, SOCK_STREAM, socket

from legacy_dh import DiffieHellman
from legacy_vpn_common import encrypt_message, get_key_and_iv, load_ciphers


def generate_cipher_proposal(supported):
    return "ProposedCiphers:" + ",".join(
        name + ":[" + ",".join(str(x) for x in sizes) + "]" for name, sizes in supported.items()
    )


def parse_cipher_selection(msg):
    name, size = msg.split(":", 1)[1].replace(":", ",").split(",")
    return name, int(size)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=4600)
    ap.add_argument("--group", type=int, default=18)
    ap.add_argument("--ciphers", required=True)
    ap.add_argument("--message", action="append", default=[])
    args = ap.parse_args()
    with socket(AF_INET, SOCK_STREAM) as sock:
        sock.settimeout(60)
        sock.connect((args.host, args.port))
        print(f"Connected to {args.host}:{args.port}", flush=True)
        print("Negotiating the cipher", flush=True)
        sock.send(generate_cipher_proposal(load_ciphers(args.ciphers)).encode())
        msg_in = sock.recv(4096).decode("utf-8")
        if msg_in == "Could not agree on a cipher":
            print(msg_in, flush=True)
            return 3
        cipher_name, key_size = parse_cipher_selection(msg_in)
        print(f"We are going to use {cipher_name}{key_size}", flush=True)
        print("Negotiating the key", flush=True)
        dh = DiffieHellman(args.group)
        sock.send(f"DHMKE:{dh.public_key}".encode())
        server_key = int(sock.recv(4096).decode("utf-8").split(":")[1])
        shared = dh.generate_shared_secret(server_key)
        cipher, key, iv = get_key_and_iv(shared, cipher_name, key_size)
        print("The key has been established", flush=True)
        for msg in args.message + ["\\quit"]:
            if msg == "\\quit":
                break
            ciphertext, hmac = encrypt_message(msg, cipher, key, iv)
            sock.send(ciphertext + hmac.encode())
            print(sock.recv(4096).decode("utf-8"), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
