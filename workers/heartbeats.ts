/**
 * How often a worker passes an activity's heartbeats on to the server. The SDK's default is
 * 80% of the heartbeat timeout (12 s for a 15 s timeout): a cancellation, which arrives in the
 * reply to a heartbeat, could then wait that long, and the Web UI would show an epoch 12 s old.
 * Once a second per running activity costs the server little.
 */
export const HEARTBEAT_THROTTLE = { maxHeartbeatThrottleInterval: '1 second', defaultHeartbeatThrottleInterval: '1 second' } as const;
