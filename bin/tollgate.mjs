#!/usr/bin/env node
// Entry point of `tollgate` / `npx tollgate`: TypeScript is loaded through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/index.ts');
