/**
 * Finding and starting a headless Chromium for rendering figures, through `playwright-core` with a
 * browser already on the system (no download). Node only.
 *
 * `playwright-core` is an optional peer dependency, loaded on first use: `tfjs-flows/node` imports
 * without it, and only PNG/SVG rendering asks for it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser } from 'playwright-core';
import { BrowserNotFoundError, RenderError } from '../../errors.js';

type Chromium = typeof import('playwright-core').chromium;

/** playwright-core's `chromium`, or `null` when the package is not installed. */
function loadChromium(): Chromium | null {
  try {
    return (createRequire(import.meta.url)('playwright-core') as typeof import('playwright-core')).chromium;
  } catch (e) {
    if ((e as NodeJS.ErrnoException)?.code === 'MODULE_NOT_FOUND') return null;
    throw e;
  }
}

function requireChromium(): Chromium {
  const chromium = loadChromium();
  if (!chromium) {
    throw new RenderError(
      'Rendering figures to PNG or SVG needs the optional peer dependency playwright-core, which is not installed: ' +
        '`npm install playwright-core` (HTML output with writeHtml needs nothing more)',
    );
  }
  return chromium;
}

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
    const managed = loadChromium()?.executablePath();
    if (managed && existsSync(managed)) return managed;
  } catch {
    // playwright-core throws when it has no browser of its own registered: nothing more to try.
  }
  return null;
}

/**
 * Start a headless Chromium. Playwright gives each launch a fresh temporary profile
 * (`--user-data-dir`) and deletes it on `close()`.
 * @throws RenderError when `playwright-core` is not installed; BrowserNotFoundError when no executable is
 *   found or it does not start.
 */
export async function launchBrowser(executablePath?: string): Promise<Browser> {
  const chromium = requireChromium();
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
