import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { PROJECT_ROOT } from '../../stack/paths.js';

/** Where the browser tests leave their screenshots (the README's pictures come from here). */
export const SCREENSHOTS = join(PROJECT_ROOT, 'test-output', 'screenshots');

/** Debian's chromium (scripts/setup-browser.sh installs it), or the one CTRAIN_CHROMIUM names. */
function chromiumPath(): string {
  if (process.env.CTRAIN_CHROMIUM) return process.env.CTRAIN_CHROMIUM;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('no chromium on PATH: run scripts/setup-browser.sh (npm test does) or set CTRAIN_CHROMIUM');
  }
}

/**
 * Headless Chromium. The flags keep it off the network it cannot reach here (background
 * updates, sync, QUIC) and let it run as root in a container.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A full-page screenshot under {@link SCREENSHOTS}; answers with its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
