"""What the course's client and server share: cipher files, key/IV derivation, padding, HMAC."""

import tomllib

try:  # pycryptodome (pip) or Debian's python3-pycryptodome (the Cryptodome namespace)
    from Crypto.Cipher import AES, DES, DES3, Blowfish
    from Crypto.Hash import HMAC, SHA256
except ImportError:  # pragma: no cover - depends on how pycryptodome was installed
    from Cryptodome.Cipher import AES, DES, DES3, Blowfish
    from Cryptodome.Hash import HMAC, SHA256

CIPHERS = {"AES": AES, "Blowfish": Blowfish, "DES3": DES3, "DES": DES}
IV_LENGTH = {"AES": 16, "Blowfish": 8, "DES3": 8, "DES": 8}


def load_ciphers(path):
    with open(path, "rb") as f:
        doc = tomllib.load(f)
    return {entry["name"]: list(entry["keys"]) for entry in doc["supported_cipher"]}


def get_key_and_iv(shared_key, cipher_name, key_size):
    key = shared_key[: key_size // 8].encode()
    if cipher_name == "DES":
        key = key.ljust(8, b"\0")
    elif cipher_name == "DES3":
        key = key.ljust(16 if len(key) <= 16 else 24, b"\0")
    iv = shared_key[-IV_LENGTH[cipher_name]:].encode()
    return CIPHERS[cipher_name], key, iv


def add_padding(data):
    return data + b"\0" * (-len(data) % 16)


def encrypt_message(message, cipher, key, iv):
    ciphertext = cipher.new(key, cipher.MODE_CBC, iv).encrypt(add_padding(message.encode("utf-8")))
    hashing = HMAC.new(key, digestmod=SHA256)
    hashing.update(ciphertext)
    return ciphertext, hashing.hexdigest()


def read_message(data, cipher, key, iv):
    ciphertext, hmac_in = data[:-64], data[-64:].decode("ascii")
    hashing = HMAC.new(key, digestmod=SHA256)
    hashing.update(ciphertext)
    if hashing.hexdigest() != hmac_in:
        raise ValueError("Bad HMAC")
    plaintext = cipher.new(key, cipher.MODE_CBC, iv).decrypt(ciphertext)
    return plaintext.rstrip(b"\0").decode("utf-8")
