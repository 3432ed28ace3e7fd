export {
  completeSignInWithCode,
  confirmTokenExchange,
  EXCHANGE_FAILED_TEXT,
  SIGN_IN_FAILED_TEXT,
  SIGN_IN_TEXT,
  SIGNED_IN_TEXT,
  withCardSignIn,
  withMessageSignIn,
} from './signIn.js';
export { currentSsoTurn, type SsoTurn, ssoTokenSource } from './ssoContext.js';
export { SsoTurnMiddleware, type TeamsSsoOptions, useTeamsSso } from './ssoMiddleware.js';
export { type UserTokenPort, userTokenPortFor } from './userTokens.js';
