import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toMilliseconds, type Duration } from '../src/index.js';

/** Lets a test pass a value the type would reject (as a JavaScript caller could). */
function loose(v: unknown): Duration {
  return v as Duration;
}

describe('toMilliseconds', () => {
  it('a number is a number of milliseconds', () => {
    assert.equal(toMilliseconds(0), 0);
    assert.equal(toMilliseconds(250), 250);
    assert.equal(toMilliseconds(0.5), 0.5);
    assert.equal(toMilliseconds(86_400_000), 86_400_000);
  });

  it("'250ms', '1.5s', '2m' and '1h' are converted with their unit", () => {
    assert.equal(toMilliseconds('250ms'), 250);
    assert.equal(toMilliseconds('1.5s'), 1500);
    assert.equal(toMilliseconds('2m'), 120_000);
    assert.equal(toMilliseconds('1h'), 3_600_000);
  });

  it('accepts fractions, zero, and a space between the number and the unit', () => {
    assert.equal(toMilliseconds('0ms'), 0);
    assert.equal(toMilliseconds('0s'), 0);
    assert.equal(toMilliseconds('.5s'), 500);
    assert.equal(toMilliseconds('0.25h'), 900_000);
    assert.equal(toMilliseconds('1.5 s'), 1500);
    assert.equal(toMilliseconds(' 10 ms ' as Duration), 10);
  });

  it('null, undefined and Infinity mean no limit', () => {
    assert.equal(toMilliseconds(null), null);
    assert.equal(toMilliseconds(undefined), null);
    assert.equal(toMilliseconds(Infinity), null);
  });

  it('a negative number throws RangeError', () => {
    assert.throws(() => toMilliseconds(-1), RangeError);
    assert.throws(() => toMilliseconds(-0.001), RangeError);
    assert.throws(() => toMilliseconds(-Infinity), RangeError);
  });

  it('NaN throws RangeError', () => {
    assert.throws(() => toMilliseconds(NaN), RangeError);
  });

  it('a negative string throws RangeError', () => {
    assert.throws(() => toMilliseconds(loose('-1s')), RangeError);
    assert.throws(() => toMilliseconds(loose('-250ms')), RangeError);
  });

  it('an unparsable string throws TypeError', () => {
    for (const bad of ['', 'soon', '1d', '1 hour', 'ms', '1.2.3s', '5 5s', '1sm']) {
      assert.throws(() => toMilliseconds(loose(bad)), TypeError, `'${bad}'`);
    }
  });

  it('a value that is neither a number nor a string throws TypeError', () => {
    assert.throws(() => toMilliseconds(loose({})), TypeError);
    assert.throws(() => toMilliseconds(loose(true)), TypeError);
    assert.throws(() => toMilliseconds(loose(10n)), TypeError);
  });

  it('the error names what was being parsed and the offending value', () => {
    assert.throws(() => toMilliseconds(-5, 'retry delay'), /retry delay.*-5/);
    assert.throws(() => toMilliseconds(loose('soon'), 'sleep delay'), /sleep delay.*'soon'/);
    assert.throws(() => toMilliseconds(loose('soon')), /'250ms'/);
  });
});
