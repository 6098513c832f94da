// Shared helpers for the interop scripts: parameter-set lookup and raw/hex file I/O.
import { readFileSync, writeFileSync } from 'node:fs';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';

const SETS = { 'ML-DSA-44': ml_dsa44, 'ML-DSA-65': ml_dsa65, 'ML-DSA-87': ml_dsa87 };

export function dsa(name) {
  const d = SETS[name];
  if (!d) fail(`unknown parameter set '${name}' (expected ML-DSA-44, ML-DSA-65 or ML-DSA-87)`);
  return d;
}

// Files ending in .hex hold hex text; anything else is raw bytes (the FIPS 204 encodings).
export function readBytes(path) {
  if (path.endsWith('.hex')) return Uint8Array.from(Buffer.from(readFileSync(path, 'utf8').trim(), 'hex'));
  return new Uint8Array(readFileSync(path));
}

export function writeBytes(path, bytes) {
  if (path.endsWith('.hex')) writeFileSync(path, Buffer.from(bytes).toString('hex') + '\n');
  else writeFileSync(path, bytes);
}

export function hexArg(text) {
  if (!/^([0-9a-fA-F]{2})*$/.test(text)) fail(`not a hex string: '${text}'`);
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

export function fail(message) {
  process.stderr.write(`noble-interop: ${message}\n`);
  process.exit(2);
}

export function args(count, usage) {
  const a = process.argv.slice(2);
  if (a.length < count) fail(`usage: ${usage}`);
  return a;
}
