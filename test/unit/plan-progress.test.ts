import { describe, expect, it } from 'vitest';
import { PlanProgress } from '../../pipeline/batch/plan-batch.js';

/** Whether a promise has settled once everything already queued has run. */
const settled = async (promise: Promise<void>) => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

describe('PlanProgress: how far planning runs ahead of issuing', () => {
  it('planning waits from its first documents until the first chunk is published, then goes on', async () => {
    const progress = new PlanProgress(false);
    progress.grew(4);
    const lead = progress.keepLead();
    expect(await settled(lead)).toBe(false);
    // Issuing took the chunk: still waiting, while it is printed and signed.
    progress.took(4);
    expect(await settled(lead)).toBe(false);
    progress.published();
    expect(await settled(lead)).toBe(true);
  });

  it('a first commit with no documents (rows that earn none) does not wait for a chunk that cannot come', async () => {
    const progress = new PlanProgress(false);
    progress.grew(0);
    expect(await settled(progress.keepLead())).toBe(true);
  });

  it('after the first chunk, waits only while more than 1,000 documents ahead', async () => {
    const progress = new PlanProgress(false);
    progress.grew(4);
    progress.took(4);
    progress.published();
    progress.grew(1000);
    expect(await settled(progress.keepLead())).toBe(true);
    progress.grew(500);
    const lead = progress.keepLead();
    expect(await settled(lead)).toBe(false);
    progress.took(499);
    expect(await settled(lead)).toBe(false);
    progress.took(1);
    expect(await settled(lead)).toBe(true);
  });

  it('issuing that ends (failed or stopped) before publishing anything releases the plan', async () => {
    const progress = new PlanProgress(false);
    progress.grew(4);
    progress.took(4);
    const lead = progress.keepLead();
    expect(await settled(lead)).toBe(false);
    progress.issuingEnded();
    expect(await settled(lead)).toBe(true);
  });
});
