// Loads the TypeScript worker through tsx, whatever way the main thread was started.
import { register } from 'tsx/esm/api';

register();
await import('./parse-worker.ts');
