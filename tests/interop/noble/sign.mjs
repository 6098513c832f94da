// node sign.mjs <set> <skFile> <msgFile> <contextHex> <sigFile> [deterministic]   -> ML-DSA.Sign (pure).
import { dsa, args, readBytes, writeBytes, hexArg } from './common.mjs';

const [set, skFile, msgFile, contextHex, sigFile, mode] = args(5, 'sign.mjs <set> <skFile> <msgFile> <contextHex> <sigFile> [deterministic]');
const opts = { context: hexArg(contextHex) };
if (mode === 'deterministic') opts.extraEntropy = false;
const sig = dsa(set).sign(readBytes(msgFile), readBytes(skFile), opts);
writeBytes(sigFile, sig);
console.log(JSON.stringify({ signature: sig.length }));
