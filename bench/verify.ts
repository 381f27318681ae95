// µs per verifyCertificateChain of a typical 3-certificate chain (root -> intermediate -> leaf),
// cold (anchors parsed on every call) and with the anchors already parsed in a TrustStore, plus the
// cost of parsing one certificate against node's X509Certificate. Run: node dist/bench/verify.js
import { X509Certificate } from 'node:crypto';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import { TrustStore, createCertificateVerifier, parseCertificate, verifyCertificateChain } from '../src/pki/index.js';
import { NOW, type KeyKind, issue } from '../tests/helpers/pki-fixtures.js';

/** CPU µs per call (process.cpuUsage, so a busy machine inflates the numbers less than wall time). */
function perCall(fn: () => void, minMs = 400): number {
  for (let i = 0; i < 50; i++) fn();
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    let n = 0;
    const start = process.cpuUsage();
    let elapsedUs = 0;
    while (elapsedUs < (minMs * 1000) / 5) {
      for (let i = 0; i < 20; i++) fn();
      n += 20;
      const d = process.cpuUsage(start);
      elapsedUs = d.user + d.system;
    }
    best = Math.min(best, elapsedUs / n);
  }
  return best;
}

async function chain(kind: KeyKind) {
  const root = await issue({ cn: `Bench Root ${kind}`, ca: true, keyKind: kind });
  const inter = await issue({ cn: `Bench Intermediate ${kind}`, ca: true, issuer: root, keyKind: kind });
  const leaf = await issue({ cn: 'www.bench.test', issuer: inter, dns: ['www.bench.test', 'bench.test'], eku: ['1.3.6.1.5.5.7.3.1'], keyKind: kind });
  return { root, inter, leaf };
}

const crypto = nodeCryptoProvider();
for (const kind of ['p256', 'rsa'] as const) {
  const { root, inter, leaf } = await chain(kind);
  const base = { leaf: leaf.der, intermediates: [inter.der], hostname: 'www.bench.test', time: NOW, crypto };
  const cold = perCall(() => void verifyCertificateChain({ ...base, ca: [root.der] }));
  const store = TrustStore.fromPem([root.der]);
  const warm = perCall(() => void verifyCertificateChain({ ...base, ca: store }));
  const verifier = createCertificateVerifier({ crypto, trustStore: () => store, now: () => NOW });
  const cached = perCall(() => void verifier.verify({ certificates: [leaf.der, inter.der], purpose: 'serverAuth', hostname: 'www.bench.test' }));
  const parse = perCall(() => void parseCertificate(leaf.der));
  const x509 = perCall(() => void new X509Certificate(leaf.der), 200);
  console.log(
    `verify ${kind === 'p256' ? 'ECDSA P-256' : 'RSA-2048'} 3-cert chain: ${cold.toFixed(0)} µs cold, ${warm.toFixed(0)} µs with anchors parsed, ${cached.toFixed(0)} µs in a config's verifier seeing the same peer chain again; ` +
      `parse leaf (${leaf.der.length} B): ${parse.toFixed(1)} µs (node X509Certificate ${x509.toFixed(0)} µs)`,
  );
}
