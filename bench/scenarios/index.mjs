import s0 from './s0-ceiling.mjs';
import s1 from './s1-steps.mjs';
import s2 from './s2-jobs.mjs';
import s3 from './s3-start-latency.mjs';
import s4 from './s4-timers.mjs';
import s5 from './s5-scale.mjs';
import s6 from './s6-recovery.mjs';

/** Scenario id -> `async ({ adapter, runs, context }) => ({ params, runs: [figures per run], detail? })`. */
export const SCENARIOS = { S0: s0, S1: s1, S2: s2, S3: s3, S4: s4, S5: s5, S6: s6 };
SCENARIOS.S8 = (await import('./s8-fairness.mjs')).default; // fairness between concurrency keys (perKey)
