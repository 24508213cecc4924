// The public surface of src/executor/index.ts: exactly the documented names.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as executor from '../../src/executor/index.js';

describe('entry point', () => {
  it('asyncio-ts/executor exports exactly the documented names', () => {
    assert.deepEqual(Object.keys(executor).sort(), [
      'WorkerCrashedError',
      'WorkerPool',
      'isJobCancelled',
      'move',
      'throwIfJobCancelled',
      'toThread',
      'workerModule',
    ]);
  });

  it('isJobCancelled() is false and throwIfJobCancelled() silent outside a worker job', () => {
    assert.equal(executor.isJobCancelled(), false);
    executor.throwIfJobCancelled();
  });

  it('WorkerCrashedError has its name and code', () => {
    const e = new executor.WorkerCrashedError('gone', 3);
    assert.equal(e.name, 'WorkerCrashedError');
    assert.equal(e.code, 'ERR_WORKER_CRASHED');
    assert.equal(e.exitCode, 3);
  });
});
