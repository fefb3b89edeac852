import type { Page } from 'playwright-core';

/**
 * Record `page`'s console errors and uncaught exceptions in `errors`, and in `external` every request
 * whose URL `isLocal` rejects (a self-contained page makes none).
 */
export function watchPage(page: Page, errors: string[], external: string[], isLocal: (url: string) => boolean): void {
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => {
    if (!isLocal(r.url())) external.push(r.url());
  });
}
