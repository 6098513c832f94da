// node keygen.mjs <set> <pkFile> <skFile> [seedHex]   -> writes noble's raw public and secret keys.
import { dsa, args, writeBytes, hexArg } from './common.mjs';

const [set, pkFile, skFile, seedHex] = args(3, 'keygen.mjs <set> <pkFile> <skFile> [seedHex]');
const keys = seedHex ? dsa(set).keygen(hexArg(seedHex)) : dsa(set).keygen();
writeBytes(pkFile, keys.publicKey);
writeBytes(skFile, keys.secretKey);
console.log(JSON.stringify({ publicKey: keys.publicKey.length, secretKey: keys.secretKey.length }));
