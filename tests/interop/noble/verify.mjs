// node verify.mjs <set> <pkFile> <msgFile> <contextHex> <sigFile>   -> prints {"valid":true|false}.
import { dsa, args, readBytes, hexArg } from './common.mjs';

const [set, pkFile, msgFile, contextHex, sigFile] = args(5, 'verify.mjs <set> <pkFile> <msgFile> <contextHex> <sigFile>');
const valid = dsa(set).verify(readBytes(sigFile), readBytes(msgFile), readBytes(pkFile), { context: hexArg(contextHex) });
console.log(JSON.stringify({ valid }));
