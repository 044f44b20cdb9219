/**
 * The daemon's transports (drop folders, SFTP, HTTP) start in the order the composition root gives and
 * stop in the reverse one, also after a start that failed half-way, and every one is stopped even when
 * another's stop fails (src/gateway/root.ts, RunningTransports).
 */
import { describe, expect, it } from '@jest/globals';
import type { Transport } from '../src/gateway/root.ts';
import { RunningTransports } from '../src/gateway/root.ts';

function recorder() {
  const events: string[] = [];
  const transport = (name: Transport['name'], fail: { start?: boolean; stop?: boolean } = {}): Transport => ({
    name,
    start: async () => {
      events.push(`start ${name}`);
      if (fail.start) throw new Error(`${name} port in use`);
    },
    stop: async () => {
      events.push(`stop ${name}`);
      if (fail.stop) throw new Error(`${name} would not close`);
    },
    port: () => null,
  });
  return { events, transport };
}

describe('transports', () => {
  it('stop in the reverse order of their start', async () => {
    const { events, transport } = recorder();
    const running = new RunningTransports();
    await running.start([transport('folder'), transport('sftp'), transport('http')]);
    await running.stop();
    expect(events).toEqual(['start folder', 'start sftp', 'start http', 'stop http', 'stop sftp', 'stop folder']);
    await running.stop();
    expect(events).toHaveLength(6);
  });

  it('after a start that failed half-way: the failed one and those before it are stopped, the rest never ran', async () => {
    const { events, transport } = recorder();
    const running = new RunningTransports();
    await expect(
      running.start([transport('folder'), transport('sftp', { start: true }), transport('http')]),
    ).rejects.toThrow('sftp port in use');
    await running.stop();
    expect(events).toEqual(['start folder', 'start sftp', 'stop sftp', 'stop folder']);
  });

  it('a stop that fails does not keep the others running; its error comes out after', async () => {
    const { events, transport } = recorder();
    const running = new RunningTransports();
    await running.start([transport('folder'), transport('sftp', { stop: true }), transport('http')]);
    await expect(running.stop()).rejects.toThrow('sftp would not close');
    expect(events.slice(3)).toEqual(['stop http', 'stop sftp', 'stop folder']);
  });
});
