import { startDevtenant } from '../../devtenant/index.js';
import { serveControl } from './child.js';

/** The devtenant alone in a child process (its own core), with instant request moves and no added latency. */
const devtenant = await startDevtenant({ port: 0, timing: { submittedToNextMs: 0, deliveringToDeliveredMs: 0 } });
serveControl(devtenant.url, () => devtenant.close());
