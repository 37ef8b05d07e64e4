import { describe, expect, it } from 'vitest';
import { LogChunks } from '../../serving/log-chunks.js';

describe('LogChunks', () => {
  it('keeps every line once, in order, in bodies of at most the limit that end on whole lines, multi-byte text included', () => {
    const chunks = new LogChunks(1000);
    const lines = Array.from({ length: 400 }, (_, i) => `{"i":${i},"text":"${'é€'.repeat(i % 37)}"}`);
    for (const line of lines) chunks.add(line);
    const bodies = chunks.take();
    expect(bodies.length).toBeGreaterThan(10);
    for (const body of bodies) {
      expect(body.length).toBeLessThanOrEqual(1000);
      expect(body.at(-1)).toBe(0x0a);
    }
    expect(bodies.map((body) => body.toString('utf8')).join('')).toBe(`${lines.join('\n')}\n`);
    expect(chunks.take()).toEqual([]);
  });

  it('gives a line longer than the limit a body of its own, and goes on after take()', () => {
    const chunks = new LogChunks(100);
    chunks.add('short');
    chunks.add('x'.repeat(250));
    chunks.add('after');
    expect(chunks.take().map((body) => body.toString())).toEqual(['short\n', `${'x'.repeat(250)}\n`, 'after\n']);
    chunks.add('again');
    expect(chunks.take().map((body) => body.toString())).toEqual(['again\n']);
  });

  it('grows a body past its first size up to the limit, keeping what it held', () => {
    const chunks = new LogChunks(1024 * 1024);
    const line = 'y'.repeat(1000);
    for (let i = 0; i < 300; i++) chunks.add(line);
    const bodies = chunks.take();
    expect(bodies).toHaveLength(1);
    expect(bodies[0]!.toString()).toBe(`${line}\n`.repeat(300));
  });
});
