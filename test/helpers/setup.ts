// Every test file computes on the backend `ready()` selects (TFJS_FLOWS_BACKEND overrides it).
import { beforeAll } from 'vitest';
import { ready } from '../../src/index.js';

beforeAll(async () => {
  await ready();
});
