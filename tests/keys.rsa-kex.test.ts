import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, generateKeyPairSync, publicEncrypt } from 'node:crypto';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import { decryptPremaster } from '../src/keys/rsa-kex.js';

const p = nodeCryptoProvider();

test('RFC 5246 §7.4.7.1: a valid EncryptedPreMasterSecret gives the premaster; any failure a random one', () => {
  const kp = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = p.importPrivateKey(String(kp.privateKey.export({ format: 'pem', type: 'pkcs8' })));
  const pms = p.randomBytes(48);
  pms[0] = 3;
  pms[1] = 3;
  const ct = p.rsaEncryptPkcs1(key.publicKey, pms);
  assert.deepEqual(decryptPremaster(p, key, ct, 0x0303), pms);

  const failures: [string, Uint8Array, number][] = [];
  failures.push(['wrong client version', ct, 0x0302]);
  const tampered = ct.slice();
  tampered[100] = (tampered[100] as number) ^ 1;
  failures.push(['tampered ciphertext', tampered, 0x0303]);
  failures.push(['short ciphertext', ct.subarray(1), 0x0303]);
  failures.push(['empty ciphertext', new Uint8Array(0), 0x0303]);
  failures.push(['ciphertext >= n', new Uint8Array(256).fill(0xff), 0x0303]);
  // a well-padded message of the wrong length (47 bytes)
  const short = new Uint8Array(47).fill(3);
  failures.push(['47-byte premaster', new Uint8Array(publicEncrypt({ key: kp.publicKey, padding: constants.RSA_PKCS1_PADDING }, short)), 0x0303]);
  for (const [name, c, v] of failures) {
    const a = decryptPremaster(p, key, c, v);
    const b = decryptPremaster(p, key, c, v);
    assert.equal(a.length, 48, name);
    assert.notDeepEqual(a, b, `${name}: a fresh random premaster each time`);
    assert.notDeepEqual(a, pms, name);
  }
});
