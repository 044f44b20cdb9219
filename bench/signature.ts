/**
 * Signature verifications per second for a 10 KB flow: detached RSA 2048 (PKCS#1 v1.5), detached
 * ECDSA P-256, enveloped RSA, and the same RSA detached signature through pkijs'
 * `SignedData.verify({ checkChain: true })` for comparison (why verify.ts does not use pkijs).
 * Dev script: the PKI comes from makeTestPki and the signatures from the `openssl` command line.
 */
import { execFileSync } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as pkijs from 'pkijs';
import { makeTestPki } from '../src/signature/test-pki.ts';
import { verifySignature, type SignatureInput, type TrustMaterial } from '../src/signature/verify.ts';

function flow10k(): Buffer {
  const line =
    '<cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:InvoicedQuantity unitCode="C62">1</cbc:InvoicedQuantity><cbc:LineExtensionAmount currencyID="EUR">100.00</cbc:LineExtensionAmount></cac:InvoiceLine>\n';
  const head =
    '<?xml version="1.0" encoding="UTF-8"?>\n<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">\n';
  return Buffer.from(head + line.repeat(Math.ceil((10_240 - head.length) / line.length)) + '</Invoice>\n');
}

async function rate(fn: () => Promise<unknown>, minMs = 700): Promise<number> {
  for (let i = 0; i < 30; i++) await fn(); // warm-up (JIT, certificate cache)
  let n = 0;
  const t0 = performance.now();
  let elapsed: number;
  do {
    for (let i = 0; i < 20; i++) await fn();
    n += 20;
    elapsed = performance.now() - t0;
  } while (elapsed < minMs);
  return Math.round((n * 1000) / elapsed);
}

async function expectOk(input: SignatureInput, trust: TrustMaterial): Promise<void> {
  const r = await verifySignature(input, trust);
  if (!r.ok) throw new Error(`bench signature rejected: ${r.findings.map((f) => f.code).join(', ')}`);
}

function pem2der(pem: string): ArrayBuffer {
  const b = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.length);
}

async function pkijsRate(p7s: Buffer, content: Buffer, caPem: string): Promise<number> {
  pkijs.setEngine(
    'node',
    new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto }) as unknown as pkijs.ICryptoEngine,
  );
  const ca = pkijs.Certificate.fromBER(pem2der(caPem));
  const data = content.buffer.slice(content.byteOffset, content.byteOffset + content.length) as ArrayBuffer;
  const der = p7s.buffer.slice(p7s.byteOffset, p7s.byteOffset + p7s.length) as ArrayBuffer;
  const once = async (): Promise<void> => {
    const ci = pkijs.ContentInfo.fromBER(der);
    const sd = new pkijs.SignedData({ schema: ci.content });
    const ok = await sd.verify({ signer: 0, data, trustedCerts: [ca], checkChain: true });
    if (!ok) throw new Error('pkijs rejected the bench signature');
  };
  return rate(once, 500);
}

export async function benchSignature(): Promise<Record<string, number>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'passerelle-bench-sig-'));
  try {
    const content = flow10k();
    const flow = path.join(dir, 'flow.xml');
    writeFileSync(flow, content);
    const signed = (keyType: 'rsa' | 'ecdsa'): { p7s: Buffer; p7m: Buffer; trust: TrustMaterial } => {
      const pki = makeTestPki(path.join(dir, keyType), { keyType, partner: 'BENCH1' });
      execFileSync('sh', ['-c', pki.signCommand], { env: { ...process.env, FLOW: flow } });
      const out = { p7s: readFileSync(`${flow}.p7s`), p7m: readFileSync(`${flow}.p7m`) };
      return {
        ...out,
        trust: {
          registeredCertificates: [readFileSync(pki.cert, 'utf8')],
          trustAnchors: [readFileSync(pki.caCert, 'utf8')],
        },
      };
    };
    const rsa = signed('rsa');
    const ec = signed('ecdsa');
    const receivedAt = new Date();
    return {
      rsa2048DetachedPerSec: await rate(() => expectOk({ content, detached: rsa.p7s, receivedAt }, rsa.trust)),
      ecdsaP256DetachedPerSec: await rate(() => expectOk({ content, detached: ec.p7s, receivedAt }, ec.trust)),
      rsa2048EnvelopedPerSec: await rate(() => expectOk({ enveloped: rsa.p7m, receivedAt }, rsa.trust)),
      pkijsRsa2048DetachedPerSec: await pkijsRate(rsa.p7s, content, rsa.trust.trustAnchors[0]!),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchSignature());
}
