export { formatReport } from './format.js';
export { graphReachable } from './reachability.js';
export {
  CHECK_TIMEOUT_MS,
  type CheckResult,
  type CheckStatus,
  type DoctorOptions,
  type DoctorReport,
  runDoctor,
} from './run.js';
export { fail, ok, skip } from './types.js';
