/**
 * `npm run doctor`: checks a deployment with the bot's own environment, one line per check, each failure with its fix.
 * Exit 0 only when every check passes (local mode runs them against the devtenant; only the OAuth connection, which
 * does not exist there, is reported not applicable); 1 otherwise.
 */
import { checkOAuthConnection, signInResourceClient } from '../bot/auth/oauthConnectionCheck.js';
import { DEFAULT_TEAMS_APP_ID } from '../bot/proactive/installer.js';
import { formatReport, runDoctor } from '../services/doctor/index.js';

const env = process.env;
try {
  const report = await runDoctor({
    env,
    teamsAppId: env.TEAMS_APP_ID?.trim() || DEFAULT_TEAMS_APP_ID,
    oauthConnection: (config) => checkOAuthConnection(config, signInResourceClient(config, env)),
  });
  process.stdout.write(`Access Bot doctor (${report.mode ?? 'unknown'} mode)\n${formatReport(report.results, env)}\n`);
  const failed = report.results.filter((r) => r.status === 'fail').length;
  process.stdout.write(report.passed ? 'All checks passed.\n' : `${failed || 'Some'} check(s) did not pass.\n`);
  // Storage and token clients may still be retrying in the background; the answer is in.
  process.exit(report.passed ? 0 : 1);
} catch (err) {
  // A bug of the doctor itself: one line, never a stack (it could quote the environment).
  const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
  process.stdout.write(
    `${formatReport([{ name: 'doctor', status: 'fail', detail: reason, fix: 'Report this with the line above' }], env)}\n`,
  );
  process.exit(1);
}
