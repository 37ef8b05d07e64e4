/**
 * Heartbeat timing, stated once: steps beat every HEARTBEAT_EVERY_MS, workers pass beats on
 * within HEARTBEAT_THROTTLE, and workflows give steps a HEARTBEAT_TIMEOUT that several beats fit
 * in, so a killed worker is noticed in seconds rather than at the step's start-to-close timeout.
 */

/** How often a running step tells Temporal it is alive: the timer in withHeartbeats, and train's progress beat. */
export const HEARTBEAT_EVERY_MS = 2_000;

/** How long a step may go without a heartbeat before Temporal counts its worker dead and retries it elsewhere. */
export const HEARTBEAT_TIMEOUT = '15 seconds';

/**
 * How often a worker passes an activity's heartbeats on to the server. The SDK's default is
 * 80% of the heartbeat timeout (12 s for a 15 s timeout): a cancellation, which arrives in the
 * reply to a heartbeat, could then wait that long, and the Web UI would show an epoch 12 s old.
 * Once a second per running activity costs the server little.
 */
export const HEARTBEAT_THROTTLE = { maxHeartbeatThrottleInterval: '1 second', defaultHeartbeatThrottleInterval: '1 second' } as const;
