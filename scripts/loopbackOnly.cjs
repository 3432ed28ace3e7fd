/**
 * Preloaded into the Microsoft 365 Agents Playground (`node --require`): its servers call `listen(port)` with no
 * address, which listens on every network interface, and version 0.2.28 has no setting for it. A listen without a
 * host gets 127.0.0.1 here, so local mode stays on loopback like the bot and the devtenant. Listens that name a host
 * or a socket path are left alone.
 */
'use strict';
const net = require('node:net');

const LOOPBACK = '127.0.0.1';
const original = net.Server.prototype.listen;

net.Server.prototype.listen = function listenOnLoopback(...args) {
  const [first] = args;
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    if (typeof args[1] !== 'string') args.splice(1, 0, LOOPBACK);
  } else if (first && typeof first === 'object' && !('path' in first) && !('host' in first) && !('fd' in first)) {
    args[0] = { ...first, host: LOOPBACK };
  } else if (first === undefined || typeof first === 'function') {
    args.unshift(0, LOOPBACK);
  }
  return original.apply(this, args);
};
