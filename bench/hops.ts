/**
 * What the worker hops cost (issue 13 item 3, "the whole stage chain per flow in one worker"): small flows
 * through detection → XSD validation → reading with the rules, once inline on this thread and once through
 * the daemon's pools (FlowWorkers and ValidationPool, one thread each: three hops a flow), one flow at a time
 * (each stage's latency) and 16 at once (throughput); the process's CPU a flow tells what the hops add.
 * Run alone: node bench/hops.ts   (BENCH_HOPS_FLOWS, default 1,000)
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LIMITS } from '../src/formats/limits.ts';
import { detectDeposit } from '../src/formats/registry.ts';
import { readAndCheck } from '../src/pipeline/read-check.ts';
import { FlowWorkers } from '../src/pipeline/work/pool.ts';
import { ValidationPool } from '../src/schemas/pool.ts';
import { SchemaValidator } from '../src/schemas/validator.ts';

const CORPUS = fileURLToPath(new URL('../test/corpus/', import.meta.url));
const NO_SCHEMA_DIR = path.join(os.tmpdir(), 'passerelle-bench-hops-no-installed-schemas');

type Chain = (xml: Buffer) => Promise<void>;
interface Run {
  flowsPerSecond: number;
  cpuMsPerFlow: number;
  stageMs: { detect: number; xsd: number; read: number };
}

export async function benchHops(): Promise<Record<string, number>> {
  const n = Number(process.env.BENCH_HOPS_FLOWS ?? 1000);
  const template = readFileSync(path.join(CORPUS, 'valid/ubl/cen-ubl-tc434-example1.xml'), 'utf8');
  const flows = Array.from({ length: n }, (_, i) =>
    Buffer.from(template.replace('<cbc:ID>', `<!-- f${i} --><cbc:ID>`)),
  );
  const work = new FlowWorkers({ threads: 1 });
  const pool = new ValidationPool({ schemaDir: NO_SCHEMA_DIR, threads: 1 });
  const validator = new SchemaValidator(NO_SCHEMA_DIR, true);
  const t = { detect: 0, xsd: 0, read: 0 };
  const timed = async <T>(k: keyof typeof t, f: () => Promise<T> | T): Promise<T> => {
    const t0 = performance.now();
    const r = await f();
    t[k] += performance.now() - t0;
    return r;
  };
  const pools: Chain = async (b) => {
    const { detection: d, bytes } = await timed('detect', () => work.detect(b, { fileName: 'f.xml', keepTrees: true }));
    if (!d.ok) throw new Error('not detected');
    const { outcome, xml } = await timed('xsd', () => pool.validateHandingOver(bytes, d.flow.schemas, 'f.xml'));
    if (outcome.ok !== true) throw new Error('not valid');
    const tree = d.flow.tree !== undefined ? { tree: d.flow.tree } : {};
    const req = { xml, syntax: d.flow.syntax, rules: d.flow.rules, limits: DEFAULT_LIMITS, file: 'f.xml', ...tree };
    await timed('read', () => work.readAndCheck(req));
  };
  const inline: Chain = async (b) => {
    const d = await timed('detect', () => detectDeposit(b, { fileName: 'f.xml', keepTrees: true }));
    if (!d.ok) throw new Error('not detected');
    if ((await timed('xsd', () => validator.validateAll(b, d.flow.schemas, 'f.xml'))).ok !== true)
      throw new Error('not valid');
    const tree = d.flow.tree !== undefined ? { tree: d.flow.tree } : {};
    await timed('read', () =>
      readAndCheck({
        xml: b,
        syntax: d.flow.syntax,
        rules: d.flow.rules,
        limits: DEFAULT_LIMITS,
        file: 'f.xml',
        ...tree,
      }),
    );
  };
  const measure = async (chain: Chain, atOnce: number): Promise<Run> => {
    for (const b of flows.slice(0, 100)) await chain(Buffer.from(b)); // warm-up: schemas compiled, JIT
    t.detect = t.xsd = t.read = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: atOnce }, async () => {
        while (next < n) await chain(Buffer.from(flows[next++]!));
      }),
    );
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return {
      flowsPerSecond: n / (ms / 1000),
      cpuMsPerFlow: (cpu.user + cpu.system) / 1000 / n,
      stageMs: { detect: t.detect / n, xsd: t.xsd / n, read: t.read / n },
    };
  };
  const out: Record<string, number> = {};
  try {
    console.log(
      `hops (${n} small UBL flows; load average ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}):`,
    );
    for (const atOnce of [1, 16])
      for (const [name, chain] of [
        ['pools', pools],
        ['inline', inline],
      ] as const) {
        const r = await measure(chain, atOnce);
        const s = r.stageMs;
        console.log(
          `  ${name.padEnd(6)} ${String(atOnce).padStart(2)} at once: ${r.flowsPerSecond.toFixed(0)} flows/s, ` +
            `process CPU ${r.cpuMsPerFlow.toFixed(2)} ms a flow; a flow's detect ${s.detect.toFixed(2)} ms, ` +
            `XSD ${s.xsd.toFixed(2)} ms, read ${s.read.toFixed(2)} ms`,
        );
        out[`hops.${name}.x${atOnce}.flows/s`] = r.flowsPerSecond;
        out[`hops.${name}.x${atOnce}.cpuMs`] = r.cpuMsPerFlow;
      }
  } finally {
    await work.close();
    await pool.close();
    validator.dispose();
  }
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await benchHops();
  process.exit(0);
}
