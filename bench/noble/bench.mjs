// Measures @noble/post-quantum ops/s for the operations bench/Jormungandr.Bench measures in .NET:
// ML-KEM-1024 keygen/encaps/decaps and ML-DSA-65 keygen/sign (hedged)/verify.
// Usage: node bench.mjs [--seconds 2] [--json]. Prints a table, or JSON with --json.
import { ml_kem1024 } from '@noble/post-quantum/ml-kem.js';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
const seconds = Number(argv[argv.indexOf('--seconds') + 1]) || 2;
const asJson = argv.includes('--json');
const rounds = 5;

// Runs fn repeatedly: one warm-up round, then `rounds` timed rounds of seconds/rounds each; median ops/s.
function measure(fn) {
  const budget = (seconds * 1000) / rounds;
  const timed = () => {
    let ops = 0;
    const start = performance.now();
    let now = start;
    while (now - start < budget) {
      fn();
      ops++;
      now = performance.now();
    }
    return (ops * 1000) / (now - start);
  };
  timed();
  const results = [];
  for (let i = 0; i < rounds; i++) results.push(timed());
  results.sort((a, b) => a - b);
  return results[Math.floor(rounds / 2)];
}

const message = new Uint8Array(64).fill(0x5a);
const kem = ml_kem1024.keygen();
const { cipherText } = ml_kem1024.encapsulate(kem.publicKey);
const dsa = ml_dsa65.keygen();
const signature = ml_dsa65.sign(message, dsa.secretKey);

const rows = [
  ['ML-KEM-1024', 'keygen', () => ml_kem1024.keygen()],
  ['ML-KEM-1024', 'encaps', () => ml_kem1024.encapsulate(kem.publicKey)],
  ['ML-KEM-1024', 'decaps', () => ml_kem1024.decapsulate(cipherText, kem.secretKey)],
  ['ML-DSA-65', 'keygen', () => ml_dsa65.keygen()],
  ['ML-DSA-65', 'sign', () => ml_dsa65.sign(message, dsa.secretKey)],
  ['ML-DSA-65', 'verify', () => { if (!ml_dsa65.verify(signature, message, dsa.publicKey)) throw new Error('verify failed'); }],
].map(([algorithm, operation, fn]) => ({ algorithm, operation, opsPerSecond: Math.round(measure(fn)) }));

const version = JSON.parse(readFileSync(new URL('./node_modules/@noble/post-quantum/package.json', import.meta.url))).version;
if (asJson) {
  console.log(JSON.stringify({ library: '@noble/post-quantum', version, node: process.version, seconds, rows }, null, 2));
} else {
  console.log(`@noble/post-quantum ${version} on node ${process.version} (median of ${rounds} rounds, ${seconds} s per operation)`);
  console.log('| algorithm   | operation | ops/s |');
  console.log('|-------------|-----------|------:|');
  for (const r of rows) console.log(`| ${r.algorithm.padEnd(11)} | ${r.operation.padEnd(9)} | ${r.opsPerSecond} |`);
}
