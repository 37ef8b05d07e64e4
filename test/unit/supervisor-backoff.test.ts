import { describe, expect, it } from 'vitest';
import { restartDelayMs } from '../../stack/supervisor.js';

describe('restartDelayMs', () => {
  it('waits 1 s before the first restart, doubles while a process keeps failing, and stops at 30 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 20].map(restartDelayMs)).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('starts again at 1 s for a process that ran steadily before it ended', () => {
    expect(restartDelayMs(-1)).toBe(1000);
  });
});
