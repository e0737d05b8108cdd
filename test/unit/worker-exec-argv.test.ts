import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { workerExecArgv } from '../../src/worker-exec-argv.js';

describe('worker exec argv', () => {
  it('drops the module loaders, in both spellings, and keeps every other option', () => {
    assert.deepEqual(
      workerExecArgv([
        '--require', '/x/tsx/preflight.cjs', '--import', 'file:///x/tsx/loader.mjs', '--cpu-prof', '--cpu-prof-dir=/tmp/p',
        '--import=tsx', '-r', 'dotenv/config', '--loader=ts-node/esm', '--experimental-loader', 'x.mjs', '--max-old-space-size=512', '--inspect',
      ]),
      ['--cpu-prof', '--cpu-prof-dir=/tmp/p', '--max-old-space-size=512', '--inspect'],
    );
    assert.deepEqual(workerExecArgv([]), []);
  });
});
