// Started by the stale-cleanup test: starts a harness stack owned by this process, prints it, then waits to be killed.
import { readState } from '../../stack/local-stack.js';
import { provision } from '../../stack/provision.js';
import { startTestStack } from '../../harness/test-stack.js';

const stack = await startTestStack(await provision(() => undefined));
const state = await readState(stack.home);
console.log(JSON.stringify({ home: stack.home, pids: state?.services.map((service) => service.pid) ?? [] }));
setInterval(() => undefined, 60_000);
