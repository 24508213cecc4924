// The public surface of src/files/index.ts: exactly the documented names.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as files from '../../src/files/index.js';

describe('entry point', () => {
  it('asyncio-ts/files exports exactly the documented names', () => {
    assert.deepEqual(Object.keys(files).sort(), [
      'appendLines',
      'readLines',
      'readText',
      'writeAtomic',
      'writeText',
    ]);
  });
});
