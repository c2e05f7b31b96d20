import type { RequestHandler } from 'express';
import { toMilliseconds, type ActivityOptions } from '@steadfast/core';
import { toJsonValue } from '@steadfast/core/integration';
import { ApiError, asyncHandler } from './api-error.js';
import type { ActivityJson } from './api-types.js';
import type { RouterClient } from './router-options.js';

/**
 * `GET /api/activity?window=1h&bucket=1m`: what finished in the window, per bucket and in total, from the
 * stored workflows (`client.activity()`). Both parameters are durations (`'1h'`, `'30m'`, `'PT5M'`, or
 * milliseconds); defaults an hour in minutes.
 */
export function activityHandler(client: RouterClient): RequestHandler {
  return asyncHandler(async (req, res) => {
    const options: ActivityOptions = {};
    for (const key of ['window', 'bucket'] as const) {
      const raw = req.query[key];
      if (raw === undefined || raw === '') continue;
      if (typeof raw !== 'string') throw new ApiError(400, 'VALIDATION', `query parameter ${key} must be given once, as a string`);
      options[key] = toMilliseconds(raw, `query parameter ${key}`);
    }
    const body: ActivityJson = toJsonValue(await client.activity(options)) as unknown as ActivityJson;
    res.json(body);
  });
}
