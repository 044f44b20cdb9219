/**
 * No flow blocks the others (issue 13 item 4): while a large flow is detected, validated and read, the small
 * flows sent after it are answered — by the real worker pools, each with a single worker as the daemon has by
 * default. A large flow goes to a worker of its own (the large lane), never ahead of the small flows.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { buildConfig } from '../src/config.ts';
import { queueLanes } from '../src/gateway/daemon.ts';
import { DEFAULT_LIMITS } from '../src/formats/limits.ts';
import { FlowWorkers, LARGE_FLOW_BYTES } from '../src/pipeline/work/pool.ts';
import { ValidationPool } from '../src/schemas/pool.ts';
import { LARGE_LANE_NICE } from '../src/thread-priority.ts';
import * as h from './helpers/hostile.ts';

const RULES = ['en16931', 'en16931-ubl'];
const UBL_REFS = [{ set: 'ubl-2.1', entry: 'maindoc/UBL-Invoice-2.1.xsd' }];

/** The nice value of each thread of this process (Linux), by thread id. */
function threadNices(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // After "(comm) ": state is field 3, nice field 19.
      out.set(tid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      /* the thread ended meanwhile */
    }
  }
  return out;
}

/** Detection then reading, as stages SYNTAXE and REGLE ask the pool; resolves with the invoices read. */
async function detectAndRead(work: FlowWorkers, bytes: Buffer, name: string): Promise<number> {
  const { detection, bytes: back } = await work.detect(Buffer.from(bytes), { fileName: name, keepTrees: true });
  if (!detection.ok) throw new Error(`${name} not detected`);
  const { checked } = await work.readAndCheck({
    xml: back,
    syntax: detection.flow.syntax,
    rules: RULES,
    limits: DEFAULT_LIMITS,
    file: name,
    ...(detection.flow.tree !== undefined ? { tree: detection.flow.tree } : {}),
  });
  return checked.invoices.length;
}

describe('flow workers: a small flow does not wait behind a large one', () => {
  let work: FlowWorkers;
  beforeAll(async () => {
    work = new FlowWorkers({ threads: 1 });
    // The small lane's worker started and warm, as in a running daemon.
    await detectAndRead(work, h.UBL_EXAMPLE, 'chaud.xml');
  }, 60000);
  afterAll(async () => {
    await work.close();
  });

  it('answers small flows sent while a large flow is being worked on, before it', async () => {
    const large = h.largeValidUbl(16 * 1024 * 1024, 'grande');
    expect(large.length).toBeGreaterThan(LARGE_FLOW_BYTES);
    const order: string[] = [];
    const big = detectAndRead(work, large, 'grande.xml').then((n) => {
      order.push('large');
      return n;
    });
    // While the large flow is busy in its worker (detection then reading: seconds), small flows one after another.
    // Its worker runs behind the small lane for the CPU (Linux: a thread of its own at a lower priority).
    const nicesSeen = new Set<number>();
    const sampling = setInterval(() => threadNices().forEach((n) => nicesSeen.add(n)), 10);
    void big.finally(() => clearInterval(sampling));
    const small: number[] = [];
    for (let i = 0; i < 5; i++) {
      const xml = Buffer.from(h.UBL_EXAMPLE.toString('utf8').replace('<cbc:ID>', `<!-- petite ${i} --><cbc:ID>`));
      small.push(await detectAndRead(work, xml, `petite-${i}.xml`));
      order.push(`small-${i}`);
    }
    expect(small).toEqual([1, 1, 1, 1, 1]);
    expect(await big).toBe(1);
    if (process.platform === 'linux') expect([...nicesSeen]).toContain(LARGE_LANE_NICE);
    // Every small flow was answered while the large one was still running.
    expect(order).toEqual(['small-0', 'small-1', 'small-2', 'small-3', 'small-4', 'large']);
    // The large flow's worker is gone once it is done: the small lane is what remains.
    expect(work.busy).toEqual([0]);
  }, 120000);
});

describe('XSD validation: a small document does not wait behind a large one', () => {
  let pool: ValidationPool;
  beforeAll(async () => {
    pool = new ValidationPool({ schemaDir: '/tmp/passerelle-no-installed-schemas', threads: 1 });
    // Schemas compiled in the small lane's worker, as in a running daemon.
    expect((await pool.validate(h.UBL_EXAMPLE, UBL_REFS)).ok).toBe(true);
  }, 60000);
  afterAll(async () => {
    await pool.close();
  });

  it('validates small documents sent while a large one is being validated, before it', async () => {
    const order: string[] = [];
    const big = pool.validate(h.largeValidUbl(24 * 1024 * 1024, 'xsd-grande'), UBL_REFS).then((o) => {
      order.push('large');
      return o;
    });
    for (let i = 0; i < 5; i++) {
      expect((await pool.validate(h.UBL_EXAMPLE, UBL_REFS)).ok).toBe(true);
      order.push(`small-${i}`);
    }
    expect((await big).ok).toBe(true);
    expect(order).toEqual(['small-0', 'small-1', 'small-2', 'small-3', 'small-4', 'large']);
    expect(pool.busy).toEqual([0]);
  }, 120000);
});

describe('queue lanes', () => {
  it('by default 4 lanes of 8: one lane between two batches (completion, fetch) leaves three running (issue 13)', () => {
    const { pipeline } = buildConfig({ dataDir: '/tmp/passerelle-lanes' }, {});
    expect(queueLanes(pipeline.concurrency, pipeline.queueLanes)).toEqual({ lanes: 4, batchSize: 8 });
  });

  it.each([1, 2, 3, 5, 10, 16, 17, 64, 256])(
    'concurrency %i: the lanes asked for (4 by default), of equal batches, never more flows at once',
    (concurrency) => {
      for (const wanted of [undefined, 1, 2, 4, 16]) {
        const { lanes, batchSize } = queueLanes(concurrency, wanted);
        expect(lanes).toBe(Math.min(wanted ?? 4, concurrency));
        expect(batchSize).toBeGreaterThanOrEqual(1);
        expect(lanes * batchSize).toBeLessThanOrEqual(concurrency);
        expect(lanes * batchSize).toBeGreaterThan(concurrency / 2);
      }
    },
  );
});
