/**
 * Finding and starting a headless Chromium for rendering figures, through `playwright-core` with a
 * browser already on the system (no download). Node only.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { BrowserNotFoundError } from '../../errors.js';

/** Flags that start Chromium headless without network, GPU or sandbox (containers, CI). */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
] as const;

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
];

const INSTALL_HINT =
  'install one: `sudo apt-get install -y chromium` (Debian/Ubuntu), `npx playwright-core install chromium`, ' +
  'or Google Chrome; or point to an executable with the TFJS_FLOWS_CHROMIUM environment variable or the `executablePath` option';

/**
 * Path of a Chromium/Chrome executable: the `TFJS_FLOWS_CHROMIUM` environment variable, else the
 * usual system locations, else a browser installed by `npx playwright-core install chromium`; `null`
 * when there is none.
 */
export function findBrowser(): string | null {
  const fromEnv = process.env.TFJS_FLOWS_CHROMIUM?.trim();
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : null;
  for (const path of CANDIDATES) if (existsSync(path)) return path;
  try {
    const managed = chromium.executablePath();
    if (managed && existsSync(managed)) return managed;
  } catch {
    // playwright-core throws when it has no browser of its own registered: nothing more to try.
  }
  return null;
}

/**
 * Start a headless Chromium. Playwright gives each launch a fresh temporary profile
 * (`--user-data-dir`) and deletes it on `close()`.
 * @throws BrowserNotFoundError when no executable is found or it does not start.
 */
export async function launchBrowser(executablePath?: string): Promise<Browser> {
  const fromEnv = process.env.TFJS_FLOWS_CHROMIUM?.trim();
  const path = executablePath ?? findBrowser();
  if (!path) {
    const looked = fromEnv ? `TFJS_FLOWS_CHROMIUM=${fromEnv} does not exist` : `looked in ${CANDIDATES.slice(0, 4).join(', ')} and playwright's own browsers`;
    throw new BrowserNotFoundError(`Rendering figures needs Chromium or Chrome, and none was found (${looked}); ${INSTALL_HINT}.`);
  }
  try {
    return await chromium.launch({ executablePath: path, headless: true, args: [...CHROMIUM_FLAGS] });
  } catch (e) {
    const reason = (e as Error)?.message?.split('\n')[0] ?? String(e);
    throw new BrowserNotFoundError(`Chromium at ${path} could not be started (${reason}); ${INSTALL_HINT}.`);
  }
}
