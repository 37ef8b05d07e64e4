import { Context } from '@temporalio/activity';
import { HEARTBEAT_EVERY_MS } from '../contracts/heartbeats.js';

/**
 * Wraps each activity of a group so it heartbeats on a timer while it runs. Temporal then
 * notices a killed worker within the step's heartbeat timeout (seconds) instead of its
 * start-to-close timeout (minutes), and a cancellation reaches the step with the next answer.
 * For steps that heartbeat nothing themselves: a timer beat carries no details.
 */
export function withHeartbeats<T extends Record<string, (input: never) => Promise<unknown>>>(activities: T): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, activity]) => [
      name,
      async (input: never) => {
        const context = Context.current();
        const timer = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
        try {
          return await activity(input);
        } finally {
          clearInterval(timer);
        }
      },
    ]),
  ) as T;
}
