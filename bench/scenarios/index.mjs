import s0 from './s0-ceiling.mjs';
import s1 from './s1-steps.mjs';
import s2 from './s2-jobs.mjs';
import s3 from './s3-start-latency.mjs';
import s4 from './s4-timers.mjs';
import s5 from './s5-scale.mjs';
import s6 from './s6-recovery.mjs';
import s7 from './s7-hosts.mjs';
import s8 from './s8-fairness.mjs';
import s9 from './s9-idle.mjs';

/**
 * Scenario id -> `async ({ adapter, runs, context }) => ({ params, runs: [figures per run], detail? })`, in the
 * order `npm run bench` runs them. A scenario that cannot run here returns `params.skipped` (the reason) and
 * no runs.
 */
export const SCENARIOS = {
  S0: s0,
  S1: s1,
  S2: s2,
  S3: s3,
  S4: s4,
  S5: s5,
  S6: s6,
  S7: s7,
  S8: s8,
  S9: s9,
};

/** Scenarios that apply to some adapters only (S7: several hosts against one database server). */
export const ONLY_ON = { S7: ['postgres'] };
