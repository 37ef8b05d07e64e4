import { spawn } from 'node:child_process';

/** Opens a file or URL with the desktop's default browser, without waiting for it; says so when there is none. */
export function openInBrowser(target: string): void {
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(opener, [target], { detached: true, stdio: 'ignore' });
  child.on('error', () => console.error(`ctrain: could not start ${opener}; open ${target} yourself`));
  child.unref();
}
